import pytest

from simulator.domain.moves import Move
from simulator.domain.scenario import SPEAKING_MOODS, Mood
from simulator.domain.state import ConversationState, StateEngine, TurnOutcome
from simulator.engine.tagger import RuleTagger
from simulator.engine.voice import _EXHAUSTED, OfflineVoice, VoiceRequest
from simulator.practice import PracticeService

from .conftest import SHIPPED_IDS
from .conversation import Conversation
from .scripts import BLAMING_VAGUE, EMPATHIC_SPECIFIC, MIXED

MOOD_STATE = {Mood.guarded: (20, 40), Mood.neutral: (50, 40), Mood.open: (80, 20)}


@pytest.mark.parametrize("scenario_id", SHIPPED_IDS)
@pytest.mark.parametrize("mood", list(SPEAKING_MOODS))
def test_fifteen_turns_in_every_mood_without_repeating(library, scenario_id, mood):
    scenario = library[scenario_id]
    voice = OfflineVoice()
    trust, stress = MOOD_STATE[mood]
    state = ConversationState(trust=trust, stress=stress)
    engine = StateEngine(scenario)
    tagger = RuleTagger()
    said = []
    for turn in range(15):
        tagging = tagger.tag(MIXED[turn])
        note = engine.director_note(state, TurnOutcome(moves=tagging.moves, trust_change=0, stress_change=0))
        chosen, topic = voice.choose_lines(VoiceRequest(scenario=scenario, state=state, note=note, tagging=tagging))
        lines = [line.text for line in chosen]
        assert _EXHAUSTED not in lines
        pool_line = chosen[-1]
        # from the mood's pool, or (when the mood has no unused line on it) on the manager's topic
        assert pool_line in scenario.lines.pool(mood) or topic in pool_line.topics, f"turn {turn + 1}: line not from the {mood} pool"
        said.extend(lines)
        state.used_lines.extend(lines)
    assert len(said) == len(set(said))


@pytest.mark.parametrize("scenario_id", SHIPPED_IDS)
@pytest.mark.parametrize("script", [EMPATHIC_SPECIFIC, BLAMING_VAGUE, MIXED], ids=["empathic", "blaming", "mixed"])
def test_full_conversation_holds_together(store, library, scenario_id, script):
    """Up to 15 turns end to end: every reply non-empty, no line repeated, lines match the mood."""
    scenario = library[scenario_id]
    service = PracticeService(store, library)
    session = Conversation.start(service, scenario)
    engine = StateEngine(scenario)
    lines = (script * 3)[: scenario.state.turn_cap]
    for text in lines:
        if session.ended:
            break
        before = session.state
        reply = session.send(text)
        assert reply.strip() and _EXHAUSTED not in reply
        expected_state, outcome = engine.apply(before, service.parts.tagger.tag(text).moves, text=text)
        assert session.state.trust == expected_state.trust
        if not outcome.revealed_now and not outcome.closed_up and not session.ended:
            pool = scenario.lines.pool(outcome.mood)
            assert any(line.text in reply for line in pool) or session.state.topics_raised
    used = session.state.used_lines
    assert len(used) == len(set(used)), "a line was repeated"
    persona_turns = [m for m in session.transcript() if m.role == "persona"]
    assert all(m.text.strip() for m in persona_turns)
    assert session.ended or len(persona_turns) == 1 + scenario.state.turn_cap


def test_reaction_answers_the_most_salient_move(library):
    scenario = library["performance-feedback"]
    voice = OfflineVoice()
    state = ConversationState(trust=50, stress=40)
    tagging = RuleTagger().tag("I can see this is hard, but it's your fault.")
    assert {Move.acknowledges_feelings, Move.blame} <= tagging.moves
    note = StateEngine(scenario).director_note(state, None)
    first = voice.choose(VoiceRequest(scenario=scenario, state=state, note=note, tagging=tagging))[0]
    assert first in scenario.lines.reactions[Move.blame]


def test_reveal_line_is_spoken_when_concern_is_revealed(library):
    scenario = library["performance-feedback"]
    engine = StateEngine(scenario)
    state, outcome = engine.apply(ConversationState(trust=70, stress=30), {Move.open_question})
    request = VoiceRequest(scenario=scenario, state=state, note=engine.director_note(state, outcome), tagging=RuleTagger().tag("How are you?"))
    lines = OfflineVoice().choose(request)
    assert lines[-1] == scenario.concern("caring-for-father").reveal_lines[0].text
