"""Learning mode: a live goals checklist and offline hints, from the state and the rubric.

A hint never gives a line to copy: it names the next goal still open and the skill that
would move it, from the moves its condition asks for (their codebook help), or, when every
goal is met, a sub-skill of the rubric the manager has not used yet.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from simulator.domain.moves import MOVE_HELP, Move
from simulator.domain.rubric import EMPATHY_SKILLS, EVIDENCE_SKILLS, KIND_PROFILES, SKILL_HELP
from simulator.domain.scenario import Mood, Scenario
from simulator.domain.state import ConversationState, mood_of

HINTS_PER_SESSION = 3

# which moves show each rubric sub-skill
_SKILL_MOVES = {
    "emotional_reaction": {Move.acknowledges_feelings},
    "interpretation": {Move.reflects},
    "exploration": {Move.open_question},
    "validation": {Move.validates},
    "situation": {Move.situation},
    "behaviour": {Move.specific_behaviour},
    "impact": {Move.impact},
    "data": {Move.data},
}


class GoalStatus(StrEnum):
    pending = "pending"
    met = "met"
    missed = "missed"


def goal_checklist(scenario: Scenario, state: ConversationState) -> list[tuple[str, GoalStatus]]:
    """Each goal's text and status: met; missed once the conversation is over without it; pending before."""
    out = []
    for goal in scenario.goals:
        status = GoalStatus.met if goal.id in state.goals_met else GoalStatus.missed if state.ended else GoalStatus.pending
        out.append((goal.text, status))
    return out


def hint(scenario: Scenario, state: ConversationState, used_moves: Iterable[Move]) -> str:
    """One offline hint for the manager's next message."""
    used = set(used_moves)
    if mood_of(scenario, state) is Mood.shut_down:
        return ("They have shut down. Only a sincere repair brings them back: apologise for what you said and "
                "acknowledge how they feel, with no criticism in the same message.")
    for goal in scenario.goals:
        if goal.id in state.goals_met:
            continue
        cond = goal.met_when
        moves = [m for m in (*cond.all_moves, *cond.any_move) if m not in cond.no_move]
        tips = [MOVE_HELP[m] for m in dict.fromkeys(moves)][:2]
        parts = [f"Still open: {goal.text[0].lower() + goal.text[1:]}."]
        waiting = [scenario.concern(c) for c in cond.revealed if c not in state.revealed]
        if waiting or (cond.min_trust is not None and state.trust < cond.min_trust):
            parts.append("They do not trust you enough yet: name how they seem to feel, ask an open question, and listen.")
        elif tips:
            parts.append("Try a message that " + " and ".join(tips) + ".")
        if cond.no_move:
            parts.append("Avoid: " + ", ".join(MOVE_HELP[m] for m in cond.no_move[:2]) + ".")
        return " ".join(parts)
    expected = EMPATHY_SKILLS + (EVIDENCE_SKILLS if KIND_PROFILES[scenario.kind].evidence_expected else ())
    missing = next((s for s in expected if not (_SKILL_MOVES[s] & used)), None)
    if missing:
        return f"Every goal is met. A skill you have not used yet: {SKILL_HELP[missing]}."
    return "Every goal is met and you have used every skill: close the conversation with a clear next step."
