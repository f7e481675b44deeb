"""Play a scenario in memory, with a trace of every turn: for trainers, not for practice sessions.

A practice session runs through `PracticeService` and the database. A trainer trying a draft
scenario (the authoring page's test-play, `simulator scenarios check`) needs none of that, and
needs more: which moves were detected in which words, why the state moved, why the persona's
line was chosen. `Rehearsal` runs the same state engine and offline voice turn by turn, in
memory, and records that trace. With `voice` a model voice (ModelVoice), the model speaks for the
persona, with the persona prompt the app would send (principles included), so a trainer sees what
a principle changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.domain.scenario import Mood, Scenario
from simulator.domain.state import ConversationState, DirectorNote, StateEngine, TurnOutcome
from simulator.engine.learned_tagger import LearnedTagger
from simulator.engine.tagger import Tagger, Tagging
from simulator.engine.voice import OfflineVoice, Voice, VoiceRequest
from simulator.scoring.facts import disputed_claims

EXHAUSTED_MARK = "anything more to add"  # in the offline voice's fallback line, said only when every pool has run dry


@dataclass
class TraceStep:
    """One manager message and what it did."""

    turn: int
    manager: str
    reply: str
    moves: dict[str, list[str]]  # move -> the words that carry it
    trust: tuple[int, int]  # before, after
    stress: tuple[int, int]
    mood: Mood
    why_state: list[str]  # why trust and stress moved, what was revealed or met, why it ended
    why_line: list[str]  # why each line of the reply was chosen
    revealed_now: list[str] = field(default_factory=list)
    goals_met_now: list[str] = field(default_factory=list)
    exhausted: bool = False  # the persona ran out of lines


class Rehearsal:
    """A scenario played in memory: `say(text)` returns the traced turn; `state` is the state after it."""

    def __init__(self, scenario: Scenario, *, tagger: Tagger | None = None, seed: int = 0, topics=None, voice: Voice | None = None):
        """`tagger`: default the learned tagger, as the app's offline sessions; `topics(scenario)`: the topic finder
        the offline voice uses (default: the sentence-encoder index); `voice`: a model voice to speak for the persona
        (default: the scenario's authored lines). `scenario` may be replaced by one that differs only in its
        principles (the authoring page does, when the trainer adds one mid-play)."""
        self.scenario = scenario
        self.engine = StateEngine(scenario)
        self.tagger: Tagger = tagger or LearnedTagger()
        self.voice = OfflineVoice(topics=topics)
        self.model_voice = voice
        self.state = ConversationState.initial(scenario).model_copy(update={"seed": seed})
        opening = self.voice.reply(VoiceRequest(scenario=scenario, state=self.state, note=self.engine.director_note(self.state, None),
                                                tagging=None, kind="opening"))
        self.opening = " ".join(opening.lines)
        self.state.used_lines.extend(opening.lines)
        self.said: list[str] = [self.opening]
        self.history: list[tuple[str, str]] = [("persona", self.opening)]  # what a model voice is shown
        self.trace: list[TraceStep] = []

    @property
    def ended(self) -> bool:
        return self.state.ended

    def say(self, text: str) -> TraceStep:
        tagging = self.tagger.tag(text)
        before = self.state
        new, outcome = self.engine.apply(before, tagging.moves, text=tagging.text)
        note = self.engine.director_note(new, outcome)
        disputed = [c.text for c in disputed_claims(self.scenario, tagging.text, said=self.said)]
        request = VoiceRequest(scenario=self.scenario, state=new, note=note, tagging=tagging, disputed=disputed,
                               history=[*self.history, ("manager", tagging.text)])
        if self.model_voice is not None:
            texts, used, topic, answered, why_line = self._model_reply(request)
        else:
            lines, topic = self.voice.choose_lines(request)
            texts = used = [line.text for line in lines]
            answered = sorted({t for line in lines for t in line.topics})
            why_line = self._why_lines(texts, topic, note, tagging, disputed)
        new = self.engine.after_reply(new, outcome, text=tagging.text, raised=[topic] if topic else [], answered=answered)
        new.used_lines.extend(used)
        if new.ended and self.model_voice is None:  # a model voice closed the meeting itself (its director note said so)
            closing = self.voice.choose_lines(VoiceRequest(scenario=self.scenario, state=new, note=note, tagging=None, kind="closing"))[0]
            texts = texts + [line.text for line in closing]
            new.used_lines.extend(line.text for line in closing)
        reply = " ".join(texts)
        self.said.append(reply)
        self.history += [("manager", tagging.text), ("persona", reply)]
        step = TraceStep(
            turn=new.turn, manager=text, reply=reply,
            moves={m.value: [s.text for s in tagging.spans_of(m)] for m in sorted(tagging.moves)},
            trust=(before.trust, new.trust), stress=(before.stress, new.stress), mood=outcome.mood,
            why_state=self._why_state(before, new, outcome),
            why_line=why_line,
            revealed_now=list(outcome.revealed_now), goals_met_now=list(outcome.goals_met_now),
            exhausted=any(EXHAUSTED_MARK in t for t in texts),
        )
        self.state = new
        self.trace.append(step)
        return step

    def _model_reply(self, request: VoiceRequest) -> tuple[list[str], list[str], str | None, list[str], list[str]]:
        """The model's reply, read whole: (its text, authored lines used, the topic raised, the topics answered, why)."""
        assert self.model_voice is not None
        reply = self.model_voice.reply(request)
        try:
            text = "".join(reply.chunks)
        finally:
            reply.close()
        text = (reply.final or text).strip()
        principles = len(self.scenario.persona.principles)
        why = [f"the model's reply ({reply.model}), directed by the state: mood {request.note.mood.value}"
               + (f", revealing {', '.join(request.note.reveal_now)}" if request.note.reveal_now else "")
               + f"; its prompt has {principles} principle{'s' if principles != 1 else ''}"]
        if reply.lines:
            why.append("the model broke character twice, so an authored line was said instead")
        return [text], reply.lines, reply.topic, reply.topics, why

    def _why_state(self, before: ConversationState, new: ConversationState, outcome: TurnOutcome) -> list[str]:
        table = self.engine.table
        effects = [f"{m.value} {table.deltas[m].trust:+d} trust, {table.deltas[m].stress:+d} stress"
                   for m in sorted(outcome.moves) if m in table.deltas]
        why = [("; ".join(effects) if effects else "no move the engine reacts to")
               + f" (at most ±{table.max_change_per_turn} a turn)"]
        if outcome.closed_up:
            why.append(f"stress reached {new.stress} (shuts down at {table.close_up_stress}): only a sincere apology brings them back")
        if outcome.repaired:
            why.append("a sincere repair (an apology with an acknowledgement) brought them back")
        for cid in outcome.revealed_now:
            why.append(f"revealed '{cid}': its condition held ({_condition_text(self.scenario.reveal_condition(self.scenario.concern(cid)))})")
        for gid in outcome.goals_met_now:
            why.append(f"goal '{gid}' met")
        if new.ended:
            why.append(f"the conversation ended ({new.end_reason})")
        return why

    def _why_lines(self, texts: list[str], topic: str | None, note: DirectorNote, tagging: Tagging, disputed: list[str]) -> list[str]:
        lines = self.scenario.lines
        reveal = {line.text: c.id for c in self.scenario.persona.hidden_concerns for line in c.reveal_lines}
        why = []
        for text in texts:
            line = next((x for x in [*lines.all_lines()] if x.text == text), None)
            if disputed and text in lines.contest:
                why.append(f"contest line: the manager cited something not on the record ({disputed[0][:60]})")
            elif any(text in pool for pool in lines.reactions.values()):
                move = next(m for m, pool in lines.reactions.items() if text in pool)
                why.append(f"reaction to {move.value}, the most salient move of the message")
            elif text in reveal:
                why.append(f"reveal line of hidden concern '{reveal[text]}'")
            elif note.boundary_line and text == note.boundary_line:
                why.append("boundary crossed: the persona ends the meeting with its line")
            elif line is not None:
                pool = next(m.value for m in Mood if text in [x.text for x in lines.pool(m)])
                on = f"on topic '{topic}'" if topic and topic in line.topics else "a general line"
                why.append(f"{pool} pool (mood now {note.mood.value}), {on}, act {line.act.value}")
            elif EXHAUSTED_MARK in text:
                why.append("every fitting line was used: add lines to this mood or topic")
            else:
                why.append("closing line for the mood the conversation ended in")
        if topic is None and tagging.text.strip() and self.scenario.topics:
            why.append("no topic recognised in the message")
        return why


def _condition_text(cond) -> str:
    return ", ".join(f"{k} {v}" for k, v in cond.model_dump(exclude_defaults=True).items()) or "always"
