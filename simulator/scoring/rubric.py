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

from simulator.moves import Move

EMPATHY_SKILLS = ("emotional_reaction", "interpretation", "exploration", "validation")
EVIDENCE_SKILLS = ("situation", "behaviour", "impact", "data")

# points per level (0, 1, 2) of each sub-skill; each headline score is capped at 100
EMPATHY_POINTS = {"emotional_reaction": 15, "interpretation": 15, "exploration": 15, "validation": 10}
SUPPORT_POINTS = 10
EVIDENCE_POINTS = {"situation": 12, "behaviour": 16, "impact": 12, "data": 10}

# points taken off each headline score when a penalty is present
INVENTED_FACT = "invented_fact"  # a claim the scenario's fact ledger does not support
PENALTIES: dict[str, tuple[int, int]] = {  # penalty: (empathy, evidence)
    Move.label_judgment.value: (20, 20),
    Move.absolute.value: (10, 15),
    Move.blame.value: (20, 10),
    Move.hearsay.value: (5, 20),
    Move.minimises.value: (25, 0),
    Move.pressures.value: (25, 5),
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


def empathy_score(skills: Skills) -> int:
    points = sum(EMPATHY_POINTS[name] * getattr(skills, name) for name in EMPATHY_SKILLS)
    points += SUPPORT_POINTS if skills.support else 0
    points -= sum(PENALTIES[p][0] for p in skills.penalties if p in PENALTIES)
    return max(0, min(100, points))


def evidence_score(skills: Skills) -> int:
    points = sum(EVIDENCE_POINTS[name] * getattr(skills, name) for name in EVIDENCE_SKILLS)
    points -= sum(PENALTIES[p][1] for p in skills.penalties if p in PENALTIES)
    return max(0, min(100, points))
