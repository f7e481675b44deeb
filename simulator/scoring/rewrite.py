"""A better reply for each weak one, built offline and kept only when it scores higher.

The rewrite starts from the manager's own words and changes only what cost points
or was missing, following the scenario's kind:
- a sentence that carries a penalty (a label, an absolute, blame, hearsay, a threat...)
  or a claim the record contradicts is dropped; in its place comes a dated fact from
  the scenario's fact ledger (a fact instead of a label) and an open question (a
  question instead of a verdict);
- an acknowledgement goes before the news when the reply had none;
- evidence is added only where the kind expects it (feedback, decision, mediation;
  a first 1:1 is about listening, so it gets a question and a reflection instead).

Every candidate is scored by the same offline scorer as the original, against the
same record; the best one is returned only when its overall score (weighted as the
scenario weighs empathy and evidence) is higher than the original's. A judge's
suggestion, when there is one, is scored the same way and competes on equal terms.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from pydantic import BaseModel

from simulator.domain.lexicon import sentences
from simulator.domain.moves import PENALTY_MOVES, Move
from simulator.domain.rubric import INVENTED_FACT, Kind
from simulator.domain.scenario import Fact, Scenario
from simulator.engine.tagger import Tagging
from simulator.scoring.offline import OfflineScorer, ReplyScore

WEAK_BELOW = 60  # a reply whose weighted score is under this, or that lost points, gets a rewrite


class Rewrite(BaseModel):
    text: str
    empathy: int
    evidence: int
    overall: int
    changes: list[str]  # what was changed, in plain words
    source: str = "offline"  # "offline" (built here) or "judge" (the judge's suggestion, scored here)


def weighted(scenario: Scenario, empathy: int, evidence: int) -> int:
    """One number for a reply or a session: empathy and evidence weighted as the scenario (or its kind) says."""
    empathy_w, evidence_w = scenario.weights()
    return round((empathy * empathy_w + evidence * evidence_w) / ((empathy_w + evidence_w) or 1.0))


def is_weak(scenario: Scenario, scored: ReplyScore) -> bool:
    return bool(scored.skills.penalties) or weighted(scenario, scored.empathy, scored.evidence) < WEAK_BELOW


# What each kind opens with when the reply acknowledged nothing, and asks when it asked nothing.
_ACKNOWLEDGE = {
    Kind.feedback: "I know this may be hard to hear, and I want to understand how it looks from your side.",
    Kind.decision: "I'm sorry, I know this is hard news, and I want to be straight with you about it.",
    Kind.relationship: "I'm really glad we have this time, and I appreciate you being open with me.",
    Kind.mediation: "I can see this has been frustrating, and it makes sense that it still stings.",
}
_QUESTION = {
    Kind.feedback: "How do you see it?",
    Kind.decision: "What questions do you have about what happens next?",
    Kind.relationship: "What would make the next few months go well for you?",
    Kind.mediation: "How did that meeting look from where you were sitting?",
}
_REFLECT = "It sounds like that matters a lot to you."
_DROPPED_WHY = {
    Move.label_judgment: "a label",
    Move.absolute: "an always/never",
    Move.blame: "blame",
    Move.hearsay: "hearsay",
    Move.minimises: "minimising",
    Move.pressures: "a threat",
    Move.contempt: "sarcasm",
    Move.guilt_trip: "a guilt trip",
}
_WORD = re.compile(r"[a-zà-ÿ]{4,}", re.I)
_DATE_IN_TEXT = re.compile(r"\b\d{1,2}(?:st|nd|rd|th)? [A-Z][a-z]+|\b[A-Z][a-z]+ \d{1,2}\b")


_MANAGER_SPEAKS = (  # the ledger calls the manager "you": said by the manager, that is "I"
    (r"\byou were\b", "I was"), (r"\bYou were\b", "I was"), (r"\byou are\b", "I am"), (r"\bYou are\b", "I am"),
    (r"\b[Yy]ou're\b", "I'm"), (r"\b[Yy]our\b", "my"), (r"\b[Yy]ou\b", "I"),
)
_PERSONA_SPEAKS = (  # and the persona, in the third person on the ledger, is "you"
    (r"\b(?:he|she) (?:has)\b", "you have"), (r"\b(?:he|she) (?:is)\b", "you are"), (r"\b(?:he|she) (?:was)\b", "you were"),
    (r"\b(?:He|She) (?:has)\b", "You have"), (r"\b(?:He|She) (?:is)\b", "You are"), (r"\b(?:He|She) (?:was)\b", "You were"),
    (r"\b(?:he|she|him)\b", "you"), (r"\b(?:He|She)\b", "You"), (r"\b(?:his|her)\b(?=\s+\w)", "your"), (r"\b(?:His|Her)\b", "Your"), (r"\bher\b", "you"),
)


_QUOTED = re.compile(r"(\"[^\"]*\"|(?<!\w)'[^']+'(?!\w))")


def _speak(text: str, scenario: Scenario) -> str:
    for pattern, said in _MANAGER_SPEAKS:
        text = re.sub(pattern, said, text)
    for name in (scenario.persona.name, scenario.persona.name.split()[0]):
        n = re.escape(name)
        text = re.sub(rf"\b{n}'s\b", "your", text)
        text = re.sub(rf"\b{n} (has|is|was)\b", lambda m: "you " + {"has": "have", "is": "are", "was": "were"}[m.group(1)], text)
        text = re.sub(rf"\b{n}\b", "you", text)
    for pattern, said in _PERSONA_SPEAKS:
        text = re.sub(pattern, said, text)
    return text


def spoken_fact(fact: Fact, scenario: Scenario) -> str:
    """The fact as the manager would say it to the persona:
    "On 14 April Priya commented ..." -> "On 14 April you commented ..."; "You took over ..." -> "I took over ..."."""
    text = fact.text.strip()
    bounds = sentences(text)
    first = text[bounds[0][0] : bounds[0][1]].strip() if bounds else text
    if len(text) <= 160 or first.count("'") % 2 or first.count('"') % 2:  # never cut a quotation in half
        first = text if len(text) <= 300 else first
    parts = _QUOTED.split(first)  # words inside quotation marks are quoted as they were said
    for i in range(0, len(parts), 2):
        parts[i] = _speak(parts[i], scenario)
    first = "".join(parts)
    first = re.sub(r"(^|[.!?]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), first)
    return first if first.endswith((".", "!", "?", "'", '"')) else first + "."


def _topic(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def pick_fact(scenario: Scenario, words: str, used: str = "") -> Fact | None:
    """The dated ledger fact closest to what the manager was talking about (`words`), skipping facts
    the persona does not know and facts whose date the reply already cites."""
    topic = _topic(words)
    best: tuple[tuple[int, int], Fact] | None = None
    for index, fact in enumerate(scenario.facts):
        if not fact.known_to_persona or not fact.date:
            continue
        if (f"{fact.date.day} {fact.date:%B}" in used or f"{fact.date.day} {fact.date:%b}" in used):
            continue
        key = (len(topic & _topic(fact.text)), -index)
        if best is None or key > best[0]:
            best = (key, fact)
    return best[1] if best else None


def _penalised_sentences(text: str, scored: ReplyScore) -> dict[tuple[int, int], list[str]]:
    """Sentence bounds -> what cost points in it (penalty moves and disputed claims)."""
    bad: dict[tuple[int, int], list[str]] = {}
    for a, b in sentences(text):
        why = [_DROPPED_WHY[s.move] for s in scored.tagging.spans if s.move in PENALTY_MOVES and a <= s.start < b]
        why += ["a claim not on the record" for c in scored.disputed if a <= c.start < b]
        if why:
            bad[(a, b)] = sorted(set(why))
    return bad


def _candidates(scenario: Scenario, text: str, scored: ReplyScore, said: Sequence[str], cited: str) -> list[tuple[str, list[str]]]:
    """Rewrites from the smallest change to the fullest, each with the list of what it changed."""
    kind = scenario.kind
    skills = scored.skills
    bad = _penalised_sentences(text, scored)
    kept: list[str] = []
    news_at: int | None = None  # where the decision or news is said: the acknowledgement goes before it
    for a, b in sentences(text):
        if (a, b) in bad:
            continue
        sentence = text[a:b].strip()
        if sentence:
            if news_at is None and any(s.move == Move.clear_message and a <= s.start < b for s in scored.tagging.spans):
                news_at = len(kept)
            kept.append(sentence)
    changes: list[str] = []
    if bad:
        dropped = sorted({w for ws in bad.values() for w in ws})
        changes.append("left out " + ", ".join(dropped) + (": your other words stay" if kept else ""))
    full = list(kept)
    if not (skills.emotional_reaction or skills.validation) or Move.minimises in scored.tagging.moves:
        full.insert(news_at or 0, _ACKNOWLEDGE[kind])
        changes.append("an acknowledgement before the news" if news_at is not None or kind == Kind.decision else "an acknowledgement first")
    evidence_missing = skills.situation == 0 or skills.data == 0 or skills.behaviour == 0
    if kind != Kind.relationship and (evidence_missing or INVENTED_FACT in skills.penalties or bad):
        fact = pick_fact(scenario, text, used=" ".join(kept) + " " + cited) or pick_fact(scenario, text, used=" ".join(kept))
        if fact is not None:
            full.append(spoken_fact(fact, scenario))
            changes.append("a dated fact from the record" + (" instead of a label" if Move.label_judgment in scored.tagging.moves else ""))
    if kind == Kind.relationship and skills.interpretation == 0 and said:
        full.append(_REFLECT)
        changes.append("a reflection of what they said")
    if skills.exploration < 2:
        full.append(_QUESTION[kind])
        changes.append("a question instead of a verdict" if bad else "an open question about their side")
    out = [(" ".join(full), changes)]
    if bad and kept:  # the smallest change: only what cost points left out
        out.append((" ".join(kept), changes[:1]))
    return out


def rewrite_candidates(scenario: Scenario, text: str, scored: ReplyScore, *, said: Sequence[str] = (), cited: str = "") -> list[str]:
    """The texts `rewrite_reply` would try for this reply (without a judge's suggestion)."""
    return [candidate for candidate, _ in _candidates(scenario, text, scored, said, cited)]


def rewrite_reply(
    scenario: Scenario, text: str, scored: ReplyScore, *, said: Sequence[str] = (), suggestion: str = "",
    scorer: OfflineScorer | None = None, cited: str = "", taggings: Mapping[str, Tagging] | None = None,
) -> Rewrite | None:
    """The best-scoring better reply, or None when no candidate beats the original.

    `cited`: text said earlier in the conversation (or suggested for earlier replies): a fact whose
    date it already cites is used again only when no other fact fits. `taggings`: candidates already
    tagged by the scorer's tagger (a debrief tags all its likely candidates in one batch); the others
    are tagged here, in one batch."""
    scorer = scorer or OfflineScorer()
    original = weighted(scenario, scored.empathy, scored.evidence)
    best: Rewrite | None = None
    options = _candidates(scenario, text, scored, said, cited)
    if suggestion.strip():
        options.insert(0, (suggestion.strip(), ["the judge's suggestion"]))
    tried = [(i, candidate, changes) for i, (candidate, changes) in enumerate(options)
             if candidate.strip() and candidate.strip() != text.strip()]
    known = dict(taggings or {})
    new = list(dict.fromkeys(candidate for _, candidate, _ in tried if candidate not in known))
    known.update(zip(new, scorer.tagger.tag_many(new)))  # one batch: a learned tagger encodes once
    for i, candidate, changes in tried:
        tagging = known[candidate]
        result = scorer.score(candidate, tagging=tagging, scenario=scenario, said=said)
        if result.skills.penalties:  # a better reply never loses points
            continue
        overall = weighted(scenario, result.empathy, result.evidence)
        if overall > original and (best is None or overall > best.overall):
            source = "judge" if suggestion.strip() and i == 0 else "offline"
            best = Rewrite(text=candidate, empathy=result.empathy, evidence=result.evidence, overall=overall,
                           changes=changes, source=source)
    return best
