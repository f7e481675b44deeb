import pytest

from simulator.domain.moves import Move
from simulator.domain.scenario import Condition, Mood
from simulator.domain.state import REPAIR_MARGIN, SHUT_DOWN_TURNS, ConversationState, StateEngine, holds, mood_of


@pytest.fixture
def pf(library):
    return library["performance-feedback"]


def test_deltas_apply_once_per_move_and_clamp_per_turn(pf):
    engine = StateEngine(pf)
    start = ConversationState.initial(pf)
    state, outcome = engine.apply(start, {Move.acknowledges_feelings})
    assert state.trust == start.trust + pf.state.deltas[Move.acknowledges_feelings].trust
    assert state.turn == 1 and start.turn == 0  # input unchanged
    every_good = {Move.acknowledges_feelings, Move.validates, Move.reflects, Move.open_question, Move.offers_support}
    state, outcome = engine.apply(start, every_good)
    assert outcome.trust_change == pf.state.max_change_per_turn


def test_values_stay_within_0_and_100(pf):
    engine = StateEngine(pf)
    state = ConversationState.initial(pf)
    for _ in range(12):  # it ends (shut down) long before; the values are what is tested here
        state, _ = engine.apply(state, {Move.pressures, Move.blame, Move.label_judgment})
    assert state.trust == 0 and state.stress == 100
    assert mood_of(pf, state) == Mood.shut_down


def test_mood_thresholds(pf):
    def make(trust: int, stress: int) -> ConversationState:
        return ConversationState(trust=trust, stress=stress)

    assert mood_of(pf, make(pf.state.guarded_below_trust - 1, 10)) == Mood.guarded
    assert mood_of(pf, make(pf.state.guarded_below_trust, 10)) == Mood.neutral
    assert mood_of(pf, make(pf.state.open_at_trust, 10)) == Mood.open
    assert mood_of(pf, make(90, pf.state.close_up_stress)) == Mood.guarded


def test_hidden_concern_needs_trust_and_a_listening_move(pf):
    engine = StateEngine(pf)
    high = ConversationState(trust=80, stress=30)
    state, outcome = engine.apply(high, {Move.data})
    assert outcome.revealed_now == [] and state.revealed == []
    state, outcome = engine.apply(high, {Move.open_question})
    assert outcome.revealed_now == ["caring-for-father"]
    low = ConversationState(trust=30, stress=30)
    state, outcome = engine.apply(low, {Move.open_question})
    assert outcome.revealed_now == []


def test_nothing_is_revealed_when_closed_up(pf):
    engine = StateEngine(pf)
    state, outcome = engine.apply(ConversationState(trust=90, stress=99), {Move.open_question, Move.pressures})
    assert outcome.closed_up and outcome.revealed_now == []


def test_goals_are_sticky_and_turn_cap_ends(pf):
    engine = StateEngine(pf)
    state = ConversationState.initial(pf)
    state, outcome = engine.apply(state, {Move.impact})
    assert "explain-impact" in outcome.goals_met_now
    for _ in range(pf.state.turn_cap - 1):
        assert not state.ended
        state, _ = engine.apply(state, set())
    assert "explain-impact" in state.goals_met
    assert state.ended and state.end_reason == "turn_cap"


def test_conditions():
    s = ConversationState(trust=50, stress=40, turn=3, revealed=["a"], goals_met=["g"])
    assert holds(Condition(min_trust=50, max_stress=40), s, set())
    assert not holds(Condition(min_trust=51), s, set())
    assert holds(Condition(any_move=[Move.blame, Move.data]), s, {Move.data})
    assert not holds(Condition(all_moves=[Move.blame, Move.data]), s, {Move.data})
    assert not holds(Condition(no_move=[Move.data]), s, {Move.data})
    assert holds(Condition(min_turn=3, revealed=["a"], goals_met=["g"]), s, set())
    assert not holds(Condition(revealed=["b"]), s, set())


def test_director_note_exposes_only_revealed_concerns(pf):
    engine = StateEngine(pf)
    state, outcome = engine.apply(ConversationState(trust=30, stress=40), {Move.open_question})
    note = engine.director_note(state, outcome)
    assert note.reveal_now == [] and note.revealed == [] and note.mood == Mood.guarded


# ---- issue 8: the words drive the state ---------------------------------------------------

from simulator.engine.tagger import RuleTagger  # noqa: E402


@pytest.mark.parametrize(
    "scenario_id, goal, text",
    [
        ("no-promotion", "tell-outcome", "The committee did not approve your promotion to Senior this cycle."),
        ("letting-go", "decision-first", "Daniel, your role is being eliminated and today is your last day."),
    ],
)
def test_a_plain_statement_of_the_decision_meets_say_it_plainly(library, scenario_id, goal, text):
    scenario = library[scenario_id]
    state, outcome = StateEngine(scenario).apply(ConversationState.initial(scenario), RuleTagger().tag(text).moves)
    assert goal in outcome.goals_met_now


@pytest.mark.parametrize("move", [Move.contempt, Move.guilt_trip, Move.pressures])
def test_every_scenario_reacts_to_contempt_guilt_trips_and_threats(library, move):
    for scenario in library.values():
        start = ConversationState.initial(scenario)
        state, outcome = StateEngine(scenario).apply(start, {move})
        assert outcome.trust_change < 0 and outcome.stress_change > 0, (scenario.id, move)


def test_a_threat_meets_no_plan_goal(library):
    scenario = library["lateness"]
    moves = RuleTagger().tag("I need you in at 08:00, and what would help? One more late morning and you lose the lead role.").moves
    high = ConversationState(trust=80, stress=20)
    state, outcome = StateEngine(scenario).apply(high, moves)
    assert Move.pressures in moves and "agree-cover-plan" not in outcome.goals_met_now


def test_shut_down_sticks_until_a_sincere_repair(pf):
    engine = StateEngine(pf)
    state, outcome = engine.apply(ConversationState(trust=30, stress=pf.state.close_up_stress - 5), {Move.blame, Move.label_judgment})
    assert state.shut_down and outcome.closed_up and mood_of(pf, state) == Mood.shut_down
    # warmth alone lowers stress but does not bring her back
    state, outcome = engine.apply(state, {Move.acknowledges_feelings, Move.offers_support}, text="I can see this is hard.")
    assert state.shut_down and not outcome.repaired
    # an apology with a penalty in it is not a repair
    state, outcome = engine.apply(state, {Move.acknowledges_feelings, Move.blame}, text="I'm sorry you feel that way, but it's your fault.")
    assert state.shut_down
    state, outcome = engine.apply(state, {Move.acknowledges_feelings}, text="I'm sorry. That was unfair of me, and I can see it hurt.")
    assert outcome.repaired and not state.shut_down
    assert state.stress <= pf.state.close_up_stress - REPAIR_MARGIN and mood_of(pf, state) == Mood.guarded


def test_shut_down_for_several_messages_ends_the_meeting(pf):
    engine = StateEngine(pf)
    state = ConversationState(trust=20, stress=95)
    for _ in range(SHUT_DOWN_TURNS):
        assert not state.ended
        state, _ = engine.apply(state, {Move.data})
    assert state.ended and state.end_reason == "shut_down"


def test_a_boundary_is_a_condition_that_ends_the_meeting(pf):
    engine = StateEngine(pf)
    start = ConversationState.initial(pf)
    state, _ = engine.apply(start, {Move.pressures}, text="Fix it or you'll be looking for another job.")
    assert state.ended and state.end_reason == "boundary" and state.boundary == "dismissal-threat"
    note = engine.director_note(state, None)
    assert note.boundary_line == engine.boundary(state).line and "boundary" in note.style
    # the same words without the threat move, or a threat about something else, do not cross it
    state, _ = engine.apply(start, set(), text="Your job matters here.")
    assert not state.ended
    state, _ = engine.apply(start, {Move.pressures}, text="If this happens again, it goes on your record.")
    assert not state.ended


def test_mentions_and_answered_conditions(pf):
    state = ConversationState(trust=50, stress=50, topics_answered=["refunds_api"])
    assert holds(Condition(mentions=["refund"]), state, set(), "About the refunds API")
    assert not holds(Condition(mentions=["refund"]), state, set(), "About the migration")
    assert not holds(Condition(mentions=["fund"]), state, set(), "About the refunds API")  # from a word start
    assert holds(Condition(answered=["refunds_api"]), state, set())
    assert not holds(Condition(answered=["on_call"]), state, set())
