"""The database: sessions, messages, debriefs, scenario versions and model calls. The source
of truth for the app.

SQLite by default (see ``engine.py`` for the settings that let many threads and processes
write), PostgreSQL through psycopg 3; the schema is in ``schema.py``, its migrations in
``migrations/`` (run by ``open_store``).

Every write that extends a conversation is one conditional UPDATE of the session row,
``WHERE id = :id AND revision = :expected AND ended_at IS NULL``, which bumps the revision
and hands out the next message seq (``last_seq + 1``, returned by the same statement).
When it matches no row the write is refused: a second browser tab (or any other writer)
got there first, the session has ended, or it does not exist. No read-then-write, no
``max(seq) + 1``: this holds on SQLite and on PostgreSQL alike, at any isolation level.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Table, bindparam, case, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, SQLAlchemyError
from sqlalchemy.sql.dml import Update

from simulator.errors import SessionClosed, SessionConflict, SimulatorError, StoreError
from simulator.store.engine import make_engine
from simulator.store.migrate import upgrade
from simulator.store.schema import (
    PURPOSES,
    USAGE_SOURCES,
    debriefs,
    memberships,
    messages,
    model_calls,
    scenario_versions,
    sessions,
    teams,
    users,
)


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
    scenario_hash: str | None = None  # the scenario version played: Store.scenario_snapshot(hash)
    seed: int | None = None
    parent_session_id: str | None = None  # a replay branch: the session it branched from...
    branched_from_seq: int | None = None  # ...after this message
    scores_shared: bool = False  # the author shared the debrief's scores with their teams' leads
    transcript_shared: bool = False  # ...and, separately, the conversation itself


@dataclass(frozen=True)
class MessageRecord:
    seq: int
    role: str
    text: str
    tagging: dict[str, Any] | None
    state: dict[str, Any] | None
    interrupted: bool
    created_at: dt.datetime | None
    rules_tagging: dict[str, Any] | None = None  # the rules' tagging when a model's replaced it
    tagger: str | None = None  # "rules" or "model:<name>" (None: stored before this was recorded)
    model: str | None = None  # persona messages: the model that wrote it, or "offline"
    prompt_version: str | None = None


@dataclass(frozen=True)
class ModelCallRecord:
    id: int
    session_id: str
    seq: int | None
    purpose: str
    model: str | None
    tokens_in: int
    tokens_out: int
    requests: int
    cost_usd: float | None
    source: str
    created_at: dt.datetime


@dataclass(frozen=True)
class UserRecord:
    id: str  # what sessions.user holds: the login email in team mode
    name: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class MembershipRecord:
    team_id: str
    user_id: str
    role: str  # manager | trainer | team_lead | admin


def _columns(table: Table, record_type: type) -> list[Column]:
    """The table's columns named like the record's fields (one name for both, no mapping code)."""
    return [table.c[f.name] for f in fields(record_type)]


_SESSION_COLUMNS = _columns(sessions, SessionRecord)
_MESSAGE_COLUMNS = _columns(messages, MessageRecord)
_MODEL_CALL_COLUMNS = _columns(model_calls, ModelCallRecord)
_USER_COLUMNS = _columns(users, UserRecord)
_MEMBERSHIP_COLUMNS = _columns(memberships, MembershipRecord)
_PG_TEAMS_LOCK_KEY = 7_418_290_305_118  # any fixed 64-bit number (the migrations' lock is ...117)
_USAGE_KEYS = {"purpose", "model", "tokens_in", "tokens_out", "requests", "cost_usd", "source"}


def snapshot_hash(snapshot: Mapping[str, Any]) -> str:
    """The content hash of a scenario snapshot: sha256 of its canonical JSON, hex."""
    canonical = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _usage_rows(session_id: str, seq: int | None, usage: Sequence[Mapping[str, Any]], now: dt.datetime) -> list[dict]:
    rows = []
    for call in usage:
        unknown = set(call) - _USAGE_KEYS
        if unknown:
            raise ValueError(f"usage has unknown keys {sorted(unknown)}; allowed: {sorted(_USAGE_KEYS)}")
        purpose, source = call["purpose"], call.get("source", "api")
        if purpose not in PURPOSES:
            raise ValueError(f"usage purpose {purpose!r} is not one of {PURPOSES}")
        if source not in USAGE_SOURCES:
            raise ValueError(f"usage source {source!r} is not one of {USAGE_SOURCES}")
        rows.append({
            "session_id": session_id, "seq": seq, "purpose": purpose, "model": call.get("model"),
            "tokens_in": int(call["tokens_in"]), "tokens_out": int(call["tokens_out"]),
            "requests": int(call.get("requests", 1)), "cost_usd": call.get("cost_usd"), "source": source, "created_at": now,
        })
    return rows


def _totals(rows: list[dict]) -> dict[str, Any]:
    """SET values adding the calls' tokens (and known costs) to the session's totals."""
    if not rows:
        return {}
    values: dict[str, Any] = {
        "tokens_in": sessions.c.tokens_in + sum(r["tokens_in"] for r in rows),
        "tokens_out": sessions.c.tokens_out + sum(r["tokens_out"] for r in rows),
    }
    costs = [r["cost_usd"] for r in rows if r["cost_usd"] is not None]
    if costs:
        values["cost_usd"] = func.coalesce(sessions.c.cost_usd, 0.0) + sum(costs)
    return values


@functools.cache
def _advance_statement(*, ended: bool, state: bool, totals: bool, cost: bool) -> Update:
    """The conditional UPDATE of ``Store._advance``, built once per shape: its values are bound at
    execution (``sid``, ``expected``, ``now``, ``new_state``, ``add_in``, ``add_out``, ``add_cost``), so
    a turn's writes reuse SQLAlchemy's compiled statement instead of building and keying a new one."""
    values: dict[str, Any] = {
        "revision": sessions.c.revision + 1, "last_seq": sessions.c.last_seq + 1,
        "updated_at": bindparam("now", type_=sessions.c.updated_at.type),
    }
    if state:
        values["state"] = bindparam("new_state", type_=sessions.c.state.type)
    if totals:
        values["tokens_in"] = sessions.c.tokens_in + bindparam("add_in", type_=sessions.c.tokens_in.type)
        values["tokens_out"] = sessions.c.tokens_out + bindparam("add_out", type_=sessions.c.tokens_out.type)
    if cost:
        values["cost_usd"] = func.coalesce(sessions.c.cost_usd, 0.0) + bindparam("add_cost", type_=sessions.c.cost_usd.type)
    open_or_ended = sessions.c.ended_at.is_not(None) if ended else sessions.c.ended_at.is_(None)
    return (
        update(sessions)
        .where(sessions.c.id == bindparam("sid"), sessions.c.revision == bindparam("expected"), open_or_ended)
        .values(**values)
        .returning(sessions.c.last_seq)
    )


_INSERT_MESSAGE = insert(messages)  # executed with a dict of the row's values (one compiled statement per set of keys)
_INSERT_MODEL_CALLS = insert(model_calls)


class Store:
    def __init__(self, engine: Engine):
        self.engine = engine

    # ------------------------------------------------------------ writes
    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A transaction that takes the write lock at once (SQLite: BEGIN IMMEDIATE)."""
        with self.engine.connect() as conn, conn.execution_options(immediate=True).begin():
            yield conn

    def create_session(
        self, *, user: str, scenario_id: str, scenario_version: int, scenario_title: str, voice: str, state: dict,
        opening: str, scenario_hash: str | None = None, scenario_snapshot: dict | None = None, seed: int | None = None,
        parent_session_id: str | None = None, branched_from_seq: int | None = None,
    ) -> str:
        """Start a session with the persona's opening line (seq 0). With ``scenario_snapshot``,
        that version of the scenario is kept (under ``scenario_hash``, computed when not given)."""
        if scenario_snapshot is not None and scenario_hash is None:
            scenario_hash = snapshot_hash(scenario_snapshot)
        session_id = uuid.uuid4().hex
        now = _now()
        try:
            with self._write() as conn:
                if scenario_snapshot is not None:
                    self._keep_scenario_version(conn, scenario_hash, scenario_id, scenario_snapshot, now)
                conn.execute(insert(sessions).values(
                    id=session_id, user=user, scenario_id=scenario_id, scenario_version=scenario_version,
                    scenario_title=scenario_title, voice=voice, started_at=now, updated_at=now, state=state,
                    revision=1, last_seq=0, scenario_hash=scenario_hash, seed=seed,
                    parent_session_id=parent_session_id, branched_from_seq=branched_from_seq,
                ))
                conn.execute(insert(messages).values(
                    session_id=session_id, seq=0, role="persona", text=opening, state=state, interrupted=False, created_at=now,
                ))
        except IntegrityError:
            raise StoreError(
                f"Cannot start the session: scenario version {scenario_hash} or parent session {parent_session_id} "
                "is not in the database. Pass scenario_snapshot with a new scenario version."
            ) from None
        return session_id

    def create_branch(self, parent_id: str, *, before_seq: int, user: str, state: dict) -> str:
        """A new session that replays `parent_id` from a point: its messages before `before_seq`
        (same seqs, taggings and states), the parent's scenario version and seed, and `state`
        as its current state. One transaction: a branch exists whole or not at all."""
        session_id = uuid.uuid4().hex
        now = _now()
        with self._write() as conn:
            parent = conn.execute(select(*_SESSION_COLUMNS).where(sessions.c.id == parent_id)).first()
            if parent is None:
                raise StoreError(f"No practice session with id {parent_id} to replay. List your sessions with `simulator sessions list`.")
            copied = conn.execute(
                select(*_MESSAGE_COLUMNS).where(messages.c.session_id == parent_id, messages.c.seq < before_seq).order_by(messages.c.seq)
            ).all()
            if not copied:
                raise StoreError(f"Session {parent_id} has no messages before message {before_seq}: nothing to replay from.")
            conn.execute(insert(sessions).values(
                id=session_id, user=user, scenario_id=parent.scenario_id, scenario_version=parent.scenario_version,
                scenario_title=parent.scenario_title, voice=parent.voice, started_at=now, updated_at=now, state=state,
                revision=1, last_seq=copied[-1].seq, scenario_hash=parent.scenario_hash, seed=parent.seed,
                parent_session_id=parent_id, branched_from_seq=before_seq,
            ))
            conn.execute(insert(messages), [{**row._mapping, "session_id": session_id} for row in copied])
        return session_id

    def _keep_scenario_version(self, conn: Connection, digest: str | None, scenario_id: str, data: dict, now: dt.datetime) -> None:
        """Insert the snapshot unless that hash is already stored (content-addressed: same hash, same data)."""
        values = {"hash": digest, "scenario_id": scenario_id, "data": data, "created_at": now}
        if conn.dialect.name == "postgresql":
            conn.execute(postgresql_insert(scenario_versions).values(**values).on_conflict_do_nothing(index_elements=["hash"]))
        elif conn.dialect.name == "sqlite":
            conn.execute(sqlite_insert(scenario_versions).values(**values).on_conflict_do_nothing(index_elements=["hash"]))
        elif conn.execute(select(scenario_versions.c.hash).where(scenario_versions.c.hash == digest)).first() is None:
            conn.execute(insert(scenario_versions).values(**values))

    def _advance(self, conn: Connection, session_id: str, expected_revision: int, *, state: dict | None = None,
                 rows: Sequence[Mapping[str, Any]] = (), ended: bool = False) -> int | None:
        """The conditional UPDATE: bump revision and last_seq if nobody else wrote since
        ``expected_revision`` (and the session is open, or with ``ended`` closed), setting ``state``
        and adding the usage ``rows`` to the session's totals. Returns the new message seq, or None
        when no row matched (the row it returns is the row-count check, and saves reading the seq back)."""
        costs = [r["cost_usd"] for r in rows if r["cost_usd"] is not None]
        stmt = _advance_statement(ended=ended, state=state is not None, totals=bool(rows), cost=bool(costs))
        params: dict[str, Any] = {"sid": session_id, "expected": expected_revision, "now": _now()}
        if state is not None:
            params["new_state"] = state
        if rows:
            params["add_in"] = sum(r["tokens_in"] for r in rows)
            params["add_out"] = sum(r["tokens_out"] for r in rows)
        if costs:
            params["add_cost"] = sum(costs)
        return conn.execute(stmt, params).scalar_one_or_none()

    def _refusal(self, conn: Connection, session_id: str) -> SimulatorError:
        """Why a conditional UPDATE matched no row (read only on that rare path)."""
        row = conn.execute(select(sessions.c.ended_at).where(sessions.c.id == session_id)).first()
        if row is None:
            return StoreError(f"Practice session {session_id} does not exist. Start a new one from the scenario library.")
        if row.ended_at is not None:
            return SessionClosed("This conversation has ended; its debrief is ready. Start a new session to practise again.")
        return SessionConflict(
            "This conversation changed in another tab or window. The page has been reloaded with the latest messages; "
            "send your message again if it still fits."
        )

    def add_manager_message(
        self, session_id: str, text: str, *, tagging: dict, expected_revision: int, tagger: str = "rules",
        rules_tagging: dict | None = None, last_word: bool = False,
    ) -> tuple[int, int]:
        """Store the manager's message before the persona answers. Returns (new revision, message seq).

        ``tagger`` says who made ``tagging``; when it is a model, ``rules_tagging`` keeps the rules' one.
        ``last_word``: the session has ended (the persona closed it) and this is the manager's last sentence.
        """
        with self._write() as conn:
            seq = self._advance(conn, session_id, expected_revision, ended=last_word)
            if seq is None:
                if last_word:
                    raise SessionConflict("This conversation changed in another tab or window. Reload the page to see it.")
                raise self._refusal(conn, session_id)
            conn.execute(_INSERT_MESSAGE, {
                "session_id": session_id, "seq": seq, "role": "manager", "text": text, "tagging": tagging,
                "rules_tagging": rules_tagging, "tagger": tagger, "interrupted": False, "created_at": _now(),
            })
        return expected_revision + 1, seq

    def set_tagging(self, session_id: str, seq: int, tagging: dict, *, tagger: str = "model") -> None:
        """Replace a stored message's tagging (a model tagger answered after the message was saved).

        The rules' tagging it replaces is kept in ``rules_tagging``.
        """
        values: dict[str, Any] = {"tagging": tagging, "tagger": tagger}
        if tagger != "rules":  # SET sees the old row: move the rules' tagging aside if that is what it was
            values["rules_tagging"] = case((messages.c.tagger == "rules", messages.c.tagging), else_=messages.c.rules_tagging)
        with self._write() as conn:
            result = conn.execute(
                update(messages).where(messages.c.session_id == session_id, messages.c.seq == seq).values(**values)
            )
            if result.rowcount != 1:
                raise StoreError(f"Practice session {session_id} has no message {seq} to re-tag.")

    def add_persona_message(
        self, session_id: str, text: str, *, state: dict, expected_revision: int, interrupted: bool = False,
        model: str | None = None, prompt_version: str | None = None, usage: Sequence[Mapping[str, Any]] = (),
    ) -> int:
        """Store the persona's reply, the session's new state, and the model calls that made it
        (rows in model_calls, added to the session's totals): one transaction. Returns the new revision.

        If the write is refused (another tab, or the session ended), the calls' usage is still
        recorded, since the tokens were spent, and the refusal is raised.
        """
        now = _now()
        rows = _usage_rows(session_id, None, usage, now)
        with self._write() as conn:
            seq = self._advance(conn, session_id, expected_revision, state=state, rows=rows)
            if seq is None:
                refusal = self._refusal(conn, session_id)
                if rows and isinstance(refusal, (SessionClosed, SessionConflict)):  # the session exists: keep what was spent
                    self._record_usage(conn, session_id, rows)
            else:
                refusal = None
                conn.execute(_INSERT_MESSAGE, {
                    "session_id": session_id, "seq": seq, "role": "persona", "text": text, "state": state,
                    "interrupted": interrupted, "model": model, "prompt_version": prompt_version, "created_at": now,
                })
                if rows:
                    conn.execute(_INSERT_MODEL_CALLS, [{**r, "seq": seq} for r in rows])
        if refusal is not None:
            raise refusal
        return expected_revision + 1

    def _record_usage(self, conn: Connection, session_id: str, rows: list[dict]) -> None:
        result = conn.execute(update(sessions).where(sessions.c.id == session_id).values(**_totals(rows)))
        if result.rowcount != 1:
            raise StoreError(f"Practice session {session_id} does not exist; its model usage cannot be recorded.")
        conn.execute(insert(model_calls), rows)

    def set_state(self, session_id: str, *, state: dict, expected_revision: int) -> int:
        """Replace the state of an open session without a message (e.g. a hint was used). Returns the new revision."""
        with self._write() as conn:
            result = conn.execute(
                update(sessions)
                .where(sessions.c.id == session_id, sessions.c.revision == expected_revision, sessions.c.ended_at.is_(None))
                .values(state=state, revision=sessions.c.revision + 1, updated_at=_now())
            )
            if result.rowcount != 1:
                raise self._refusal(conn, session_id)
        return expected_revision + 1

    def end_session(self, session_id: str, *, state: dict, reason: str) -> None:
        now = _now()
        with self._write() as conn:
            conn.execute(
                update(sessions).where(sessions.c.id == session_id, sessions.c.ended_at.is_(None)).values(
                    ended_at=now, end_reason=reason, state=state, updated_at=now, revision=sessions.c.revision + 1
                )
            )

    def add_usage(
        self, session_id: str, *, tokens_in: int, tokens_out: int, cost_usd: float | None, purpose: str = "judge",
        model: str | None = None, requests: int = 1, source: str = "api",
    ) -> None:
        """Record one model call not tied to a message (e.g. the judge's): a model_calls row and the session's totals."""
        call = {"purpose": purpose, "model": model, "tokens_in": tokens_in, "tokens_out": tokens_out,
                "requests": requests, "cost_usd": cost_usd, "source": source}
        rows = _usage_rows(session_id, None, [call], _now())
        with self._write() as conn:
            self._record_usage(conn, session_id, rows)

    def save_debrief(self, session_id: str, *, scorer: str, data: dict) -> None:
        with self._write() as conn:
            conn.execute(debriefs.delete().where(debriefs.c.session_id == session_id))
            conn.execute(insert(debriefs).values(session_id=session_id, scorer=scorer, data=data, created_at=_now()))

    def set_sharing(self, session_id: str, *, scores: bool, transcript: bool) -> None:
        """What the author shares with their teams' leads (the access check is simulator/store/access.py's)."""
        with self._write() as conn:
            result = conn.execute(
                update(sessions).where(sessions.c.id == session_id).values(scores_shared=scores, transcript_shared=transcript)
            )
            if result.rowcount != 1:
                raise StoreError(f"No practice session with id {session_id} to share.")

    # ----------------------------------------------------- people and teams
    def sync_teams(self, *, team_names: Mapping[str, str], people: Sequence[UserRecord], roles: Sequence[MembershipRecord]) -> None:
        """Make teams and memberships exactly these (one transaction). People are added or updated,
        never removed: a person who leaves the file keeps their sessions, and loses their roles."""
        now = _now()
        with self._write() as conn:
            self._lock_teams(conn)
            conn.execute(memberships.delete())
            known_teams = set(conn.execute(select(teams.c.id)).scalars())
            for team_id, name in team_names.items():
                if team_id in known_teams:
                    conn.execute(update(teams).where(teams.c.id == team_id).values(name=name))
                else:
                    conn.execute(insert(teams).values(id=team_id, name=name))
            conn.execute(teams.delete().where(teams.c.id.not_in(list(team_names))))
            for person in people:
                self._save_user(conn, person, now)
            if roles:
                conn.execute(insert(memberships), [{"team_id": r.team_id, "user_id": r.user_id, "role": r.role} for r in roles])

    @staticmethod
    def _lock_teams(conn: Connection) -> None:
        """Serialise changes to people and teams: several app servers may load the same team file at once.
        (SQLite: the write transaction already holds the database's lock.)"""
        if conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(_PG_TEAMS_LOCK_KEY)))

    def _save_user(self, conn: Connection, person: UserRecord, now: dt.datetime) -> None:
        values = {"name": person.name, "email": person.email}
        if conn.execute(update(users).where(users.c.id == person.id).values(**values)).rowcount == 0:
            conn.execute(insert(users).values(id=person.id, created_at=now, **values))

    def save_user(self, person: UserRecord) -> None:
        with self._write() as conn:
            self._lock_teams(conn)
            self._save_user(conn, person, _now())

    def save_team(self, team_id: str, name: str) -> None:
        with self._write() as conn:
            self._lock_teams(conn)
            if conn.execute(update(teams).where(teams.c.id == team_id).values(name=name)).rowcount == 0:
                conn.execute(insert(teams).values(id=team_id, name=name))

    def delete_team(self, team_id: str) -> None:
        with self._write() as conn:
            conn.execute(memberships.delete().where(memberships.c.team_id == team_id))
            conn.execute(teams.delete().where(teams.c.id == team_id))

    def set_role(self, team_id: str, user_id: str, role: str | None) -> None:
        """Give a person a role in a team (None: remove them from it). Both must exist."""
        with self._write() as conn:
            conn.execute(memberships.delete().where(memberships.c.team_id == team_id, memberships.c.user_id == user_id))
            if role is not None:
                try:
                    conn.execute(insert(memberships).values(team_id=team_id, user_id=user_id, role=role))
                except IntegrityError:
                    raise StoreError(f"No team {team_id!r} or no person {user_id!r}: add them to the team configuration first.") from None

    def teams(self) -> dict[str, str]:
        """Team id -> name."""
        with self.engine.connect() as conn:
            return {r.id: r.name for r in conn.execute(select(teams.c.id, teams.c.name).order_by(teams.c.id))}

    def users(self) -> list[UserRecord]:
        with self.engine.connect() as conn:
            return [UserRecord(**r._mapping) for r in conn.execute(select(*_USER_COLUMNS).order_by(users.c.id))]

    def memberships(self, *, user: str | None = None, team: str | None = None) -> list[MembershipRecord]:
        query = select(*_MEMBERSHIP_COLUMNS).order_by(memberships.c.team_id, memberships.c.user_id)
        if user is not None:
            query = query.where(memberships.c.user_id == user)
        if team is not None:
            query = query.where(memberships.c.team_id == team)
        with self.engine.connect() as conn:
            return [MembershipRecord(**r._mapping) for r in conn.execute(query)]

    # ---------------------------------------------------------- data rights
    def user_data(self, user: str) -> dict[str, Any]:
        """Everything stored about one person: their profile, roles, sessions with messages,
        debriefs and model calls (JSON-ready)."""
        def plain(record: Any) -> dict[str, Any]:
            return {k: v.isoformat() if isinstance(v, dt.datetime) else v for k, v in record.__dict__.items()}

        with self.engine.connect() as conn:
            person = conn.execute(select(*_USER_COLUMNS).where(users.c.id == user)).first()
        out: dict[str, Any] = {
            "user": user, "profile": plain(UserRecord(**person._mapping)) if person else None,
            "memberships": [plain(m) for m in self.memberships(user=user)], "sessions": [],
        }
        for record in self.list_sessions(user, limit=None):
            stored = self.get_debrief(record.id)
            out["sessions"].append({
                **plain(record),
                "messages": [plain(m) for m in self.messages(record.id)],
                "debrief": {"scorer": stored[0], "data": stored[1]} if stored else None,
                "model_calls": [plain(c) for c in self.model_calls(record.id)],
            })
        return out

    def delete_user_data(self, user: str) -> int:
        """Remove one person's sessions (their messages, debriefs and model calls go with them), roles
        and profile; nobody else's row. Returns the number of sessions removed."""
        with self._write() as conn:
            ids = list(conn.execute(select(sessions.c.id).where(sessions.c.user == user)).scalars())
            self._delete_sessions(conn, ids)
            conn.execute(memberships.delete().where(memberships.c.user_id == user))
            conn.execute(users.delete().where(users.c.id == user))
        return len(ids)

    def purge_before(self, cutoff: dt.datetime) -> int:
        """Remove every session last touched before `cutoff` (the retention setting). Returns how many."""
        with self._write() as conn:
            ids = list(conn.execute(select(sessions.c.id).where(sessions.c.updated_at < cutoff)).scalars())
            self._delete_sessions(conn, ids)
        return len(ids)

    @staticmethod
    def _delete_sessions(conn: Connection, ids: list[str]) -> None:
        """Delete sessions and their rows explicitly (not relying on cascades, which SQLite enforces only
        with foreign keys on); a replay of a deleted session keeps living, without its parent."""
        if not ids:
            return
        for table in (messages, debriefs, model_calls):
            conn.execute(table.delete().where(table.c.session_id.in_(ids)))
        conn.execute(update(sessions).where(sessions.c.parent_session_id.in_(ids)).values(parent_session_id=None))
        conn.execute(sessions.delete().where(sessions.c.id.in_(ids)))

    # ------------------------------------------------------------- reads
    def get_session(self, session_id: str) -> SessionRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(*_SESSION_COLUMNS).where(sessions.c.id == session_id)).first()
        return SessionRecord(**row._mapping) if row else None

    def list_sessions(self, user: str | None = None, limit: int | None = 200, *, authors: Sequence[str] | None = None) -> list[SessionRecord]:
        """Sessions, newest first: one person's (`user`), several people's (`authors`), or all."""
        query = select(*_SESSION_COLUMNS).order_by(sessions.c.started_at.desc()).limit(limit)
        if user is not None:
            query = query.where(sessions.c.user == user)
        if authors is not None:
            query = query.where(sessions.c.user.in_(list(authors)))
        with self.engine.connect() as conn:
            return [SessionRecord(**r._mapping) for r in conn.execute(query)]

    def messages(self, session_id: str, *, after: int | None = None) -> list[MessageRecord]:
        """The session's messages in order; with ``after``, only those with a higher seq."""
        query = select(*_MESSAGE_COLUMNS).where(messages.c.session_id == session_id).order_by(messages.c.seq)
        if after is not None:
            query = query.where(messages.c.seq > after)
        with self.engine.connect() as conn:
            return [MessageRecord(**r._mapping) for r in conn.execute(query)]

    def get_debrief(self, session_id: str) -> tuple[str, dict] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(debriefs.c.scorer, debriefs.c.data).where(debriefs.c.session_id == session_id)).first()
        return (row.scorer, row.data) if row else None

    def scenario_snapshot(self, scenario_hash: str) -> dict | None:
        """The scenario as stored when a session with this hash started (None if unknown)."""
        with self.engine.connect() as conn:
            return conn.execute(select(scenario_versions.c.data).where(scenario_versions.c.hash == scenario_hash)).scalar()

    def model_calls(self, session_id: str) -> list[ModelCallRecord]:
        query = select(*_MODEL_CALL_COLUMNS).where(model_calls.c.session_id == session_id).order_by(model_calls.c.id)
        with self.engine.connect() as conn:
            return [ModelCallRecord(**r._mapping) for r in conn.execute(query)]


def open_store(url: str) -> Store:
    """Open the database at a SQLAlchemy URL, creating it or upgrading its schema if needed."""
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
        engine = make_engine(url)
        upgrade(engine)
    except StoreError:
        raise
    except (SQLAlchemyError, ImportError) as exc:
        raise StoreError(
            f"Cannot open the database at {_safe_url(url)}: {exc.__class__.__name__}: {str(exc).splitlines()[0]}. "
            "Check SIMULATOR_DATABASE_URL, that the server is running and that the folder is writable."
        ) from None
    return Store(engine)


def _safe_url(url: str) -> str:
    """The URL without its password, for error messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL at all: nothing to hide
        return url
