"""Voice: turns the state engine's decision into the persona's words.

The offline voice picks authored lines from the scenario: a short reaction to the
most salient move of the manager's message, then a reveal line (if a hidden
concern was revealed this turn) or the next unused line of the mood's pool. No
line is used twice in a session; pools are used in order, so authors write them
as a progression.
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from simulator.domain.moves import Move
from simulator.domain.scenario import Mood, Scenario
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


class OfflineVoice:
    name = "offline"

    def choose(self, request: VoiceRequest) -> list[str]:
        lines = request.scenario.lines
        used = set(request.state.used_lines)

        def first_unused(pool: list[str]) -> str | None:
            return next((line for line in pool if line not in used), None)

        if request.kind == "opening":
            return [first_unused(lines.opening) or lines.opening[0]]
        if request.kind == "closing":
            return [first_unused(lines.closing[request.note.mood]) or lines.closing[request.note.mood][0]]

        chosen: list[str] = []
        moves = request.tagging.moves if request.tagging else set()
        # A claim that is not on the record is contested before anything else.
        reaction = first_unused(lines.contest) if request.disputed else None
        for move in SALIENCE:
            if reaction or request.note.closed_up:  # closed up: short shut-down lines only
                break
            if move in moves:
                reaction = first_unused(lines.reactions.get(move, []))
        if reaction:
            chosen.append(reaction)
            used.add(reaction)

        if request.note.reveal_now:
            for concern_id in request.note.reveal_now:
                concern = request.scenario.concern(concern_id)
                chosen.append(first_unused(concern.reveal_lines) or concern.reveal_lines[0])
        else:
            pool = lines.closed_up if request.note.closed_up else lines.pool(request.note.mood)
            text = request.tagging.text if request.tagging else ""
            fallback_mood = Mood.guarded if request.note.closed_up else request.note.mood
            line = next_on_topic(pool, used, text) or next_on_topic(lines.pool(fallback_mood), used, text) or _first_unused_anywhere(lines, used, fallback_mood)
            chosen.append(line)
        return chosen

    def reply(self, request: VoiceRequest) -> Reply:
        lines = self.choose(request)
        return Reply(chunks=chunk_words(" ".join(lines)), lines=lines)


_STOP = frozenset(
    "about after again also been before being could does doing done from have having here into just know like make "
    "more much need only other over really right said should some such than that their them then there these they "
    "thing think this those through time very want well were what when where which while will with would your "
    "you're yours going okay thanks thank morning afternoon hello coming come came week weeks today".split()
)
TOPIC_WINDOW = 4  # how far ahead in a pool the voice may look for a line on the manager's topic


def _stems(text: str) -> set[str]:
    words = (w.split("'")[0] for w in re.findall(r"[a-z']+", text.lower().replace("’", "'")))
    return {w[:6] for w in words if len(w) >= 4 and w not in _STOP}


def next_on_topic(pool: list[str], used: set[str], manager_text: str) -> str | None:
    """The next unused line of a pool, or one a little further on that shares the manager's topic.

    Pools are written as a progression, so the voice stays near the front; among
    the next few unused lines it prefers the one sharing most content words with
    what the manager just said (ties go to the earliest).
    """
    ahead = [line for line in pool if line not in used][:TOPIC_WINDOW]
    if not ahead:
        return None
    topic = _stems(manager_text)
    return max(ahead, key=lambda line: (len(topic & _stems(line)), -ahead.index(line)))


def _first_unused_anywhere(lines, used: set[str], mood: Mood) -> str:
    # closed up and out of shut-down lines: stay guarded rather than turn friendly
    order = {Mood.guarded: (Mood.neutral, Mood.open), Mood.neutral: (Mood.guarded, Mood.open), Mood.open: (Mood.neutral, Mood.guarded)}
    for other in order[mood]:
        line = next((x for x in lines.pool(other) if x not in used), None)
        if line:
            return line
    return _EXHAUSTED


_OUT_OF_CHARACTER = re.compile(
    r"\b(as an ai|an ai(?: language)? model|language model|i(?:'m| am) (?:an ai|a bot|not a real person)|artificial intelligence|"
    r"chatgpt|openai|system prompt|my prompt|the prompt|rubric|director(?:'s)? note|empathy score|evidence score|"
    r"this simulation|simulated (?:employee|persona)|role-?play)\b",
    re.IGNORECASE,
)


def breaks_character(text: str) -> bool:
    """True when a persona reply talks about being an AI, the prompt, the rubric or the scores."""
    return bool(_OUT_OF_CHARACTER.search(text))


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

    def messages(self, request: VoiceRequest) -> list[dict]:
        from simulator.engine.prompts import persona_messages
        from simulator.models.tokens import fit_history

        system, convo, note = persona_messages(request.scenario, request.note, request.history)
        return fit_history(system, convo, model=self.model.name, budget=self.history_tokens) + [note]

    def reply(self, request: VoiceRequest) -> Reply:
        if request.kind != "reply":
            # Opening: the authored line. Closing: the director note already asked the model to close.
            return self.offline.reply(request) if request.kind == "opening" else Reply(chunks=iter(()), lines=[])
        reply = Reply(chunks=iter(()), lines=[], model=self.model.name, prompt_version=PROMPT_VERSION)
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

        messages = self.messages(request)
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
