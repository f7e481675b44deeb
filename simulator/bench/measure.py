"""The measurements behind `simulator bench`, and the targets they are held to.

Everything runs in one process, in one run, on this machine: ratios compare two
things measured side by side (machines here are shared and noisy, so absolute
figures move between runs; the ratios move less).

1. Per-turn overhead: the same turns through the practice service (tagging, state,
   store writes, prompt building, streaming through the model client) and through
   the raw openai SDK replaying the very request the service sent, both against the
   loopback fake server answering at once. Turns alternate which goes first. The
   overhead of a turn is the service's time minus the raw SDK's for that turn.
2. Offline engine: per-turn latency and the debrief (`PracticeService.finish`) of a
   30-turn session, with the parts `offline_parts()` builds (whatever tagger it has).
3. Scorer throughput on one CPU core: replies scored per second, one call per reply
   and batched (the tagger's `tag_batch`/`tag_many` when it has one).
4. Tokens and requests of a 30-turn session with a model persona and judge (counted
   with the model's tokenizer on the requests the server received) against a naive
   design: every turn resends the whole history and is judged by its own request.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

MODEL = "gpt-4o-mini"
SESSION_TURNS = 30
PERSONA_REPLY = (
    "Honestly, it has been a hard few weeks. I know the release slipped, and I'm not proud of it, "
    "but there is more going on than the dates show. I'd like the chance to explain it properly."
)

# A manager who stays polite and factual: keeps a session going for 30 turns without
# meeting every goal at once (the lines are the bench's own).
MANAGER_LINES = [
    "Thanks for coming in. I'd like to talk about how the last month has gone.",
    "How do you see the last few weeks yourself?",
    "On 3 March the release date moved by two weeks. What happened there?",
    "Okay. Was anything blocking you at the time?",
    "Did the rest of the team know about the change?",
    "What would you change about how the work was planned?",
    "I noticed the review comments on the last pull request were short. How did that come about?",
    "What support did you have during that stretch?",
    "Is there anything about the workload you'd like me to know?",
    "How are the handovers with the other team going?",
    "What do you think the impact on the team was?",
    "How would you like us to plan the next release?",
    "Which parts of the work do you enjoy most at the moment?",
    "What would a good next month look like for you?",
    "Is there something I could do differently as your manager?",
]


# ---- small helpers ------------------------------------------------------------------------------


def _ms(seconds: float) -> float:
    return round(seconds * 1000.0, 3)


def _median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else 0.0


def _p95(values: Sequence[float]) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def manager_line(n: int) -> str:
    return MANAGER_LINES[n % len(MANAGER_LINES)]


def long_scenario(scenario, turns: int = SESSION_TURNS):
    """The scenario with room for `turns` manager messages (the shipped ones stop at 15)."""
    cap = max(scenario.state.turn_cap, turns)
    return scenario.model_copy(update={"tuning": scenario.tuning.model_copy(update={"turn_cap": cap})})


def bench_scenario():
    from simulator.domain.scenario import default_scenarios_dir, load_library

    scenarios, _errors = load_library(default_scenarios_dir())
    if "performance-feedback" not in scenarios:
        from simulator.errors import SimulatorError

        raise SimulatorError(
            f"simulator bench plays the shipped scenario 'performance-feedback', which is not in {default_scenarios_dir()}. "
            "Reinstall the package or run it from a checkout."
        )
    return long_scenario(scenarios["performance-feedback"])


@contextmanager
def _temp_store() -> Iterator[Any]:
    """A new SQLite database in a temporary folder (what a local install uses)."""
    from simulator.store.db import open_store

    with tempfile.TemporaryDirectory(prefix="simulator-bench-") as folder:
        store = open_store(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            yield store
        finally:
            store.engine.dispose()


@contextmanager
def one_core() -> Iterator[bool]:
    """Pin this process to one CPU core while the block runs (True when pinning was possible)."""
    getter = getattr(os, "sched_getaffinity", None)
    setter = getattr(os, "sched_setaffinity", None)
    if getter is None or setter is None:
        yield False
        return
    before = getter(0)
    try:
        setter(0, {min(before)})
    except OSError:
        yield False
        return
    try:
        yield True
    finally:
        setter(0, before)


def model_settings(base_url: str):
    """Settings that point every model at the loopback server, with no files read."""
    from simulator.config import ModelSettings, Settings

    return Settings(
        data_dir=Path(tempfile.gettempdir()) / "simulator-bench", database_url="sqlite://", scenarios_dir=None,
        models=ModelSettings(base_url=base_url, api_key="sk-bench", persona_model=MODEL, judge_model=MODEL, tagger_model=None),
    )


def judge_responder(body: dict[str, Any]) -> str:
    """The fake model's answer: a persona line, or (a judge request) a verdict naming every manager reply."""
    if "response_format" not in body:
        return PERSONA_REPLY
    content = str(body["messages"][-1]["content"])
    transcript = json.loads(content.split("\n", 1)[1])["replies"]
    return json.dumps(verdict_for([r["number"] for r in transcript if r["speaker"] == "manager"]))


def verdict_for(numbers: Sequence[int]) -> dict[str, Any]:
    empty = {"level": 0, "quote": ""}
    names = ("emotional_reaction", "interpretation", "exploration", "validation", "situation", "behaviour", "impact", "data")
    replies = [{"number": n, **{name: empty for name in names}, "offers_support": False, "penalties": [], "better_phrasing": ""} for n in numbers]
    return {"replies": replies, "summary": "A calm, factual conversation; name the impact and ask how they are."}


# ---- 1. per-turn overhead against the raw SDK ----------------------------------------------------


@dataclass
class _Timing:
    total: float
    first: float  # time to the first streamed character


def _time_stream(chunks: Iterator[str], start: float) -> float:
    """Read a stream to its end; returns when the first character arrived (relative to `start`)."""
    first = 0.0
    for chunk in chunks:
        if chunk and not first:
            first = time.perf_counter() - start
    return first


def _service_turn(service, view, text: str) -> _Timing:
    start = time.perf_counter()
    turn = service.take_turn(view.id, text, expected_revision=view.revision, view=view)
    try:
        first = _time_stream(iter(turn), start)
    finally:
        turn.close()
    return _Timing(time.perf_counter() - start, first)


def _raw_turn(client, body: dict[str, Any]) -> _Timing:
    request = {k: v for k, v in body.items() if k in ("model", "messages", "max_tokens", "max_completion_tokens", "seed", "stream_options")}
    start = time.perf_counter()
    stream = client.chat.completions.create(stream=True, **request)
    first = 0.0
    try:
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content and not first:
                first = time.perf_counter() - start
    finally:
        stream.close()
    return _Timing(time.perf_counter() - start, first)


def _posted_turn(client, body: dict[str, Any]) -> _Timing:
    """The same request as the service's client makes it: the body posted as it is (no type transform of
    every message) and the chunks read as plain JSON objects (no typed chunk built for each). The
    service's time over this is its own work: tagging, state, store, prompt, stream layers."""
    import openai
    from openai.types.chat import ChatCompletion

    request = {k: v for k, v in body.items() if k in ("model", "messages", "max_tokens", "max_completion_tokens", "seed", "stream_options")}
    start = time.perf_counter()
    stream = client.post("/chat/completions", body={**request, "stream": True}, options={"security": {"bearer_auth": True}},
                         cast_to=ChatCompletion, stream=True, stream_cls=openai.Stream[object])
    first = 0.0
    try:
        for chunk in stream:
            choices = chunk.get("choices") if isinstance(chunk, dict) else None
            if choices and (choices[0].get("delta") or {}).get("content") and not first:
                first = time.perf_counter() - start
    finally:
        stream.close()
    return _Timing(time.perf_counter() - start, first)


def measure_overhead(turns: int, warmup: int = 3) -> dict[str, Any]:
    import openai

    from simulator.bench.fake_openai import FakeOpenAI
    from simulator.practice import PracticeService, build_parts

    scenario = bench_scenario()
    with FakeOpenAI(default_text=PERSONA_REPLY) as server, _temp_store() as store:
        parts = build_parts(model_settings(server.base_url))
        service = PracticeService(store, {scenario.id: scenario}, replace(parts, judge=None))
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-bench", max_retries=0, timeout=30.0)
        service_times: list[_Timing] = []
        raw_times: list[_Timing] = []
        posted_times: list[_Timing] = []
        refresh: list[float] = []
        view = service.start(scenario, "bench")
        try:
            for n in range(warmup + turns):
                if view.ended:
                    view = service.start(scenario, "bench")
                before = len(server.chat_requests)
                if n % 2:  # alternate which goes first; the raw calls replay the service's previous request
                    raw = _raw_turn(client, server.chat_requests[before - 1].body) if before else None
                    posted = _posted_turn(client, server.chat_requests[before - 1].body) if before else None
                    served = _service_turn(service, view, manager_line(n))
                else:
                    served = _service_turn(service, view, manager_line(n))
                    posted = _posted_turn(client, server.chat_requests[before].body)
                    raw = _raw_turn(client, server.chat_requests[before].body)
                start = time.perf_counter()
                view = service.resume(view.id)
                read = time.perf_counter() - start
                if n >= warmup and raw is not None and posted is not None:
                    service_times.append(served)
                    raw_times.append(raw)
                    posted_times.append(posted)
                    refresh.append(read)
        finally:
            client.close()
    overheads = [s.total - r.total for s, r in zip(service_times, raw_times)]
    first_service = _median([s.first for s in service_times])
    first_raw = _median([r.first for r in raw_times])
    first_posted = _median([p.first for p in posted_times])
    return {
        "turns": len(overheads),
        "tagger": type(parts.tagger).__name__,
        "service_turn_ms": _ms(_median([s.total for s in service_times])),
        "raw_sdk_turn_ms": _ms(_median([r.total for r in raw_times])),
        "overhead_ms_median": _ms(_median(overheads)),
        "overhead_ms_p95": _ms(_p95(overheads)),
        "first_char_service_ms": _ms(first_service),
        "first_char_raw_ms": _ms(first_raw),
        "first_char_ratio": round(first_service / first_raw, 3) if first_raw else 0.0,
        "page_refresh_read_ms": _ms(_median(refresh)),
        # the service's client posts the body as it is and reads plain JSON chunks: against the same, the service's own work
        "posted_turn_ms": _ms(_median([p.total for p in posted_times])),
        "overhead_vs_posted_ms_median": _ms(_median([s.total - p.total for s, p in zip(service_times, posted_times)])),
        "first_char_posted_ms": _ms(first_posted),
        "first_char_ratio_vs_posted": round(first_service / first_posted, 3) if first_posted else 0.0,
    }


# ---- 2. the offline engine ----------------------------------------------------------------------


def measure_offline(turns: int = SESSION_TURNS) -> dict[str, Any]:
    """Offline turns, then the debrief's compute after End twice: with nothing prepared (a server that
    restarted since the turns), and prepared after each turn as the practice page does while the manager reads."""
    from simulator.practice import PracticeService, offline_parts
    from simulator.scoring.rewrite import forget_candidate_taggings

    scenario = bench_scenario()
    parts = offline_parts()
    with _temp_store() as store:
        service = PracticeService(store, {scenario.id: scenario}, parts)
        warm = service.start(scenario, "bench")  # first use loads lexicons and compiles patterns
        _service_turn(service, warm, manager_line(0))
        finish: dict[bool, float] = {}
        per_turn: list[float] = []
        for prepared in (False, True):
            forget_candidate_taggings()
            view = service.start(scenario, "bench")
            for n in range(turns):
                if view.ended:
                    break
                timing = _service_turn(service, view, manager_line(n))
                if not prepared:
                    per_turn.append(timing.total)
                view = service.resume(view.id)
                if prepared and (preparing := service.prepare_debrief(view)) is not None:
                    preparing.result()
            start = time.perf_counter()
            debrief = service.finish(view.id)
            finish[prepared] = time.perf_counter() - start
    return {
        "tagger": type(parts.tagger).__name__,
        "turns": len(per_turn),
        "turn_ms_median": _ms(_median(per_turn)),
        "turn_ms_p95": _ms(_p95(per_turn)),
        "debrief_ms": _ms(finish[True]),
        "debrief_unprepared_ms": _ms(finish[False]),
        "debrief_replies": len(debrief.replies),
    }


# ---- 3. scorer throughput -----------------------------------------------------------------------

_BUILT_IN_REPLIES = MANAGER_LINES + [
    "You're always late and it's your fault the team missed the launch.",
    "I can see this has been stressful. On 14 April you wrote 'Redo it' on PR #482, and he was blocked for two days.",
    "It sounds like you've been carrying a lot. What would help most right now?",
    "Calm down, it's not a big deal. People are saying you're difficult to work with.",
    "We've decided to end your role at the end of the month. I'm sorry; I know this is hard to hear.",
]


def scorer_corpus() -> list[str]:
    """The project's own labelled replies when this is a checkout, else a built-in set."""
    from simulator.evaluation.evaluate import labelled_dir

    replies: list[str] = []
    for path in sorted(labelled_dir().glob("replies-*.jsonl")) if labelled_dir().is_dir() else []:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                reply = json.loads(line).get("reply")
                if isinstance(reply, str) and reply.strip():
                    replies.append(reply)
    return replies or list(_BUILT_IN_REPLIES)


def _batch_tag(tagger) -> Callable[[list[str]], list[Any]] | None:
    for name in ("tag_batch", "tag_many"):
        fn = getattr(tagger, name, None)
        if callable(fn):
            return fn
    return None


def _rate(work: Callable[[], int], min_seconds: float) -> tuple[float, float]:
    """Replies per second of the clock and per second of this process's CPU time: `work` scores a pass and
    returns how many it scored; repeat for `min_seconds`. On a shared machine the clock also counts the
    time other processes held the core; the CPU time does not."""
    done, start, cpu = 0, time.perf_counter(), time.process_time()
    while True:
        done += work()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return done / elapsed, done / max(time.process_time() - cpu, 1e-9)


def measure_scorer(tagger, replies: list[str], min_seconds: float) -> dict[str, Any]:
    from simulator.scoring.offline import OfflineScorer

    scorer = OfflineScorer(tagger)
    batch = _batch_tag(tagger)

    def single() -> int:
        for reply in replies:
            scorer.score(reply)
        return len(replies)

    def batched() -> int:
        taggings = batch(replies) if batch else [tagger.tag(r) for r in replies]
        for reply, tagging in zip(replies, taggings):
            scorer.score(reply, tagging=tagging)
        return len(replies)

    single()  # warm up (patterns, caches, model weights)
    with one_core() as pinned:
        per_second_single, per_cpu_second_single = _rate(single, min_seconds)
        per_second_batched, per_cpu_second_batched = _rate(batched, min_seconds)
    return {
        "tagger": type(tagger).__name__,
        "replies": len(replies),
        "one_core": pinned,
        "batch_api": batch is not None,
        "single_per_s": round(per_second_single, 1),
        "batched_per_s": round(per_second_batched, 1),
        "single_per_cpu_s": round(per_cpu_second_single, 1),
        "batched_per_cpu_s": round(per_cpu_second_batched, 1),
    }


# ---- 4. tokens and requests per session ----------------------------------------------------------


def measure_tokens(turns: int = SESSION_TURNS) -> dict[str, Any]:
    from simulator.bench.fake_openai import FakeOpenAI
    from simulator.models.tokens import count_messages, count_tokens
    from simulator.practice import PracticeService, build_parts
    from simulator.scoring.judge_prompt import judge_messages

    scenario = bench_scenario()
    with FakeOpenAI(responder=judge_responder) as server, _temp_store() as store:
        parts = build_parts(model_settings(server.base_url))
        service = PracticeService(store, {scenario.id: scenario}, parts)
        view = service.start(scenario, "bench")
        for n in range(turns):
            if view.ended:
                break
            _service_turn(service, view, manager_line(n))
            view = service.resume(view.id)
        service.finish(view.id)
        transcript = store.messages(view.id)
        requests = list(server.chat_requests)
    persona = [r for r in requests if "response_format" not in r.body]
    judge = [r for r in requests if "response_format" in r.body]
    played = sum(m.role == "manager" for m in transcript)

    def outputs(request) -> int:
        return count_tokens(judge_responder(request.body), MODEL)

    ours_in = sum(count_messages(r.body["messages"], MODEL) for r in requests)
    ours_out = sum(outputs(r) for r in requests)

    # The naive design: each turn resends the whole conversation, and each turn is judged on its own.
    naive_in = naive_out = 0
    numbered = [{"number": i + 1, "speaker": "manager" if m.role == "manager" else "persona", "text": m.text} for i, m in enumerate(transcript)]
    manager_at = [i for i, m in enumerate(transcript) if m.role == "manager"]
    for request, at in zip(persona, manager_at):
        convo = [{"role": "user" if m.role == "manager" else "assistant", "content": m.text} for m in transcript[: at + 1]]
        messages = request.body["messages"]
        naive_in += count_messages([messages[0], *convo, messages[-1]], MODEL)
        naive_out += count_tokens(PERSONA_REPLY, MODEL)
        naive_in += count_messages(judge_messages(scenario, numbered[: at + 1]), MODEL)
        naive_out += count_tokens(json.dumps(verdict_for([at + 1])), MODEL)
    prefixes = {json.dumps(r.body["messages"][0]) for r in persona}
    ours, naive = ours_in + ours_out, naive_in + naive_out
    return {
        "turns": played,
        "tokenizer_model": MODEL,
        "requests": len(requests),
        "requests_per_turn": round(len(persona) / played, 3) if played else 0.0,
        "judge_requests_per_debrief": len(judge),
        "tokens_in": ours_in,
        "tokens_out": ours_out,
        "tokens_per_turn": round(ours / played, 1) if played else 0.0,
        "tokens_per_session": ours,
        "naive_requests": 2 * played,
        "naive_tokens_per_session": naive,
        "ratio_to_naive": round(ours / naive, 3) if naive else 0.0,
        "stable_prefix": len(prefixes) == 1,
        "prefix_tokens": count_messages([persona[0].body["messages"][0]], MODEL) if persona else 0,
    }


# ---- targets and the report --------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    name: str
    measured: float | bool | None
    goal: str
    ok: bool | None  # None: not measured by this command

    def to_json(self) -> dict[str, Any]:
        status = "n/a" if self.ok is None else ("PASS" if self.ok else "FAIL")
        return {"name": self.name, "measured": self.measured, "target": self.goal, "status": status}


def targets(results: dict[str, Any]) -> list[Target]:
    o, off, s, t = results["overhead"], results["offline"], results["scorer"], results["tokens"]
    b = results.get("browser")
    rows = [
        Target("per-turn overhead, median (ms)", o["overhead_ms_median"], "< 5", o["overhead_ms_median"] < 5),
        Target("first streamed character, service / raw SDK", o["first_char_ratio"], "<= 1.10", o["first_char_ratio"] <= 1.10),
        Target("offline turn, median (ms)", off["turn_ms_median"], "< 100", off["turn_ms_median"] < 100),
        Target(f"offline debrief of a {off['turns']}-turn session after End, prepared as the app does (ms)", off["debrief_ms"], "< 100",
               off["debrief_ms"] < 100),
        Target("...the same with nothing prepared (after a server restart) (ms)", off["debrief_unprepared_ms"], "< 100",
               off["debrief_unprepared_ms"] < 100),
        Target("End button to rendered debrief, in the browser (ms)", b["end_to_debrief_ms"] if b else None, "< 300",
               b["end_to_debrief_ms"] < 300 if b else None),
        Target("rule scorer, one core (replies/s)", s["rules"]["single_per_s"], ">= 2000", s["rules"]["single_per_s"] >= 2000),
    ]
    if "offline_tagger" in s:
        learned = s["offline_tagger"]
        rows.append(Target(f"scorer with {learned['tagger']}, batched, one core (replies/s)", learned["batched_per_s"], ">= 500",
                           learned["batched_per_s"] >= 500))
    rows += [
        Target("tokens per session / naive design", t["ratio_to_naive"], "<= 0.50", t["ratio_to_naive"] <= 0.5),
        Target("judge requests per debrief", t["judge_requests_per_debrief"], "== 1", t["judge_requests_per_debrief"] == 1),
        Target("stable prompt prefix (persona system message)", t["stable_prefix"], "yes", bool(t["stable_prefix"])),
    ]
    return rows


def run(*, quick: bool = False) -> dict[str, Any]:
    """Every measurement, in one run. `quick`: a few turns and short timings (for tests)."""
    from simulator.bench.browser import measure_browser, unavailable
    from simulator.engine.encoder import SentenceEncoder
    from simulator.engine.learned_tagger import LearnedTagger
    from simulator.engine.tagger import RuleTagger
    from simulator.practice import offline_parts

    turns = 4 if quick else SESSION_TURNS
    seconds = 0.05 if quick else 1.5
    replies = scorer_corpus()
    if quick:
        replies = replies[:40]
    parts_tagger = offline_parts().tagger
    scorer: dict[str, Any] = {"rules": measure_scorer(RuleTagger(), replies, seconds)}
    if isinstance(parts_tagger, LearnedTagger):  # measured without the encoder's cache: every pass encodes again
        parts_tagger = LearnedTagger(folder=parts_tagger.folder, encoder=SentenceEncoder(cache_size=0))
    if not isinstance(parts_tagger, RuleTagger):
        scorer["offline_tagger"] = measure_scorer(parts_tagger, replies, seconds)
    results: dict[str, Any] = {
        "quick": quick,
        "machine": {"cpus": os.cpu_count(), "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None},
        "overhead": measure_overhead(turns, warmup=1 if quick else 3),
        "offline": measure_offline(turns),
        "scorer": scorer,
        "tokens": measure_tokens(turns),
        # the browser takes a minute: not in a quick run
        "browser": None if quick else measure_browser(SESSION_TURNS),
        "browser_unavailable": "not in a quick run" if quick else unavailable(),
    }
    results["targets"] = [t.to_json() for t in targets(results)]
    return results


def render(results: dict[str, Any]) -> str:
    o, off, t = results["overhead"], results["offline"], results["tokens"]
    lines = [
        f"simulator bench{' (quick)' if results['quick'] else ''} - {results['machine']['usable_cpus']} usable CPU(s); ratios from one run",
        "",
        f"Per turn, model voice vs raw openai SDK ({o['turns']} turns, loopback server answering at once, tagger {o['tagger']}):",
        f"  service {o['service_turn_ms']} ms, raw SDK {o['raw_sdk_turn_ms']} ms; overhead median {o['overhead_ms_median']} ms, p95 {o['overhead_ms_p95']} ms",
        f"  first character: service {o['first_char_service_ms']} ms, raw SDK {o['first_char_raw_ms']} ms (ratio {o['first_char_ratio']});"
        f" page refresh read {o['page_refresh_read_ms']} ms",
        f"  same request as the service's client makes it (body as is, JSON chunks): {o['posted_turn_ms']} ms;"
        f" overhead vs it {o['overhead_vs_posted_ms_median']} ms,"
        f" first character {o['first_char_posted_ms']} ms (ratio {o['first_char_ratio_vs_posted']})",
        f"Offline engine ({off['turns']} turns, tagger {off['tagger']}): turn median {off['turn_ms_median']} ms, p95 {off['turn_ms_p95']} ms;"
        f" debrief {off['debrief_ms']} ms (nothing prepared: {off['debrief_unprepared_ms']} ms)",
    ]
    for key, s in results["scorer"].items():
        label = "rules" if key == "rules" else s["tagger"]
        lines.append(f"Scorer ({label}, {s['replies']} replies, {'one core' if s['one_core'] else 'all cores'}): "
                     f"{s['single_per_s']} replies/s single, {s['batched_per_s']} batched{'' if s['batch_api'] else ' (no batch API)'}"
                     f" (per CPU second: {s['single_per_cpu_s']} single, {s['batched_per_cpu_s']} batched)")
    b = results.get("browser")
    lines.append(f"Browser ({b['turns']} turns, headless Chromium): End to rendered debrief {b['end_to_debrief_ms']} ms by the page's clock "
                 f"(runs {b['all_ms']}); {b['playwright_ms']} ms seen from Playwright (runs {b['playwright_all_ms']})"
                 if b else f"Browser: not measured ({results.get('browser_unavailable')})")
    lines += [
        f"Tokens ({t['turns']} turns, {t['tokenizer_model']} tokenizer): {t['tokens_per_session']} per session ({t['tokens_per_turn']} per turn),"
        f" {t['requests']} requests ({t['requests_per_turn']} persona per turn, {t['judge_requests_per_debrief']} judge);"
        f" naive {t['naive_tokens_per_session']} tokens in {t['naive_requests']} requests",
        "",
    ]
    rows = results["targets"]
    width = max(len(r["name"]) for r in rows)
    lines.append(f"{'target':<{width}}  {'measured':>10}  {'goal':>8}  status")
    for r in rows:
        measured = "-" if r["measured"] is None else ("yes" if r["measured"] is True else "no" if r["measured"] is False else f"{r['measured']:g}")
        lines.append(f"{r['name']:<{width}}  {measured:>10}  {r['target']:>8}  {r['status']}")
    return "\n".join(lines)
