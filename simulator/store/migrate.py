"""Bring a database to the newest schema with the Alembic revisions shipped in this package.

No alembic.ini is needed: the Alembic config is built here. The upgrade runs under a lock,
so several processes starting at once on a new database migrate it once and the others
wait and find it done:

- SQLite: one ``BEGIN IMMEDIATE`` transaction holds the database's write lock for the whole
  upgrade (the others wait up to the 30 s busy timeout). Foreign keys are off on that
  connection while it runs, because Alembic alters a SQLite table by copying it and dropping
  the old one, which would otherwise cascade; ``PRAGMA foreign_key_check`` runs before commit.
- PostgreSQL: ``pg_advisory_xact_lock`` inside the migration's transaction (DDL is transactional).

Databases made by the old hand-written migrations (a ``_migrations`` table listing
``m001_initial`` and ``m002_usage``) are stamped at the Alembic revision matching them, then
upgraded; revision 0003 converts their text columns to JSON in place.

A developer adding a revision: change ``schema.py``, then
``python -c "from simulator.store.migrate import autogenerate; autogenerate('what changed')"``
writes a draft into ``migrations/versions`` from a scratch SQLite database; review it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, inspect, select, text
from sqlalchemy.engine import Connection, Engine

from simulator.errors import StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
# The old hand-written migrations and the Alembic revision that reproduces each one's schema.
LEGACY_REVISIONS = {"m002_usage": "0002", "m001_initial": "0001"}
# Any fixed 64-bit number: the key of the PostgreSQL advisory lock that serialises migrations.
_PG_LOCK_KEY = 7_418_290_305_117


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Create or upgrade the schema to the newest revision (a no-op when it is there)."""
    head = head_revision()
    with engine.connect() as conn:  # the common case, a read only: already up to date
        if current_revision(conn) == head:
            return
    with _migration_lock(engine) as conn:
        if current_revision(conn) == head:  # another process did it while we waited
            return
        config = alembic_config(conn)
        legacy = _legacy_revision(conn)
        if legacy is not None:
            command.stamp(config, legacy)
        command.upgrade(config, "head")
        if conn.dialect.name == "sqlite":
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise StoreError(
                    f"Upgrading the database left {len(broken)} rows pointing at missing rows (first: {tuple(broken[0])}); "
                    "nothing was changed. Restore it from a backup or report this."
                )


def _legacy_revision(conn: Connection) -> str | None:
    """The Alembic revision matching an old hand-migrated database, None for a new or Alembic one."""
    tables = set(inspect(conn).get_table_names())
    if "alembic_version" in tables or "_migrations" not in tables:
        if "sessions" in tables and "alembic_version" not in tables:
            raise StoreError(
                "This database has practice tables but no record of its schema version, so it cannot be upgraded "
                "safely. Point SIMULATOR_DATABASE_URL at a new database (or an empty one)."
            )
        return None
    done = set(conn.execute(text("SELECT name FROM _migrations")).scalars())
    return next((rev for name, rev in LEGACY_REVISIONS.items() if name in done), None)


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection inside a transaction that no other migrating process can enter at the same time."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            # On the driver's connection, outside any transaction: inside one, SQLite ignores this pragma.
            driver: Any = conn.connection.driver_connection
            driver.execute("PRAGMA foreign_keys=OFF")
            try:
                with conn.execution_options(immediate=True).begin():  # BEGIN IMMEDIATE: the write lock
                    yield conn
            finally:
                driver.execute("PRAGMA foreign_keys=ON")
        else:
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    conn.execute(select(func.pg_advisory_xact_lock(_PG_LOCK_KEY)))
                yield conn


def autogenerate(message: str) -> None:  # pragma: no cover - a developer's tool
    """Draft a new revision: migrate a scratch SQLite database, then diff it against schema.py."""
    import tempfile

    from simulator.store.engine import make_engine

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'draft.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        command.revision(alembic_config(url=url), message=message, autogenerate=True)
