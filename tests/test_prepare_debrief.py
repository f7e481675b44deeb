"""The debrief prepared while the manager reads: the same debrief, with nothing left to tag after "End"."""

import pytest

from simulator.engine.learned_tagger import LearnedTagger
from simulator.practice import PracticeService
from simulator.scoring import rewrite

from .conversation import Conversation

WEAK_THEN_BETTER = [
    "You've been missing deadlines and everyone says your attitude is a problem.",
    "You always do this.",
    "I can see this has been a hard stretch. What got in the way?",
]


@pytest.fixture
def service(sqlite_store, library):
    return PracticeService(sqlite_store, library)


@pytest.fixture(autouse=True)
def _empty_cache():
    rewrite.forget_candidate_taggings()
    yield
    rewrite.forget_candidate_taggings()


def _played(service, library) -> Conversation:
    conv = Conversation.start(service, library["performance-feedback"], seed=7)  # the same persona lines each time
    for text in WEAK_THEN_BETTER:
        conv.send(text)
    return conv


def _tagged(monkeypatch) -> list[str]:
    """Every text the learned tagger reads from now on."""
    read: list[str] = []
    original = LearnedTagger.tag_many

    def counting(self, texts, **kwargs):
        read.extend(texts)
        return original(self, texts, **kwargs)

    monkeypatch.setattr(LearnedTagger, "tag_many", counting)
    return read


def test_a_prepared_debrief_is_the_same_and_tags_nothing_at_the_end(service, library, monkeypatch):
    unprepared = _played(service, library)
    cold = service.finish(unprepared.id)
    rewrite.forget_candidate_taggings()

    conv = _played(service, library)
    future = service.prepare_debrief(conv.view)
    assert future is not None
    future.result(timeout=60)
    assert service.prepare_debrief(conv.view) is None  # once per revision
    read = _tagged(monkeypatch)
    prepared = service.finish(conv.id)
    assert read == []  # every rewrite candidate was read while the manager was reading
    assert sum(r.rewrite is not None for r in prepared.replies) >= 2
    assert prepared.model_dump(exclude={"replies"}) == cold.model_dump(exclude={"replies"})
    for warm, fresh in zip(prepared.replies, cold.replies, strict=True):
        a, b = warm.model_dump(exclude={"seq"}), fresh.model_dump(exclude={"seq"})
        assert a == b, {k: (a[k], b[k]) for k in a if a[k] != b[k]}


def test_a_new_message_is_prepared_again_and_an_ended_session_not_at_all(service, library):
    conv = Conversation.start(service, library["performance-feedback"])
    conv.send(WEAK_THEN_BETTER[0])
    service.prepare_debrief(conv.view).result(timeout=60)
    conv.send(WEAK_THEN_BETTER[1])
    again = service.prepare_debrief(conv.view)
    assert again is not None
    again.result(timeout=60)
    service.finish(conv.id)
    conv.refresh()
    assert service.prepare_debrief(conv.view) is None


def test_a_failed_preparation_loses_nothing(service, library, monkeypatch, caplog):
    conv = _played(service, library)

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("simulator.practice.build_debrief", broken)
    service.prepare_debrief(conv.view).result(timeout=60)
    assert "Preparing the debrief of session" in caplog.text
    monkeypatch.undo()
    debrief = service.finish(conv.id)  # done at the end instead
    assert len(debrief.replies) == len(WEAK_THEN_BETTER)


def test_ending_the_conversation_prepared_stores_the_prepared_debrief_without_building_it_again(service, library, monkeypatch):
    conv = _played(service, library)
    service.prepare_debrief(conv.view).result(timeout=60)
    built: list[int] = []
    original = __import__("simulator.practice", fromlist=["build_debrief"]).build_debrief

    def counting(*args, **kwargs):
        built.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr("simulator.practice.build_debrief", counting)
    debrief = service.finish(conv.id)
    assert built == []  # the debrief prepared while the manager read is the one stored
    assert service.store.get_debrief(conv.id)[1] == debrief.model_dump(mode="json")
    assert debrief.ending and len(debrief.replies) == len(WEAK_THEN_BETTER)


def test_a_prepared_debrief_is_not_used_for_a_conversation_that_moved_on_or_ended_otherwise(service, library, monkeypatch):
    built: list[str] = []
    original = __import__("simulator.practice", fromlist=["build_debrief"]).build_debrief

    def counting(*args, **kwargs):
        built.append("built")
        return original(*args, **kwargs)

    conv = _played(service, library)
    service.prepare_debrief(conv.view).result(timeout=60)
    conv.send("Thanks. Shall we meet again on Friday at ten to agree the next steps?")  # a message after the preparation
    monkeypatch.setattr("simulator.practice.build_debrief", counting)
    debrief = service.finish(conv.id)
    assert built == ["built"] and len(debrief.replies) == len(WEAK_THEN_BETTER) + 1

    other = _played(service, library)
    service.prepare_debrief(other.view).result(timeout=60)
    built.clear()
    service.finish(other.id, reason="timeout")  # not how the manager ends it: the prepared ending would be wrong
    assert built == ["built"]
