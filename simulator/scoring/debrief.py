"""Debrief: every manager reply scored, quoted and placed on the trust curve.

The reading of the session and the advice follow the scenario's kind: feedback
and mediation are read on Radical Candor's two axes (care x challenge); a
decision on care x clarity; a first 1:1 on listening alone, since evidence is
not expected there (gentle open questions are never "obnoxious aggression").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from statistics import mean

from pydantic import BaseModel, Field

from simulator.domain.difficulty import PRESETS, Difficulty
from simulator.domain.moves import MOVE_HELP, PENALTY_MOVES, Move
from simulator.domain.rubric import (
    EMPATHY_SKILLS,
    EVIDENCE_SKILLS,
    INVENTED_FACT,
    KIND_PROFILES,
    SKILL_HELP,
    Kind,
    Skills,
    empathy_score,
    evidence_score,
)
from simulator.domain.scenario import Scenario
from simulator.domain.state import ConversationState, ending_words, mood_of
from simulator.engine.learned_tagger import LearnedTagger
from simulator.engine.tagger import Tagging
from simulator.scoring.facts import Claim
from simulator.scoring.judge import JudgedScorer, JudgeResult
from simulator.scoring.offline import OfflineScorer, ReplyScore
from simulator.scoring.rewrite import Rewrite, addressed_to_exercise, context_of, is_courtesy, is_weak, rewrite_reply, weighted
from simulator.store.db import MessageRecord


class Highlight(BaseModel):
    start: int
    end: int
    move: str
    sign: int  # +1 earned points, -1 lost points
    why: str


class ReplyReport(BaseModel):
    seq: int
    text: str
    empathy: int = Field(ge=0, le=100)
    evidence: int = Field(ge=0, le=100)
    skills: Skills
    moves: list[str]
    highlights: list[Highlight]
    trust_before: int
    trust_after: int
    stress_after: int
    mood_after: str
    revealed: list[str] = Field(default_factory=list)
    disputed: list[str] = Field(default_factory=list)  # claims the fact ledger does not support
    better_phrasing: str = ""  # the judge's suggestion, for weak replies
    overall: int = 0  # empathy and evidence weighted as the scenario says
    reaction: str = ""  # what the persona answered
    goals_met: list[str] = Field(default_factory=list)  # goal ids this reply met
    rewrite: Rewrite | None = None  # a better reply, scored higher by the same scorer (weak replies only)
    weak: bool = False  # lost points or scored low for its moment (a plain decision said kindly is not weak)
    ended_meeting: bool = False  # the persona closed the meeting right after it (a crossed boundary, a shutdown)
    last_word: bool = False  # said after the persona had closed the meeting (`PracticeService.last_word`)

    @property
    def trust_change(self) -> int:
        return self.trust_after - self.trust_before

    @property
    def must_face(self) -> bool:
        """A threat, or what made the persona end the meeting: always a moment and the hardest reply,
        whatever the trust change (trust may already have been at 0)."""
        return Move.pressures.value in self.moves or self.ended_meeting

    @property
    def courtesy(self) -> bool:
        """A bare thanks or goodbye ("Thanks, that's all for today."): closes the meeting politely, needs no rewrite."""
        return is_courtesy(self.text)

    @property
    def counts_as_hardest(self) -> bool:
        """A last word or a courtesy is the weakest or hardest reply only when it lost points (a polite goodbye is fine)."""
        return not (self.last_word or self.courtesy) or bool(self.skills.penalties)

    @property
    def can_be_strongest(self) -> bool:
        """Only a reply that did its job is the strongest: never a weak one (when every reply was weak, none is
        the strongest), nor a goodbye, which is fine but not a reply to learn from."""
        return not (self.weak or self.last_word or self.courtesy)


class GoalReport(BaseModel):
    id: str
    text: str
    met: bool
    met_seq: int | None = None  # the manager message that met it


class ConcernReport(BaseModel):
    id: str
    summary: str
    revealed: bool
    opened_by_seq: int | None = None  # the manager message after which it came out
    opened_by: list[str] = Field(default_factory=list)  # the moves of that message that can open it


class Moment(BaseModel):
    """A reply that moved trust, with the move that moved it most (by the scenario's table)."""

    seq: int
    number: int  # the reply's number in the conversation (1 = the manager's first message)
    text: str
    trust_before: int
    trust_after: int
    move: str | None
    why: str


class Debrief(BaseModel):
    scenario_id: str
    scenario_version: int
    scorer: str
    replies: list[ReplyReport]
    empathy: int
    evidence: int
    overall: int
    quadrant: str
    quadrant_edge: str = ""  # the reading across the nearest line, when the session sits within EDGE_MARGIN of it
    quadrant_help: str = ""  # what the reading means for this kind of conversation
    kind: str = Kind.feedback.value
    evidence_label: str = ""  # what "evidence" means for this kind of conversation
    goals: list[GoalReport]
    concerns: list[ConcernReport]
    trust_series: list[int]
    stress_series: list[int]
    final_mood: str
    end_reason: str | None
    ending: str = ""  # why the conversation ended, in plain words (`ending_words`)
    strongest_seq: int | None  # the best reply that was not weak; None when every reply was weak
    weakest_seq: int | None
    advice: list[str]
    verdict: str = ""  # one line: the reading, told for this kind of conversation
    moments: list[Moment] = Field(default_factory=list)  # the replies that moved trust most, up and down
    next_steps: list[str] = Field(default_factory=list)  # concrete, for good runs too
    summary: str = ""  # the judge's overall comment
    judge_model: str | None = None
    prompt_version: str | None = None
    fallback_reason: str | None = None  # why the offline scorer was used although a judge was configured
    difficulty: str = Difficulty.realistic.value  # the preset the session was played at
    mode: str = "learning"  # learning (hints, goals checklist) or assessment (none)
    hints_used: int = 0

    @property
    def reading(self) -> str:
        """The reading in words: "radical candor", or "between radical candor and obnoxious aggression" near a line."""
        return reading_words(self.quadrant, self.quadrant_edge)


AGGRESSIVE_PENALTIES = frozenset({"label_judgment", "absolute", "blame", "pressures", "contempt"})


def quadrant(empathy: int, evidence: int, kind: Kind = Kind.feedback, penalties: frozenset[str] | set[str] = frozenset()) -> str:
    """Radical Candor's picture: care personally (empathy) x challenge directly (evidence, or clarity in a
    decision). A first 1:1 is read on listening alone: evidence is not expected there."""
    if kind == Kind.relationship:
        if penalties - {INVENTED_FACT}:
            return "closing them down"
        return "building trust" if empathy >= 50 else "polite distance"
    care, challenge = empathy >= 50, evidence >= 50
    if care and challenge:
        return "radical candor"
    if care:
        return "ruinous empathy"
    # labels, blame, threats and contempt challenge without care, even with no evidence: that is aggression,
    # not insincerity (which is hearsay, guilt trips and vagueness)
    if challenge or penalties & AGGRESSIVE_PENALTIES:
        return "obnoxious aggression"
    return "manipulative insincerity"


# How close to a line of the picture (empathy 50, evidence 50) a session is read as on the edge between two readings:
# one point under the empathy line is a near miss, not "obnoxious aggression" outright.
EDGE_MARGIN = 3
_LINE = 50


def _edges(empathy: int, evidence: int, kind: Kind) -> list[tuple[int, str, int, int]]:
    """Each line of the picture the session could cross: (points to cross it, axis, empathy, evidence once across)."""
    lines = [(_LINE - empathy if empathy < _LINE else empathy - _LINE + 1, "empathy",
              _LINE if empathy < _LINE else _LINE - 1, evidence)]
    if kind != Kind.relationship:  # a first 1:1 is read on listening alone
        lines.append((_LINE - evidence if evidence < _LINE else evidence - _LINE + 1, "evidence",
                      empathy, _LINE if evidence < _LINE else _LINE - 1))
    return sorted(lines, key=lambda line: line[0])  # the nearer line first; empathy first on a tie


def _nearest_edge(empathy: int, evidence: int, kind: Kind, penalties: Set[str]) -> tuple[str, str] | None:
    """(the reading across the nearest line within EDGE_MARGIN, that line's axis), or None."""
    here = quadrant(empathy, evidence, kind, frozenset(penalties))
    for points, axis, e, v in _edges(empathy, evidence, kind):
        across = quadrant(e, v, kind, frozenset(penalties))
        if points <= EDGE_MARGIN and across != here:
            return across, axis
    return None


def quadrant_edge(empathy: int, evidence: int, kind: Kind = Kind.feedback, penalties: Set[str] = frozenset()) -> str:
    """The reading on the other side of the nearest line of the picture when the session sits within EDGE_MARGIN
    points of it (empathy 49 against the line at 50: "radical candor" for a session read as obnoxious aggression),
    else "". A line whose crossing would not change the reading (a threat reads as aggression at any evidence) is no edge."""
    edge = _nearest_edge(empathy, evidence, kind, penalties)
    return edge[0] if edge else ""


def reading_words(reading: str, edge: str = "") -> str:
    """The reading as the page, the chart's caption and the exports say it: on an edge, both readings
    ("between radical candor and obnoxious aggression"), in the picture's own order."""
    if not edge:
        return reading
    first, second = sorted((reading, edge), key=list(QUADRANT_HELP).index)
    return f"between {first} and {second}"


def _edge_note(empathy: int, evidence: int, kind: Kind, penalties: Set[str]) -> str:
    """"empathy 49, 1 point under the line at 50": why the session is on the edge, or ""."""
    edge = _nearest_edge(empathy, evidence, kind, penalties)
    if edge is None:
        return ""
    axis = edge[1]
    value = empathy if axis == "empathy" else evidence
    points = abs(value - _LINE)
    where = "on the line at 50" if value == _LINE else (
        f"{points} point{'s' if points != 1 else ''} {'under' if value < _LINE else 'over'} the line at 50")
    return f"{axis} {value}, {where}"


QUADRANT_HELP = {
    "radical candor": "You cared personally and challenged directly: specific evidence delivered with empathy.",
    "ruinous empathy": "Kind, but the message stayed vague: add the situation, the behaviour and its impact.",
    "obnoxious aggression": "Specific, but light on care: it can land as an attack. Acknowledge feelings and ask about their side.",
    "manipulative insincerity": "Neither caring nor specific: start with what you observed, then ask how they see it.",
    "building trust": "You listened: open questions and acknowledgement, which is what a first 1:1 is for.",
    "polite distance": "Friendly but on the surface: ask more about them, and reflect back what you hear.",
    "closing them down": "Something you said put them on guard: a first 1:1 needs questions and listening, not judgments.",
}
# the same readings, told for the kind of conversation
_KIND_HELP: dict[Kind, dict[str, str]] = {
    Kind.decision: {
        "radical candor": "Clear and kind: you said the decision plainly and stayed human.",
        "ruinous empathy": "Kind, but the decision got lost: say it in one plain sentence, early, and explain what happens next.",
        "obnoxious aggression": "Clear, but cold: the decision was plain, now acknowledge how it lands and give them room.",
        "manipulative insincerity": "Neither clear nor kind: say the decision plainly, then acknowledge how it lands.",
    },
    Kind.mediation: {
        "radical candor": "You kept to what each of them did, and listened to both sides.",
        "ruinous empathy": "Caring, but vague about what happened: describe what each person did, without a verdict.",
        "obnoxious aggression": "Specific, but it may land as taking sides: ask how they saw it before drawing conclusions.",
        "manipulative insincerity": "Neither specific nor curious: describe what you saw, then ask for their side.",
    },
}


# aggression reached through labels, blame or threats with little evidence (or clarity): not "specific", not "clear"
_AGGRESSION_WITHOUT_CHALLENGE: dict[Kind, str] = {
    Kind.feedback: "Harsh, and not specific: it lands as an attack. Say what you observed, acknowledge feelings and ask about their side.",
    Kind.decision: "Cold, and the decision was not plain: say it in one clear sentence, own it, and acknowledge how it lands.",
    Kind.mediation: "It takes sides without the facts: describe what each person did, then ask how they saw it.",
}


# specific but cool, with nothing harsh said (no label, blame, threat or contempt): what was missing, not an attack
_AGGRESSION_WITHOUT_HARSHNESS: dict[Kind, str] = {
    Kind.feedback: "Specific, but light on care: nothing harsh was said, yet the facts came without warmth. Name how it may "
                   "feel for them, and say their reaction makes sense.",
}


def quadrant_help(reading: str, kind: Kind, evidence: int | None = None, penalties: Set[str] | None = None) -> str:
    """What the reading means for this kind of conversation; `evidence` (the 0-100 score, when known) keeps
    the words true to the numbers: aggression with evidence under 50 is not called specific or clear; and
    `penalties` (those of the session, when known) keep them true to what was said: specific but cool, with
    nothing harsh said, is not called an attack."""
    if reading == "obnoxious aggression" and evidence is not None and evidence < 50 and kind in _AGGRESSION_WITHOUT_CHALLENGE:
        return _AGGRESSION_WITHOUT_CHALLENGE[kind]
    if reading == "obnoxious aggression" and penalties is not None and not penalties & AGGRESSIVE_PENALTIES and (
            kind in _AGGRESSION_WITHOUT_HARSHNESS):
        return _AGGRESSION_WITHOUT_HARSHNESS[kind]
    return _KIND_HELP.get(kind, {}).get(reading, QUADRANT_HELP[reading])


def skills_caption(skills: Skills) -> str:
    """One line under a reply: the sub-skills it earned (clarity and support too, which score as well)
    and the penalties it lost points for."""
    earned = [f"{name.replace('_', ' ')} {getattr(skills, name)}/2" for name in SKILL_HELP if getattr(skills, name)]
    if skills.clear_message:
        earned.append("clear message")
    if skills.support:
        earned.append("offers support")
    caption = ("Earned: " + ", ".join(earned)) if earned else "No empathy or evidence skill found."
    if skills.penalties:
        caption += " · Lost points for: " + ", ".join(p.replace("_", " ") for p in skills.penalties)
    return caption


def highlights_of(tagging: Tagging, disputed: Sequence[Claim] = ()) -> list[Highlight]:
    out = [Highlight(start=c.start, end=c.end, move=INVENTED_FACT, sign=-1,
                     why="the record says otherwise: check the facts" if c.kind == "claim" else "not on the record: check the facts")
           for c in disputed]
    for span in tagging.spans:
        if span.move == Move.closed_question:
            continue
        sign = -1 if span.move in PENALTY_MOVES else 1
        out.append(Highlight(start=span.start, end=span.end, move=span.move.value, sign=sign, why=MOVE_HELP[span.move]))
    return out


_LENS = {
    Kind.feedback: "Read as feedback, on care × challenge",
    Kind.decision: "Read as a decision, on care × clarity",
    Kind.relationship: "Read as a first 1:1, on listening alone",
    Kind.mediation: "Read as a mediation, on care × facts without verdicts",
}


# a decision said plainly, with too little of the why and what next to reach the clear side of the picture
_DECIDED_BUT_THIN = ("Kind, and you said the decision plainly; what was thin is the why and the what next: "
                     "the reasons against the record, with dates, and the next steps.")


def verdict(reading: str, kind: Kind, evidence: int | None = None, *, decision_said: bool = False,
            penalties: Set[str] | None = None, empathy: int | None = None) -> str:
    """The headline in one line: the reading and what it means for this kind of conversation
    (`evidence`: the session's evidence score, so the words match the numbers; `decision_said`: a
    reply said the decision plainly, so it is not called lost; `penalties`: the session's, so
    nothing is called harsh that was not; with `empathy` too, a session within EDGE_MARGIN of a line is
    told as between two readings, with the score that put it there)."""
    said, near = reading, None
    if empathy is not None and evidence is not None:
        near = _nearest_edge(empathy, evidence, kind, penalties or set())
        if near:
            said = f"{reading_words(reading, near[0])} ({_edge_note(empathy, evidence, kind, penalties or set())})"
    if kind == Kind.decision and reading == "ruinous empathy" and decision_said:
        return f"{_LENS[kind]}: {said}. {_DECIDED_BUT_THIN}"
    if near and near[0] == _BEST[kind] and (near[1] == "empathy" or kind in _MORE_EVIDENCE):
        # a near miss of the reading the kind aims for: what would tip it, not a verdict on the side it fell
        tip = (_MORE_LISTENING if kind == Kind.relationship else _MORE_CARE) if near[1] == "empathy" else _MORE_EVIDENCE[kind]
        return f"{_LENS[kind]}: {said}. Nearly {near[0]}. {tip}"
    return f"{_LENS[kind]}: {said}. {quadrant_help(reading, kind, evidence, penalties)}"


_BEST = {Kind.feedback: "radical candor", Kind.decision: "radical candor", Kind.mediation: "radical candor",
         Kind.relationship: "building trust"}
_MORE_CARE = "A little more care would tip it: name how it may feel for them, and say their reaction makes sense."
_MORE_LISTENING = "A little more listening would tip it: ask more about them, and reflect back what you hear."
_MORE_EVIDENCE = {
    Kind.feedback: "A little more challenge would tip it: the situation, the behaviour and its impact, with a date.",
    Kind.decision: "A little more clarity would tip it: the decision in one plain sentence, the why and what happens next.",
    Kind.mediation: "A little more of what each person did, without a verdict, would tip it.",
}


def candor_note(debrief: Debrief) -> str:
    """The line under the care × challenge picture, when where the diamond sits is not plain from the picture: on
    the edge between two readings, or read as aggression for what was said although the numbers sit elsewhere; else ""."""
    kind = Kind(debrief.kind)
    by_numbers = quadrant(debrief.empathy, debrief.evidence, kind)
    if by_numbers != debrief.quadrant:  # labels, blame, threats or contempt: aggression, though the numbers sit lower
        return (f"The diamond sits in “{by_numbers}” by the numbers, but what was said — labels, blame, threats or "
                f"contempt — challenges without care, so the conversation reads as {debrief.reading}.")
    if debrief.quadrant_edge:
        penalties = {p for r in debrief.replies for p in r.skills.penalties}
        return (f"The diamond sits on the edge, {debrief.reading} "
                f"({_edge_note(debrief.empathy, debrief.evidence, kind, penalties)}): a few points decide it.")
    return ""


def _moved_by(scenario: Scenario, moves: list[str], change: int) -> str | None:
    """The move of a reply that, by the scenario's table, pushed trust most in the direction it went."""
    table = scenario.state.deltas
    pushes = [(table[Move(m)].trust, m) for m in moves if Move(m) in table and table[Move(m)].trust * change > 0]
    if not pushes:
        return None
    return max(pushes, key=lambda p: (abs(p[0]), p[1]))[1]


def moments(scenario: Scenario, replies: list[ReplyReport], count: int = 3) -> list[Moment]:
    """The `count` replies that moved trust most (up or down), in conversation order. A threat, or the reply
    that made the persona end the meeting, is always among them (even when trust was already at 0), and so
    are the biggest rise and the biggest fall when there are both."""
    moved = [(n, r) for n, r in enumerate(replies, 1) if r.trust_change or r.must_face]
    by_size = sorted(moved, key=lambda nr: (-abs(nr[1].trust_change), nr[0]))
    must = [nr for nr in moved if nr[1].must_face and nr[1].trust_change <= 0]
    must += [nr for nr in (next((x for x in by_size if x[1].trust_change > 0), None), next((x for x in by_size if x[1].trust_change < 0), None))
             if nr is not None]
    top = list(dict.fromkeys(n for n, _ in must))[:count]
    top += [n for n, _ in by_size if n not in top][: count - len(top)]
    out = []
    for n, r in moved:
        if n not in top:
            continue
        move = _moved_by(scenario, r.moves, r.trust_change)
        if move is None and r.must_face:  # trust could not fall further: what cost it is still the moment
            move = Move.pressures.value if Move.pressures.value in r.moves else next((m for m in r.moves if Move(m) in PENALTY_MOVES), None)
        why = MOVE_HELP[Move(move)] if move else ("they ended the meeting after it" if r.ended_meeting else "the conversation's momentum")
        out.append(Moment(seq=r.seq, number=n, text=r.text, trust_before=r.trust_before, trust_after=r.trust_after, move=move, why=why))
    return out


def _what_to_add(scenario: Scenario, reply: ReplyReport, news_given: bool) -> str:
    """What a replayed reply with no better reply under it could add: the skill it lacked most, told plainly
    (`news_given`: an earlier reply gave the news, so this one is judged on listening, not on evidence)."""
    skills = reply.skills
    if skills.penalties:
        return "without what cost points"
    if KIND_PROFILES[scenario.kind].evidence_expected and not news_given and not (skills.situation or skills.data):
        return "adding the why from the record, with a date or a number" if scenario.kind == Kind.decision else (
            "adding what happened, with a date or a number from the record")
    if not skills.exploration:
        return "adding an open question about their side"
    if not (skills.emotional_reaction or skills.validation):
        return "adding a word for how it feels for them"
    return "adding what they told you, reflected back" if not skills.interpretation else "with a different opening"


def next_steps(scenario: Scenario, replies: list[ReplyReport], goals: list[GoalReport], concerns: list[ConcernReport],
               library: Mapping[str, Scenario] | None = None) -> list[str]:
    """Concrete next steps: the hardest moment to replay, a stretch goal, and a harder scenario."""
    if not replies:
        return []
    steps = []
    candidates = [(n, r) for n, r in enumerate(replies, 1) if r.counts_as_hardest] or list(enumerate(replies, 1))
    hardest_n, hardest = min(candidates, key=lambda nr: (not nr[1].must_face, nr[1].trust_change, nr[1].overall, nr[0]))
    if hardest.trust_change < 0 or hardest.must_face:  # the hardest moment: a threat, the meeting's end, or trust falling
        what = f"the hardest moment (trust {hardest.trust_before} → {hardest.trust_after}, score {hardest.overall})"
    else:  # trust never fell: the weak reply with most room to grow (when none was weak, any reply but an opening
        # that asked about them, which did its job: `is_weak`)
        pool = ([(n, r) for n, r in candidates if r.weak]
                or [(n, r) for n, r in candidates if not (n == 1 and r.skills.exploration >= 2)] or candidates)
        hardest_n, hardest = min(pool, key=lambda nr: (nr[1].overall, nr[0]))
        what = f"your lowest-scoring reply (score {hardest.overall}; trust never fell)"
    steps.append(
        f"Replay reply {hardest_n}, {what}: try it again from there"
        + (", starting from the better reply under it." if hardest.rewrite
           else f", {_what_to_add(scenario, hardest, any(_gave_news(scenario.kind, r.skills) for r in replies[: hardest_n - 1]))}.")
    )
    missed_goal = next((g for g in goals if not g.met), None)
    hidden = next((c for c in concerns if not c.revealed), None)
    profile = KIND_PROFILES[scenario.kind]
    skills = EMPATHY_SKILLS + (EVIDENCE_SKILLS if profile.evidence_expected else ())
    below = [name for name in skills if max(getattr(r.skills, name) for r in replies) < 2]
    if missed_goal:
        steps.append(f"Stretch goal: {missed_goal.text[0].lower() + missed_goal.text[1:]}.")
    elif hidden:
        steps.append("Stretch goal: they were still holding something back; earn enough trust for them to tell you.")
    elif below:
        steps.append(f"Stretch goal: reach the top level in {below[0].replace('_', ' ')} ({SKILL_HELP[below[0]]}).")
    else:
        steps.append(f"Stretch goal: meet every goal again in {max(1, len(replies) - 2)} messages or fewer.")
    order = list(Difficulty)
    if scenario.difficulty != Difficulty.tough:
        harder = order[order.index(scenario.difficulty) + 1]
        steps.append(f"Harder: play it again on {harder.value}: {PRESETS[harder].help}.")
    else:
        others = sorted((s for s in (library or {}).values() if s.id != scenario.id),
                        key=lambda s: (s.kind != scenario.kind, s.title))
        if others:
            steps.append(f"Harder: try \"{others[0].title}\" ({others[0].kind.value}) on tough too.")
        else:
            steps.append("Harder: this is already the toughest level; replay it opening with the hardest part first.")
    return steps


PENALTY_HELP = {**{m.value: MOVE_HELP[m] for m in PENALTY_MOVES}, INVENTED_FACT: "says something the record contradicts (a date, number or claim not on it)"}


def _advice(replies: list[ReplyReport], kind: Kind = Kind.feedback) -> list[str]:
    if not replies:
        return ["You ended before saying anything. Try opening with what you want to talk about and a question about their view."]
    tips = []
    best = {name: max(getattr(r.skills, name) for r in replies) for name in EMPATHY_SKILLS + EVIDENCE_SKILLS}
    penalties = sorted({p for r in replies for p in r.skills.penalties})
    if penalties:
        tips.append("Cut what cost you points: " + ", ".join(PENALTY_HELP[p] for p in penalties) + ".")
    if kind == Kind.decision:
        if not any(r.skills.clear_message for r in replies[:2]):
            tips.append("Say the decision plainly in your first or second message, in one sentence, before cushioning it.")
        if best["data"] == 0 and not any(r.skills.support for r in replies):
            tips.append("Explain what happens next with real dates and terms, and what support there is.")
    if best["exploration"] == 0:
        tips.append("You asked no question about their side. Open questions (\"What's been going on?\", \"How do you see it?\") let them open up.")
    if best["emotional_reaction"] == 0 and best["validation"] == 0:
        tips.append("Name what they might be feeling and say it makes sense; trust grows fastest from acknowledgement.")
    if kind == Kind.relationship:
        if best["interpretation"] == 0:
            tips.append("Reflect back what you hear (\"So what matters most to you is ...\"): it shows you listened.")
    elif kind == Kind.mediation:
        if best["behaviour"] == 0:
            tips.append("Describe what each person did, word for word where you can, rather than who was right.")
        if best["impact"] == 0:
            tips.append("Say what the clash cost the team, without a verdict on either person.")
    elif kind == Kind.feedback:
        if best["behaviour"] == 0:
            tips.append("Describe observable behaviour (what they did or said, when) instead of labels or generalities.")
        if best["situation"] == 0 and best["data"] == 0:
            tips.append("Anchor the feedback in the record: dates, numbers, which meeting.")
        if best["impact"] == 0:
            tips.append("Say what the behaviour caused for the team or the customers (the I in SBI).")
    return tips  # empty for a good run: the debrief gives next steps instead


def progress_skills(kind: Kind) -> tuple[str, ...]:
    """The skills progress is followed on for this kind of conversation (evidence only where it is expected)."""
    return EMPATHY_SKILLS + (EVIDENCE_SKILLS if KIND_PROFILES[kind].evidence_expected else ())


def best_levels(debrief: Debrief) -> dict[str, int]:
    """The best level (0-2) each skill reached anywhere in a session."""
    return {name: max((getattr(r.skills, name) for r in debrief.replies), default=0) for name in EMPATHY_SKILLS + EVIDENCE_SKILLS}


def compare_attempts(previous: Debrief, current: Debrief) -> str:
    """One sentence: which skills reached a higher or lower level than in the attempt before."""
    before, now = best_levels(previous), best_levels(current)
    names = progress_skills(Kind(current.kind))
    better = [n.replace("_", " ") for n in names if now[n] > before[n]]
    worse = [n.replace("_", " ") for n in names if now[n] < before[n]]
    parts = ([f"better at {', '.join(better)}"] if better else []) + ([f"worse at {', '.join(worse)}"] if worse else [])
    if not parts:
        return "Compared with your attempt before: the same level on every skill."
    return "Compared with your attempt before: " + "; ".join(parts) + "."


def session_scores(replies: list[ReplyReport], kind: Kind = Kind.feedback) -> tuple[int, int]:
    """Session headlines: half how consistently (mean per reply), half how completely.

    "Completely" scores the best level each sub-skill reached anywhere in the
    conversation, with every penalty that occurred counted once. A conversation
    needs empathy and evidence, but not every reply needs both.
    """
    if not replies:
        return 0, 0
    coverage = Skills.clamped(
        **{name: max(getattr(r.skills, name) for r in replies) for name in EMPATHY_SKILLS + EVIDENCE_SKILLS},
        support=any(r.skills.support for r in replies),
        clear_message=any(r.skills.clear_message for r in replies),
        penalties=sorted({p for r in replies for p in r.skills.penalties}),
    )
    empathy = (mean(r.empathy for r in replies) + empathy_score(coverage)) / 2
    evidence = (mean(r.evidence for r in replies) + evidence_score(coverage, kind)) / 2
    return round(empathy), round(evidence)


def _gave_news(kind: Kind, skills: Skills) -> bool:
    """Whether a reply delivered the news: the decision said plainly, or feedback's behaviour or data."""
    if kind == Kind.relationship:
        return False
    return skills.clear_message or (kind != Kind.decision and bool(skills.behaviour or skills.data))


def build_debrief(
    scenario: Scenario, transcript: list[MessageRecord], final_state: ConversationState, *,
    judged: JudgeResult | None = None, fallback_reason: str | None = None, library: Mapping[str, Scenario] | None = None,
) -> Debrief:
    """Score every manager reply, with the judge's result when there is one (no model call here).

    `fallback_reason` says why the offline scorer was used although a model was configured.
    Weak replies get a rewrite (scored by the offline scorer, kept only when it scores higher);
    `library` lets the next steps name a harder scenario.
    """
    rewriter = OfflineScorer(tagger=LearnedTagger())  # rewrites are read by the tagger the session used
    scorer: OfflineScorer = JudgedScorer(judged) if judged else OfflineScorer()
    start = ConversationState.initial(scenario)
    trust, stress = start.trust, start.stress
    trust_series, stress_series = [trust], [stress]
    replies: list[ReplyReport] = []
    revealed_before: set[str] = set()
    goals_before: set[str] = set()
    opened_by: dict[str, tuple[int, list[str]]] = {}
    kind = scenario.kind
    # Each reply scored offline from its stored tagging (never tagged again).
    offline: dict[int, ReplyScore] = {}
    for i, msg in enumerate(transcript):
        if msg.role == "manager":
            tagging = Tagging.from_json(msg.text, msg.tagging) if msg.tagging else None
            said = [m.text for m in transcript[:i] if m.role != "manager"]
            offline[i] = (rewriter if judged else scorer).score(msg.text, tagging=tagging, scenario=scenario, seq=msg.seq, said=said)
    for i, msg in enumerate(transcript):
        if msg.role != "manager":
            continue
        tagging = Tagging.from_json(msg.text, msg.tagging) if msg.tagging else None
        said = [m.text for m in transcript[:i] if m.role != "manager"]  # the persona's words so far are on the record
        scored = scorer.score(msg.text, tagging=tagging, scenario=scenario, seq=msg.seq, said=said) if judged else offline[i]
        after = next((m.state for m in transcript[i + 1 :] if m.role == "persona" and m.state), None)
        after_state = ConversationState.model_validate(after) if after else None
        last_word = any(m.role == "persona" and m.state and m.state.get("ended") for m in transcript[:i])
        ended_meeting = bool(not last_word and after_state and after_state.ended and after_state.end_reason not in (None, "manager", "goals", "turn_cap"))
        trust_after = after_state.trust if after_state else trust
        stress_after = after_state.stress if after_state else stress
        revealed_now = [c for c in (after_state.revealed if after_state else []) if c not in revealed_before]
        revealed_before.update(revealed_now)
        goals_now = [g for g in (after_state.goals_met if after_state else []) if g not in goals_before]
        goals_before.update(goals_now)
        for concern in revealed_now:
            condition = scenario.concern(concern).reveal_when
            openers = set(condition.any_move) | set(condition.all_moves)
            opened_by[concern] = (msg.seq, sorted(m.value for m in scored.tagging.moves if m in openers))
        reaction = next((m.text for m in transcript[i + 1 :] if m.role == "persona"), "")
        better = judged.scores.get(msg.seq, {}).get("better_phrasing", "") if judged else ""
        if addressed_to_exercise(better):  # the judge echoed words to the scorer: neither a candidate nor shown
            better = ""
        offline_scored = offline[i]
        rewrite = None
        context = context_of(scenario, said[-1] if said else "", revealed=bool(replies and replies[-1].revealed),
                             news_given=any(_gave_news(kind, r.skills) for r in replies), closed=last_word,
                             opening=not replies)
        weak = is_weak(scenario, offline_scored, context)
        if weak:
            cited = " ".join([m.text for m in transcript[:i] if m.role == "manager"] + [r.rewrite.text for r in replies if r.rewrite])
            rewrite = rewrite_reply(scenario, msg.text, offline_scored, said=said, suggestion=better, scorer=rewriter, cited=cited,
                                    context=context)
        replies.append(
            ReplyReport(
                seq=msg.seq, text=msg.text, empathy=scored.empathy, evidence=scored.evidence, skills=scored.skills,
                moves=sorted(m.value for m in scored.tagging.moves), highlights=highlights_of(scored.tagging, scored.disputed),
                disputed=[c.text for c in scored.disputed],
                better_phrasing=better, overall=weighted(scenario, scored.empathy, scored.evidence), reaction=reaction,
                goals_met=goals_now, rewrite=rewrite, weak=weak, ended_meeting=ended_meeting, last_word=last_word,
                trust_before=trust, trust_after=trust_after, stress_after=stress_after,
                mood_after=mood_of(scenario, after_state).value if after_state else mood_of(scenario, final_state).value,
                revealed=revealed_now,
            )
        )
        trust, stress = trust_after, stress_after
        trust_series.append(trust)
        stress_series.append(stress)

    empathy, evidence = session_scores(replies, kind)
    overall = weighted(scenario, empathy, evidence)
    penalties = {p for r in replies for p in r.skills.penalties}
    reading = quadrant(empathy, evidence, kind, penalties)
    strongest = max((r for r in replies if r.can_be_strongest), key=lambda r: (r.overall, r.trust_change, -r.seq), default=None)
    weakest = min((r for r in replies if r.weak and r.counts_as_hardest),
                  key=lambda r: (not r.must_face, r.overall, r.trust_change, r.seq), default=None)
    met_at = {g: r.seq for r in replies for g in r.goals_met}
    goals = [GoalReport(id=g.id, text=g.text, met=g.id in final_state.goals_met, met_seq=met_at.get(g.id)) for g in scenario.goals]
    concerns = [
        ConcernReport(id=c.id, summary=c.summary, revealed=c.id in final_state.revealed,
                      opened_by_seq=opened_by.get(c.id, (None, []))[0], opened_by=opened_by.get(c.id, (None, []))[1])
        for c in scenario.persona.hidden_concerns
    ]
    steps = next_steps(scenario, replies, goals, concerns, library)
    advice = _advice(replies, kind)
    return Debrief(
        scenario_id=scenario.id,
        scenario_version=scenario.version,
        scorer=scorer.name,
        replies=replies,
        empathy=empathy,
        evidence=evidence,
        overall=overall,
        quadrant=reading,
        quadrant_edge=quadrant_edge(empathy, evidence, kind, penalties),
        quadrant_help=quadrant_help(reading, kind, evidence, penalties),
        kind=kind.value,
        evidence_label=KIND_PROFILES[kind].evidence_label,
        goals=goals,
        concerns=concerns,
        trust_series=trust_series,
        stress_series=stress_series,
        final_mood=mood_of(scenario, final_state).value,
        end_reason=final_state.end_reason,
        ending=ending_words(scenario, final_state),
        strongest_seq=strongest.seq if strongest else None,
        weakest_seq=weakest.seq if weakest and weakest is not strongest else None,
        advice=advice or steps,
        verdict=verdict(reading, kind, evidence, decision_said=any(r.skills.clear_message for r in replies), penalties=penalties,
                        empathy=empathy),
        moments=moments(scenario, replies),
        next_steps=steps,
        summary=judged.summary if judged else "",
        judge_model=judged.model if judged else None,
        prompt_version=judged.prompt_version if judged else None,
        fallback_reason=fallback_reason,
        difficulty=scenario.difficulty.value,
        mode=final_state.mode,
        hints_used=final_state.hints_used,
    )
