"""Data rights: export and delete one person's data (and nobody else's), retention purge,
"don't store this session", redaction before a model API. On SQLite and PostgreSQL where a
database is involved (the `store` / `database_url` fixtures)."""

from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import func, select, update

from simulator.config import load_settings
from simulator.practice import PracticeService, build_parts
from simulator.store.access import Access, Actor
from simulator.store.db import open_store
from simulator.store.engine import MEMORY_URL
from simulator.store.retention import purge
from simulator.store.schema import debriefs, messages, model_calls, sessions

from .fake_openai import fake_openai  # noqa: F401


def play(store, library, user, scenario="performance-feedback", replies=("How have the last weeks been for you?",)):
    service = PracticeService(store, library, actor=Access(store).actor(user))
    view = service.start(library[scenario], user, seed=7)
    for text in replies:
        turn = service.take_turn(view.id, text, expected_revision=view.revision)
        for _ in turn:
            pass
        view = service.resume(view.id)
    service.finish(view.id)
    store.add_usage(view.id, tokens_in=10, tokens_out=5, cost_usd=None)
    return view.id


def rows_of(store, session_ids):
    """Every row that hangs off these sessions, table by table."""
    out = {}
    with store.engine.connect() as conn:
        for table in (sessions, messages, debriefs, model_calls):
            key = table.c.id if table is sessions else table.c.session_id
            out[table.name] = [tuple(r) for r in conn.execute(select(table).where(key.in_(session_ids)).order_by(*table.primary_key.columns))]
    return out


def test_export_holds_all_of_a_persons_sessions_turns_and_debriefs_and_nothing_else(store, library):
    mine = [play(store, library, "ana"), play(store, library, "ana", "lateness")]
    play(store, library, "bob")
    data = Access(store).export_user(Actor.operator(), "ana")
    assert sorted(s["id"] for s in data["sessions"]) == sorted(mine)
    for session in data["sessions"]:
        assert session["user"] == "ana"
        assert [m["role"] for m in session["messages"]][:3] == ["persona", "manager", "persona"]
        assert session["debrief"]["data"]["scenario_id"] == session["scenario_id"]
        assert session["model_calls"][0]["tokens_in"] == 10
    json.dumps(data)  # JSON-ready as it is


def test_delete_removes_one_persons_rows_and_leaves_everyone_elses_untouched(store, library):
    ana = [play(store, library, "ana"), play(store, library, "ana", "lateness")]
    others = [play(store, library, "bob"), play(store, library, "carl", "lateness")]
    before = rows_of(store, others)
    assert all(before.values())
    assert Access(store).delete_user(Actor.operator(), "ana") == 2
    assert rows_of(store, others) == before
    assert not any(rows_of(store, ana).values())
    assert store.list_sessions("ana") == []


def test_retention_purges_only_sessions_older_than_the_period(store, library):
    old, recent = play(store, library, "ana"), play(store, library, "bob")
    with store.engine.begin() as conn:
        conn.execute(update(sessions).where(sessions.c.id == old).values(updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=40)))
    kept = rows_of(store, [recent])
    assert purge(store, 30) == 1
    assert store.get_session(old) is None and not any(rows_of(store, [old]).values())
    assert rows_of(store, [recent]) == kept
    assert purge(store, 30) == 0


def test_a_session_that_is_not_stored_writes_nothing_to_the_database(tmp_path, library):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    shared = open_store(url)
    memory = open_store(MEMORY_URL)
    session_id = play(memory, library, "ana")
    assert memory.get_debrief(session_id) is not None  # the session ran in full, in memory
    with shared.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(sessions)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(messages)).scalar() == 0


def test_the_memory_database_is_one_database_for_every_thread(library):
    """Streamlit runs each rerun on a thread of its own: the tab's memory database must be the same on all."""
    import threading

    memory = open_store(MEMORY_URL)
    found = []
    thread = threading.Thread(target=lambda: found.append(play(memory, library, "ana")))
    thread.start()
    thread.join()
    assert memory.get_session(found[0]) is not None


def test_redaction_replaces_emails_phones_and_names_before_the_request_leaves(fake_openai, library, tmp_path):  # noqa: F811
    teams_file = tmp_path / "teams.toml"
    teams_file.write_text('[teams]\nred = "Red"\n\n[[people]]\nemail = "lea@example.com"\nname = "Lea Stone"\nroles = { red = "team_lead" }\n')
    settings = load_settings({
        "SIMULATOR_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": fake_openai.base_url, "OPENAI_API_KEY": "sk-test",
        "SIMULATOR_PERSONA_MODEL": "gpt-4o-mini", "SIMULATOR_JUDGE_MODEL": "offline", "SIMULATOR_REDACT": "1",
        "SIMULATOR_REDACT_NAMES": "Jordan Miles", "SIMULATOR_TEAMS_FILE": str(teams_file),
    })
    store = open_store(f"sqlite:///{tmp_path / 'r.db'}")
    service = PracticeService.from_settings(settings, store, library, build_parts(settings))
    view = service.start(library["performance-feedback"], "ana", seed=1)
    secret = ("Jordan Miles told me, and lea stone too: write to jordan.miles@corp.example or call +44 20 7946 0958 "
              "or (555) 123-4567. How are you?")
    turn = service.take_turn(view.id, secret, expected_revision=view.revision)
    for _ in turn:
        pass
    assert fake_openai.chat_requests, "the persona model was not called"
    sent = json.dumps([r.body for r in fake_openai.chat_requests])
    for private in ("Jordan", "Miles", "lea stone", "Lea Stone", "corp.example", "7946", "123-4567"):
        assert private not in sent
    assert "[name]" in sent and "[email]" in sent and "[phone]" in sent and "How are you?" in sent
    assert service.resume(view.id).messages[1].text == secret  # the stored transcript is the manager's own words


def test_without_the_flag_nothing_is_redacted(fake_openai, library, tmp_path):  # noqa: F811
    settings = load_settings({
        "SIMULATOR_DATA_DIR": str(tmp_path), "OPENAI_BASE_URL": fake_openai.base_url, "OPENAI_API_KEY": "sk-test",
        "SIMULATOR_PERSONA_MODEL": "gpt-4o-mini", "SIMULATOR_JUDGE_MODEL": "offline", "SIMULATOR_REDACT_NAMES": "Jordan Miles",
    })
    store = open_store(f"sqlite:///{tmp_path / 'r.db'}")
    service = PracticeService.from_settings(settings, store, library, build_parts(settings))
    view = service.start(library["performance-feedback"], "ana", seed=1)
    turn = service.take_turn(view.id, "Jordan Miles wrote from jordan@corp.example.", expected_revision=view.revision)
    for _ in turn:
        pass
    assert "jordan@corp.example" in json.dumps([r.body for r in fake_openai.chat_requests])
