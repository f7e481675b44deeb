"""Engine tuning: the move effects of each kind of conversation, and the difficulty presets.

A trainer writes content; the numbers that drive the state engine come from here:

    table = kind's realistic table  →  the scenario's `tuning:` overrides  →  the difficulty preset

The kind's table says how a person in that kind of conversation reacts to each move (in a
decision, plain news earns respect but stings; in a mediation, hearsay hurts more). The
preset then changes how hard the person is to reach: where trust and stress start, how
much trust a hidden concern needs before it is told (every `reveal_when: min_trust` moves
by `reveal_shift`, and so does the open mood), how strongly stress rises, and the style
words a model persona is given. `realistic` leaves the table as the trainer tuned it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from simulator.domain.moves import Move
from simulator.domain.rubric import Kind


class Difficulty(StrEnum):
    supportive = "supportive"
    realistic = "realistic"
    tough = "tough"


@dataclass(frozen=True)
class Preset:
    difficulty: Difficulty
    trust_shift: int  # added to the start trust
    stress_shift: int  # added to the start stress
    reveal_shift: int  # added to open_at_trust and to every hidden concern's reveal_when min_trust
    stress_sensitivity: float  # multiplies every rise in stress a move causes
    style: str  # words for a model persona's prompt
    help: str  # one line for the manager choosing it


PRESETS: dict[Difficulty, Preset] = {
    Difficulty.supportive: Preset(
        Difficulty.supportive, trust_shift=10, stress_shift=-10, reveal_shift=-10, stress_sensitivity=0.7,
        style="give the manager the benefit of the doubt; say how you feel when asked; a sincere question is enough to open up",
        help="starts warmer, opens up sooner, forgives a clumsy sentence: for a first try",
    ),
    Difficulty.realistic: Preset(
        Difficulty.realistic, trust_shift=0, stress_shift=0, reveal_shift=0, stress_sensitivity=1.0,
        style="react as a real colleague would: cautious at first, opening up only as trust is earned",
        help="as the scenario's author tuned it",
    ),
    Difficulty.tough: Preset(
        Difficulty.tough, trust_shift=-8, stress_shift=10, reveal_shift=10, stress_sensitivity=1.4,
        style="be sceptical and hard to reach; push back on anything vague; take offence quickly; "
        "give nothing personal away until trust is clearly earned",
        help="starts warier, needs more trust before telling you anything, takes offence sooner",
    ),
}

DEFAULT_DIFFICULTY = Difficulty.realistic

# (trust, stress) change per move, as a realistic person in each kind of conversation reacts.
_Effects = dict[Move, tuple[int, int]]
_PENALTIES: _Effects = {
    Move.label_judgment: (-10, 10), Move.absolute: (-7, 7), Move.blame: (-9, 9), Move.hearsay: (-8, 6),
    Move.minimises: (-8, 8), Move.pressures: (-12, 12), Move.contempt: (-12, 10), Move.guilt_trip: (-10, 10),
}
_FEEDBACK: _Effects = {
    Move.acknowledges_feelings: (7, -6), Move.validates: (6, -5), Move.reflects: (6, -4), Move.open_question: (4, -2),
    Move.closed_question: (0, 1), Move.offers_support: (6, -6), Move.situation: (1, 0), Move.specific_behaviour: (3, 1),
    Move.impact: (1, 2), Move.data: (2, 0), Move.clear_message: (2, 2), **_PENALTIES,
}
KIND_EFFECTS: dict[Kind, _Effects] = {
    Kind.feedback: _FEEDBACK,
    # bad news: said plainly it earns respect and still stings; minimising it hurts more
    Kind.decision: _FEEDBACK | {
        Move.open_question: (3, -2), Move.offers_support: (6, -7), Move.specific_behaviour: (2, 1), Move.impact: (0, 2),
        Move.clear_message: (4, 5), Move.blame: (-10, 10), Move.minimises: (-10, 9),
    },
    # a first 1:1: listening opens them up; evidence is not expected and does not alarm
    Kind.relationship: _FEEDBACK | {
        Move.acknowledges_feelings: (6, -5), Move.validates: (5, -4), Move.open_question: (5, -3), Move.offers_support: (5, -5),
        Move.specific_behaviour: (3, -1), Move.impact: (2, -1), Move.data: (1, 0), Move.clear_message: (1, 1),
        Move.blame: (-10, 10), Move.hearsay: (-8, 7), Move.minimises: (-7, 6), Move.pressures: (-10, 12),
    },
    # both sides: verdicts, labels and hearsay about the other person hurt most
    Kind.mediation: _FEEDBACK | {
        Move.reflects: (6, -5), Move.offers_support: (5, -4), Move.closed_question: (0, 2), Move.impact: (1, 3),
        Move.label_judgment: (-12, 12), Move.absolute: (-8, 8), Move.blame: (-12, 12), Move.hearsay: (-12, 10),
        Move.minimises: (-9, 9), Move.pressures: (-12, 14),
    },
}


@dataclass(frozen=True)
class KindDefaults:
    """The realistic starting point and thresholds of a kind of conversation."""

    trust_start: int
    stress_start: int
    open_at_trust: int = 65
    guarded_below_trust: int = 40
    close_up_stress: int = 85
    max_change_per_turn: int = 15
    turn_cap: int = 15


KIND_DEFAULTS: dict[Kind, KindDefaults] = {
    Kind.feedback: KindDefaults(trust_start=35, stress_start=55),
    Kind.decision: KindDefaults(trust_start=28, stress_start=62),
    Kind.relationship: KindDefaults(trust_start=30, stress_start=35, guarded_below_trust=30, close_up_stress=75),
    Kind.mediation: KindDefaults(trust_start=30, stress_start=62),
}


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def scaled_stress(stress: int, preset: Preset) -> int:
    """A move's stress effect under a preset: rises scale with its sensitivity, falls stay as tuned."""
    return round(stress * preset.stress_sensitivity) if stress > 0 else stress
