"""One practice session: tag, update state, answer, store, debrief.

No Streamlit here: the app and the CLI both drive this class. The database is
the source of truth; a session object can be rebuilt from it at any time (a
browser refresh does exactly that).
"""

from __future__ import annotations

from collections.abc import Iterator

from simulator.domain.state import ConversationState, StateEngine, TurnOutcome, mood_of
from simulator.engine.tagger import RuleTagger, Tagger, Tagging
from simulator.engine.voice import OfflineVoice, Voice, VoiceRequest
from simulator.errors import InputError, SessionCapReached, SessionClosed, StoreError
from simulator.domain.scenario import Mood, Scenario
from simulator.scoring.debrief import Debrief, build_debrief
from simulator.scoring.facts import disputed_claims
from simulator.store.db import MessageRecord, SessionRecord, Store
from simulator.models.tokens import estimate_cost

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
                 voice: Voice | None = None, max_chars: int = DEFAULT_MAX_CHARS, judge=None,
                 token_cap: int | None = None, prices=None):
        self.store = store
        self.judge = judge
        self.token_cap = token_cap
        self.prices = prices
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
              voice: Voice | None = None, **kwargs) -> PracticeSession:
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
        return cls(store, scenario, store.get_session(session_id), tagger=tagger, voice=voice, **kwargs)

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
        self._check_token_cap()
        # Saved first with the instant rule tagging, so nothing is lost if a model tagger is slow or fails.
        rules = self.fallback_tagger.tag(text)
        self.revision, seq = self.store.add_manager_message(self.id, text, tagging=rules.to_json(), expected_revision=self.revision)
        tagging = rules if isinstance(self.tagger, RuleTagger) else self._tag(text)
        if tagging is not rules:
            self.store.set_tagging(self.id, seq, tagging.to_json())
        return self._answer(tagging)

    def _check_token_cap(self) -> None:
        used = self.record.tokens_in + self.record.tokens_out
        if self.token_cap is not None and used >= self.token_cap:
            raise SessionCapReached(
                f"This session has used {used:,} tokens, over its cap of {self.token_cap:,}. End it to get your debrief "
                "and start a new one (or raise SIMULATOR_SESSION_TOKEN_CAP)."
            )

    def needs_retry(self) -> MessageRecord | None:
        """The last message, if it is unanswered or an interrupted reply: the page offers Retry."""
        msgs = self.transcript()
        if msgs and (msgs[-1].role == "manager" or msgs[-1].interrupted):
            return msgs[-1]
        return None

    def retry(self) -> Iterator[str]:
        """Answer again the last manager message: unanswered, or answered by an interrupted reply.

        An interrupted reply stays in the transcript, marked; the new reply follows it.
        """
        msgs = self.transcript()
        last_manager = next((i for i in range(len(msgs) - 1, -1, -1) if msgs[i].role == "manager"), None)
        if last_manager is None or not (msgs[-1].role == "manager" or msgs[-1].interrupted):
            return iter(())
        self._check_token_cap()
        pending = msgs[last_manager]
        before = next((m.state for m in reversed(msgs[:last_manager]) if m.role == "persona" and m.state), None)
        base = ConversationState.model_validate(before) if before else ConversationState.initial(self.scenario)
        base.used_lines = list(self.state.used_lines)
        tagging = Tagging.from_json(pending.text, pending.tagging) if pending.tagging else self._tag(pending.text)
        return self._answer(tagging, base=base)

    def _answer(self, tagging: Tagging, base: ConversationState | None = None) -> Iterator[str]:
        new_state, outcome = self.engine.apply(base or self.state, tagging.moves)
        history = [(m.role, m.text) for m in self.transcript()]
        request = VoiceRequest(
            scenario=self.scenario, state=new_state, note=self.engine.director_note(new_state, outcome), tagging=tagging,
            history=history,
            # what the persona has said is on the record: repeating it is never disputed
            disputed=[c.text for c in disputed_claims(self.scenario, tagging.text, said=[t for role, t in history if role != "manager"])],
        )
        return self._stream(request, new_state, outcome)

    def _stream(self, request: VoiceRequest, new_state: ConversationState, outcome: TurnOutcome) -> Iterator[str]:
        parts: list[str] = []
        complete = False
        reply = self.voice.reply(request)
        closing = None
        closing_text = ""
        try:
            for chunk in reply.chunks:
                parts.append(chunk)
                yield chunk
            if new_state.ended:
                used = new_state.used_lines + reply.lines
                closing = self.voice.reply(VoiceRequest(
                    scenario=self.scenario, state=new_state.model_copy(update={"used_lines": used}),
                    note=self.engine.director_note(new_state, outcome), tagging=None, kind="closing",
                ))
                closing_text = "".join(closing.chunks).strip()
                if closing_text:
                    parts.append("\n\n" + closing_text)
                    yield "\n\n" + closing_text
            complete = True
        finally:
            # Runs on success, on an error and when the reader stops early (GeneratorExit):
            # whatever arrived is kept, marked as interrupted if the reply did not finish.
            self._record_usage(reply, closing)
            text = "".join(parts).strip()
            if complete and reply.final is not None:  # a model reply repaired after breaking character
                text = (reply.final.strip() + ("\n\n" + closing_text if closing_text else "")).strip()
            if text or complete:
                new_state.used_lines.extend(reply.lines + (closing.lines if closing else []))
                self.revision = self.store.add_persona_message(
                    self.id, text or "…", state=new_state.model_dump(), expected_revision=self.revision, interrupted=not complete
                )
                self.state = new_state
                if new_state.ended:
                    self.finish(reason=new_state.end_reason or "goals")
            # else: nothing arrived (the model failed before its first word): the manager's
            # message stays stored, unanswered, and the page offers Retry.

    def _record_usage(self, *replies) -> None:
        tokens_in = sum(r.tokens_in for r in replies if r is not None)
        tokens_out = sum(r.tokens_out for r in replies if r is not None)
        if not (tokens_in or tokens_out):
            return
        cost = None
        if self.prices is not None:
            cost = estimate_cost(getattr(getattr(self.voice, "model", None), "name", ""), tokens_in, tokens_out, self.prices)
        self.store.add_usage(self.id, tokens_in=tokens_in, tokens_out=tokens_out, cost_usd=cost)
        self.record = self.store.get_session(self.id)

    def finish(self, reason: str = "manager") -> Debrief:
        """End the conversation (if not ended) and store and return its debrief."""
        if not self.ended:
            self.state = self.engine.end(self.state, reason)
            self.store.end_session(self.id, state=self.state.model_dump(), reason=self.state.end_reason or reason)
            self.reload()
        stored = self.store.get_debrief(self.id)
        if stored:
            return Debrief.model_validate(stored[1])
        debrief = build_debrief(self.scenario, self.transcript(), self.state, judge=self.judge)
        if self.judge is not None and any(self.judge.last_usage):
            tokens_in, tokens_out = self.judge.last_usage
            cost = estimate_cost(self.judge.model.name, tokens_in, tokens_out, self.prices) if self.prices else None
            self.store.add_usage(self.id, tokens_in=tokens_in, tokens_out=tokens_out, cost_usd=cost)
        self.store.save_debrief(self.id, scorer=debrief.scorer, data=debrief.model_dump(mode="json"))
        return debrief
