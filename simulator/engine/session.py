"""One practice session: tag, update state, answer, store, debrief.

No Streamlit here: the app and the CLI both drive this class. The database is
the source of truth; a session object can be rebuilt from it at any time (a
browser refresh does exactly that).
"""

from __future__ import annotations

from collections.abc import Iterator

from simulator.engine.state import ConversationState, StateEngine, TurnOutcome, mood_of
from simulator.engine.tagger import RuleTagger, Tagger, Tagging
from simulator.engine.voice import OfflineVoice, Voice, VoiceRequest
from simulator.errors import InputError, SessionClosed, StoreError
from simulator.scenario import Mood, Scenario
from simulator.scoring.debrief import Debrief, build_debrief
from simulator.scoring.facts import disputed_claims
from simulator.store.db import MessageRecord, SessionRecord, Store

DEFAULT_MAX_CHARS = 2000


def clean_message(text: str | None, *, max_chars: int = DEFAULT_MAX_CHARS) -> str:
    """The manager's message, stripped, or an InputError that says what to change."""
    text = (text or "").replace("\x00", "").strip()
    if not text:
        raise InputError("Your message is empty. Type what you would say to them, then press Enter.")
    if len(text) > max_chars:
        raise InputError(
            f"Your message is {len(text)} characters; the limit is {max_chars}. "
            "Say it in fewer words (in a real conversation, long speeches lose people) and send it again."
        )
    return text


class PracticeSession:
    def __init__(self, store: Store, scenario: Scenario, record: SessionRecord, *, tagger: Tagger | None = None,
                 voice: Voice | None = None, max_chars: int = DEFAULT_MAX_CHARS):
        self.store = store
        self.scenario = scenario
        self.record = record
        self.tagger = tagger or RuleTagger()
        self.fallback_tagger = RuleTagger()
        self.voice = voice or OfflineVoice()
        self.engine = StateEngine(scenario)
        self.max_chars = max_chars
        self.state = ConversationState.model_validate(record.state)
        self.revision = record.revision

    # ---------------------------------------------------------- lifecycle
    @classmethod
    def start(cls, store: Store, scenario: Scenario, *, user: str, tagger: Tagger | None = None,
              voice: Voice | None = None, max_chars: int = DEFAULT_MAX_CHARS) -> PracticeSession:
        voice = voice or OfflineVoice()
        state = ConversationState.initial(scenario)
        engine = StateEngine(scenario)
        request = VoiceRequest(scenario=scenario, state=state, note=engine.director_note(state, None), tagging=None, kind="opening")
        reply = voice.reply(request)
        opening = "".join(reply.chunks).strip()
        state.used_lines.extend(reply.lines)
        session_id = store.create_session(
            user=user, scenario_id=scenario.id, scenario_version=scenario.version, scenario_title=scenario.title,
            voice=voice.name, state=state.model_dump(), opening=opening,
        )
        return cls(store, scenario, store.get_session(session_id), tagger=tagger, voice=voice, max_chars=max_chars)

    @classmethod
    def resume(cls, store: Store, scenarios: dict[str, Scenario], session_id: str, **kwargs) -> PracticeSession:
        record = store.get_session(session_id)
        if record is None:
            raise StoreError(f"No practice session with id {session_id}. It may have been deleted; start a new one from the library.")
        scenario = scenarios.get(record.scenario_id)
        if scenario is None:
            raise StoreError(
                f"This session used scenario '{record.scenario_id}', which is no longer in the library. "
                "Restore its file in the scenarios folder to reopen it."
            )
        return cls(store, scenario, record, **kwargs)

    def reload(self) -> None:
        self.record = self.store.get_session(self.record.id)
        self.state = ConversationState.model_validate(self.record.state)
        self.revision = self.record.revision

    # ------------------------------------------------------------- reads
    @property
    def id(self) -> str:
        return self.record.id

    @property
    def ended(self) -> bool:
        return self.record.ended_at is not None

    @property
    def mood(self) -> Mood:
        return mood_of(self.scenario, self.state)

    def transcript(self) -> list[MessageRecord]:
        return self.store.messages(self.id)

    def awaiting_reply(self) -> MessageRecord | None:
        """The last manager message if the persona never answered it (e.g. the app stopped mid-turn)."""
        msgs = self.transcript()
        return msgs[-1] if msgs and msgs[-1].role == "manager" else None

    # ------------------------------------------------------------ writes
    def _tag(self, text: str) -> Tagging:
        try:
            return self.tagger.tag(text)
        except Exception:  # a failing model tagger must never kill a turn
            return self.fallback_tagger.tag(text)

    def send(self, text: str) -> Iterator[str]:
        """Store the manager's message, then stream the persona's reply (stored when done or broken)."""
        if self.ended:
            raise SessionClosed("This conversation has ended; its debrief is ready. Start a new session to practise again.")
        text = clean_message(text, max_chars=self.max_chars)
        tagging = self._tag(text)
        self.revision = self.store.add_manager_message(self.id, text, tagging=tagging.to_json(), expected_revision=self.revision)
        return self._answer(tagging)

    def retry(self) -> Iterator[str]:
        """Answer a manager message that was stored but never answered."""
        pending = self.awaiting_reply()
        if pending is None:
            return iter(())
        tagging = Tagging.from_json(pending.text, pending.tagging) if pending.tagging else self._tag(pending.text)
        return self._answer(tagging)

    def _answer(self, tagging: Tagging) -> Iterator[str]:
        new_state, outcome = self.engine.apply(self.state, tagging.moves)
        history = [(m.role, m.text) for m in self.transcript()]
        request = VoiceRequest(
            scenario=self.scenario, state=new_state, note=self.engine.director_note(new_state, outcome), tagging=tagging,
            history=history, disputed=[c.text for c in disputed_claims(self.scenario, tagging.text)],
        )
        return self._stream(request, new_state, outcome)

    def _stream(self, request: VoiceRequest, new_state: ConversationState, outcome: TurnOutcome) -> Iterator[str]:
        parts: list[str] = []
        complete = False
        reply = self.voice.reply(request)
        try:
            for chunk in reply.chunks:
                parts.append(chunk)
                yield chunk
            if new_state.ended:
                closing_state = new_state.model_copy(update={"used_lines": new_state.used_lines + reply.lines})
                closing = self.voice.reply(VoiceRequest(scenario=self.scenario, state=closing_state,
                                                        note=self.engine.director_note(new_state, outcome), tagging=None, kind="closing"))
                yield "\n\n"
                parts.append("\n\n")
                for chunk in closing.chunks:
                    parts.append(chunk)
                    yield chunk
                reply.lines.extend(closing.lines)
            complete = True
        finally:
            # Runs on success, on an error and when the reader stops early (GeneratorExit):
            # whatever arrived is kept, marked as interrupted if the reply did not finish.
            new_state.used_lines.extend(reply.lines)
            text = "".join(parts).strip() or ("…" if not complete else "")
            self.revision = self.store.add_persona_message(self.id, text, state=new_state.model_dump(), expected_revision=self.revision, interrupted=not complete)
            self.state = new_state
            if new_state.ended:
                self.finish(reason=new_state.end_reason or "goals")

    def finish(self, reason: str = "manager") -> Debrief:
        """End the conversation (if not ended) and store and return its debrief."""
        if not self.ended:
            self.state = self.engine.end(self.state, reason)
            self.store.end_session(self.id, state=self.state.model_dump(), reason=self.state.end_reason or reason)
            self.reload()
        stored = self.store.get_debrief(self.id)
        if stored:
            return Debrief.model_validate(stored[1])
        debrief = build_debrief(self.scenario, self.transcript(), self.state)
        self.store.save_debrief(self.id, scorer=debrief.scorer, data=debrief.model_dump(mode="json"))
        return debrief
