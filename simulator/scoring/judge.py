"""LLM judge: one structured-output request per debrief, checked in code.

The model proposes sub-skill levels, each with a verbatim quote. Code then
drops every quote that is not in that reply (or that sits inside text aimed at a
scorer, such as "ignore previous instructions"), sets the sub-skill of a dropped
quote to 0, clamps the levels, and computes the totals with the same rubric as
the offline scorer. If the call fails, the caller falls back to the offline
debrief and says so (`judge_or_fallback`).

Each call returns its own JudgeResult, usage included: the judge object keeps
nothing per call, so one instance can serve every user at once.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, Field

from simulator.domain.lexicon import scorer_directed_spans
from simulator.domain.rubric import EMPATHY_CAP_PENALTIES, EMPATHY_SKILLS, EVIDENCE_SKILLS, PENALTIES, Kind, Skills, empathy_score, evidence_score
from simulator.domain.scenario import Scenario
from simulator.models.base import NO_USAGE, ModelError, Usage
from simulator.scoring.judge_prompt import JUDGE_PROMPT_VERSION, judge_messages
from simulator.scoring.offline import OfflineScorer, ReplyScore


class SkillEvidence(BaseModel):
    level: int = Field(description="0, 1 or 2")
    quote: str = Field(description="verbatim words from this reply that show the skill; empty when level is 0")


class JudgedReply(BaseModel):
    number: int = Field(description="the reply's number in the transcript")
    emotional_reaction: SkillEvidence
    interpretation: SkillEvidence
    exploration: SkillEvidence
    validation: SkillEvidence
    situation: SkillEvidence
    behaviour: SkillEvidence
    impact: SkillEvidence
    data: SkillEvidence
    offers_support: bool
    penalties: list[str]
    better_phrasing: str = Field(description="a better way to say it, for weak replies; empty otherwise")


class Verdict(BaseModel):
    replies: list[JudgedReply]
    summary: str


def _normalise(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'").replace("“", '"').replace("”", '"')).strip().lower()


def verified_quote(quote: str, reply: str) -> bool:
    """The quote is in the reply, and not inside text aimed at a scorer."""
    q = _normalise(quote)
    if len(q) < 2:
        return False
    norm = _normalise(reply)
    if q not in norm:
        return False
    injected = [_normalise(reply[a:b]) for a, b in scorer_directed_spans(reply)]
    return not any(q in part or part and part in q for part in injected)


class JudgeResult(BaseModel):
    scores: dict[int, dict]  # seq -> {"empathy", "evidence", "skills", "quotes", "better_phrasing"}
    summary: str
    dropped_quotes: int
    model: str
    prompt_version: str = JUDGE_PROMPT_VERSION
    usage: Usage = NO_USAGE  # of this one call
    requests: int = 0


class LLMJudge:
    def __init__(self, model, *, max_tokens: int = 8000):
        self.model = model
        self.name = f"judge:{model.name}"
        self.max_tokens = max_tokens

    def judge(self, scenario: Scenario, transcript: list) -> JudgeResult:
        numbered = [{"number": i + 1, "speaker": "manager" if m.role == "manager" else "persona", "text": m.text} for i, m in enumerate(transcript)]
        response = self.model.parse(judge_messages(scenario, numbered), Verdict, max_tokens=self.max_tokens)
        verdict: Verdict = response.output
        by_number = {j.number: j for j in verdict.replies}
        scores: dict[int, dict] = {}
        dropped = 0
        for i, msg in enumerate(transcript):
            if msg.role != "manager":
                continue
            judged = by_number.get(i + 1)
            if judged is None:
                continue
            levels, quotes = {}, {}
            for name in EMPATHY_SKILLS + EVIDENCE_SKILLS:
                evidence: SkillEvidence = getattr(judged, name)
                level = max(0, min(2, evidence.level))
                if level and not verified_quote(evidence.quote, msg.text):
                    dropped += 1
                    level = 0
                levels[name] = level
                if level:
                    quotes[name] = evidence.quote
            penalties = sorted({p for p in judged.penalties if p in PENALTIES})
            # a threat or a guilt trip is never support, whatever the model says
            support = judged.offers_support and not (EMPATHY_CAP_PENALTIES & set(penalties))
            skills = Skills.clamped(**levels, support=support, penalties=penalties)
            scores[msg.seq] = {
                "empathy": empathy_score(skills),
                "evidence": evidence_score(skills, getattr(scenario, "kind", Kind.feedback)),
                "skills": skills,
                "quotes": quotes,
                "better_phrasing": judged.better_phrasing.strip(),
            }
        return JudgeResult(
            scores=scores, summary=verdict.summary.strip(), dropped_quotes=dropped, model=self.model.name,
            usage=response.usage, requests=response.requests,
        )


def judge_or_fallback(judge: LLMJudge | None, scenario: Scenario, transcript: list) -> tuple[JudgeResult | None, str | None]:
    """The judge's result, or (None, why the offline scorer is used instead). One model request at most."""
    if judge is None or not any(m.role == "manager" for m in transcript):
        return None, None
    try:
        return judge.judge(scenario, transcript), None
    except ModelError as exc:
        return None, f"The judge model failed, so the offline scorer was used: {exc}"


class JudgedScorer(OfflineScorer):
    """Scores replies from a judge's verdict; replies the judge skipped get the offline score."""

    def __init__(self, result: JudgeResult):
        super().__init__()
        self.result = result
        self.name = f"judge:{result.model}"

    def score(self, reply: str, *, tagging=None, scenario=None, seq: int | None = None, said=()) -> ReplyScore:
        offline = super().score(reply, tagging=tagging, scenario=scenario, said=said)
        judged = self.result.scores.get(seq) if seq is not None else None
        if not judged:
            return offline
        skills: Skills = judged["skills"]
        if offline.disputed:  # the fact-ledger check is code, whoever scores the words
            skills = skills.model_copy(update={"penalties": sorted({*skills.penalties, "invented_fact"})})
        # the plain statement of a decision is read in code from the words, whoever scores the rest
        skills = skills.model_copy(update={"clear_message": offline.skills.clear_message})
        kind = scenario.kind if scenario else Kind.feedback
        return ReplyScore(
            empathy=empathy_score(skills), evidence=evidence_score(skills, kind), skills=skills, tagging=offline.tagging, disputed=offline.disputed
        )
