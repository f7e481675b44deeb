"""Learning mode (goals checklist, rationed hints) and assessment mode (neither, no mood badge)."""

import pytest

from simulator.errors import InputError
from simulator.practice import PracticeService
from simulator.scoring.hints import HINTS_PER_SESSION, GoalStatus, goal_checklist

from .conversation import Conversation
from .test_app import TIMEOUT, page, run, texts


def test_hints_are_rationed_and_recorded(sqlite_store, library):
    service = PracticeService(sqlite_store, library)
    conv = Conversation.start(service, library["performance-feedback"], seed=1)
    first = service.hint(conv.id, expected_revision=conv.view.revision)
    assert first.remaining == HINTS_PER_SESSION - 1
    assert "Still open:" in first.text and "specific" in first.text.lower()  # the first goal: a specific, dated behaviour
    conv.refresh()
    assert conv.view.state.hints_used == 1
    conv.send("I can see this has been a stressful stretch. What has been going on?")  # the hint does not block the next turn
    for _ in range(HINTS_PER_SESSION - 1):
        service.hint(conv.id, expected_revision=conv.refresh().revision)
    with pytest.raises(InputError, match="all 3 hints"):
        service.hint(conv.id, expected_revision=conv.refresh().revision)
    debrief = conv.finish()
    assert debrief.mode == "learning" and debrief.hints_used == HINTS_PER_SESSION


def test_assessment_mode_gives_no_hints_and_the_debrief_says_so(sqlite_store, library):
    service = PracticeService(sqlite_store, library)
    conv = Conversation.start(service, library["lateness"], mode="assessment")
    with pytest.raises(InputError, match="assessment mode"):
        service.hint(conv.id, expected_revision=conv.view.revision)
    conv.send("How have the mornings been for you lately?")
    assert conv.finish().mode == "assessment"


def test_goal_checklist_is_pending_then_met_or_missed(library):
    from simulator.domain.state import ConversationState

    scenario = library["performance-feedback"]
    state = ConversationState.initial(scenario)
    assert {s for _, s in goal_checklist(scenario, state)} == {GoalStatus.pending}
    state = state.model_copy(update={"goals_met": ["explain-impact"], "ended": True})
    statuses = dict(goal_checklist(scenario, state))
    assert list(statuses.values()).count(GoalStatus.met) == 1 and list(statuses.values()).count(GoalStatus.missed) == 3


def _start_from_library(mode: str):
    at = run(page("library"))
    at.selectbox[0].select("performance-feedback")
    run(at)
    at.radio(key="mode").set_value(mode)
    at.radio(key="difficulty").set_value(at.radio(key="difficulty").options[2])  # tough
    run(at)
    at.button[0].click()
    run(at)
    session_id = at.query_params["session"]
    at = page("practice")  # the practice page, opened on the session the library started
    at.query_params["session"] = session_id
    return run(at)


def test_practice_page_in_learning_mode_shows_mood_checklist_and_hint_button():
    at = _start_from_library("learning")
    assert "Mood:" in texts(at) and "tough" in texts(at).lower()
    hint = next(b for b in at.button if b.label.startswith("Hint"))
    hint.click().run(timeout=TIMEOUT)
    assert not at.exception
    assert any("Still open" in i.value for i in at.info)
    assert next(b for b in at.button if b.label.startswith("Hint")).label == f"Hint ({HINTS_PER_SESSION - 1} left)"


def test_practice_page_in_assessment_mode_hides_mood_and_hints():
    at = _start_from_library("assessment")
    body = texts(at)
    assert "Mood:" not in body and "assessment mode" in body
    assert not any(b.label.startswith("Hint") for b in at.button)
