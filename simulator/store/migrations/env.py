"""Alembic environment. ``simulator.store.migrate`` runs it on a connection it has locked;
for a developer's ``alembic revision --autogenerate`` (see that module) it opens the URL
given in the config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Connection

from simulator.store.schema import metadata

config = context.config


def _run(connection: Connection) -> None:
    # render_as_batch: SQLite can alter a table only by copying it; Alembic's batch mode does that.
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise SystemExit("Set sqlalchemy.url in the Alembic config (see simulator.store.migrate.autogenerate).")
    engine = create_engine(url, poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
