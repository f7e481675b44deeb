"""Reliability: process faults. The process serving a conversation is killed with SIGKILL in the
middle of a streamed reply (no `finally`, no cleanup), then the session is reopened elsewhere.

Pass criterion (docs/reliability.md): every stored message is still there, in order; the
manager's message that was being answered is kept and shown as unanswered (the words that
were on the wire when the process died were never stored: a kill -9 leaves no chance to);
Retry answers it, and the conversation goes on to its debrief.

Two levels: the practice service in a forked process (both databases, three kill points),
and the real app server in a browser (marked `browser`).
"""

from __future__ import annotations

import multiprocessing
import os
import re
import select
import signal
import time
from pathlib import Path

import pytest

from simulator.bench.app_server import AppServer
from simulator.engine.tagger import RuleTagger
from simulator.engine.voice import ModelVoice, OfflineVoice
from simulator.models.openai_chat import OpenAIChatModel
from simulator.practice import Parts, PracticeService, local_user
from simulator.scoring.debrief import Debrief
from simulator.store.db import open_store

from .conversation import Conversation
from .fake_openai import FakeOpenAI, split_words

API_KEY = "sk-process-fault"
SLOW_REPLY = "I hear you, and I want to answer that properly, but there is a lot going on for me right now."
SCENARIO = "performance-feedback"
LINES = [
    "Thanks for making the time. How have the last few weeks been for you?",
    "The ledger migration was due on 3 March and shipped on 17 March. What got in the way?",
    "I can see this has been a heavy stretch. What would help you most this month?",
    "What would a realistic plan for the refunds deadline look like to you?",
]


def _service(url: str, base_url: str, library) -> PracticeService:
    model = OpenAIChatModel(model="gpt-4o-mini", base_url=base_url, api_key=API_KEY)
    parts = Parts(voice=ModelVoice(model), tagger=RuleTagger(), judge=None, mode="process fault")
    return PracticeService(open_store(url), library, parts)


def _say(fd: int, line: str) -> None:
    os.write(fd, (line + "\n").encode())  # one write under PIPE_BUF: whole even if the writer dies next


def _player(url: str, base_url: str, library, complete_turns: int, fd: int) -> None:
    """The process that gets killed: plays `complete_turns` turns, then streams one more until killed."""
    service = _service(url, base_url, library)
    session = Conversation.start(service, library[SCENARIO])
    _say(fd, f"session {session.id}")
    for text in LINES[:complete_turns]:
        session.send(text)
        _say(fd, "answered")
    turn = session.turn(LINES[complete_turns])
    _say(fd, "stored")
    for _piece in turn:
        _say(fd, "chunk")
    _say(fd, "finished")  # never reached: the parent kills this process mid-stream


def _read_until(fd: int, wanted: str, count: int, lines: list[str], timeout: float = 60) -> None:
    """Read lines from the child until `wanted` has been seen `count` times."""
    deadline = time.monotonic() + timeout
    buffer = b""
    while sum(1 for line in lines if line.split()[0] == wanted) < count:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"the child did not say {wanted!r} {count} times: {lines}"
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            data = os.read(fd, 4096)
            assert data, f"the child exited early: {lines}"
            buffer += data
            *complete, rest = buffer.split(b"\n")
            lines += [c.decode() for c in complete]
            buffer = rest


# (what the kill interrupts, turns answered before it, chunks of the reply seen before the kill)
KILL_POINTS = [
    ("first reply, before any text arrived", 0, 0),
    ("first reply, mid-stream", 0, 3),
    ("third reply, mid-stream", 2, 3),
]


@pytest.fixture(scope="module")
def warm_topics(library):
    """Load the sentence encoder and the scenario's topic index once, before any fork: the killed
    processes inherit them (loading takes seconds on a busy machine, and is not what is tested)."""
    OfflineVoice().topic_of(library[SCENARIO], "How have things been?")


@pytest.mark.parametrize(("point", "answered", "chunks"), KILL_POINTS, ids=[p[0] for p in KILL_POINTS])
def test_killed_mid_stream_nothing_stored_is_lost_and_the_conversation_resumes(database_url, library, warm_topics, point, answered, chunks):
    with FakeOpenAI(default_text=SLOW_REPLY, api_key=API_KEY) as server:
        # the turns before answer at once; the one to be killed sends `chunks` words and then goes silent
        for _ in range(answered):
            server.reply(SLOW_REPLY)
        server.stall(SLOW_REPLY, after_words=chunks, seconds=60)
        read_fd, write_fd = os.pipe()
        context = multiprocessing.get_context("fork")
        child = context.Process(target=_player, args=(database_url, server.base_url, library, answered, write_fd))
        child.start()
        os.close(write_fd)
        lines: list[str] = []
        try:
            _read_until(read_fd, "stored", 1, lines)
            if chunks:
                _read_until(read_fd, "chunk", chunks, lines)
            deadline = time.monotonic() + 30
            while server.pending and time.monotonic() < deadline:  # the stalled request has reached the server
                time.sleep(0.02)
            assert server.pending == 0, "the reply to be killed never started"
            os.kill(child.pid, signal.SIGKILL)
            child.join(timeout=10)
        finally:
            if child.is_alive():
                os.kill(child.pid, signal.SIGKILL)
            os.close(read_fd)
        assert child.exitcode == -signal.SIGKILL, point
        assert "finished" not in lines
        session_id = lines[0].split()[1]

        # Reopen the session in a new service, as a restarted server does.
        service = _service(database_url, server.base_url, library)
        session = Conversation(service, service.resume(session_id))
        view = session.view
        roles = [m.role for m in view.messages]
        assert roles == ["persona"] + ["manager", "persona"] * answered + ["manager"], point
        assert [m.text for m in view.messages if m.role == "manager"] == LINES[: answered + 1]
        assert [m.seq for m in view.messages] == list(range(len(view.messages)))
        assert view.revision == len(view.messages)  # one revision per stored message: no half-written turn
        assert not any(m.interrupted for m in view.messages)
        assert view.pending is not None and view.pending.role == "manager"  # the page shows it unanswered, with Retry

        assert session.retry() == SLOW_REPLY
        assert session.view.pending is None
        session.send(LINES[answered + 1])
        debrief: Debrief = service.finish(session_id)
        assert [r.text for r in debrief.replies] == LINES[: answered + 2]
        service.store.engine.dispose()


# ---- the real app server, in a browser -----------------------------------------------------------------------

ASSISTANT_MESSAGE = '[data-testid="stChatMessage"]:has([aria-label="Chat message from assistant"])'
ANY_MESSAGE = '[data-testid="stChatMessage"]'
CHAT_INPUT = 'textarea[placeholder^="What do you say to"]'


@pytest.mark.browser
def test_app_server_killed_mid_stream_restarts_and_the_session_resumes(tmp_path: Path, library) -> None:
    from playwright.sync_api import expect, sync_playwright

    from .test_browser import CHROMIUM, CHROMIUM_ARGS, STEP_MS, _assert_no_exception, _require_browser

    _require_browser()
    expect.set_options(timeout=STEP_MS)
    database_url = f"sqlite:///{tmp_path / 'app.db'}"
    first_words = " ".join(w.strip() for w in split_words(SLOW_REPLY)[:3])
    with FakeOpenAI(default_text=SLOW_REPLY, api_key=API_KEY) as model_server:
        model_server.stall(SLOW_REPLY, after_words=3, seconds=60)  # three words, then silence until the kill
        env = {"SIMULATOR_DATABASE_URL": database_url, "OPENAI_BASE_URL": model_server.base_url,
               "OPENAI_API_KEY": API_KEY, "SIMULATOR_PERSONA_MODEL": "gpt-4o-mini"}
        store = open_store(database_url)
        service = PracticeService(store, library)  # offline parts: only to open the session the app then plays
        session_id = service.start(library[SCENARIO], user=local_user()).id
        with AppServer(tmp_path, env=env) as app, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=STEP_MS)
            try:
                page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
                page.set_default_timeout(STEP_MS)
                page.goto(f"{app.url}/practice?session={session_id}", wait_until="domcontentloaded")
                chat_input = page.locator(CHAT_INPUT)
                expect(chat_input).to_be_enabled()
                chat_input.fill(LINES[0])
                chat_input.press("Enter")
                # the reply is streaming: its first words are on screen, the rest is still coming
                expect(page.locator(ASSISTANT_MESSAGE).last).to_contain_text(first_words)
                assert SLOW_REPLY not in page.locator(ASSISTANT_MESSAGE).last.inner_text()
                app.kill()
                app.start()  # same port, same database
                page.goto(f"{app.url}/practice?session={session_id}", wait_until="domcontentloaded")
                expect(page.locator(ANY_MESSAGE).filter(has_text=LINES[0])).to_have_count(1)
                expect(page.get_by_text(re.compile("reply to your last message has not been answered yet"))).to_be_visible()
                page.get_by_role("button", name="Retry").click()
                expect(page.locator(ASSISTANT_MESSAGE).filter(has_text=SLOW_REPLY)).to_have_count(1)
                expect(chat_input).to_be_enabled()
                chat_input.fill(LINES[1])
                chat_input.press("Enter")
                expect(page.locator(ASSISTANT_MESSAGE)).to_have_count(3)  # opening, the retried reply, this one
                _assert_no_exception(page)
            finally:
                browser.close()
        messages = store.messages(session_id)
        assert [m.role for m in messages] == ["persona", "manager", "persona", "manager", "persona"]
        assert [m.text for m in messages if m.role == "manager"] == LINES[:2]
        assert app.starts == 2
        store.engine.dispose()
