"""Offline scorer: sub-skills from the tagger's moves, totals from the rubric.

Counting is by distinct evidence, not by repetition, so stuffing the same
phrase in many times does not raise a score. With a scenario, the evidence
headline follows its kind (a decision is judged on clarity), and a sentence
built on a claim the record contradicts earns no evidence points.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from simulator.domain.lexicon import sentence_bounds
from simulator.domain.moves import PENALTY_MOVES, Move
from simulator.domain.rubric import INVENTED_FACT, Kind, Skills, empathy_score, evidence_score
from simulator.domain.scenario import Scenario
from simulator.engine.tagger import RuleTagger, Span, Tagger, Tagging, apology_count, strength, uses_rubric_jargon
from simulator.scoring.facts import Claim, disputed_claims


@dataclass
class ReplyScore:
    empathy: int
    evidence: int
    skills: Skills
    tagging: Tagging
    disputed: list[Claim] = field(default_factory=list)

    def to_json(self) -> dict:
        skills = self.skills.model_dump()
        out = {
            "empathy": self.empathy,
            "evidence": self.evidence,
            "skills": skills,
            "moves": [{"move": s.move.value, "text": s.text} for s in self.tagging.spans],
        }
        if self.disputed:
            out["disputed"] = [c.text for c in self.disputed]
        return out


def _level(tagging: Tagging, spans: list[Span]) -> int:
    """0 when the move is absent (no spans), else the strongest span: 1 generic or vague, 2 specific."""
    return max([strength(tagging, s) for s in spans]) if spans else 0


def skills_from_tagging(tagging: Tagging) -> Skills:
    """Sub-skill levels from the tagger's spans, following docs/codebook.md.

    Levels come from what the words say (a named feeling, a dated occasion, a quote),
    never from length or repetition, so padding and stuffing earn nothing.
    """
    spans: dict[Move, list[Span]] = {}
    for span in tagging.spans:
        spans.setdefault(span.move, []).append(span)
    moves = spans.keys()
    none: list[Span] = []
    exploration = max(_level(tagging, spans.get(Move.open_question, none)), _level(tagging, spans.get(Move.closed_question, none)))
    levels = {
        "emotional_reaction": _level(tagging, spans.get(Move.acknowledges_feelings, none)),
        "interpretation": _level(tagging, spans.get(Move.reflects, none)),
        "exploration": exploration,
        "validation": _level(tagging, spans.get(Move.validates, none)),
        "situation": _level(tagging, spans.get(Move.situation, none)),
        "behaviour": _level(tagging, spans.get(Move.specific_behaviour, none)),
        "impact": _level(tagging, spans.get(Move.impact, none)),
        "data": min(2, len({s.text.lower() for s in spans.get(Move.data, none)})),  # distinct data, not repetitions
    }
    if levels["emotional_reaction"] > 1 and apology_count(tagging.text) >= 3:
        # a string of apologies is one generic acknowledgement: a repeated phrase counts once
        levels["emotional_reaction"] = 1
    if any(levels.values()) and uses_rubric_jargon(tagging.text):
        # keyword stuffing ("I empathise, I validate your feelings", "Impact: ... Data: ..."):
        # the stuffing earns nothing, so every sub-skill drops a level
        levels = {name: max(0, level - 1) for name, level in levels.items()}
    return Skills.clamped(
        **levels,
        support=Move.offers_support in moves,
        clear_message=Move.clear_message in moves,
        penalties=sorted(m.value for m in moves if m in PENALTY_MOVES),
    )


class OfflineScorer:
    name = "offline scorer"

    def __init__(self, tagger: Tagger | None = None):
        self.tagger = tagger or RuleTagger()  # transparent by default; the app and `score` pass the learned tagger

    def score(
        self,
        reply: str,
        *,
        tagging: Tagging | None = None,
        scenario: Scenario | None = None,
        seq: int | None = None,
        said: Sequence[str] = (),
    ) -> ReplyScore:
        """Score one reply. With a scenario: the evidence headline follows its kind, and a claim that
        contradicts the record (its ledger, and `said`, the persona's words so far) costs evidence points
        and earns none."""
        tagging = tagging or self.tagger.tag(reply)
        disputed = disputed_claims(scenario, reply, said=said) if scenario else []
        skills = skills_from_tagging(_without_disputed_evidence(tagging, disputed))
        if disputed:
            skills = skills.model_copy(update={"penalties": sorted({*skills.penalties, INVENTED_FACT})})
        kind = scenario.kind if scenario else Kind.feedback
        return ReplyScore(
            empathy=empathy_score(skills), evidence=evidence_score(skills, kind), skills=skills, tagging=tagging, disputed=disputed
        )


_SBI = frozenset({Move.situation, Move.specific_behaviour, Move.impact, Move.data})


def _without_disputed_evidence(tagging: Tagging, disputed: list[Claim]) -> Tagging:
    """The tagging minus the evidence of every sentence that rests on a contradicted claim."""
    if not disputed:
        return tagging
    bad = [sentence_bounds(tagging.text, c.start, c.end) for c in disputed]
    spans = [s for s in tagging.spans if not (s.move in _SBI and any(a <= s.start < b for a, b in bad))]
    return Tagging(text=tagging.text, spans=spans, source=tagging.source)
