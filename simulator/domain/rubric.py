"""The rubric: named frameworks turned into sub-skills and points.

Empathy follows the EPITOME mechanisms (Sharma et al., 2020): emotional reactions,
interpretations and explorations, each 0/1/2, plus validation.
Evidence follows Situation-Behaviour-Impact (Center for Creative Leadership): a
specific situation, observable behaviour rather than a label, the impact, plus
data (dates and numbers). Penalties: labels and judgments, absolutes, blame,
hearsay, minimising, threats, contempt and guilt-tripping.

Scoring follows the scenario's kind (`Kind`): feedback is judged on SBI evidence;
a decision or bad news on saying the decision plainly (clarity) and the facts of
what happens next; a relationship-building 1:1 on listening (evidence is not
expected, so it weighs little); a mediation on both sides' facts, not verdicts.

Totals are computed here, in code, from clamped sub-scores, whatever produced the
sub-scores (the offline scorer or a language-model judge).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, Field

from simulator.domain.moves import EMPATHY_CAPPING_MOVES, PENALTY_MOVES, Move


class Kind(StrEnum):
    """What a scenario's conversation is for; the scoring, goals and advice follow it."""

    feedback = "feedback"  # evidence is Situation-Behaviour-Impact
    decision = "decision"  # bad news: say it plainly and early, do not reopen it, explain what happens next
    relationship = "relationship"  # a first 1:1: listening and questions; evidence not expected
    mediation = "mediation"  # both sides, facts not verdicts

EMPATHY_SKILLS = ("emotional_reaction", "interpretation", "exploration", "validation")
EVIDENCE_SKILLS = ("situation", "behaviour", "impact", "data")

# Points for level 1 (generic or vague) and level 2 (specific) of each sub-skill, plus a base.
# The points were refitted by least squares on the train split of the labelled replies (weights
# checked by 5-fold cross-validation within that split; the held-out split never used), rounded to
# 5s and scaled so that full marks on every sub-skill reach 100. A level is worth its points once,
# however often the words recur.
# EMPATHY_BASE: the codebook anchors a neutral, task-only reply at 20 and a hostile one at 0; a
# base of 20 ranks them apart (train-split Spearman for empathy 0.91 rather than 0.82 with 0).
EMPATHY_BASE = 20
EMPATHY_POINTS: dict[str, tuple[int, int]] = {
    "emotional_reaction": (10, 20),
    "interpretation": (5, 15),
    "exploration": (10, 25),
    "validation": (15, 25),
}
SUPPORT_POINTS = 15
EVIDENCE_BASE = 5
EVIDENCE_POINTS: dict[str, tuple[int, int]] = {
    "situation": (5, 20),
    "behaviour": (5, 20),
    "impact": (20, 25),
    "data": (10, 30),
}

# In a decision, clarity is the evidence: the decision said plainly, then the facts of what happens
# next (dates, terms). SBI parts count for less: a decision is not a case to argue.
CLARITY_POINTS = 40
DECISION_EVIDENCE_POINTS: dict[str, tuple[int, int]] = {
    "situation": (5, 10),
    "behaviour": (5, 10),
    "impact": (5, 10),
    "data": (10, 30),
}

# points taken off each headline score when a penalty is present
INVENTED_FACT = "invented_fact"  # a claim the scenario's fact ledger does not support
_MOVE_PENALTIES: dict[Move, tuple[int, int]] = {  # penalty move: (empathy, evidence)
    Move.label_judgment: (15, 10),
    Move.absolute: (10, 5),
    Move.blame: (15, 5),
    Move.hearsay: (10, 10),
    Move.minimises: (10, 5),
    Move.pressures: (20, 5),  # with the cap at the anchor, a threat leaves no empathy: never above a label
    Move.contempt: (20, 5),
    Move.guilt_trip: (15, 5),
}
assert set(_MOVE_PENALTIES) == PENALTY_MOVES, "every penalty move needs its points"
PENALTIES: dict[str, tuple[int, int]] = {m.value: pts for m, pts in _MOVE_PENALTIES.items()} | {INVENTED_FACT: (0, 25)}
# a threat or a guilt trip caps the reply's empathy at the neutral anchor, whatever else it says
EMPATHY_CAP_PENALTIES = frozenset(m.value for m in EMPATHY_CAPPING_MOVES)


@dataclass(frozen=True)
class KindProfile:
    kind: Kind
    empathy_weight: float  # of the overall score, when the scenario does not set its own
    evidence_weight: float
    evidence_label: str  # what "evidence" means in this kind of conversation
    evidence_expected: bool
    plain_news_is_practice: bool = False  # saying the news plainly and kindly is what the conversation is for


KIND_PROFILES: dict[Kind, KindProfile] = {
    Kind.feedback: KindProfile(Kind.feedback, 0.5, 0.5, "evidence (situation, behaviour, impact)", True),
    Kind.decision: KindProfile(Kind.decision, 0.5, 0.5, "clarity (the decision said plainly, and what happens next)", True,
                                plain_news_is_practice=True),
    Kind.relationship: KindProfile(Kind.relationship, 0.9, 0.1, "evidence (not expected in a first 1:1)", False),
    Kind.mediation: KindProfile(Kind.mediation, 0.5, 0.5, "facts, not verdicts (what each person did)", True),
}

SKILL_HELP = {
    "emotional_reaction": "EPITOME emotional reaction: you named or acknowledged their feelings",
    "interpretation": "EPITOME interpretation: you paraphrased them or took their perspective",
    "exploration": "EPITOME exploration: you asked about their experience (open questions score higher)",
    "validation": "you said their reaction makes sense",
    "situation": "SBI situation: when and where it happened",
    "behaviour": "SBI behaviour: what they observably did, not a label",
    "impact": "SBI impact: what it caused",
    "data": "dates, numbers and records",
}


def _level(value: int) -> int:
    return max(0, min(2, int(value)))


class Skills(BaseModel):
    emotional_reaction: int = Field(0, ge=0, le=2)
    interpretation: int = Field(0, ge=0, le=2)
    exploration: int = Field(0, ge=0, le=2)
    validation: int = Field(0, ge=0, le=2)
    situation: int = Field(0, ge=0, le=2)
    behaviour: int = Field(0, ge=0, le=2)
    impact: int = Field(0, ge=0, le=2)
    data: int = Field(0, ge=0, le=2)
    support: bool = False
    clear_message: bool = False  # the message or decision said plainly
    penalties: list[str] = Field(default_factory=list)

    @classmethod
    def clamped(cls, **values) -> Skills:
        for name in EMPATHY_SKILLS + EVIDENCE_SKILLS:
            if name in values:
                values[name] = _level(values[name])
        return cls(**values)


def _points(table: dict[str, tuple[int, int]], skills: Skills) -> int:
    total = 0
    for name, (weak, strong) in table.items():
        level = _level(getattr(skills, name))
        total += strong if level == 2 else weak if level == 1 else 0
    return total


def empathy_score(skills: Skills) -> int:
    points = EMPATHY_BASE + _points(EMPATHY_POINTS, skills)
    points += SUPPORT_POINTS if skills.support else 0
    if EMPATHY_CAP_PENALTIES & set(skills.penalties):
        points = min(points, EMPATHY_BASE)
    points -= sum(PENALTIES[p][0] for p in set(skills.penalties) if p in PENALTIES)
    return max(0, min(100, points))


def evidence_score(skills: Skills, kind: Kind = Kind.feedback) -> int:
    if kind == Kind.decision:
        points = EVIDENCE_BASE + _points(DECISION_EVIDENCE_POINTS, skills) + (CLARITY_POINTS if skills.clear_message else 0)
    else:
        points = EVIDENCE_BASE + _points(EVIDENCE_POINTS, skills)
    points -= sum(PENALTIES[p][1] for p in set(skills.penalties) if p in PENALTIES)
    return max(0, min(100, points))
