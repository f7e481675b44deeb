"""The practice service with the offline engine: turns, interruptions, resume, finish."""

import pytest
from sqlalchemy import event

from simulator.domain.scenario import Mood
from simulator.engine.voice import Reply
from simulator.errors import InputError, SessionClosed, SessionConflict, StoreError
from simulator.practice import PracticeService
from simulator.store.db import open_store

from .conversation import Conversation
from .scripts import BLAMING_VAGUE, EMPATHIC_SPECIFIC


@pytest.fixture
def service(store, library):
    return PracticeService(store, library)


def play(conversation, lines):
    for text in lines:
        if conversation.ended:
            break
        conversation.send(text)
    return conversation.finish()


def test_empathic_specific_manager_opens_the_persona_and_reveals_the_concern(service, library):
    scenario = library["performance-feedback"]
    conv = Conversation.start(service, scenario)
    debrief = play(conv, EMPATHIC_SPECIFIC)
    assert conv.mood == Mood.open
    assert "caring-for-father" in conv.state.revealed
    reveal = scenario.concern("caring-for-father").reveal_lines[0]
    assert any(reveal.text in m.text for m in conv.transcript() if m.role == "persona")
    assert debrief.final_mood == "open"
    assert debrief.empathy >= 60 and debrief.evidence >= 50
    assert debrief.quadrant == "radical candor"


def test_blaming_generalising_manager_shuts_the_persona_down_with_nothing_revealed(service, library):
    conv = Conversation.start(service, library["performance-feedback"])
    debrief = play(conv, BLAMING_VAGUE)
    assert conv.mood == Mood.shut_down and conv.state.end_reason == "shut_down"
    assert conv.state.revealed == []
    assert debrief.final_mood == "shut_down"
    assert debrief.empathy <= 10 and debrief.evidence <= 10
    assert all(not c.revealed for c in debrief.concerns)


def test_manager_message_is_stored_before_the_persona_answers(service, store, library):
    conv = Conversation.start(service, library["lateness"])
    turn = conv.turn("How have the mornings been for you?")
    last = store.messages(conv.id)[-1]
    assert last.role == "manager" and last.text == "How have the mornings been for you?"
    "".join(turn)
    assert store.messages(conv.id)[-1].role == "persona"
    assert turn.result.saved and turn.result.complete and not turn.interrupted


def test_every_turn_says_who_tagged_and_who_answered(service, store, library):
    conv = Conversation.start(service, library["lateness"])
    conv.send("How have the mornings been for you?")
    turn = conv.last_turn
    assert turn.tagger == "learned" and turn.result.rules_tagging is not turn.result.tagging
    assert turn.model is None and turn.prompt_version is None  # the scenario's authored lines
    assert turn.result.usage.total == 0
    # stored with the message: who tagged it, the rules' tagging beside it, and who answered
    manager, persona = store.messages(conv.id)[-2:]
    assert manager.tagger == "learned" and manager.rules_tagging and manager.rules_tagging["source"] == "rules"
    assert persona.model == "offline"
    record = store.get_session(conv.id)
    assert record.scenario_hash and store.scenario_snapshot(record.scenario_hash)["id"] == "lateness"


class BreakingVoice:
    """A voice whose stream breaks after two words (like a dropped connection)."""

    name = "breaking"

    def reply(self, request):
        def chunks():
            yield "Well, "
            yield "honestly "
            raise ConnectionError("stream dropped")

        return Reply(chunks=chunks(), lines=[])


def test_a_broken_stream_keeps_the_partial_reply_marked_interrupted(service, store, library):
    conv = Conversation.start(service, library["lateness"])
    service.parts.voice = BreakingVoice()
    with pytest.raises(ConnectionError):
        conv.send("What has been going on?")
    msgs = store.messages(conv.id)
    assert [m.role for m in msgs] == ["persona", "manager", "persona"]
    assert msgs[-1].text == "Well, honestly" and msgs[-1].interrupted
    assert conv.view.pending == msgs[-1]


def test_a_reader_that_stops_early_still_stores_what_arrived(service, store, library):
    conv = Conversation.start(service, library["lateness"])
    turn = conv.turn("What has been going on?")
    first = next(turn)
    turn.close()  # what the page does in `finally` when the user clicks during a stream
    last = store.messages(conv.id)[-1]
    assert last.role == "persona" and last.interrupted and last.text == first.strip()
    assert turn.interrupted


class ScriptStopped(BaseException):
    """Like Streamlit's StopException: a BaseException raised in the reader while it reads."""


def test_a_reader_stopped_by_a_base_exception_keeps_the_partial_reply(service, store, library):
    view = service.start(library["lateness"], "t")
    turn = service.take_turn(view.id, "What has been going on?", expected_revision=view.revision)
    with pytest.raises(ScriptStopped):
        for _ in turn:
            raise ScriptStopped
    del turn  # no reference cycle: the stream is closed (and saved) as soon as the reader lets go
    last = store.messages(view.id)[-1]
    assert last.role == "persona" and last.interrupted and last.text


def test_refresh_resumes_from_the_database(service, library):
    conv = Conversation.start(service, library["no-promotion"])
    conv.send("I can see this is disappointing. How are you feeling about the decision?")
    again = Conversation(service, service.resume(conv.id))
    assert again.state == conv.state
    assert [m.text for m in again.transcript()] == [m.text for m in conv.transcript()]
    again.send("What would help?")
    assert again.state.turn == 2


def test_resume_since_a_view_reads_only_newer_messages_and_equals_a_full_read(service, store, library, monkeypatch):
    view = service.start(library["lateness"], "t")
    "".join(service.take_turn(view.id, "How have the mornings been?", expected_revision=view.revision, view=view))
    before = service.resume(view.id)
    turn = service.take_turn(view.id, "What has been going on?", expected_revision=before.revision, view=before)
    next(turn)
    turn.close()  # an interrupted reply: stored, marked
    read: list[int] = []
    messages = store.messages
    monkeypatch.setattr(store, "messages", lambda session_id, **kw: read.append(len(rows := messages(session_id, **kw))) or rows)
    since = service.resume(view.id, since=before)
    assert read == [3]  # the view's last message (it may have been re-tagged), the manager's new one, the reply
    monkeypatch.undo()
    full = service.resume(view.id)
    assert since == full
    assert [m.role for m in since.messages] == ["persona", "manager", "persona", "manager", "persona"]
    assert since.messages[-1].interrupted and since.pending == since.messages[-1]
    assert service.resume(view.id, since=since) == full  # nothing new: the same view
    other = service.start(library["lateness"], "t")
    assert service.resume(other.id, since=full).messages == store.messages(other.id)  # another session's view is not used


def test_resume_of_an_unknown_session_says_what_to_do(service):
    with pytest.raises(StoreError, match="start a new one"):
        service.resume("nope")


def test_second_tab_cannot_interleave_messages(service, store, library):
    tab_a = Conversation.start(service, library["peer-conflict"])
    tab_b = Conversation(service, service.resume(tab_a.id))
    tab_a.send("Thanks for coming. How are you after the review?")
    with pytest.raises(SessionConflict, match="another tab"):
        tab_b.turn("Let's talk about the meeting.")
    assert sum(m.role == "manager" for m in store.messages(tab_a.id)) == 1
    tab_b.refresh()
    tab_b.send("Let's talk about the meeting.")
    assert sum(m.role == "manager" for m in store.messages(tab_a.id)) == 2


@pytest.mark.parametrize("text", ["", "   \n  ", None])
def test_empty_message_is_refused_and_nothing_is_stored(service, store, library, text):
    conv = Conversation.start(service, library["lateness"])
    with pytest.raises(InputError, match="empty"):
        conv.turn(text)
    assert len(store.messages(conv.id)) == 1


def test_huge_message_is_refused_with_the_limit(store, library):
    conv = Conversation.start(PracticeService(store, library, max_chars=500), library["lateness"])
    with pytest.raises(InputError, match="501 characters; the limit is 500"):
        conv.turn("x" * 501)
    assert len(store.messages(conv.id)) == 1


def test_ended_session_refuses_messages_and_keeps_one_debrief(service, store, library):
    conv = Conversation.start(service, library["first-one-on-one"])
    conv.send("Welcome! How have your first two weeks been?")
    first = conv.finish()
    with pytest.raises(SessionClosed):
        conv.turn("One more thing")
    assert conv.finish() == first
    assert store.get_debrief(conv.id)[1]["replies"][0]["text"] == "Welcome! How have your first two weeks been?"


class CountingJudge:
    """A judge that counts its calls and fails (so the debrief falls back to the offline scorer)."""

    model = type("M", (), {"name": "counting"})()

    def __init__(self):
        self.calls = 0

    def judge(self, scenario, transcript):
        from simulator.models.base import ModelUnavailable

        self.calls += 1
        raise ModelUnavailable("judge down (test)")


def test_turn_cap_ends_the_session_and_the_debrief_waits_for_an_explicit_finish(store, library):
    scenario = library["lateness"]
    judge = CountingJudge()
    service = PracticeService(store, library)
    service.parts.judge = judge
    view = service.start(scenario, "t")
    for _ in range(scenario.state.turn_cap):
        turn = service.take_turn(view.id, "Okay.", expected_revision=view.revision)
        "".join(turn)
        view = service.resume(view.id)
    assert turn.ended and view.ended and view.record.end_reason == "turn_cap"
    closing = [x for pool in scenario.lines.closing.values() for x in pool]
    assert any(line in store.messages(view.id)[-1].text for line in closing)
    # the stream ended without judging: the judge runs only in finish()
    assert judge.calls == 0 and store.get_debrief(view.id) is None
    debrief = service.finish(view.id)
    assert judge.calls == 1 and debrief.fallback_reason and "judge down" in debrief.fallback_reason
    assert store.get_debrief(view.id) is not None


def test_finish_can_skip_the_judge_and_says_why(store, library):
    judge = CountingJudge()
    service = PracticeService(store, library)
    service.parts.judge = judge
    conv = Conversation.start(service, library["lateness"])
    conv.send("How are things?")
    debrief = conv.finish(offline_because="The persona model failed (test).")
    assert judge.calls == 0 and debrief.scorer.startswith("offline")
    assert debrief.fallback_reason == "The persona model failed (test)."


class Statements:
    """What reaches the database: every SQL statement, and every transaction (a pooled connection's checkout)."""

    def __init__(self, store):
        self.sql: list[str] = []
        self.transactions = 0
        event.listen(store.engine, "before_cursor_execute", self._statement)
        event.listen(store.engine, "checkout", self._checkout)

    def _statement(self, conn, cursor, statement, parameters, context, executemany):
        self.sql.append(statement.split()[0].upper())

    def _checkout(self, dbapi_conn, record, proxy):
        self.transactions += 1

    def clear(self):
        self.sql.clear()
        self.transactions = 0


def test_database_round_trips_per_turn_stay_few(service, store, library):
    """One offline turn, counted with a listener on the engine.

    By id alone: read the session, read the transcript (the persona's words are on the
    record for the fact check), store the manager's message, store the reply, its state
    and its usage (four transactions). With the view the page has just read, the two
    reads are skipped. A page showing the session reads twice.
    """
    view = service.start(library["lateness"], "t")
    seen = Statements(store)
    "".join(service.take_turn(view.id, "How have the mornings been?", expected_revision=view.revision))
    assert seen.transactions == 4 and len(seen.sql) <= 12, seen.sql  # + the transcript, whose persona lines are on the record
    seen.clear()
    view = service.resume(view.id)  # what every page run reads
    assert seen.transactions == 2 and seen.sql.count("SELECT") == 2
    seen.clear()
    "".join(service.take_turn(view.id, "What would help?", expected_revision=view.revision, view=view))
    assert seen.transactions == 2 and len(seen.sql) <= 10, seen.sql


def test_a_new_service_reuses_the_parsed_scenario_version(store, library):
    """The app builds a service per page run: the session's stored scenario version is parsed once per
    process (a content hash names one scenario), not read and validated again on every run."""
    view = PracticeService(store, library).start(library["lateness"], "t")
    seen = Statements(store)
    again = PracticeService(store, library).resume(view.id)
    assert seen.sql.count("SELECT") == 2  # the session and its messages; not the scenario version
    assert again.scenario == view.scenario and again.scenario.id == "lateness"


def test_a_stale_view_is_not_trusted(service, store, library):
    tab_a = service.start(library["lateness"], "t")
    tab_b = service.resume(tab_a.id)
    "".join(service.take_turn(tab_a.id, "How are you?", expected_revision=tab_a.revision, view=tab_a))
    with pytest.raises(SessionConflict):
        service.take_turn(tab_b.id, "Hello?", expected_revision=tab_b.revision, view=tab_b)
    assert [m.role for m in store.messages(tab_a.id)] == ["persona", "manager", "persona"]


def test_unwritable_data_folder_says_how_to_fix(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="SIMULATOR_DATA_DIR"):
        open_store(f"sqlite:///{blocker / 'sub' / 'db.sqlite'}")


def test_missing_data_folder_is_created(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'new' / 'deeper' / 'db.sqlite'}")
    assert (tmp_path / "new" / "deeper" / "db.sqlite").exists()
    store.engine.dispose()
