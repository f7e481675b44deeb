"""Voice: turns the state engine's decision into the persona's words.

The offline voice picks authored lines from the scenario: a short reaction to the
most salient move of the manager's message, then a reveal line (if a hidden
concern was revealed this turn) or the line of the mood's pool that answers what
the manager raised. The topic of the message is found by the sentence encoder
(`simulator.engine.topics`); a line about that topic wins, with the act that fits
the message (a question gets an answer, a cited fact an answer or a challenge);
general lines are the fallback. The voice tracks what is settled: a line that
presumes something already said (`before:`) or needs something not yet said
(`after:`) is skipped, and no line is used twice in a session. Among equally
fitting lines it draws with `random.Random(seed + turn)`: a session's seed makes
its run reproducible.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from simulator.domain.lexicon import day_dates
from simulator.domain.moves import Move
from simulator.domain.scenario import Act, Line, Mood, Scenario
from simulator.domain.state import ConversationState, DirectorNote
from simulator.engine.prompts import PROMPT_VERSION
from simulator.engine.tagger import Tagging
from simulator.models.base import NO_USAGE, Usage

# Penalties first: a person reacts to being blamed before anything else.
SALIENCE: tuple[Move, ...] = (
    Move.pressures,
    Move.guilt_trip,
    Move.contempt,
    Move.blame,
    Move.label_judgment,
    Move.minimises,
    Move.hearsay,
    Move.absolute,
    Move.acknowledges_feelings,
    Move.validates,
    Move.reflects,
    Move.offers_support,
    Move.specific_behaviour,
    Move.data,
    Move.impact,
    Move.clear_message,
    Move.open_question,
    Move.closed_question,
    Move.situation,
)

# Shown only if a scenario's pools run dry (they hold at least 15 lines each, so a
# conversation within the turn cap never gets here).
_EXHAUSTED = "...I don't think I have anything more to add right now."


@dataclass
class VoiceRequest:
    scenario: Scenario
    state: ConversationState  # after this turn
    note: DirectorNote
    tagging: Tagging | None  # None for the opening and closing lines
    history: list[tuple[str, str]] = field(default_factory=list)  # (role, text) so far
    kind: str = "reply"  # "opening" | "reply" | "closing"
    disputed: list[str] = field(default_factory=list)  # manager claims the fact ledger does not support


@dataclass
class Reply:
    """The voice's response for one persona turn.

    `model` and `prompt_version` say who answered (None: the scenario's authored lines).
    A model voice fills `final`, `usage` and `requests` when its chunks end, break or are
    closed (close `chunks` to stop it early and still get them).
    """

    chunks: Iterator[str]
    lines: list[str]  # authored lines used, so the session never repeats them
    model: str | None = None
    prompt_version: str | None = None
    final: str | None = None  # the text to store, when it differs from what was streamed (a repaired reply)
    usage: Usage = NO_USAGE
    requests: int = 0
    topic: str | None = None  # the scenario topic the manager's message raised
    topics: list[str] = field(default_factory=list)  # the topics this reply spoke to

    def close(self) -> None:
        close = getattr(self.chunks, "close", None)
        if close is not None:
            close()


class Voice(Protocol):
    name: str

    def reply(self, request: VoiceRequest) -> Reply: ...


def chunk_words(text: str) -> Iterator[str]:
    """Yield text a word at a time (with its trailing space), for streaming displays."""
    for match in re.finditer(r"\S+\s*", text):
        yield match.group(0)


# Which acts answer which kind of message, best first.
_ACT_ORDER = {
    "question": (Act.answers, Act.discloses, Act.contests, Act.deflects, Act.asks_back),
    "fact": (Act.answers, Act.contests, Act.discloses, Act.deflects, Act.asks_back),
    "statement": (Act.answers, Act.discloses, Act.contests, Act.asks_back, Act.deflects),
}
_NEARBY_MOODS = {
    Mood.guarded: (Mood.neutral, Mood.open),
    Mood.neutral: (Mood.guarded, Mood.open),
    Mood.open: (Mood.neutral, Mood.guarded),
    Mood.shut_down: (),
}
CLOSE_ENOUGH = 0.05  # on-topic lines this close in meaning to the message fit it equally
GENERAL_WINDOW = 3  # general lines are a progression: the next few unused ones fit equally


def intent_of(moves: set[Move]) -> str:
    if moves & {Move.open_question, Move.closed_question}:
        return "question"
    if moves & {Move.data, Move.specific_behaviour, Move.situation}:
        return "fact"
    return "statement"


class OfflineVoice:
    name = "offline"
    uses_history = True  # what has been said decides which people and dates a line may name

    def __init__(self, topics=None):
        # topics(scenario) -> an object with match(text); default: the sentence-encoder index
        self._topics = topics

    def _index(self, scenario: Scenario):
        if self._topics is None:
            from simulator.engine.topics import topic_index

            self._topics = topic_index
        return self._topics(scenario)

    def topic_of(self, scenario: Scenario, text: str, previous: str | None = None) -> str | None:
        """The topic the message raises; a short follow-up ("and why was that?") continues `previous`."""
        if not scenario.topics or not text.strip():
            return None
        match = self._index(scenario).match(text)
        return previous if match.follow_up else match.topic

    def _closest(self, scenario: Scenario, text: str, lines: list[Line]) -> list[Line]:
        """The two lines closest in meaning to the message, or one when the next is clearly further away
        (an index without `closeness` keeps the authored order)."""
        closeness = getattr(self._index(scenario), "closeness", None)
        if closeness is None or not text.strip():
            return lines[:2]
        scored = sorted(((closeness(text, line.text), n, line) for n, line in enumerate(lines)), key=lambda x: (-x[0], x[1]))
        return [line for score, _, line in scored[:2] if score >= scored[0][0] - CLOSE_ENOUGH]

    def choose(self, request: VoiceRequest) -> list[str]:
        return [line.text for line in self.choose_lines(request)[0]]

    def choose_lines(self, request: VoiceRequest) -> tuple[list[Line], str | None]:
        """The lines of this persona turn, and the topic the manager's message raised."""
        scenario, state, note = request.scenario, request.state, request.note
        lines = scenario.lines
        used = set(state.used_lines)
        rng = random.Random((state.seed or 0) + state.turn) if state.seed is not None else None

        said = " ".join([*(text for _, text in request.history), *state.used_lines, request.tagging.text if request.tagging else ""])

        def first_unused(pool: list) -> str | None:
            fresh = [str(line) for line in pool if str(line) not in used]
            return next((x for x in fresh if not presumes(scenario, x, said)), fresh[0] if fresh else None)

        if request.kind == "opening":
            return [Line(text=first_unused(lines.opening) or lines.opening[0])], None
        if request.kind == "closing":
            if note.boundary_line:
                return [Line(text=note.boundary_line, act=Act.closes)], None
            if note.mood is Mood.shut_down:
                closers = [x for x in lines.closed_up if x.act is Act.closes] or lines.closed_up[-1:]
                fresh = [x for x in closers if x.text not in used] or closers[:1]
                return [next((x for x in fresh if not presumes(scenario, x.text, said)), fresh[0])], None
            return [Line(text=first_unused(lines.closing[note.mood]) or lines.closing[note.mood][0], act=Act.closes)], None

        if note.boundary_line:  # the closing line says it all
            return [], None
        text = request.tagging.text if request.tagging else ""
        moves = request.tagging.moves if request.tagging else set()
        topic = self.topic_of(scenario, text, previous=state.last_topic)
        chosen: list[Line] = []
        # A claim that is not on the record is contested before anything else.
        reaction = first_unused(lines.contest) if request.disputed else None
        for move in SALIENCE:
            if reaction or note.closed_up:  # shut down: short shut-down lines only
                break
            if move in moves:
                fitting = lines.reactions.get(move, [])
                if move is Move.contempt and request.tagging:
                    fitting = contempt_reactions(request.tagging, fitting)
                reaction = first_unused(_taking_up(text, fitting, used))
        if reaction:
            chosen.append(Line(text=reaction, act=Act.contests if request.disputed else Act.answers))
            used.add(reaction)

        if note.reveal_now:
            for concern_id in note.reveal_now:
                concern = scenario.concern(concern_id)
                chosen.append(next((x for x in concern.reveal_lines if x.text not in used), concern.reveal_lines[0]))
            return chosen, topic

        happened = set(state.topics_raised) | set(state.revealed) | set(state.goals_met) | ({topic} if topic else set())
        earlier = set(state.topics_raised) | set(state.topics_answered)

        def fits(line: Line) -> bool:
            return (
                line.text not in used
                and not is_echo(text, line.text)
                and line.act is not Act.closes
                and (line.act is Act.discloses or line.own_account or not presumes(scenario, line.text, said))
                and all(x in happened for x in line.after)
                and not any(x in happened for x in line.before)
                and not (line.act is Act.asks_back and any(t in earlier for t in line.topics))
            )

        follow_ups = [x for c in note.revealed for x in scenario.concern(c).reveal_lines[1:]] if not note.closed_up else []
        moods = (note.mood, *_NEARBY_MOODS[note.mood])
        if topic:
            order = _ACT_ORDER[intent_of(moves)]
            for mood in moods:
                on_topic = [x for x in [*lines.pool(mood), *follow_ups] if topic in x.topics and fits(x)]
                if on_topic:
                    best = min(order.index(x.act) if x.act in order else len(order) for x in on_topic)
                    ties = [x for x in on_topic if (order.index(x.act) if x.act in order else len(order)) == best]
                    # of the lines that do what the message asks, the two closest to what it says
                    chosen.append(_draw(self._closest(scenario, text, ties), rng))
                    return chosen, topic
        for mood in moods:
            pool = [x for x in lines.pool(mood) if fits(x)]
            general = [x for x in pool if not x.topics] or pool
            if general:
                chosen.append(_draw(general[:GENERAL_WINDOW], rng))
                return chosen, topic
        chosen.append(Line(text=_EXHAUSTED))
        return chosen, topic

    def reply(self, request: VoiceRequest) -> Reply:
        chosen, topic = self.choose_lines(request)
        texts = [line.text for line in chosen]
        topics = sorted({t for line in chosen for t in line.topics})
        return Reply(chunks=chunk_words(" ".join(texts)), lines=texts, topic=topic, topics=topics)


_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# Words that say nothing about what a line restates.
_FILLER = frozenset(
    "the a an and or but so to of in on at for with from by is are was were be been it its it's this that these those i i'm "
    "i'd i'll i've me my we we'll we're our you you're you'll your if then than as can could would will should do did "
    "not no just about what when how".split()
)
ECHO_SHARE = 0.6  # a line whose content words are mostly the manager's restates the message
ECHO_RUN = 5  # ... as does one that repeats five of the manager's words in a row


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def is_echo(message: str, line: str) -> bool:
    """True when a persona line only restates the manager's message (their offer, said back almost word for word)."""
    said, answer = _words(message), _words(line)
    if not said or not answer:
        return False
    runs = {tuple(said[i:i + ECHO_RUN]) for i in range(len(said) - ECHO_RUN + 1)}
    if any(tuple(answer[i:i + ECHO_RUN]) in runs for i in range(len(answer) - ECHO_RUN + 1)):
        return True
    content = [w for w in answer if w not in _FILLER]
    shared = set(said)
    return len(content) >= 3 and sum(w in shared for w in content) / len(content) >= ECHO_SHARE


def _taking_up(message: str, reactions: list[str], used: set[str]) -> list[str]:
    """The reactions, those that take up a word of the message first: "Be patient" gets "...tell me to be patient",
    not "Please don't tell me it's just a title"."""
    said = {w for w in _words(message) if w not in _FILLER and len(w) > 3}
    fresh = [x for x in reactions if x not in used]
    return sorted(fresh, key=lambda x: not said & set(_words(x)))


# Sarcasm is contempt dressed up as praise or sympathy ("Oh great, another excuse", "Wow, on time for once", "Poor you").
_SARCASTIC = re.compile(
    r"\b(?:great|brilliant|wonderful|fantastic|perfect|lovely|marvell?ous|super|terrific|nice|congratulations|medal|gold star|"
    r"for once|yeah,? right|sure you|of course you|what a (?:surprise|shock)|good reason|look who|poor (?:you|thing)|boo[- ]?hoo|"
    r"diddums|cry me a river)\b",
    re.IGNORECASE,
)
# A reaction that names sarcasm or mockery ("I don't think sarcasm is going to help", "Is that meant to be funny?").
_NAMES_SARCASM = re.compile(r"\b(?:sarcas\w*|mock\w*|funny|laugh\w*|jok(?:e|es|ing))\b", re.IGNORECASE)


def contempt_reactions(tagging: Tagging, reactions: list[str]) -> list[str]:
    """The contempt reactions that fit this message: to sarcasm, those that name it first; to plain belittling
    ("Do you even read the tickets?"), only those that do not ("I don't think sarcasm is going to help" would be
    answering something the manager did not do)."""
    said = " ".join(s.text for s in tagging.spans_of(Move.contempt)) or tagging.text
    naming = [x for x in reactions if _NAMES_SARCASM.search(x)]
    plain = [x for x in reactions if not _NAMES_SARCASM.search(x)]
    return naming + plain if _SARCASTIC.search(said) else plain


def presumes(scenario: Scenario, line: str, said: str) -> bool:
    """True when a line names one of the scenario's people or a calendar day that nobody has mentioned yet
    ("I know about the seventeenth of February" before any date was given)."""
    if not day_dates(line) <= day_dates(said):
        return True
    return any(_names(person, line) and not _names(person, said) for person in scenario.people)


def _names(person: str, text: str) -> bool:
    """True when the text names the person, accents or not ("Tomas" names Tomás)."""
    return re.search(rf"(?<!\w){re.escape(_plain(person))}(?!\w)", _plain(text), re.IGNORECASE) is not None


def _plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _draw(lines: list[Line], rng: random.Random | None) -> Line:
    """The first line, or with a session seed one drawn among them."""
    return rng.choice(lines) if rng is not None and len(lines) > 1 else lines[0]


_OUT_OF_CHARACTER = re.compile(
    r"\b(as an ai|an ai(?: language)? model|language model|i(?:'m| am) (?:an ai|a bot|not a real person)|artificial intelligence|"
    r"chatgpt|openai|system prompt|my prompt|the prompt|rubric|director(?:'s)? note|empathy score|evidence score|"
    r"this simulation|simulated (?:employee|persona)|role-?play)\b",
    re.IGNORECASE,
)


def breaks_character(text: str) -> bool:
    """True when a persona reply talks about being an AI, the prompt, the rubric or the scores."""
    return bool(_OUT_OF_CHARACTER.search(text))


def topic_note(scenario: Scenario, state: ConversationState, topic: str | None) -> str:
    """The director note's help on topic: what the manager raised, whether the persona spoke to it, what is settled."""
    parts = []
    if topic:
        parts.append(f"The manager is asking about: {scenario.topics[topic]}. Answer that, in your mood.")
        if topic in state.topics_answered:
            parts.append("You have already spoken about this earlier in the conversation: do not repeat yourself; add to it or refer back.")
    settled = [scenario.topics[t] for t in state.topics_raised if t != topic and t in scenario.topics]
    if settled:
        parts.append("Already discussed (do not speak as if it were still to come): " + "; ".join(settled) + ".")
    return " ".join(parts)


class ModelVoice:
    """A language model speaks for the persona, directed by the state engine.

    The opening line is the scenario's authored one. Each reply streams; if it
    breaks character it is regenerated once, then replaced by an authored line.
    """

    uses_history = True  # the conversation so far goes into the prompt (the offline voice needs none)

    def __init__(self, model, *, history_tokens: int = 6000, max_tokens: int = 300):
        self.model = model
        self.name = f"model:{model.name}"
        self.history_tokens = history_tokens
        self.max_tokens = max_tokens
        self.offline = OfflineVoice()

    def messages(self, request: VoiceRequest, topic: str | None = None) -> list[dict]:
        from simulator.engine.prompts import persona_messages
        from simulator.models.tokens import fit_history

        system, convo, note = persona_messages(request.scenario, request.note, request.history)
        extra = topic_note(request.scenario, request.state, topic)
        if extra:
            note = {**note, "content": f"{note['content']} {extra}"}
        return fit_history(system, convo, model=self.model.name, budget=self.history_tokens) + [note]

    def reply(self, request: VoiceRequest) -> Reply:
        if request.kind != "reply":
            # Opening: the authored line. Closing: the director note already asked the model to close.
            return self.offline.reply(request) if request.kind == "opening" else Reply(chunks=iter(()), lines=[])
        topic = self.offline.topic_of(request.scenario, request.tagging.text, previous=request.state.last_topic) \
            if request.tagging else None
        # the model is asked to answer what was raised: the topic counts as spoken to
        reply = Reply(chunks=iter(()), lines=[], model=self.model.name, prompt_version=PROMPT_VERSION,
                      topic=topic, topics=[topic] if topic else [])
        reply.chunks = self._stream(request, reply)
        return reply

    def _call(self, messages: list[dict], reply: Reply, seed: int | None) -> Generator[str, None, None]:
        """One model stream; its usage and requests are added to the reply however it ends."""
        options = {"seed": seed} if seed is not None else {}
        response = self.model.stream(messages, max_tokens=self.max_tokens, **options)
        try:
            yield from response
        finally:
            response.close()
            reply.usage += response.usage
            reply.requests += response.requests

    def _stream(self, request: VoiceRequest, reply: Reply) -> Generator[str, None, None]:
        from simulator.engine.prompts import REPAIR_NOTE

        messages = self.messages(request, reply.topic)
        text = ""
        broken = False
        first = self._call(messages, reply, request.state.seed)
        try:
            for chunk in first:
                if breaks_character(text + chunk):
                    broken = True
                    break
                text += chunk
                yield chunk
        finally:
            first.close()
        if not broken:
            return
        again = "".join(self._call(messages + [REPAIR_NOTE], reply, request.state.seed)).strip()
        if again and not breaks_character(again):
            reply.final = again
            return
        lines = self.offline.choose(request)
        reply.lines = lines
        reply.final = " ".join(lines)
