"""Many writers at once, on SQLite and PostgreSQL: first starts, parallel turns, racing tabs."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import threading
from typing import Any

from sqlalchemy import text

from simulator.errors import SessionConflict
from simulator.practice import PracticeService, local_user, offline_parts
from simulator.store.db import open_store

from .conftest import ROOT
from .scripts import EMPATHIC_SPECIFIC

PROCESSES = 8
THREADS = 16


def test_eight_play_processes_started_together_on_a_new_database_all_succeed(database_url, tmp_path):
    script = tmp_path / "lines.txt"
    script.write_text("\n".join(EMPATHIC_SPECIFIC[:3]) + "\n")
    env = {**os.environ, "SIMULATOR_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "simulator", "play", "performance-feedback", "--script", str(script), "--json"]
    players = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for _ in range(PROCESSES)]
    results = [(p.wait(timeout=240), *p.communicate()) for p in players]
    failures = [err.strip().splitlines()[-1:] for code, _out, err in results if code != 0]
    assert failures == [], f"{len(failures)} of {PROCESSES} failed"
    store = open_store(database_url)
    try:
        stored = store.list_sessions(local_user())  # play stores under the login name
        assert len(stored) == PROCESSES and all(s.ended_at is not None for s in stored)
        assert all([m.seq for m in store.messages(s.id)] == list(range(7)) for s in stored)
    finally:
        store.engine.dispose()


def _run_together(count: int, work) -> list[BaseException | None]:
    """Start ``count`` threads that call work(i) at the same moment; return what each raised."""
    barrier = threading.Barrier(count)
    outcome: list[BaseException | None] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            work(i)
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            outcome[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcome


def _new_session(store, user: str) -> str:
    return store.create_session(user=user, scenario_id="lateness", scenario_version=1, scenario_title="Lateness",
                                voice="offline", state={"turn": 0}, opening="Morning.")


def test_sixteen_threads_write_turns_into_their_own_sessions(store):
    ids = [_new_session(store, f"user{i}") for i in range(THREADS)]
    turns = 5

    def play(i: int) -> None:
        revision = 1
        for turn in range(turns):
            revision, _ = store.add_manager_message(ids[i], f"message {turn}", tagging={"moves": []}, expected_revision=revision)
            revision = store.add_persona_message(
                ids[i], f"reply {turn}", state={"turn": turn + 1}, expected_revision=revision,
                usage=[{"purpose": "persona", "model": "m", "tokens_in": 10, "tokens_out": 2, "source": "estimate"}],
            )

    assert _run_together(THREADS, play) == [None] * THREADS
    for sid in ids:
        record = store.get_session(sid)
        assert record.revision == 1 + 2 * turns and record.state == {"turn": turns} and record.tokens_in == 10 * turns
        assert [m.seq for m in store.messages(sid)] == list(range(1 + 2 * turns))


def test_two_tabs_racing_on_one_session_exactly_one_wins(store):
    rounds = 10
    sid = _new_session(store, "ana")
    revision = 1
    for r in range(rounds):
        wins: list[tuple[int, int]] = []

        def send(tab: int, expected: int = revision, r: int = r, wins: list = wins) -> None:
            wins.append(store.add_manager_message(sid, f"round {r} tab {tab}", tagging={}, expected_revision=expected))

        outcome = _run_together(2, send)
        assert len(wins) == 1, outcome
        assert sum(isinstance(o, SessionConflict) for o in outcome) == 1 and sum(o is None for o in outcome) == 1
        revision = wins[0][0]
    messages = store.messages(sid)
    assert [m.seq for m in messages] == list(range(rounds + 1)) and store.get_session(sid).revision == rounds + 1


def test_many_writers_on_one_session_never_skip_or_repeat_a_seq(store):
    sid = _new_session(store, "ana")
    sent_per_writer = 6

    def writer(i: int) -> None:
        sent = 0
        while sent < sent_per_writer:
            revision = store.get_session(sid).revision
            try:
                store.add_manager_message(sid, f"writer {i}", tagging={}, expected_revision=revision)
                sent += 1
            except SessionConflict:
                continue  # another writer got there first: read again and retry

    assert _run_together(8, writer) == [None] * 8
    total = 8 * sent_per_writer
    assert [m.seq for m in store.messages(sid)] == list(range(total + 1))
    with store.engine.connect() as conn:
        assert conn.execute(text("SELECT last_seq FROM sessions WHERE id = :id"), {"id": sid}).scalar() == total


def test_processes_opening_one_new_database_at_the_same_instant_migrate_it_once(database_url):
    """Tighter than the CLI test: every process waits at a barrier, then opens the store and writes."""
    context = multiprocessing.get_context("fork")  # no re-import: the processes reach the barrier quickly
    barrier, queue = context.Barrier(PROCESSES), context.Queue()
    workers = [context.Process(target=_open_after_barrier, args=(database_url, barrier, queue)) for _ in range(PROCESSES)]
    for w in workers:
        w.start()
    results = [queue.get(timeout=120) for _ in workers]
    for w in workers:
        w.join(timeout=60)
    assert results == ["ok"] * PROCESSES
    store = open_store(database_url)
    try:
        assert len(store.list_sessions("racer")) == PROCESSES
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1
    finally:
        store.engine.dispose()


def _open_after_barrier(url: str, barrier: Any, queue: Any) -> None:
    barrier.wait()
    try:
        store = open_store(url)
        sid = _new_session(store, "racer")
        store.add_manager_message(sid, "hello", tagging={}, expected_revision=1)
        store.engine.dispose()
        queue.put("ok")
    except Exception as exc:  # noqa: BLE001 - reported to the test
        queue.put(f"{type(exc).__name__}: {exc}")


# ---- through the practice service, counted (docs/reliability.md) -------------------------------------------------

SERVICE_TURNS = 3


def test_sixteen_threads_start_a_new_database_and_play_turns_through_the_service(database_url, library):
    """First start: every thread opens the new, empty database itself, then plays its own session."""
    scenario = library["performance-feedback"]
    long = scenario.model_copy(update={"state": scenario.state.model_copy(update={"turn_cap": 30})})
    lines = ["How have the last few weeks been for you?", "What got in the way of the ledger migration?",
             "What would help you most this month?", "How do you see the refunds deadline?", "What support would you like?"]
    sessions: list[str | None] = [None] * THREADS
    stores: list[Any] = [None] * THREADS
    parts = offline_parts()  # shared by every thread, as one app server shares them between its users

    def play(i: int) -> None:
        stores[i] = open_store(database_url)  # sixteen first starts at once: migrations must race safely
        service = PracticeService(stores[i], {long.id: long}, parts)
        view = service.start(long, f"user{i}")
        sessions[i] = view.id
        for line in lines[:SERVICE_TURNS]:
            turn = service.take_turn(view.id, line, expected_revision=view.revision, view=view)
            try:
                "".join(turn)
            finally:
                turn.close()
            view = service.resume(view.id)

    outcome = _run_together(THREADS, play)
    try:
        assert outcome == [None] * THREADS
        attempted = THREADS * (1 + 2 * SERVICE_TURNS)  # the opening, then a manager message and a reply per turn
        store = stores[0]
        stored = sum(len(store.messages(sid)) for sid in sessions if sid)
        assert stored == attempted == 112
        assert all(not any(m.interrupted for m in store.messages(sid)) for sid in sessions if sid)
    finally:
        for s in stores:
            if s is not None:
                s.engine.dispose()


def test_two_tabs_sending_at_once_through_the_service_get_a_clear_conflict(store, library):
    """Eight rounds of two tabs sending on one session at the same instant: one message is stored and answered,
    the other tab gets SessionConflict (a sentence saying what happened), never another error."""
    rounds = 8
    scenario = library["performance-feedback"]
    long = scenario.model_copy(update={"state": scenario.state.model_copy(update={"turn_cap": 30})})
    service = PracticeService(store, {long.id: long}, offline_parts())
    view = service.start(long, "ana")
    conflicts: list[str] = []
    for r in range(rounds):
        turns: list[Any] = []

        def send(tab: int, view=view, r=r, turns=turns) -> None:
            turns.append(service.take_turn(view.id, f"Round {r}: what happened on 3 March, tab {tab}?", expected_revision=view.revision))

        outcome = _run_together(2, send)
        assert len(turns) == 1 and sum(o is None for o in outcome) == 1, outcome
        errors = [o for o in outcome if o is not None]
        assert all(isinstance(e, SessionConflict) for e in errors), errors
        conflicts += [str(e) for e in errors]
        turn = turns[0]
        try:
            "".join(turn)
        finally:
            turn.close()
        view = service.resume(view.id)
    assert len(conflicts) == rounds and all("another tab" in c for c in conflicts)
    messages = store.messages(view.id)
    assert len(messages) == 1 + 2 * rounds and [m.role for m in messages[1:]] == ["manager", "persona"] * rounds
