"""The store on SQLite and PostgreSQL: schema and migrations, the revision guard, provenance, usage."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, MetaData, String, Table, Text, UniqueConstraint, inspect, text

from simulator.errors import SessionClosed, SessionConflict, StoreError
from simulator.store.db import open_store, snapshot_hash
from simulator.store.engine import make_engine
from simulator.store.migrate import alembic_config, current_revision, head_revision
from simulator.store.schema import metadata

SNAPSHOT = {"id": "lateness", "version": 2, "title": "Repeated lateness", "persona": {"name": "Carla"}}


def new_session(store, **extra):
    return store.create_session(
        user="u", scenario_id="lateness", scenario_version=2, scenario_title="Repeated lateness", voice="offline",
        state={"trust": 40}, opening="Hi.", **extra,
    )


def schema_differences(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "compare_server_default": True})
        return compare_metadata(context, metadata)


# ------------------------------------------------------------------ schema and migrations
def test_models_and_migrations_agree(store):
    assert schema_differences(store.engine) == []
    with store.engine.connect() as conn:
        assert current_revision(conn) == head_revision()


def test_the_agreement_check_sees_a_schema_that_differs(database_url):
    engine = make_engine(database_url)
    with engine.begin() as conn:
        command.upgrade(alembic_config(conn), "0002")
    differences = schema_differences(engine)
    engine.dispose()
    added_tables = {d[1].name for d in differences if d[0] == "add_table"}
    assert {"model_calls", "scenario_versions"} <= added_tables


def _legacy_tables() -> MetaData:
    """The schema the old hand-written migrations made (m001_initial, then m002_usage)."""
    legacy = MetaData()
    Table("_migrations", legacy, Column("name", String(100), primary_key=True), Column("applied_at", DateTime(timezone=True), nullable=False))
    Table(
        "sessions", legacy,
        Column("id", String(32), primary_key=True), Column("user", String(200), nullable=False, index=True),
        Column("scenario_id", String(64), nullable=False), Column("scenario_version", Integer, nullable=False),
        Column("scenario_title", String(300), nullable=False), Column("voice", String(100), nullable=False),
        Column("started_at", DateTime(timezone=True), nullable=False), Column("updated_at", DateTime(timezone=True), nullable=False),
        Column("ended_at", DateTime(timezone=True)), Column("end_reason", String(40)),
        Column("state_json", Text, nullable=False), Column("revision", Integer, nullable=False, default=0),
    )
    Table(
        "messages", legacy,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False, index=True),
        Column("seq", Integer, nullable=False), Column("role", String(16), nullable=False), Column("text", Text, nullable=False),
        Column("tagging_json", Text), Column("state_json", Text), Column("interrupted", Boolean, nullable=False, default=False),
        Column("created_at", DateTime(timezone=True), nullable=False), UniqueConstraint("session_id", "seq", name="uq_message_seq"),
    )
    Table(
        "debriefs", legacy,
        Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True),
        Column("scorer", String(100), nullable=False), Column("data_json", Text, nullable=False),
        Column("created_at", DateTime(timezone=True), nullable=False),
    )
    return legacy


def _make_legacy_database(url: str, *, with_usage: bool) -> None:
    engine = make_engine(url)
    legacy = _legacy_tables()
    now = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.UTC)
    with engine.begin() as conn:
        legacy.create_all(conn)
        done = ["m001_initial"]
        if with_usage:
            for column in ("tokens_in INTEGER NOT NULL DEFAULT 0", "tokens_out INTEGER NOT NULL DEFAULT 0", "cost_usd FLOAT"):
                conn.exec_driver_sql(f"ALTER TABLE sessions ADD COLUMN {column}")
            done.append("m002_usage")
        conn.execute(legacy.tables["_migrations"].insert(), [{"name": n, "applied_at": now} for n in done])
        for sid, ended in (("a" * 32, True), ("b" * 32, False)):
            conn.execute(legacy.tables["sessions"].insert().values(
                id=sid, user="ana", scenario_id="lateness", scenario_version=1, scenario_title="Lateness", voice="offline",
                started_at=now, updated_at=now, ended_at=now if ended else None, end_reason="manager" if ended else None,
                state_json=json.dumps({"trust": 55, "revealed": ["childcare"]}), revision=4 if ended else 3,
            ))
            conn.execute(legacy.tables["messages"].insert(), [
                {"session_id": sid, "seq": 0, "role": "persona", "text": "Morning.", "tagging_json": None,
                 "state_json": json.dumps({"trust": 40}), "interrupted": False, "created_at": now},
                {"session_id": sid, "seq": 1, "role": "manager", "text": "How are the mornings?",
                 "tagging_json": json.dumps({"moves": ["open_question"]}), "state_json": None, "interrupted": False, "created_at": now},
                {"session_id": sid, "seq": 2, "role": "persona", "text": "Hard, to be honest", "tagging_json": None,
                 "state_json": json.dumps({"trust": 55}), "interrupted": True, "created_at": now},
            ])
        conn.execute(legacy.tables["debriefs"].insert().values(
            session_id="a" * 32, scorer="offline", data_json=json.dumps({"empathy": 70, "replies": [{"text": "How are the mornings?"}]}),
            created_at=now,
        ))
        if with_usage:
            conn.execute(text("UPDATE sessions SET tokens_in = 120, tokens_out = 30, cost_usd = 0.002 WHERE id = :id"), {"id": "a" * 32})
    engine.dispose()


@pytest.mark.parametrize("with_usage", [True, False], ids=["m001+m002", "m001"])
def test_a_database_from_the_old_migrations_is_upgraded_without_losing_data(database_url, with_usage):
    _make_legacy_database(database_url, with_usage=with_usage)
    store = open_store(database_url)
    try:
        assert schema_differences(store.engine) == []
        assert "_migrations" not in inspect(store.engine).get_table_names()
        ended = store.get_session("a" * 32)
        assert store.get_session("b" * 32).ended_at is None
        assert ended.state == {"trust": 55, "revealed": ["childcare"]} and ended.end_reason == "manager"
        assert (ended.tokens_in, ended.tokens_out, ended.cost_usd) == ((120, 30, 0.002) if with_usage else (0, 0, None))
        msgs = store.messages("a" * 32)
        assert [(m.seq, m.role, m.text, m.interrupted) for m in msgs] == [
            (0, "persona", "Morning.", False), (1, "manager", "How are the mornings?", False), (2, "persona", "Hard, to be honest", True),
        ]
        assert msgs[1].tagging == {"moves": ["open_question"]} and msgs[0].tagging is None and msgs[2].state == {"trust": 55}
        assert store.get_debrief("a" * 32) == ("offline", {"empathy": 70, "replies": [{"text": "How are the mornings?"}]})
        # The old conversation goes on where it was: the next seq follows the old messages.
        assert store.add_manager_message("b" * 32, "Tell me more.", tagging={}, expected_revision=3) == (4, 3)
        with pytest.raises(SessionClosed):
            store.add_manager_message("a" * 32, "Hello?", tagging={}, expected_revision=4)
    finally:
        store.engine.dispose()


def test_reopening_an_up_to_date_database_changes_nothing(database_url):
    first = open_store(database_url)
    sid = new_session(first)
    first.engine.dispose()
    again = open_store(database_url)
    assert again.get_session(sid).revision == 1 and schema_differences(again.engine) == []
    again.engine.dispose()


def test_tables_without_a_schema_record_are_refused_not_guessed(database_url):
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE sessions (id VARCHAR(32) PRIMARY KEY)")
    engine.dispose()
    with pytest.raises(StoreError, match="SIMULATOR_DATABASE_URL"):
        open_store(database_url)


def test_sqlite_settings_hold_on_every_connection(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'p.db'}")
    connections = [store.engine.connect() for _ in range(3)]  # three distinct pooled connections
    try:
        for conn in connections:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    finally:
        for conn in connections:
            conn.close()
        store.engine.dispose()


def test_an_unreachable_postgresql_is_a_store_error_without_the_password():
    with pytest.raises(StoreError) as caught:
        open_store("postgresql+psycopg://ana:s3cret@127.0.0.1:1/nothing")
    assert "s3cret" not in str(caught.value) and "SIMULATOR_DATABASE_URL" in str(caught.value)


# ------------------------------------------------------------------ the revision guard and seqs
def test_each_write_takes_the_next_seq_and_revision(store):
    sid = new_session(store)
    assert store.add_manager_message(sid, "How are you?", tagging={"moves": []}, expected_revision=1) == (2, 1)
    assert store.add_persona_message(sid, "Fine.", state={"trust": 45}, expected_revision=2) == 3
    assert store.add_manager_message(sid, "Good.", tagging={"moves": []}, expected_revision=3) == (4, 3)
    assert [m.seq for m in store.messages(sid)] == [0, 1, 2, 3]
    record = store.get_session(sid)
    assert record.revision == 4 and record.state == {"trust": 45}


def test_a_stale_revision_is_refused_and_stores_nothing(store):
    sid = new_session(store)
    store.add_manager_message(sid, "From tab A", tagging={}, expected_revision=1)
    with pytest.raises(SessionConflict, match="another tab"):
        store.add_manager_message(sid, "From tab B", tagging={}, expected_revision=1)
    with pytest.raises(SessionConflict):
        store.add_persona_message(sid, "Late reply", state={}, expected_revision=1)
    assert [m.text for m in store.messages(sid)] == ["Hi.", "From tab A"] and store.get_session(sid).revision == 2


def test_an_ended_or_missing_session_refuses_messages(store):
    sid = new_session(store)
    store.end_session(sid, state={"trust": 40, "ended": True}, reason="manager")
    record = store.get_session(sid)
    assert record.end_reason == "manager" and record.revision == 2
    with pytest.raises(SessionClosed):
        store.add_manager_message(sid, "Wait", tagging={}, expected_revision=2)
    with pytest.raises(StoreError, match="does not exist"):
        store.add_manager_message("f" * 32, "Anyone?", tagging={}, expected_revision=1)


# ------------------------------------------------------------------ provenance
def test_a_model_tagging_replaces_the_rules_one_and_keeps_it(store):
    sid = new_session(store)
    _, seq = store.add_manager_message(sid, "Why were you late?", tagging={"moves": ["closed_question"]}, expected_revision=1)
    assert store.messages(sid)[-1].tagger == "rules"
    store.set_tagging(sid, seq, {"moves": ["open_question"]}, tagger="model:gpt-4o-mini")
    message = store.messages(sid)[-1]
    assert message.tagging == {"moves": ["open_question"]} and message.tagger == "model:gpt-4o-mini"
    assert message.rules_tagging == {"moves": ["closed_question"]}
    store.set_tagging(sid, seq, {"moves": ["blame"]}, tagger="model:other")  # a second model answer keeps the rules' one
    assert store.messages(sid)[-1].rules_tagging == {"moves": ["closed_question"]}
    with pytest.raises(StoreError, match="no message 7"):
        store.set_tagging(sid, 7, {"moves": []})


def test_a_tagging_given_up_front_by_a_model_keeps_the_rules_tagging_passed_along(store):
    sid = new_session(store)
    store.add_manager_message(sid, "Hi", tagging={"moves": ["a"]}, expected_revision=1, tagger="model:m", rules_tagging={"moves": ["r"]})
    message = store.messages(sid)[-1]
    assert (message.tagging, message.rules_tagging, message.tagger) == ({"moves": ["a"]}, {"moves": ["r"]}, "model:m")


def test_times_come_back_as_aware_utc_on_every_database(store):
    before = dt.datetime.now(dt.UTC)
    sid = new_session(store)
    record, opening = store.get_session(sid), store.messages(sid)[0]
    assert record.started_at.tzinfo is dt.UTC and opening.created_at.tzinfo is dt.UTC
    assert before - dt.timedelta(seconds=5) <= record.started_at <= dt.datetime.now(dt.UTC)


def test_absent_json_is_sql_null_not_json_null(store):
    sid = new_session(store)
    store.add_manager_message(sid, "Hi", tagging={"moves": []}, expected_revision=1)
    with store.engine.connect() as conn:
        nulls = conn.execute(text("SELECT seq FROM messages WHERE state IS NULL AND session_id = :s"), {"s": sid}).scalars().all()
    assert nulls == [1]


def test_a_persona_reply_stores_its_model_prompt_and_calls_in_one_go(store):
    sid = new_session(store)
    store.add_manager_message(sid, "How are you?", tagging={}, expected_revision=1)
    usage = [
        {"purpose": "tagger", "model": "small", "tokens_in": 200, "tokens_out": 20, "requests": 1, "cost_usd": 0.001, "source": "api"},
        {"purpose": "persona", "model": "big", "tokens_in": 1000, "tokens_out": 80, "requests": 2, "cost_usd": None, "source": "estimate"},
    ]
    store.add_persona_message(sid, "Fine.", state={"trust": 41}, expected_revision=2, model="big", prompt_version="persona-v3", usage=usage)
    reply = store.messages(sid)[-1]
    assert (reply.model, reply.prompt_version, reply.seq) == ("big", "persona-v3", 2)
    calls = store.model_calls(sid)
    assert [(c.seq, c.purpose, c.model, c.tokens_in, c.tokens_out, c.requests, c.cost_usd, c.source) for c in calls] == [
        (2, "tagger", "small", 200, 20, 1, 0.001, "api"), (2, "persona", "big", 1000, 80, 2, None, "estimate"),
    ]
    record = store.get_session(sid)
    assert (record.tokens_in, record.tokens_out) == (1200, 100) and record.cost_usd == pytest.approx(0.001)


def test_a_refused_reply_still_records_the_tokens_it_spent(store):
    sid = new_session(store)
    store.add_manager_message(sid, "Hello", tagging={}, expected_revision=1)
    store.end_session(sid, state={}, reason="manager")
    with pytest.raises(SessionClosed):
        store.add_persona_message(sid, "Too late", state={}, expected_revision=2,
                                  usage=[{"purpose": "persona", "model": "m", "tokens_in": 50, "tokens_out": 5, "source": "api"}])
    assert [(c.seq, c.tokens_in) for c in store.model_calls(sid)] == [(None, 50)]
    assert store.get_session(sid).tokens_in == 50 and store.messages(sid)[-1].text == "Hello"


def test_add_usage_records_a_call_and_adds_to_the_totals(store):
    sid = new_session(store)
    store.add_usage(sid, tokens_in=3000, tokens_out=400, cost_usd=None)
    store.add_usage(sid, tokens_in=10, tokens_out=1, cost_usd=0.5, purpose="tagger", model="m", requests=3, source="estimate")
    record = store.get_session(sid)
    assert (record.tokens_in, record.tokens_out, record.cost_usd) == (3010, 401, 0.5)
    assert [(c.purpose, c.model, c.requests, c.source, c.seq) for c in store.model_calls(sid)] == [
        ("judge", None, 1, "api", None), ("tagger", "m", 3, "estimate", None),
    ]
    with pytest.raises(ValueError, match="purpose"):
        store.add_usage(sid, tokens_in=1, tokens_out=1, cost_usd=None, purpose="voice")
    with pytest.raises(StoreError, match="does not exist"):
        store.add_usage("f" * 32, tokens_in=1, tokens_out=1, cost_usd=None)


# ------------------------------------------------------------------ scenario versions
def test_a_session_keeps_the_scenario_version_it_started_with(store):
    first = new_session(store, scenario_snapshot=SNAPSHOT, seed=2**40)
    edited = {**SNAPSHOT, "title": "Repeated lateness (edited)"}
    second = new_session(store, scenario_snapshot=edited)
    third = new_session(store, scenario_snapshot=json.loads(json.dumps(SNAPSHOT)))  # same content, same version
    a, b, c = (store.get_session(s) for s in (first, second, third))
    assert a.scenario_hash == snapshot_hash(SNAPSHOT) == c.scenario_hash != b.scenario_hash
    assert store.scenario_snapshot(a.scenario_hash) == SNAPSHOT and store.scenario_snapshot(b.scenario_hash) == edited
    assert a.seed == 2**40 and store.scenario_snapshot("0" * 64) is None
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM scenario_versions")).scalar() == 2


def test_a_branch_records_its_parent_and_a_hash_needs_its_snapshot(store):
    parent = new_session(store, scenario_snapshot=SNAPSHOT)
    digest = store.get_session(parent).scenario_hash
    branch = new_session(store, scenario_hash=digest, parent_session_id=parent, branched_from_seq=0)
    record = store.get_session(branch)
    assert (record.parent_session_id, record.branched_from_seq, record.scenario_hash) == (parent, 0, digest)
    with pytest.raises(StoreError, match="scenario_snapshot"):
        new_session(store, scenario_hash="9" * 64)
    assert store.list_sessions("u")[0].id == branch and len(store.list_sessions("u")) == 2


def test_set_state_needs_the_current_revision_and_an_open_session(store):
    sid = new_session(store)
    assert store.set_state(sid, state={"trust": 40, "hints_used": 1}, expected_revision=1) == 2
    assert store.get_session(sid).state == {"trust": 40, "hints_used": 1}
    with pytest.raises(SessionConflict):
        store.set_state(sid, state={"trust": 0}, expected_revision=1)  # another tab moved on
    store.end_session(sid, state={"trust": 40}, reason="manager")
    with pytest.raises(SessionClosed):
        store.set_state(sid, state={"trust": 0}, expected_revision=3)
