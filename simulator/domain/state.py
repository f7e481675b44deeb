"""State engine: trust, stress, revealed concerns and goals, in plain code.

The scenario's state table drives it. A language model never changes the state;
it only receives a director note derived from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, Field

from simulator.domain.moves import PENALTY_MOVES, Move
from simulator.domain.scenario import Condition, Mood, Scenario, StateTable

# A sincere repair: an apology with an acknowledgement of how they feel (or of their view), and no penalty alongside.
REPAIR_MOVES = frozenset({Move.acknowledges_feelings, Move.validates, Move.reflects})
_APOLOGY = re.compile(
    r"\b(?:i(?:'m| am)(?: so| really| truly| genuinely)? sorry|i apologi[sz]e|my apologies|that was (?:unfair|wrong|out of line) of me)\b",
    re.IGNORECASE,
)
REPAIR_MARGIN = 15  # a repair brings stress this far under close_up_stress
Mode = Literal["learning", "assessment"]  # learning: goals checklist and hints; assessment: neither, and no mood shown
SHUT_DOWN_TURNS = 3  # shut down this many messages in a row without a repair: the persona ends the meeting
# The goals met close the meeting only from this message on: a conversation that covers everything in three
# messages has rushed it, and the persona does not walk out on a manager who is doing well. A crossed
# boundary or a shut-down ends it at any time.
MIN_TURNS_TO_CLOSE = 5


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
    seed: int | None = None  # draws among equally fitting lines; asked of a model voice for reproducible sampling
    topics_raised: list[str] = Field(default_factory=list)  # topics the manager has brought up
    topics_answered: list[str] = Field(default_factory=list)  # topics the persona has spoken to
    last_topic: str | None = None  # the topic of the manager's previous message: a short follow-up carries it over
    shut_down: bool = False  # stress went over close_up_stress; stays so until a sincere repair
    shut_down_turns: int = 0  # messages answered in a row while shut down
    boundary: str | None = None  # the boundary whose crossing ended the meeting
    mode: Mode = "learning"  # learning: goals checklist and hints; assessment: neither
    hints_used: int = 0

    @classmethod
    def initial(cls, scenario: Scenario, mode: Mode = "learning") -> ConversationState:
        table = scenario.state
        return cls(trust=table.trust_start, stress=table.stress_start, mode=mode)


@dataclass
class TurnOutcome:
    moves: set[Move]
    trust_change: int
    stress_change: int
    revealed_now: list[str] = field(default_factory=list)
    goals_met_now: list[str] = field(default_factory=list)
    mood: Mood = Mood.neutral
    closed_up: bool = False
    repaired: bool = False  # a sincere repair brought the persona back from shut down this turn


@dataclass(frozen=True)
class DirectorNote:
    """What the voice may know about the persona's state this turn."""

    mood: Mood
    closed_up: bool
    style: str
    reveal_now: list[str]  # concern ids whose reveal condition held this turn
    revealed: list[str]  # concern ids revealed earlier or now
    ending: bool
    boundary_line: str | None = None  # the boundary crossed this turn: the persona ends the meeting with this line


def mood_of(scenario: Scenario, state: ConversationState) -> Mood:
    return _mood(scenario.state, state)


def _mood(table: StateTable, state: ConversationState) -> Mood:
    """The mood under an engine table already resolved (`Scenario.state` builds it on every call)."""
    if state.shut_down:
        return Mood.shut_down
    if state.stress >= table.close_up_stress or state.trust < table.guarded_below_trust:
        return Mood.guarded
    if state.trust >= table.open_at_trust:
        return Mood.open
    return Mood.neutral


def _mentions(phrases: list[str], text: str) -> bool:
    return any(re.search(r"\b" + re.escape(p), text, re.IGNORECASE) for p in phrases)


def is_repair(moves: set[Move], text: str) -> bool:
    """An apology plus an acknowledgement of how they feel (or of their view), with no penalty alongside."""
    return bool(moves & REPAIR_MOVES) and not (moves & PENALTY_MOVES) and bool(_APOLOGY.search(text))


def holds(cond: Condition, state: ConversationState, moves: set[Move], text: str = "") -> bool:
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
        all(t in state.topics_answered for t in cond.answered),
        not cond.mentions or _mentions(cond.mentions, text),
    ]
    return all(checks)


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


class StateEngine:
    def __init__(self, scenario: Scenario):
        self.scenario = scenario
        self.table = scenario.state  # resolved once: the kind's numbers, the overrides, the difficulty preset

    def apply(self, state: ConversationState, moves: set[Move], *, text: str = "") -> tuple[ConversationState, TurnOutcome]:
        """The state after one manager message with these moves (and this text). The input is not changed."""
        table = self.table
        new = state.model_copy(deep=True)
        new.turn += 1
        trust_change = sum(table.deltas[m].trust for m in moves if m in table.deltas)
        stress_change = sum(table.deltas[m].stress for m in moves if m in table.deltas)
        cap = table.max_change_per_turn
        trust_change, stress_change = _clamp(trust_change, -cap, cap), _clamp(stress_change, -cap, cap)
        new.trust = _clamp(state.trust + trust_change, 0, 100)
        new.stress = _clamp(state.stress + stress_change, 0, 100)
        repaired = False
        if state.shut_down and is_repair(moves, text):
            new.shut_down, new.shut_down_turns, repaired = False, 0, True
            new.stress = min(new.stress, table.close_up_stress - REPAIR_MARGIN)
        elif new.stress >= table.close_up_stress:
            new.shut_down = True
        new.shut_down_turns = new.shut_down_turns + 1 if new.shut_down else 0
        closed_up = new.shut_down

        revealed_now = []
        if not closed_up:
            for concern in self.scenario.persona.hidden_concerns:
                if concern.id not in new.revealed and holds(self.scenario.reveal_condition(concern), new, moves, text):
                    new.revealed.append(concern.id)
                    revealed_now.append(concern.id)
                    break  # one reveal per reply: the next concern, if its condition holds, comes with the next message

        goals_now = self._check_goals(new, moves, text)
        crossed = next((b for b in self.scenario.persona.boundaries if b.ends_when and holds(b.ends_when, new, moves, text)), None)
        if crossed is not None:
            new.ended, new.end_reason, new.boundary = True, "boundary", crossed.id
        elif new.shut_down_turns >= SHUT_DOWN_TURNS:
            new.ended, new.end_reason = True, "shut_down"
        else:
            self._check_end(new, moves, text)

        outcome = TurnOutcome(
            moves=set(moves),
            trust_change=new.trust - state.trust,
            stress_change=new.stress - state.stress,
            revealed_now=revealed_now,
            goals_met_now=goals_now,
            mood=_mood(self.table, new),
            closed_up=closed_up,
            repaired=repaired,
        )
        return new, outcome

    def after_reply(self, state: ConversationState, outcome: TurnOutcome, *, text: str = "",
                    raised: list[str] | None = None, answered: list[str] | None = None) -> ConversationState:
        """Record the topics the manager raised and the persona answered this turn, then check the goals again.

        A goal such as "learn how she likes feedback" (`answered: [feedback_style]`) is met only
        once the persona has said it, so it is checked after the reply as well as before.
        """
        new = state.model_copy(deep=True)
        new.topics_raised += [t for t in raised or [] if t not in new.topics_raised]
        new.topics_answered += [t for t in answered or [] if t not in new.topics_answered]
        new.last_topic = raised[0] if raised else None
        outcome.goals_met_now += self._check_goals(new, outcome.moves, text)
        if not new.ended:
            self._check_end(new, outcome.moves, text)
        return new

    def _check_goals(self, state: ConversationState, moves: set[Move], text: str) -> list[str]:
        met = []
        for goal in self.scenario.goals:
            if goal.id not in state.goals_met and holds(goal.met_when, state, moves, text):
                state.goals_met.append(goal.id)
                met.append(goal.id)
        return met

    def _check_end(self, state: ConversationState, moves: set[Move], text: str) -> None:
        table = self.table
        if table.end_when is not None and state.turn >= MIN_TURNS_TO_CLOSE and holds(table.end_when, state, moves, text):
            state.ended, state.end_reason = True, "goals"
        elif state.turn >= table.turn_cap:
            state.ended, state.end_reason = True, "turn_cap"

    def end(self, state: ConversationState, reason: str = "manager") -> ConversationState:
        new = state.model_copy(deep=True)
        if not new.ended:
            new.ended, new.end_reason = True, reason
        return new

    def boundary(self, state: ConversationState):
        """The boundary that ended the meeting, if one did."""
        return next((b for b in self.scenario.persona.boundaries if state.boundary and b.id == state.boundary), None)

    def director_note(self, state: ConversationState, outcome: TurnOutcome | None) -> DirectorNote:
        mood = _mood(self.table, state)
        closed_up = state.shut_down
        crossed = self.boundary(state)
        style = {
            Mood.guarded: "short, defensive answers; contest anything vague; give nothing personal away",
            Mood.neutral: "polite and factual; cautious; answer what is asked and little more",
            Mood.open: "warmer and more candid; own your part; engage with next steps",
            Mood.shut_down: "shut down: very short answers, wants the meeting to end",
        }[mood]
        if crossed is not None:
            style = f"your boundary was crossed ({crossed.text}): end the meeting now, in character"
        return DirectorNote(
            mood=mood,
            closed_up=closed_up,
            style=style,
            reveal_now=list(outcome.revealed_now) if outcome else [],
            revealed=list(state.revealed),
            ending=state.ended,
            boundary_line=crossed.line if crossed is not None else None,
        )


def ending_words(scenario: Scenario, state: ConversationState) -> str:
    """Why the conversation ended, in plain words: "Priya ended the meeting: you threatened her job (your message 4)."
    Empty while it goes on."""
    if not state.ended:
        return ""
    name = scenario.persona.name.split()[0]
    at = f"(your message {state.turn})"
    crossed = next((b for b in scenario.persona.boundaries if state.boundary and b.id == state.boundary), None)
    if state.end_reason == "boundary" and crossed is not None:
        why = crossed.why or f"you crossed a line {name} had set ({crossed.text.rstrip('.')})"
        return f"{name} ended the meeting: {why} {at}."
    return {
        "boundary": f"{name} ended the meeting: you crossed a line {at}.",
        "shut_down": f"{name} shut down and ended the meeting: {SHUT_DOWN_TURNS} messages in a row without an apology "
                     f"that acknowledged how {name} felt {at}.",
        "goals": f"{name} closed the meeting: you met the goals of this conversation {at}.",
        "turn_cap": f"The session ended: that was the last of your {scenario.state.turn_cap} messages.",
        "manager": f"You ended the conversation after {state.turn} message{'s' if state.turn != 1 else ''}.",
    }.get(state.end_reason or "", "The conversation has ended.")
