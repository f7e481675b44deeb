"""Alembic environment. ``simulator.store.migrate`` runs it on a connection it has locked;
for a developer's ``alembic revision --autogenerate`` (see that module) it opens the URL
given in the config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from simulator.store.schema import metadata

config = context.config


def _run(connection) -> None:  # noqa: ANN001
    # render_as_batch: SQLite can alter a table only by copying it; Alembic's batch mode does that.
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = create_engine(config.get_main_option("sqlalchemy.url"), poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
