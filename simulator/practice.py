"""The practice service: the one place that runs a practice session.

The UI pages and the `simulator play` command call this service, and nothing else
drives a conversation. It wires the parts (voice, tagger, judge, built from settings
by `build_parts`), the state engine, scoring and the store:

    service = PracticeService(store, scenarios, build_parts(settings))
    view = service.start(scenario, user="ana")
    turn = service.take_turn(view.id, "How have things been?", expected_revision=view.revision)
    for piece in turn: ...            # the persona's reply, streamed
    if turn.ended: service.finish(view.id)
    view = service.resume(view.id)    # a browser refresh rebuilds everything from the database
    turn = service.replay(view.id, 3, "A better reply", user="ana")   # a branch from message 3
    comparison = service.compare_replay(turn.result.session_id)        # the original and the new reply, side by side

Rules it keeps:
- The manager's message is stored (tagged by the rules at once) before the persona
  answers. The persona's reply, the new state and the turn's usage are stored when
  the stream ends; when it breaks or its reader stops (Streamlit stops a script with a
  BaseException subclass), what arrived is kept, marked interrupted. That save is a
  database write in the stream's `finally`; no network call ever runs there.
- `finish` is explicit (the page or the CLI calls it after the stream): it ends the
  session and runs the judge, one model request, with the offline scorer as labelled
  fallback.
- A second tab cannot interleave messages: every write names the revision it expects.
- Per-call results (usage, model, prompt version, tagger) travel on the objects each
  call returns (`Turn`, the voice's `Reply`, `TaggerRun`, `JudgeResult`), never on the
  shared parts, which one Streamlit process shares between all its users.
"""

from __future__ import annotations

import getpass
import logging
import random
import threading
from collections.abc import Generator, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

from simulator.config import DEFAULT_MAX_MESSAGE_CHARS, Settings
from simulator.domain.difficulty import Difficulty
from simulator.domain.scenario import Mood, Scenario, from_snapshot
from simulator.domain.state import ConversationState, Mode, StateEngine, TurnOutcome, mood_of
from simulator.engine.learned_tagger import LearnedTagger
from simulator.engine.llm_tagger import ModelTagger, TaggerRun
from simulator.engine.tagger import RuleTagger, Tagger, Tagging
from simulator.engine.voice import OfflineVoice, Reply, Voice, VoiceRequest
from simulator.errors import AccessDenied, InputError, SessionCapReached, SessionClosed, SessionConflict, SimulatorError, StoreError
from simulator.models.base import NO_USAGE, Usage
from simulator.models.tokens import PriceTable, estimate_cost
from simulator.scoring.debrief import Debrief, build_debrief
from simulator.scoring.facts import disputed_claims
from simulator.scoring.hints import HINTS_PER_SESSION
from simulator.scoring.hints import hint as offline_hint
from simulator.scoring.judge import JudgeResult, LLMJudge, judge_or_fallback
from simulator.scoring.offline import OfflineScorer
from simulator.scoring.rewrite import weighted
from simulator.store.access import Access, Actor, Need
from simulator.store.db import MessageRecord, SessionRecord, Store, snapshot_hash


def clean_message(text: str | None, *, max_chars: int = DEFAULT_MAX_MESSAGE_CHARS) -> str:
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


def local_user() -> str:
    """Who practises when nobody logged in: the login name of this machine ("local" when there is none)."""
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "local"


# ---- the parts, built from settings ---------------------------------------------------------


@dataclass
class Parts:
    """What plays a session: the persona's voice, the tagger, the judge (None: offline scorer)."""

    voice: Voice
    tagger: Tagger
    judge: LLMJudge | None
    mode: str  # what to tell the user


def offline_parts(mode: str = "Offline: the built-in engine plays the persona (no model configured).") -> Parts:
    return Parts(voice=OfflineVoice(), tagger=LearnedTagger(), judge=None, mode=mode)


def chat_model(settings: Settings, model: str, **kwargs):
    """A client for `model` at the configured endpoint (no network until it is used)."""
    from simulator.models.openai_chat import OpenAIChatModel

    client = OpenAIChatModel(model=model, base_url=settings.models.base_url, api_key=settings.models.api_key, **kwargs)
    if settings.redact:  # emails, phones and known names never leave for the model API
        from simulator.models.redact import RedactingChatModel, Redactor

        return RedactingChatModel(client, Redactor(redaction_names(settings)))
    return client


def redaction_names(settings: Settings) -> list[str]:
    """Names to redact: SIMULATOR_REDACT_NAMES and the team file's people."""
    from simulator.store.teams import load_team_config

    config = load_team_config(settings.teams_file) if settings.teams_file else None
    return list(settings.redact_names) + (config.names() if config else [])


def build_parts(settings: Settings) -> Parts:
    """Offline by default; a model where the settings name one."""
    m = settings.models
    if not m.persona_model:
        return offline_parts()
    if not (m.base_url or m.api_key):
        raise SimulatorError(
            f"Model '{m.persona_model}' is set but no endpoint is: set OPENAI_API_KEY (for the OpenAI API) or "
            "OPENAI_BASE_URL (for a local server such as Ollama), or use the offline engine."
        )
    from simulator.engine.voice import ModelVoice

    voice = ModelVoice(chat_model(settings, m.persona_model), history_tokens=settings.history_tokens)
    tagger = ModelTagger(chat_model(settings, m.tagger_model)) if m.tagger_model else LearnedTagger()
    judge = LLMJudge(chat_model(settings, m.judge_model, read_timeout=120.0)) if m.judge_model else None
    where = m.base_url or "the OpenAI API"
    return Parts(voice=voice, tagger=tagger, judge=judge,
                 mode=f"Model: {m.persona_model} at {where} plays the persona; judge: {m.judge_model or 'offline scorer'}.")


# ---- what the service hands out ---------------------------------------------------------------


@dataclass(frozen=True)
class SessionView:
    """A practice session as the database has it: what a page shows, rebuilt on every refresh."""

    record: SessionRecord
    scenario: Scenario
    messages: list[MessageRecord]

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def revision(self) -> int:
        return self.record.revision

    @property
    def state(self) -> ConversationState:
        return ConversationState.model_validate(self.record.state)

    @property
    def ended(self) -> bool:
        return self.record.ended_at is not None

    @property
    def mood(self) -> Mood:
        return mood_of(self.scenario, self.state)

    @property
    def pending(self) -> MessageRecord | None:
        """The last message, if it is unanswered or an interrupted reply: the page offers Retry."""
        if self.messages and (self.messages[-1].role == "manager" or self.messages[-1].interrupted):
            return self.messages[-1]
        return None


@dataclass
class TurnResult:
    """What one persona turn did; filled in as the stream runs and when it ends."""

    session_id: str
    manager_seq: int
    tagging: Tagging  # what the state engine used
    rules_tagging: Tagging  # the rules' tagging, kept when a model's replaces it
    reply: Reply  # the voice's response: model, prompt_version, usage, requests
    state: ConversationState  # after this turn
    revision: int  # the session's revision: after the manager's message, then after the persona's reply
    tagger_usage: Usage = NO_USAGE
    text: str = ""
    saved: bool = False
    complete: bool = False
    usage: Usage = NO_USAGE  # tagger + voice, as stored on the session
    cost_usd: float | None = None


class Turn:
    """The persona's reply as a stream of text; save on end, break or close.

    Iterate it once (Streamlit's `st.write_stream(turn)` does). Afterwards, `result`
    says what was stored. Call `close()` in a `finally` where a reader may stop early:
    the partial reply is then saved at once, not whenever the generator is collected.
    """

    def __init__(self, result: TurnResult, chunks: Generator[str, None, None]):
        self.result = result  # the generator refers to the result, not to this object: no reference cycle
        self._chunks = chunks

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        return next(self._chunks)

    def close(self) -> None:
        self._chunks.close()

    # provenance of this turn
    @property
    def tagger(self) -> str:
        """Which tagger tagged the manager's message: "rules" or "model:<name>"."""
        return self.result.tagging.source

    @property
    def model(self) -> str | None:
        """The model that answered (None: the scenario's authored lines)."""
        return self.result.reply.model

    @property
    def prompt_version(self) -> str | None:
        return self.result.reply.prompt_version

    @property
    def ended(self) -> bool:
        """The conversation ended with this turn: call `PracticeService.finish` next."""
        return self.result.saved and self.result.state.ended

    @property
    def interrupted(self) -> bool:
        return self.result.saved and not self.result.complete


@dataclass(frozen=True)
class Hint:
    text: str
    remaining: int  # hints left in this session
    revision: int  # the session's revision after counting it


@dataclass(frozen=True)
class ReplySide:
    """One manager reply as it landed: its scores (offline scorer) and the persona's answer."""

    seq: int
    text: str
    empathy: int
    evidence: int
    overall: int
    moves: list[str]
    reaction: str
    trust_before: int
    trust_after: int


@dataclass(frozen=True)
class ReplayComparison:
    branch_id: str
    parent_id: str
    seq: int
    original: ReplySide
    replayed: ReplySide | None  # None until the branch has the new reply


@dataclass(frozen=True)
class PastSession:
    """One of a person's sessions as History lists it."""

    record: SessionRecord
    debrief: Debrief | None  # None while the session is open (or if it ended without one)
    replay_of: int | None = None  # a replay: the number of the manager's reply it starts again from


# ---- the service ------------------------------------------------------------------------------

# Stored scenario versions, parsed: a content hash always names the same scenario (sha256 of its snapshot), and a
# Scenario is immutable, so one parse serves every service, user and database of the process. Reading and
# validating a snapshot took about 2 ms of every page run. Bounded: cleared when it reaches this many.
_PARSED_SNAPSHOTS: dict[str, Scenario] = {}
_PARSED_SNAPSHOTS_MAX = 256



logger = logging.getLogger(__name__)
_preparing: dict[str, Future[None]] = {}  # sessions whose debrief is being prepared now
# per session prepared last (the newest PREPARED_KEPT): its revision, and the offline debrief it would get if the
# manager ended it then
_prepared: dict[str, tuple[int, Debrief]] = {}
PREPARED_KEPT = 64
_preparing_lock = threading.Lock()
_preparer_pool: ThreadPoolExecutor | None = None
PREPARE_WAIT_S = 5.0  # how long `finish` waits for a preparation under way before doing the work itself


def _preparer() -> ThreadPoolExecutor:
    """One background thread per process for `PracticeService.prepare_debrief`, started on first use."""
    global _preparer_pool
    with _preparing_lock:
        if _preparer_pool is None:
            _preparer_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prepare-debrief")
        return _preparer_pool


@dataclass
class PracticeService:
    store: Store
    scenarios: Mapping[str, Scenario]
    parts: Parts = field(default_factory=offline_parts)
    max_chars: int = DEFAULT_MAX_MESSAGE_CHARS
    token_cap: int | None = None
    prices: PriceTable | None = None
    # On whose behalf it acts: every read and write is checked (simulator/store/access.py). None: the
    # operator's own tools (the CLI's admin commands, tests of the engine), which may touch any session.
    actor: Actor | None = None
    # scenario versions by content hash: shared by every service of the process (the app builds one per page run)
    _snapshots: dict[str, Scenario] = field(default_factory=lambda: _PARSED_SNAPSHOTS, repr=False)

    @classmethod
    def from_settings(
        cls, settings: Settings, store: Store, scenarios: Mapping[str, Scenario], parts: Parts | None = None, *, user: str | None = None,
    ) -> PracticeService:
        """`user`: the person practising; their roles are read from the database and every call is checked."""
        parts = parts or build_parts(settings)
        online = not isinstance(parts.voice, OfflineVoice)
        prices = None
        if online:
            from simulator.models.tokens import load_prices

            prices = load_prices(settings.prices_file)
        return cls(store, scenarios, parts, max_chars=settings.max_message_chars,
                   token_cap=settings.session_token_cap if online else None, prices=prices,
                   actor=Access(store).actor(user, team_mode=settings.team_mode) if user is not None else None)

    # ---------------------------------------------------------------- reads
    def resume(self, session_id: str, *, since: SessionView | None = None) -> SessionView:
        """The session as stored: what a refresh shows (its author's, or a lead's it was shared with).

        `since`: a view of this session the caller read before (e.g. before a turn). The session row
        is read again, but of the messages only that view's last one and those after it (a message
        changes after it is stored only while it is the last: a model tagger's tagging replacing the
        rules'), so the view is what a full read gives, for less work."""
        record = self._record(session_id, "transcript")
        if since is not None and since.id == session_id and since.messages:
            known = since.messages[:-1]
            messages = [*known, *self.store.messages(session_id, after=known[-1].seq if known else None)]
        else:
            messages = self.store.messages(session_id)
        return SessionView(record, self._scenario(record), messages)

    def history(self, user: str | None = None) -> list[PastSession]:
        """A person's own sessions, newest first, with their debriefs (the actor's, when the service acts
        for someone; `user` is for the operator's tools)."""
        if self.actor is not None:
            records = Access(self.store).sessions(self.actor)
        else:
            records = self.store.list_sessions(user or local_user())
        by_id = {r.id: r for r in records}
        past = []
        for record in records:
            stored = self.store.get_debrief(record.id)
            replay_of = None
            if record.parent_session_id in by_id and record.branched_from_seq is not None:
                replay_of = sum(1 for m in self.store.messages(record.parent_session_id)
                                if m.role == "manager" and m.seq <= record.branched_from_seq)
            past.append(PastSession(record, Debrief.model_validate(stored[1]) if stored else None, replay_of))
        return past

    def attempts(self, session_id: str) -> list[PastSession]:
        """The debriefed attempts at this session's scenario version by its author, oldest first."""
        record = self._record(session_id, "scores")
        if self.actor is not None and record.user != self.actor.user:
            return []  # progress is shown to the person who practised, not to a lead reading a shared session
        return [p for p in reversed(self.history(record.user)) if p.debrief is not None
                and p.record.scenario_id == record.scenario_id and p.record.scenario_version == record.scenario_version]

    def _record(self, session_id: str, need: Need = "write") -> SessionRecord:
        """The session, if the actor may do `need` with it (AccessDenied otherwise)."""
        if self.actor is not None:
            return Access(self.store).session(self.actor, session_id, need)
        record = self.store.get_session(session_id)
        if record is None:
            raise StoreError(f"No practice session with id {session_id}. It may have been deleted; start a new one from the library.")
        return record

    def _scenario(self, record: SessionRecord) -> Scenario:
        """The scenario as it was when the session started (its stored snapshot), even if the file changed since."""
        if record.scenario_hash:
            cached = self._snapshots.get(record.scenario_hash)
            if cached is None:
                snapshot = self.store.scenario_snapshot(record.scenario_hash)
                if snapshot is not None:
                    if len(self._snapshots) >= _PARSED_SNAPSHOTS_MAX:
                        self._snapshots.clear()
                    cached = self._snapshots[record.scenario_hash] = from_snapshot(snapshot)
            if cached is not None:
                return cached
        scenario = self.scenarios.get(record.scenario_id)
        if scenario is None:
            raise StoreError(
                f"This session used scenario '{record.scenario_id}', which is no longer in the library. "
                "Restore its file in the scenarios folder to reopen it."
            )
        return scenario

    # --------------------------------------------------------------- writes
    def start(self, scenario: Scenario, user: str, seed: int | None = None, *,
              difficulty: Difficulty | str | None = None, mode: Mode = "learning") -> SessionView:
        """Open a session with the persona's opening line.

        `difficulty` (default: the scenario's own) is kept in the session's scenario snapshot, so
        the session plays at it to the end; `mode` (learning or assessment) is kept in its state.

        `seed` (stored with the session) draws among equally fitting authored lines and is asked of a
        model voice on every reply: the same seed and messages give the same conversation. None: the offline
        voice gets a fresh one (so two runs differ); a model is then sent none (not every endpoint takes one).
        """
        if self.actor is not None and not self.actor.is_operator and user != self.actor.user:
            raise AccessDenied("You can start a practice session only for yourself.")
        if seed is None and isinstance(self.parts.voice, OfflineVoice):
            seed = random.randrange(2**31)
        if difficulty is not None:
            scenario = scenario.at_difficulty(difficulty)
        state = ConversationState.initial(scenario, mode).model_copy(update={"seed": seed})
        engine = StateEngine(scenario)
        reply = self.parts.voice.reply(VoiceRequest(
            scenario=scenario, state=state, note=engine.director_note(state, None), tagging=None, kind="opening",
        ))
        opening = "".join(reply.chunks).strip()
        state.used_lines.extend(reply.lines)
        snapshot = scenario.model_dump(mode="json")
        session_id = self.store.create_session(
            user=user, scenario_id=scenario.id, scenario_version=scenario.version, scenario_title=scenario.title,
            voice=self.parts.voice.name, state=state.model_dump(), opening=opening,
            scenario_hash=snapshot_hash(snapshot), scenario_snapshot=snapshot, seed=seed,
        )
        return self.resume(session_id)

    def take_turn(self, session_id: str, text: str | None, expected_revision: int, *, view: SessionView | None = None) -> Turn:
        """Store the manager's message, then return the persona's reply as a stream (saved when it ends).

        Raises InputError (empty or too long), SessionClosed, SessionConflict (another tab
        moved on: `expected_revision` is the revision the caller last showed) or
        SessionCapReached, before anything is stored.

        `view` is the session as the caller last read it (`resume`): when it is at
        `expected_revision`, its record and messages are used instead of being read again
        (two fewer database round trips). That is safe because the store checks the
        revision in the same transaction that stores the message.
        """
        known = view if view is not None and view.id == session_id and view.revision == expected_revision else None
        if known and self.actor is not None and not Access(self.store).allowed(self.actor, known.record, "write"):
            known = None  # the checked path below refuses it
        record = known.record if known else self._record(session_id)
        scenario = known.scenario if known else self._scenario(record)
        if record.ended_at is not None:
            raise SessionClosed("This conversation has ended; its debrief is ready. Start a new session to practise again.")
        text = clean_message(text, max_chars=self.max_chars)
        self._check_token_cap(record)
        rules = RuleTagger().tag(text)
        if isinstance(self.parts.tagger, ModelTagger):
            # Saved first with the instant rule tagging, so nothing is lost if a model tagger is slow or fails;
            # the model's tagging replaces it afterwards (the rules' is kept beside it).
            revision, seq = self.store.add_manager_message(session_id, text, tagging=rules.to_json(), expected_revision=expected_revision)
            run = self.parts.tagger.run(text)
            if run.tagging is not rules:
                self.store.set_tagging(session_id, seq, run.tagging.to_json(), tagger=run.tagger)
        else:  # offline taggers answer in milliseconds: tag once, store once
            tagging = self._offline_tagging(text, rules)
            run = TaggerRun(tagging)
            revision, seq = self.store.add_manager_message(
                session_id, text, tagging=tagging.to_json(), expected_revision=expected_revision, tagger=tagging.source,
                rules_tagging=None if tagging is rules else rules.to_json(),
            )
        state = ConversationState.model_validate(record.state)
        messages = [(m.role, m.text) for m in (known.messages if known else self.store.messages(session_id))] + [("manager", text)]
        return self._answer(scenario, session_id, seq, revision, state, run, rules, messages)

    def retry(self, session_id: str, expected_revision: int) -> Turn | None:
        """Answer again the last manager message (unanswered, or answered by an interrupted reply).

        An interrupted reply stays in the transcript, marked; the new reply follows it.
        None when there is nothing to answer again.
        """
        record = self._record(session_id)
        scenario = self._scenario(record)
        if record.ended_at is not None:
            raise SessionClosed("This conversation has ended; its debrief is ready. Start a new session to practise again.")
        if record.revision != expected_revision:
            raise SessionConflict(
                "This conversation changed in another tab or window. The page has been reloaded with the latest messages."
            )
        msgs = self.store.messages(session_id)
        last_manager = next((i for i in range(len(msgs) - 1, -1, -1) if msgs[i].role == "manager"), None)
        if last_manager is None or not (msgs[-1].role == "manager" or msgs[-1].interrupted):
            return None
        self._check_token_cap(record)
        pending = msgs[last_manager]
        current = ConversationState.model_validate(record.state)
        before = next((m.state for m in reversed(msgs[:last_manager]) if m.role == "persona" and m.state), None)
        base = ConversationState.model_validate(before) if before else ConversationState.initial(scenario)
        base = base.model_copy(update={"used_lines": list(current.used_lines), "seed": current.seed, "hints_used": current.hints_used})
        tagging = Tagging.from_json(pending.text, pending.tagging) if pending.tagging else RuleTagger().tag(pending.text)
        messages = [(m.role, m.text) for m in msgs]
        return self._answer(scenario, session_id, pending.seq, record.revision, base, TaggerRun(tagging), tagging, messages)

    def replay(self, session_id: str, turn_seq: int, text: str | None, user: str) -> Turn:
        """Try a different reply at the manager message `turn_seq` of a session: a new session (a branch,
        with `parent_session_id` and `branched_from_seq`) holds the conversation before that message and
        the state stored there; `text` is its next message. Returns the persona's reply as a stream,
        like `take_turn`; `turn.result.session_id` is the branch. The original is never changed, and
        the branch continues like any session."""
        if self.actor is not None and not self.actor.is_operator and user != self.actor.user:
            raise AccessDenied("You can replay only your own sessions.")
        record = self._record(session_id)
        if record.user != user:
            raise StoreError(f"Session {session_id} belongs to another user: replay your own sessions (`simulator sessions list`).")
        scenario = self._scenario(record)
        msgs = self.store.messages(session_id)
        if not any(m.seq == turn_seq and m.role == "manager" for m in msgs):
            yours = ", ".join(str(m.seq) for m in msgs if m.role == "manager") or "none"
            raise InputError(f"Message {turn_seq} of this session is not one of your replies (yours: {yours}). Pick one of those.")
        text = clean_message(text, max_chars=self.max_chars)
        stored = next((m.state for m in reversed(msgs) if m.seq < turn_seq and m.role == "persona" and m.state), None)
        state = ConversationState.model_validate(stored) if stored else ConversationState.initial(scenario)
        state = state.model_copy(update={"ended": False, "end_reason": None, "seed": record.seed})
        branch_id = self.store.create_branch(session_id, before_seq=turn_seq, user=user, state=state.model_dump())
        return self.take_turn(branch_id, text, expected_revision=1)

    def branches(self, session_id: str) -> list[SessionRecord]:
        """The replays branched from a session, oldest first."""
        record = self._record(session_id, "transcript")
        return sorted((r for r in self.store.list_sessions(record.user) if r.parent_session_id == session_id), key=lambda r: r.started_at)

    def compare_replay(self, branch_id: str) -> ReplayComparison:
        """The original reply and the replayed one, scored by the same (offline) scorer, with the persona's answers."""
        branch = self._record(branch_id, "transcript")
        if branch.parent_session_id is None or branch.branched_from_seq is None:
            raise StoreError(f"Session {branch_id} is not a replay: it has no parent session.")
        parent = self._record(branch.parent_session_id, "transcript")
        scenario = self._scenario(parent)
        seq = branch.branched_from_seq
        original = _reply_side(scenario, self.store.messages(parent.id), seq)
        assert original is not None  # a branch is made only at a manager message
        return ReplayComparison(branch_id=branch_id, parent_id=parent.id, seq=seq, original=original,
                                replayed=_reply_side(scenario, self.store.messages(branch_id), seq))

    def hint(self, session_id: str, expected_revision: int) -> Hint:
        """A learning-mode hint for the next message (offline, from the goals and the rubric), counted in the session's state."""
        record = self._record(session_id)
        scenario = self._scenario(record)
        state = ConversationState.model_validate(record.state)
        if record.ended_at is not None:
            raise SessionClosed("This conversation has ended; its debrief is ready. Start a new session to practise again.")
        if state.mode == "assessment":
            raise InputError("Hints are off in assessment mode. Start the scenario in learning mode to practise with hints.")
        if state.hints_used >= HINTS_PER_SESSION:
            raise InputError(f"You have used all {HINTS_PER_SESSION} hints of this session. Trust your own words from here.")
        used = {m for msg in self.store.messages(session_id) if msg.role == "manager" and msg.tagging
                for m in Tagging.from_json(msg.text, msg.tagging).moves}
        text = offline_hint(scenario, state, used)
        state = state.model_copy(update={"hints_used": state.hints_used + 1})
        revision = self.store.set_state(session_id, state=state.model_dump(), expected_revision=expected_revision)
        return Hint(text=text, remaining=HINTS_PER_SESSION - state.hints_used, revision=revision)

    def last_word_open(self, view: SessionView) -> bool:
        """After the persona closed the meeting (not the manager), before the debrief: the manager may say one last sentence."""
        state = view.state
        return (view.ended and state.end_reason not in (None, "manager") and bool(view.messages)
                and view.messages[-1].role == "persona" and self.store.get_debrief(view.id) is None)

    def last_word(self, session_id: str, text: str | None, expected_revision: int) -> SessionView:
        """The manager's last sentence after the persona closed the meeting: stored, tagged and scored in the
        debrief like any reply; the persona, who has left, does not answer it. One per session."""
        record = self._record(session_id)  # only the author writes
        view = SessionView(record, self._scenario(record), self.store.messages(session_id))
        if not self.last_word_open(view):
            raise SessionClosed("This conversation has ended and your last word is said (or the debrief is ready). "
                                "Open the debrief, or start a new session to practise again.")
        text = clean_message(text, max_chars=self.max_chars)
        rules = RuleTagger().tag(text)
        tagging = self._offline_tagging(text, rules)
        self.store.add_manager_message(session_id, text, tagging=tagging.to_json(), expected_revision=expected_revision,
                                       tagger=tagging.source, rules_tagging=None if tagging is rules else rules.to_json(),
                                       last_word=True)
        return self.resume(session_id)

    def _offline_tagging(self, text: str, rules: Tagging) -> Tagging:
        """The message's tagging without a model call: the session's tagger when it is offline (the learned
        tagger reads the rules' tagging, so the rules run once), the rules' own when the tagger is a model."""
        tagger = self.parts.tagger
        if isinstance(tagger, (RuleTagger, ModelTagger)):
            return rules
        if isinstance(tagger, LearnedTagger):
            return tagger.tag_many([text], rules=[rules])[0]
        return tagger.tag(text)

    def prepare_debrief(self, view: SessionView) -> Future[None] | None:
        """Build the debrief of the conversation so far in the background, while the manager reads the persona's
        answer, as if they ended it now: if they do (and no judge model is configured), `finish` stores that one;
        otherwise it finds the rewrite candidates tagged (`scoring.rewrite.tag_candidates`) and only adds up.
        Once per revision of the conversation per process; nothing is stored, and a failure changes nothing
        (`finish` does the work itself). None when there is nothing to do: ended, prepared, or under way."""
        session_id = view.id
        record = self._record(session_id)  # the author's conversation: the same right as taking a turn
        if record.ended_at is not None or _prepared.get(session_id, (None,))[0] == view.revision:
            return None
        scenario = self._scenario(record)

        def work() -> None:
            try:
                fresh = self.store.get_session(session_id)
                if fresh is not None and fresh.ended_at is None:
                    ended = StateEngine(scenario).end(ConversationState.model_validate(fresh.state), "manager")
                    debrief = build_debrief(scenario, self.store.messages(session_id), ended, library=self.scenarios)
                    with _preparing_lock:
                        _prepared.pop(session_id, None)
                        _prepared[session_id] = (fresh.revision, debrief)
                        while len(_prepared) > PREPARED_KEPT:
                            del _prepared[next(iter(_prepared))]
            except Exception:  # noqa: BLE001 - a head start only: finish() computes whatever is missing
                logger.exception("Preparing the debrief of session %s failed; the debrief will be computed at the end.", session_id)
            finally:
                with _preparing_lock:
                    _preparing.pop(session_id, None)

        pool = _preparer()
        with _preparing_lock:
            if session_id in _preparing:
                return None
            _preparing[session_id] = future = pool.submit(work)
        return future

    def finish(self, session_id: str, reason: str = "manager", *, offline_because: str | None = None) -> Debrief:
        """End the conversation (if it is not ended) and return its debrief, judged and stored once.

        The judge's model request runs here, never inside a stream. `offline_because`
        skips the judge and labels the offline debrief with that reason (e.g. the
        persona model failed, so the judge would too).
        """
        record = self._record(session_id)
        scenario = self._scenario(record)
        state = ConversationState.model_validate(record.state)
        with _preparing_lock:
            preparing = _preparing.get(session_id)
        if preparing is not None:  # its work is this debrief's: wait for it rather than do it twice
            wait([preparing], timeout=PREPARE_WAIT_S)
        if record.ended_at is None:
            state = StateEngine(scenario).end(state, reason)
            self.store.end_session(session_id, state=state.model_dump(), reason=state.end_reason or reason)
        else:
            stored = self.store.get_debrief(session_id)
            if stored:
                return Debrief.model_validate(stored[1])
        with _preparing_lock:
            revision, prepared = _prepared.pop(session_id, (None, None))
        judged: JudgeResult | None = None
        # prepared from this very conversation and state (same revision), ended as the manager ends it, no judge
        if prepared is not None and revision == record.revision and reason == "manager" and not offline_because and self.parts.judge is None:
            debrief = prepared
        else:
            transcript = self.store.messages(session_id)
            fallback: str | None = offline_because
            if not offline_because:
                judged, fallback = judge_or_fallback(self.parts.judge, scenario, transcript)
            debrief = build_debrief(scenario, transcript, state, judged=judged, fallback_reason=fallback, library=self.scenarios)
        if judged is not None and judged.usage.total:
            self.store.add_usage(session_id, **self._call("judge", judged.model, judged.usage, judged.requests or 1))
        self.store.save_debrief(session_id, scorer=debrief.scorer, data=debrief.model_dump(mode="json"))
        return debrief

    # -------------------------------------------------------------- helpers
    def _check_token_cap(self, record: SessionRecord) -> None:
        used = record.tokens_in + record.tokens_out
        if self.token_cap is not None and used >= self.token_cap:
            raise SessionCapReached(
                f"This session has used {used:,} tokens, over its cap of {self.token_cap:,}. End it to get your debrief "
                "and start a new one (or raise SIMULATOR_SESSION_TOKEN_CAP)."
            )

    def _cost(self, model: str | None, usage: Usage) -> float | None:
        if self.prices is None or not model or not usage.total:
            return None
        return estimate_cost(model, usage.input_tokens, usage.output_tokens, self.prices)

    def _answer(self, scenario: Scenario, session_id: str, seq: int, revision: int, state: ConversationState,
                run: TaggerRun, rules: Tagging, messages: list[tuple[str, str]]) -> Turn:
        """`messages`: the conversation so far as (role, text), the manager's message last."""
        engine = StateEngine(scenario)
        new_state, outcome = engine.apply(state, run.tagging.moves, text=run.tagging.text)
        reply = self.parts.voice.reply(VoiceRequest(
            scenario=scenario, state=new_state, note=engine.director_note(new_state, outcome), tagging=run.tagging,
            history=messages if getattr(self.parts.voice, "uses_history", False) else [],
            # what the persona has said is on the record: repeating it is never disputed
            disputed=[c.text for c in disputed_claims(scenario, run.tagging.text, said=[t for role, t in messages if role != "manager"])],
        ))
        # what was raised and answered this turn: a goal met only once the persona has said something is checked now
        new_state = engine.after_reply(new_state, outcome, text=run.tagging.text,
                                       raised=[reply.topic] if reply.topic else [], answered=reply.topics)
        result = TurnResult(session_id=session_id, manager_seq=seq, tagging=run.tagging, rules_tagging=rules,
                            reply=reply, state=new_state, tagger_usage=run.usage, revision=revision)
        tagger_model = run.tagging.source.removeprefix("model:") if run.tagging.source.startswith("model:") else None
        return Turn(result, self._stream(scenario, engine, outcome, result, tagger_model))

    def _stream(self, scenario: Scenario, engine: StateEngine, outcome: TurnOutcome, result: TurnResult,
                tagger_model: str | None) -> Generator[str, None, None]:
        reply, new_state = result.reply, result.state
        parts: list[str] = []
        closing: Reply | None = None
        closing_text = ""
        try:
            for chunk in reply.chunks:
                parts.append(chunk)
                yield chunk
            if new_state.ended:  # authored lines, or nothing for a model voice: no network call
                closing = self.parts.voice.reply(VoiceRequest(
                    scenario=scenario, state=new_state.model_copy(update={"used_lines": new_state.used_lines + reply.lines}),
                    note=engine.director_note(new_state, outcome), tagging=None, kind="closing",
                ))
                closing_text = "".join(closing.chunks).strip()
                if closing_text:
                    gap = "\n\n" if "".join(parts).strip() else ""  # a boundary's line may be the whole reply
                    parts.append(gap + closing_text)
                    yield gap + closing_text
            result.complete = True
        finally:
            # Runs on success, on an error and when the reader stops early (GeneratorExit):
            # database writes only.
            reply.close()  # a model voice adds up its usage when its stream closes
            self._save(result, parts, closing, closing_text, tagger_model)

    def _save(self, result: TurnResult, parts: list[str], closing: Reply | None, closing_text: str, tagger_model: str | None) -> None:
        reply, new_state = result.reply, result.state
        text = "".join(parts).strip()
        if result.complete and reply.final is not None:  # a model reply repaired after breaking character
            text = (reply.final.strip() + ("\n\n" + closing_text if closing_text else "")).strip()
        result.text = text
        calls = [
            self._call("tagger", tagger_model, result.tagger_usage, 1),
            self._call("persona", reply.model, reply.usage, reply.requests),
        ]
        calls = [c for c in calls if c["tokens_in"] or c["tokens_out"]]
        result.usage = result.tagger_usage + reply.usage
        costs = [c["cost_usd"] for c in calls if c["cost_usd"] is not None]
        result.cost_usd = sum(costs) if costs else None
        if text or result.complete:
            new_state.used_lines.extend(reply.lines + (closing.lines if closing else []))
            # the reply, the new state and the calls that made it: one transaction
            result.revision = self.store.add_persona_message(
                result.session_id, text or "…", state=new_state.model_dump(), expected_revision=result.revision,
                interrupted=not result.complete, model=reply.model or "offline", prompt_version=reply.prompt_version,
                usage=calls,
            )
            result.saved = True
            if new_state.ended:
                self.store.end_session(result.session_id, state=new_state.model_dump(), reason=new_state.end_reason or "goals")
        else:
            # Nothing arrived (the model failed before its first word): the manager's message stays
            # stored, unanswered, and the page offers Retry. The calls still cost tokens.
            for call in calls:
                self.store.add_usage(result.session_id, **call)

    def _call(self, purpose: str, model: str | None, usage: Usage, requests: int) -> dict:
        """One model call as the store records it."""
        return {"purpose": purpose, "model": model, "tokens_in": usage.input_tokens, "tokens_out": usage.output_tokens,
                "requests": requests, "cost_usd": self._cost(model, usage),
                "source": "estimate" if usage.estimated else "api"}


def _reply_side(scenario: Scenario, msgs: list[MessageRecord], seq: int) -> ReplySide | None:
    """The manager message `seq` of a transcript, scored, with the persona's answer and the trust around it."""
    index = next((i for i, m in enumerate(msgs) if m.seq == seq and m.role == "manager"), None)
    if index is None:
        return None
    msg = msgs[index]
    said = [m.text for m in msgs[:index] if m.role != "manager"]
    tagging = Tagging.from_json(msg.text, msg.tagging) if msg.tagging else None
    scored = OfflineScorer().score(msg.text, tagging=tagging, scenario=scenario, said=said)
    before = next((m.state for m in reversed(msgs[:index]) if m.role == "persona" and m.state), None)
    answer = next((m for m in msgs[index + 1 :] if m.role == "persona"), None)
    trust_before = before["trust"] if before else scenario.state.trust_start
    return ReplySide(
        seq=seq, text=msg.text, empathy=scored.empathy, evidence=scored.evidence,
        overall=weighted(scenario, scored.empathy, scored.evidence), moves=sorted(m.value for m in scored.tagging.moves),
        reaction=answer.text if answer else "", trust_before=trust_before,
        trust_after=answer.state["trust"] if answer and answer.state else trust_before,
    )


__all__ = [
    "Hint",
    "Parts",
    "PracticeService",
    "ReplayComparison",
    "ReplySide",
    "SessionView",
    "Turn",
    "TurnResult",
    "build_parts",
    "chat_model",
    "clean_message",
    "local_user",
    "offline_parts",
]
