"""The database: sessions, messages and debriefs. The source of truth for the app.

SQLite by default (WAL mode, a 30 s busy timeout and ``BEGIN IMMEDIATE`` for
writes, so concurrent Streamlit threads queue instead of failing); any SQLAlchemy
URL works. Every write that extends a conversation checks the session's revision,
so a second browser tab cannot interleave messages unnoticed.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from simulator.errors import SessionClosed, SessionConflict, StoreError

metadata = MetaData()

migrations_table = Table(
    "_migrations",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("applied_at", DateTime(timezone=True), nullable=False),
)

def _session_columns_m001() -> list[Column]:
    return [
        Column("id", String(32), primary_key=True),
        Column("user", String(200), nullable=False, index=True),
        Column("scenario_id", String(64), nullable=False),
        Column("scenario_version", Integer, nullable=False),
        Column("scenario_title", String(300), nullable=False),
        Column("voice", String(100), nullable=False),
        Column("started_at", DateTime(timezone=True), nullable=False),
        Column("updated_at", DateTime(timezone=True), nullable=False),
        Column("ended_at", DateTime(timezone=True)),
        Column("end_reason", String(40)),
        Column("state_json", Text, nullable=False),
        Column("revision", Integer, nullable=False, default=0),
    ]


sessions = Table(
    "sessions",
    metadata,
    *_session_columns_m001(),
    Column("tokens_in", Integer, nullable=False, default=0),  # m002
    Column("tokens_out", Integer, nullable=False, default=0),  # m002
    Column("cost_usd", Float),  # m002
)

messages = Table(
    "messages",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("role", String(16), nullable=False),  # manager | persona
    Column("text", Text, nullable=False),
    Column("tagging_json", Text),
    Column("state_json", Text),  # persona messages: the state after this turn
    Column("interrupted", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("session_id", "seq", name="uq_message_seq"),
)

debriefs = Table(
    "debriefs",
    metadata,
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("scorer", String(100), nullable=False),
    Column("data_json", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def _m001_initial(conn: Connection) -> None:
    Table("sessions", MetaData(), *_session_columns_m001()).create(conn)
    metadata.create_all(conn, tables=[messages, debriefs])


def _m002_usage(conn: Connection) -> None:
    """Token use and estimated cost per session (language-model sessions)."""
    for column in ("tokens_in INTEGER NOT NULL DEFAULT 0", "tokens_out INTEGER NOT NULL DEFAULT 0", "cost_usd FLOAT"):
        conn.exec_driver_sql(f"ALTER TABLE sessions ADD COLUMN {column}")


MIGRATIONS = [("m001_initial", _m001_initial), ("m002_usage", _m002_usage)]


@dataclass(frozen=True)
class SessionRecord:
    id: str
    user: str
    scenario_id: str
    scenario_version: int
    scenario_title: str
    voice: str
    started_at: dt.datetime
    updated_at: dt.datetime
    ended_at: dt.datetime | None
    end_reason: str | None
    state: dict[str, Any]
    revision: int
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float | None = None


@dataclass(frozen=True)
class MessageRecord:
    seq: int
    role: str
    text: str
    tagging: dict[str, Any] | None
    state: dict[str, Any] | None
    interrupted: bool
    created_at: dt.datetime


def _now() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


def _session(row) -> SessionRecord:
    return SessionRecord(
        id=row.id,
        user=row.user,
        scenario_id=row.scenario_id,
        scenario_version=row.scenario_version,
        scenario_title=row.scenario_title,
        voice=row.voice,
        started_at=row.started_at,
        updated_at=row.updated_at,
        ended_at=row.ended_at,
        end_reason=row.end_reason,
        state=json.loads(row.state_json),
        revision=row.revision,
        tokens_in=row.tokens_in,
        tokens_out=row.tokens_out,
        cost_usd=row.cost_usd,
    )


class Store:
    def __init__(self, engine: Engine):
        self.engine = engine

    # ------------------------------------------------------------ writes
    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A transaction that takes the write lock at once (SQLite: BEGIN IMMEDIATE)."""
        with self.engine.connect() as conn:
            conn.execution_options(immediate=True)
            with conn.begin():
                yield conn

    def create_session(self, *, user: str, scenario_id: str, scenario_version: int, scenario_title: str, voice: str, state: dict, opening: str) -> str:
        session_id = uuid.uuid4().hex
        now = _now()
        with self._write() as conn:
            conn.execute(
                sessions.insert().values(
                    id=session_id, user=user, scenario_id=scenario_id, scenario_version=scenario_version,
                    scenario_title=scenario_title, voice=voice, started_at=now, updated_at=now,
                    state_json=json.dumps(state), revision=1,
                )
            )
            conn.execute(messages.insert().values(session_id=session_id, seq=0, role="persona", text=opening, state_json=json.dumps(state), interrupted=False, created_at=now))
        return session_id

    def _check(self, conn: Connection, session_id: str, expected_revision: int) -> Any:
        row = conn.execute(select(sessions).where(sessions.c.id == session_id)).first()
        if row is None:
            raise StoreError(f"Practice session {session_id} does not exist. Start a new one from the scenario library.")
        if row.ended_at is not None:
            raise SessionClosed("This conversation has ended; its debrief is ready. Start a new session to practise again.")
        if row.revision != expected_revision:
            raise SessionConflict(
                "This conversation changed in another tab or window. The page has been reloaded with the latest messages; "
                "send your message again if it still fits."
            )
        return row

    def _next_seq(self, conn: Connection, session_id: str) -> int:
        return (conn.execute(select(func.max(messages.c.seq)).where(messages.c.session_id == session_id)).scalar() or 0) + 1

    def add_manager_message(self, session_id: str, text_: str, *, tagging: dict, expected_revision: int) -> tuple[int, int]:
        """Store the manager's message before the persona answers. Returns (new revision, message seq)."""
        with self._write() as conn:
            self._check(conn, session_id, expected_revision)
            seq = self._next_seq(conn, session_id)
            conn.execute(messages.insert().values(session_id=session_id, seq=seq, role="manager", text=text_, tagging_json=json.dumps(tagging), interrupted=False, created_at=_now()))
            conn.execute(sessions.update().where(sessions.c.id == session_id).values(revision=expected_revision + 1, updated_at=_now()))
        return expected_revision + 1, seq

    def set_tagging(self, session_id: str, seq: int, tagging: dict) -> None:
        """Replace a stored message's tagging (a model tagger's answer arrived after the message was saved)."""
        with self._write() as conn:
            conn.execute(messages.update().where(messages.c.session_id == session_id, messages.c.seq == seq).values(tagging_json=json.dumps(tagging)))

    def add_persona_message(self, session_id: str, text_: str, *, state: dict, expected_revision: int, interrupted: bool = False) -> int:
        with self._write() as conn:
            self._check(conn, session_id, expected_revision)
            conn.execute(messages.insert().values(session_id=session_id, seq=self._next_seq(conn, session_id), role="persona", text=text_, state_json=json.dumps(state), interrupted=interrupted, created_at=_now()))
            conn.execute(sessions.update().where(sessions.c.id == session_id).values(state_json=json.dumps(state), revision=expected_revision + 1, updated_at=_now()))
        return expected_revision + 1

    def end_session(self, session_id: str, *, state: dict, reason: str) -> None:
        now = _now()
        with self._write() as conn:
            conn.execute(
                sessions.update().where(sessions.c.id == session_id, sessions.c.ended_at.is_(None)).values(
                    ended_at=now, end_reason=reason, state_json=json.dumps(state), updated_at=now, revision=sessions.c.revision + 1
                )
            )

    def add_usage(self, session_id: str, *, tokens_in: int, tokens_out: int, cost_usd: float | None) -> None:
        """Add a model call's tokens (and cost, when the price is known) to the session's totals."""
        with self._write() as conn:
            values = {"tokens_in": sessions.c.tokens_in + tokens_in, "tokens_out": sessions.c.tokens_out + tokens_out}
            if cost_usd is not None:
                values["cost_usd"] = func.coalesce(sessions.c.cost_usd, 0.0) + cost_usd
            conn.execute(sessions.update().where(sessions.c.id == session_id).values(**values))

    def save_debrief(self, session_id: str, *, scorer: str, data: dict) -> None:
        with self._write() as conn:
            conn.execute(debriefs.delete().where(debriefs.c.session_id == session_id))
            conn.execute(debriefs.insert().values(session_id=session_id, scorer=scorer, data_json=json.dumps(data), created_at=_now()))

    # ------------------------------------------------------------- reads
    def get_session(self, session_id: str) -> SessionRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(sessions).where(sessions.c.id == session_id)).first()
        return _session(row) if row else None

    def list_sessions(self, user: str | None = None, limit: int = 200) -> list[SessionRecord]:
        query = select(sessions).order_by(sessions.c.started_at.desc()).limit(limit)
        if user is not None:
            query = query.where(sessions.c.user == user)
        with self.engine.connect() as conn:
            return [_session(r) for r in conn.execute(query)]

    def messages(self, session_id: str) -> list[MessageRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(messages).where(messages.c.session_id == session_id).order_by(messages.c.seq))
            return [
                MessageRecord(
                    seq=r.seq, role=r.role, text=r.text,
                    tagging=json.loads(r.tagging_json) if r.tagging_json else None,
                    state=json.loads(r.state_json) if r.state_json else None,
                    interrupted=bool(r.interrupted), created_at=r.created_at,
                )
                for r in rows
            ]

    def get_debrief(self, session_id: str) -> tuple[str, dict] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(debriefs).where(debriefs.c.session_id == session_id)).first()
        return (row.scorer, json.loads(row.data_json)) if row else None


def _sqlite_pragmas(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.isolation_level = None  # let SQLAlchemy's events below issue BEGIN
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")


def migrate(engine: Engine) -> None:
    with engine.begin() as conn:
        metadata.create_all(conn, tables=[migrations_table])
        done = {r.name for r in conn.execute(select(migrations_table.c.name))}
        for name, step in MIGRATIONS:
            if name not in done:
                step(conn)
                conn.execute(migrations_table.insert().values(name=name, applied_at=_now()))


def open_store(url: str) -> Store:
    """Open (and create or migrate) the database at a SQLAlchemy URL."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        path = Path(url.removeprefix("sqlite:///"))
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"Cannot create the data folder {path.parent}: {exc.strerror}. "
                "Set SIMULATOR_DATA_DIR to a folder you can write to."
            ) from None
    try:
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False} if url.startswith("sqlite") else {})
        if engine.dialect.name == "sqlite":
            _sqlite_pragmas(engine)
        migrate(engine)
    except (OperationalError, SQLAlchemyError) as exc:
        raise StoreError(
            f"Cannot open the database at {url}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}. "
            "Check SIMULATOR_DATABASE_URL and that the folder is writable."
        ) from None
    return Store(engine)
