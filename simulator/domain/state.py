"""State engine: trust, stress, revealed concerns and goals, in plain code.

The scenario's state table drives it. A language model never changes the state;
it only receives a director note derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from simulator.domain.moves import Move
from simulator.domain.scenario import Condition, Mood, Scenario


class ConversationState(BaseModel):
    """Everything the engine needs to continue a conversation; stored as JSON after each turn."""

    turn: int = 0
    trust: int
    stress: int
    revealed: list[str] = Field(default_factory=list)
    goals_met: list[str] = Field(default_factory=list)
    used_lines: list[str] = Field(default_factory=list)
    ended: bool = False
    end_reason: str | None = None
    seed: int | None = None  # asked of a model voice for reproducible sampling (where the endpoint supports it)

    @classmethod
    def initial(cls, scenario: Scenario) -> ConversationState:
        return cls(trust=scenario.state.trust_start, stress=scenario.state.stress_start)


@dataclass
class TurnOutcome:
    moves: set[Move]
    trust_change: int
    stress_change: int
    revealed_now: list[str] = field(default_factory=list)
    goals_met_now: list[str] = field(default_factory=list)
    mood: Mood = Mood.neutral
    closed_up: bool = False


@dataclass(frozen=True)
class DirectorNote:
    """What the voice may know about the persona's state this turn."""

    mood: Mood
    closed_up: bool
    style: str
    reveal_now: list[str]  # concern ids whose reveal condition held this turn
    revealed: list[str]  # concern ids revealed earlier or now
    ending: bool


def mood_of(scenario: Scenario, state: ConversationState) -> Mood:
    table = scenario.state
    if state.stress >= table.close_up_stress or state.trust < table.guarded_below_trust:
        return Mood.guarded
    if state.trust >= table.open_at_trust:
        return Mood.open
    return Mood.neutral


def holds(cond: Condition, state: ConversationState, moves: set[Move]) -> bool:
    checks = [
        cond.min_trust is None or state.trust >= cond.min_trust,
        cond.max_trust is None or state.trust <= cond.max_trust,
        cond.min_stress is None or state.stress >= cond.min_stress,
        cond.max_stress is None or state.stress <= cond.max_stress,
        not cond.any_move or bool(moves & set(cond.any_move)),
        all(m in moves for m in cond.all_moves),
        not (moves & set(cond.no_move)),
        cond.min_turn is None or state.turn >= cond.min_turn,
        all(c in state.revealed for c in cond.revealed),
        all(g in state.goals_met for g in cond.goals_met),
    ]
    return all(checks)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


class StateEngine:
    def __init__(self, scenario: Scenario):
        self.scenario = scenario

    def apply(self, state: ConversationState, moves: set[Move]) -> tuple[ConversationState, TurnOutcome]:
        """The state after one manager message with these moves. The input is not changed."""
        table = self.scenario.state
        new = state.model_copy(deep=True)
        new.turn += 1
        trust_change = sum(table.deltas[m].trust for m in moves if m in table.deltas)
        stress_change = sum(table.deltas[m].stress for m in moves if m in table.deltas)
        cap = table.max_change_per_turn
        trust_change, stress_change = _clamp(trust_change, -cap, cap), _clamp(stress_change, -cap, cap)
        new.trust = _clamp(state.trust + trust_change, 0, 100)
        new.stress = _clamp(state.stress + stress_change, 0, 100)
        closed_up = new.stress >= table.close_up_stress

        revealed_now = []
        if not closed_up:
            for concern in self.scenario.persona.hidden_concerns:
                if concern.id not in new.revealed and holds(concern.reveal_when, new, moves):
                    new.revealed.append(concern.id)
                    revealed_now.append(concern.id)

        goals_now = []
        for goal in self.scenario.goals:
            if goal.id not in new.goals_met and holds(goal.met_when, new, moves):
                new.goals_met.append(goal.id)
                goals_now.append(goal.id)

        if table.end_when is not None and holds(table.end_when, new, moves):
            new.ended, new.end_reason = True, "goals"
        elif new.turn >= table.turn_cap:
            new.ended, new.end_reason = True, "turn_cap"

        outcome = TurnOutcome(
            moves=set(moves),
            trust_change=new.trust - state.trust,
            stress_change=new.stress - state.stress,
            revealed_now=revealed_now,
            goals_met_now=goals_now,
            mood=mood_of(self.scenario, new),
            closed_up=closed_up,
        )
        return new, outcome

    def end(self, state: ConversationState, reason: str = "manager") -> ConversationState:
        new = state.model_copy(deep=True)
        if not new.ended:
            new.ended, new.end_reason = True, reason
        return new

    def director_note(self, state: ConversationState, outcome: TurnOutcome | None) -> DirectorNote:
        mood = mood_of(self.scenario, state)
        closed_up = state.stress >= self.scenario.state.close_up_stress
        style = {
            Mood.guarded: "short, defensive answers; contest anything vague; give nothing personal away",
            Mood.neutral: "polite and factual; cautious; answer what is asked and little more",
            Mood.open: "warmer and more candid; own your part; engage with next steps",
        }[mood]
        if closed_up:
            style = "overwhelmed: very short answers, wants the meeting to end"
        return DirectorNote(
            mood=mood,
            closed_up=closed_up,
            style=style,
            reveal_now=list(outcome.revealed_now) if outcome else [],
            revealed=list(state.revealed),
            ending=state.ended,
        )
