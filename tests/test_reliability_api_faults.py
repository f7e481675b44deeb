"""Reliability: API faults at the application level, through the practice service.

One long session meets every fault the loopback server can play, one per turn, then a
judge that answers with invalid JSON. Pass criterion (docs/reliability.md): every
manager message is stored, every partial reply is kept and marked, the error the user
sees says what happened (no traceback, no secret), Retry answers every unanswered or
interrupted message, and the debrief still scores every manager message.

tests/test_llm_mode.py covers each fault once on its own; this suite plays them in one
conversation, so a fault never loses what an earlier one kept.
"""

from __future__ import annotations

import pytest

from simulator.engine.tagger import RuleTagger
from simulator.engine.voice import ModelVoice
from simulator.models.base import ModelError, StreamInterrupted
from simulator.models.openai_chat import OpenAIChatModel
from simulator.practice import Parts, PracticeService
from simulator.scoring.judge import LLMJudge

from .conversation import Conversation
from .fake_openai import FakeOpenAI

API_KEY = "sk-reliability-secret-0042"
RETRY_TEXT = "Alright. Let me answer that properly this time."


def retry_after_then_ok(server):
    server.rate_limit(retry_after=2).reply("Fine. Go ahead.")


def rate_limited_throughout(server):
    for _ in range(4):
        server.rate_limit(retry_after=1)


def server_errors(status):
    def play(server):
        for _ in range(4):
            server.error(status)
    return play


def one_server_error_then_ok(server):
    server.error(502).reply("Sorry, where were we?")


def drop_mid_stream(server):
    server.drop("Well, I think that the real problem is the planning", after_words=3)


def drop_before_text_then_ok(server):
    server.drop(after_words=0).reply("Second time lucky.")


def stall_mid_stream(server):
    server.stall("Honestly I do not know what to say to that", after_words=2, seconds=2.0)


def stall_before_text_then_ok(server):
    server.stall(after_words=0, seconds=2.0).reply("Sorry, I was thinking.")


def malformed_mid_stream(server):
    server.malformed_chunk("That is not fair at all, and you know it", after_words=2)


def malformed_before_text(server):
    server.malformed_chunk(after_words=0)


# (name, how the server misbehaves, what the turn does: "ok" | "unanswered" | "partial")
FAULTS = [
    ("429 with Retry-After, then success", retry_after_then_ok, "ok"),
    ("429 on every attempt", rate_limited_throughout, "unanswered"),
    ("500 on every attempt", server_errors(500), "unanswered"),
    ("503 on every attempt", server_errors(503), "unanswered"),
    ("one 502, then success", one_server_error_then_ok, "ok"),
    ("dropped stream after text", drop_mid_stream, "partial"),
    ("dropped stream before text, then success", drop_before_text_then_ok, "ok"),
    ("stall after text", stall_mid_stream, "partial"),
    ("stall before text, then success", stall_before_text_then_ok, "ok"),
    ("malformed chunk after text", malformed_mid_stream, "partial"),
    ("malformed chunk before text", malformed_before_text, "unanswered"),
]


class Sleeps(list):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def server():
    with FakeOpenAI(default_text="Okay. I hear what you're saying.", api_key=API_KEY) as s:
        yield s


def make_service(store, library, server, sleeps):
    def model():
        return OpenAIChatModel(model="gpt-4o-mini", base_url=server.base_url, api_key=API_KEY, sleep=sleeps,
                               read_timeout=0.5, stall_timeout=0.5, max_attempts=4)

    parts = Parts(voice=ModelVoice(model()), tagger=RuleTagger(), judge=LLMJudge(model()), mode="reliability")
    scenario = library["performance-feedback"]
    long = scenario.model_copy(update={"tuning": scenario.tuning.model_copy(update={"turn_cap": 60})})
    return PracticeService(store, {long.id: long}, parts), long


def test_every_api_fault_in_one_session_loses_nothing_and_retry_recovers(store, library, server):
    sleeps = Sleeps()
    service, scenario = make_service(store, library, server, sleeps)
    session = Conversation.start(service, scenario)
    sent: list[str] = []
    partials: list[str] = []
    seen_errors: list[str] = []
    outcomes = {}
    for number, (name, play, _expected) in enumerate(FAULTS, 1):
        text = f"Message {number}: what happened with the release on 3 March?"
        play(server)
        streamed: list[str] = []
        turn = session.turn(text)
        sent.append(text)
        try:
            for piece in turn:
                streamed.append(piece)
            outcome = "ok"
        except StreamInterrupted as exc:
            outcome = "partial"
            seen_errors.append(str(exc))
            partials.append("".join(streamed))
        except ModelError as exc:
            outcome = "unanswered"
            seen_errors.append(str(exc))
        finally:
            turn.close()
            session.refresh()
        outcomes[name] = outcome
        last = store.messages(session.id)[-1]
        if outcome == "ok":
            assert last.role == "persona" and not last.interrupted, name
            continue
        # what the user is shown, and what the page offers
        assert session.view.pending is not None, f"{name}: Retry must be offered"
        if outcome == "partial":
            assert last.interrupted and last.text == "".join(streamed).strip() and last.text, name
        else:
            assert last.role == "manager" and last.text == text, name
        server.reply(RETRY_TEXT)
        assert session.retry() == RETRY_TEXT, f"{name}: Retry did not answer"
        assert session.view.pending is None, name

    assert outcomes == {name: expected for name, _play, expected in FAULTS}
    # every manager message stored once, in order; every partial reply kept, marked
    messages = store.messages(session.id)
    assert [m.text for m in messages if m.role == "manager"] == sent
    kept = [m.text for m in messages if m.role == "persona" and m.interrupted]
    assert kept == [p.strip() for p in partials] and len(kept) == 3
    # the server's Retry-After was honoured (the fake sleep records the waits asked for)
    assert 2.0 in sleeps
    # what the user saw: a sentence, never a traceback or the key
    for message in seen_errors:
        assert message and "Traceback" not in message and API_KEY not in message
    # the judge answers with invalid JSON: the debrief falls back to the offline scorer, labelled, and scores every message
    server.invalid_json()
    debrief = session.finish()
    assert debrief.scorer.startswith("offline") and debrief.fallback_reason
    assert [r.text for r in debrief.replies] == sent


@pytest.mark.parametrize("fault", ["invalid_json", "500", "drop", "stall"])
def test_judge_faults_fall_back_to_a_labelled_offline_debrief(store, library, server, fault):
    sleeps = Sleeps()
    service, scenario = make_service(store, library, server, sleeps)
    session = Conversation.start(service, scenario)
    for text in ("How has the quarter been?", "On 3 March the release moved by two weeks."):
        session.send(text)
    play = {"invalid_json": lambda: server.invalid_json(), "500": lambda: [server.error(500) for _ in range(4)],
            "drop": lambda: [server.drop(after_words=0) for _ in range(4)],
            "stall": lambda: [server.stall(after_words=0, seconds=2.0) for _ in range(4)]}
    play[fault]()
    debrief = session.finish()
    assert debrief.scorer.startswith("offline") and debrief.fallback_reason and API_KEY not in debrief.fallback_reason
    assert len(debrief.replies) == 2
    # the stored debrief is what a refresh shows; it is never judged again
    before = len(server.chat_requests)
    assert session.finish().scorer == debrief.scorer and len(server.chat_requests) == before
