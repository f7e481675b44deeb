import pytest

from simulator.engine.session import PracticeSession
from simulator.engine.voice import Reply
from simulator.errors import InputError, SessionClosed, SessionConflict, StoreError
from simulator.domain.scenario import Mood
from simulator.store.db import open_store

from .scripts import BLAMING_VAGUE, EMPATHIC_SPECIFIC


def play(session, lines):
    for text in lines:
        if session.ended:
            break
        "".join(session.send(text))
    return session.finish()


def test_empathic_specific_manager_opens_the_persona_and_reveals_the_concern(store, library):
    scenario = library["performance-feedback"]
    session = PracticeSession.start(store, scenario, user="t")
    debrief = play(session, EMPATHIC_SPECIFIC)
    assert session.mood == Mood.open
    assert "caring-for-father" in session.state.revealed
    reveal = scenario.concern("caring-for-father").reveal_lines[0]
    assert any(reveal in m.text for m in session.transcript() if m.role == "persona")
    assert debrief.final_mood == "open"
    assert debrief.empathy >= 60 and debrief.evidence >= 50
    assert debrief.quadrant == "radical candor"


def test_blaming_generalising_manager_ends_guarded_with_nothing_revealed(store, library):
    scenario = library["performance-feedback"]
    session = PracticeSession.start(store, scenario, user="t")
    debrief = play(session, BLAMING_VAGUE)
    assert session.mood == Mood.guarded
    assert session.state.revealed == []
    assert debrief.final_mood == "guarded"
    assert debrief.empathy <= 10 and debrief.evidence <= 10
    assert all(not c.revealed for c in debrief.concerns)


def test_manager_message_is_stored_before_the_persona_answers(store, library):
    session = PracticeSession.start(store, library["lateness"], user="t")
    stream = session.send("How have the mornings been for you?")
    last = store.messages(session.id)[-1]
    assert last.role == "manager" and last.text == "How have the mornings been for you?"
    "".join(stream)
    assert store.messages(session.id)[-1].role == "persona"


class BreakingVoice:
    """A voice whose stream breaks after two words (like a dropped connection)."""

    name = "breaking"

    def reply(self, request):
        def chunks():
            yield "Well, "
            yield "honestly "
            raise ConnectionError("stream dropped")

        return Reply(chunks=chunks(), lines=[])


def test_a_broken_stream_keeps_the_partial_reply_marked_interrupted(store, library):
    session = PracticeSession.start(store, library["lateness"], user="t")
    session.voice = BreakingVoice()
    with pytest.raises(ConnectionError):
        "".join(session.send("What has been going on?"))
    msgs = store.messages(session.id)
    assert [m.role for m in msgs] == ["persona", "manager", "persona"]
    assert msgs[-1].text == "Well, honestly" and msgs[-1].interrupted


def test_a_reader_that_stops_early_still_stores_what_arrived(store, library):
    session = PracticeSession.start(store, library["lateness"], user="t")
    stream = session.send("What has been going on?")
    first = next(stream)
    stream.close()  # what Streamlit does when the user clicks during a stream
    last = store.messages(session.id)[-1]
    assert last.role == "persona" and last.interrupted and last.text == first.strip()


def test_refresh_resumes_from_the_database(store, library):
    session = PracticeSession.start(store, library["no-promotion"], user="t")
    "".join(session.send("I can see this is disappointing. How are you feeling about the decision?"))
    again = PracticeSession.resume(store, library, session.id)
    assert again.state == session.state
    assert [m.text for m in again.transcript()] == [m.text for m in session.transcript()]
    "".join(again.send("What would help?"))
    assert again.state.turn == 2


def test_second_tab_cannot_interleave_messages(store, library):
    tab_a = PracticeSession.start(store, library["peer-conflict"], user="t")
    tab_b = PracticeSession.resume(store, library, tab_a.id)
    "".join(tab_a.send("Thanks for coming. How are you after the review?"))
    with pytest.raises(SessionConflict, match="another tab"):
        tab_b.send("Let's talk about the meeting.")
    assert sum(m.role == "manager" for m in store.messages(tab_a.id)) == 1
    tab_b.reload()
    "".join(tab_b.send("Let's talk about the meeting."))
    assert sum(m.role == "manager" for m in store.messages(tab_a.id)) == 2


@pytest.mark.parametrize("text", ["", "   \n  ", None])
def test_empty_message_is_refused_and_nothing_is_stored(store, library, text):
    session = PracticeSession.start(store, library["lateness"], user="t")
    with pytest.raises(InputError, match="empty"):
        session.send(text)
    assert len(store.messages(session.id)) == 1


def test_huge_message_is_refused_with_the_limit(store, library):
    session = PracticeSession.start(store, library["lateness"], user="t", max_chars=500)
    with pytest.raises(InputError, match="501 characters; the limit is 500"):
        session.send("x" * 501)
    assert len(store.messages(session.id)) == 1


def test_ended_session_refuses_messages_and_keeps_one_debrief(store, library):
    session = PracticeSession.start(store, library["first-one-on-one"], user="t")
    "".join(session.send("Welcome! How have your first two weeks been?"))
    first = session.finish()
    with pytest.raises(SessionClosed):
        session.send("One more thing")
    assert session.finish() == first
    assert store.get_debrief(session.id)[1]["replies"][0]["text"] == "Welcome! How have your first two weeks been?"


def test_turn_cap_ends_the_session_with_a_closing_line(store, library):
    scenario = library["lateness"]
    session = PracticeSession.start(store, scenario, user="t")
    for _ in range(scenario.state.turn_cap):
        "".join(session.send("Okay."))
    assert session.ended and session.record.end_reason == "turn_cap"
    closing = [x for pool in scenario.lines.closing.values() for x in pool]
    assert any(line in store.messages(session.id)[-1].text for line in closing)
    assert store.get_debrief(session.id) is not None


def test_unwritable_data_folder_says_how_to_fix(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StoreError, match="SIMULATOR_DATA_DIR"):
        open_store(f"sqlite:///{blocker / 'sub' / 'db.sqlite'}")


def test_missing_data_folder_is_created(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'new' / 'deeper' / 'db.sqlite'}")
    assert (tmp_path / "new" / "deeper" / "db.sqlite").exists()
    store.engine.dispose()
