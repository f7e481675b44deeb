"""Offline scorer: sub-skills from the tagger's moves, totals from the rubric.

Counting is by distinct evidence, not by repetition, so stuffing the same
phrase in many times does not raise a score.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.engine.tagger import RuleTagger, Tagger, Tagging, apology_count, strength, uses_rubric_jargon
from simulator.domain.moves import PENALTY_MOVES, Move
from simulator.domain.scenario import Scenario
from simulator.scoring.facts import Claim, disputed_claims
from simulator.domain.rubric import INVENTED_FACT, Skills, empathy_score, evidence_score


@dataclass
class ReplyScore:
    empathy: int
    evidence: int
    skills: Skills
    tagging: Tagging
    disputed: list[Claim] = field(default_factory=list)

    def to_json(self) -> dict:
        skills = self.skills.model_dump()
        out = {"empathy": self.empathy, "evidence": self.evidence, "skills": skills}
        if self.disputed:
            out["disputed"] = [c.text for c in self.disputed]
        return out


def _distinct(tagging: Tagging, move: Move) -> int:
    return len({s.text.lower() for s in tagging.spans_of(move)})


def _level(tagging: Tagging, move: Move) -> int:
    """0 when the move is absent, else the strongest span: 1 generic or vague, 2 specific."""
    return max((strength(tagging, s) for s in tagging.spans_of(move)), default=0)


def skills_from_tagging(tagging: Tagging) -> Skills:
    """Sub-skill levels from the tagger's spans, following docs/codebook.md.

    Levels come from what the words say (a named feeling, a dated occasion, a quote),
    never from length or repetition, so padding and stuffing earn nothing.
    """
    moves = tagging.moves
    exploration = max(_level(tagging, Move.open_question), _level(tagging, Move.closed_question))
    levels = {
        "emotional_reaction": _level(tagging, Move.acknowledges_feelings),
        "interpretation": _level(tagging, Move.reflects),
        "exploration": exploration,
        "validation": _level(tagging, Move.validates),
        "situation": _level(tagging, Move.situation),
        "behaviour": _level(tagging, Move.specific_behaviour),
        "impact": _level(tagging, Move.impact),
        "data": min(2, _distinct(tagging, Move.data)),
    }
    if apology_count(tagging.text) >= 3:
        # a string of apologies is one generic acknowledgement: a repeated phrase counts once
        levels["emotional_reaction"] = min(levels["emotional_reaction"], 1)
    if uses_rubric_jargon(tagging.text):
        # keyword stuffing ("I empathise, I validate your feelings", "Impact: ... Data: ..."):
        # the stuffing earns nothing, so every sub-skill drops a level
        levels = {name: max(0, level - 1) for name, level in levels.items()}
    return Skills.clamped(
        **levels,
        support=Move.offers_support in moves,
        penalties=sorted(m.value for m in moves & PENALTY_MOVES),
    )


class OfflineScorer:
    name = "offline-rules-v1"

    def __init__(self, tagger: Tagger | None = None):
        self.tagger = tagger or RuleTagger()

    def score(self, reply: str, *, tagging: Tagging | None = None, scenario: Scenario | None = None, seq: int | None = None) -> ReplyScore:
        """Score one reply; with a scenario, claims its fact ledger does not support cost evidence points."""
        tagging = tagging or self.tagger.tag(reply)
        skills = skills_from_tagging(tagging)
        disputed = disputed_claims(scenario, reply) if scenario else []
        if disputed:
            skills = skills.model_copy(update={"penalties": sorted({*skills.penalties, INVENTED_FACT})})
        return ReplyScore(empathy=empathy_score(skills), evidence=evidence_score(skills), skills=skills, tagging=tagging, disputed=disputed)
