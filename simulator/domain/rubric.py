"""The rubric: named frameworks turned into sub-skills and points.

Empathy follows the EPITOME mechanisms (Sharma et al., 2020): emotional reactions,
interpretations and explorations, each 0/1/2, plus validation.
Evidence follows Situation-Behaviour-Impact (Center for Creative Leadership): a
specific situation, observable behaviour rather than a label, the impact, plus
data (dates and numbers). Penalties: labels and judgments, absolutes, blame,
hearsay, minimising and threats.

Totals are computed here, in code, from clamped sub-scores, whatever produced the
sub-scores (the offline scorer or a language-model judge).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from simulator.domain.moves import Move

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

# points taken off each headline score when a penalty is present
INVENTED_FACT = "invented_fact"  # a claim the scenario's fact ledger does not support
PENALTIES: dict[str, tuple[int, int]] = {  # penalty: (empathy, evidence)
    Move.label_judgment.value: (15, 10),
    Move.absolute.value: (10, 5),
    Move.blame.value: (15, 5),
    Move.hearsay.value: (10, 10),
    Move.minimises.value: (10, 5),
    Move.pressures.value: (15, 5),
    INVENTED_FACT: (0, 25),
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
    points -= sum(PENALTIES[p][0] for p in set(skills.penalties) if p in PENALTIES)
    return max(0, min(100, points))


def evidence_score(skills: Skills) -> int:
    points = EVIDENCE_BASE + _points(EVIDENCE_POINTS, skills)
    points -= sum(PENALTIES[p][1] for p in set(skills.penalties) if p in PENALTIES)
    return max(0, min(100, points))
