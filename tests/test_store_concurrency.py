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
from simulator.practice import local_user
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
