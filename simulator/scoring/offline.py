"""Offline scorer: sub-skills from the tagger's moves, totals from the rubric.

Counting is by distinct evidence, not by repetition, so stuffing the same
phrase in many times does not raise a score.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.engine.tagger import RuleTagger, Tagger, Tagging
from simulator.moves import PENALTY_MOVES, Move
from simulator.scenario import Scenario
from simulator.scoring.facts import Claim, disputed_claims
from simulator.scoring.rubric import INVENTED_FACT, Skills, empathy_score, evidence_score


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


def skills_from_tagging(tagging: Tagging) -> Skills:
    moves = tagging.moves
    question_words = max((len(s.text.split()) for s in tagging.spans_of(Move.open_question)), default=0)
    exploration = 0
    if Move.open_question in moves:
        exploration = 2 if question_words >= 5 else 1
    elif Move.closed_question in moves:
        exploration = 1
    data_points = _distinct(tagging, Move.data)
    return Skills.clamped(
        emotional_reaction=min(2, _distinct(tagging, Move.acknowledges_feelings)),
        interpretation=min(2, _distinct(tagging, Move.reflects) + (1 if Move.reflects in moves and len(tagging.text) > 80 else 0)),
        exploration=exploration,
        validation=2 if Move.validates in moves else 0,
        situation=min(2, _distinct(tagging, Move.situation)),
        behaviour=(2 if Move.specific_behaviour in moves and (Move.data in moves or Move.situation in moves) else 1)
        if Move.specific_behaviour in moves
        else 0,
        impact=min(2, _distinct(tagging, Move.impact)),
        data=min(2, data_points),
        support=Move.offers_support in moves,
        penalties=sorted(m.value for m in moves & PENALTY_MOVES),
    )


class OfflineScorer:
    name = "offline-rules-v1"

    def __init__(self, tagger: Tagger | None = None):
        self.tagger = tagger or RuleTagger()

    def score(self, reply: str, *, tagging: Tagging | None = None, scenario: Scenario | None = None) -> ReplyScore:
        """Score one reply; with a scenario, claims its fact ledger does not support cost evidence points."""
        tagging = tagging or self.tagger.tag(reply)
        skills = skills_from_tagging(tagging)
        disputed = disputed_claims(scenario, reply) if scenario else []
        if disputed:
            skills = skills.model_copy(update={"penalties": sorted({*skills.penalties, INVENTED_FACT})})
        return ReplyScore(empathy=empathy_score(skills), evidence=evidence_score(skills), skills=skills, tagging=tagging, disputed=disputed)
