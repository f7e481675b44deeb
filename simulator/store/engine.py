"""Connections: one SQLAlchemy engine per database URL, with SQLite made safe for many writers.

SQLite, on every new connection: a 30 s busy timeout (set first, so even switching to WAL
waits for a lock instead of failing), WAL journal mode, foreign keys on. Writes ask for
``immediate=True`` and get ``BEGIN IMMEDIATE``: the write lock is taken at the start, so
two writers queue rather than one failing when it upgrades a read lock.
PostgreSQL: any SQLAlchemy URL, e.g. ``postgresql+psycopg://user@host/db`` (psycopg 3).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import StaticPool

SQLITE_BUSY_TIMEOUT_S = 30


MEMORY_URL = "sqlite:///:memory:"  # a database that lives in this process only ("don't store this session")


def make_engine(url: str) -> Engine:
    if url == MEMORY_URL:  # one connection shared by every thread: else each thread would get its own empty database
        engine = create_engine(url, connect_args={"check_same_thread": False}, poolclass=StaticPool)
        _sqlite_setup(engine)
        return engine
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False})
        _sqlite_setup(engine)
        return engine
    return create_engine(url, pool_pre_ping=True)


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # the driver must not BEGIN on its own; the "begin" event below does
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cur.execute("PRAGMA journal_mode=WAL")
        # In WAL mode NORMAL syncs at checkpoints, not at every commit: a commit costs microseconds instead of a
        # disk flush (0.6 to 8 ms here, and the manager's message is committed before the persona's request).
        # A committed turn survives the app being killed (the reliability suite kills it mid-stream); a power
        # cut or an OS crash can lose the last turns, never corrupt the file (sqlite.org/pragma.html#pragma_synchronous).
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")
