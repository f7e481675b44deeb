"""`simulator` command line: validate and export scenarios, play, score."""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.domain.difficulty import Difficulty
from simulator.errors import ScenarioError, ScenarioNotFound, SimulatorError

if TYPE_CHECKING:
    from simulator.config import Settings
    from simulator.store.db import Store


def _cmd_validate(args: argparse.Namespace) -> int:
    from simulator.domain.scenario import default_scenarios_dir, load_scenario

    paths = [Path(p) for p in args.paths] or sorted(default_scenarios_dir().glob("*.y*ml"))
    if not paths:
        print("No scenario files found. Pass paths to .yaml files.", file=sys.stderr)
        return 1
    failed = 0
    for path in paths:
        try:
            scenario = load_scenario(path)
        except SimulatorError as exc:
            failed += 1
            problems = exc.problems if isinstance(exc, ScenarioError) else [str(exc)]
            for problem in problems:
                print(problem, file=sys.stderr)
        else:
            print(f"{path}: ok ({scenario.id} v{scenario.version})")
    return 1 if failed else 0


def _cmd_check(args: argparse.Namespace) -> int:
    from simulator.authoring.check import check_files
    from simulator.domain.scenario import default_scenarios_dir

    paths = [Path(p) for p in args.paths] or sorted(default_scenarios_dir().glob("*.y*ml"))
    if not paths:
        print("No scenario files found. Pass paths to .yaml files.", file=sys.stderr)
        return 1
    failed = 0
    started = time.perf_counter()
    for report in check_files(paths):
        failed += not report.ok
        print("\n".join(report.lines()), file=sys.stdout if report.ok else sys.stderr)
    seconds = time.perf_counter() - started
    print(f"{len(paths)} scenario(s) checked in {seconds:.1f} s ({seconds / len(paths):.1f} s each), reading the scripted "
          "managers with the learned tagger, as the app does offline.")
    if failed:
        print(f"{failed} of {len(paths)} scenario(s) failed their checks. Fix what each line says, then run the check again.", file=sys.stderr)
    return 1 if failed else 0


def _cmd_migrate(args: argparse.Namespace) -> int:
    from simulator.authoring.migrate import migrate_file

    for path in args.paths:
        changed = migrate_file(path)
        print(f"{path}: {'migrated' if changed else 'already in the new format'}")
    return _cmd_validate(args)


def _cmd_schema(_args: argparse.Namespace) -> int:
    from simulator.domain.scenario import json_schema

    print(json_schema())
    return 0


def _read_text(path: str) -> str:
    """The text of a file the user named ('-' for stdin); a SimulatorError naming the file says what is wrong."""
    if path == "-":
        stream = getattr(sys.stdin, "buffer", None)
        if stream is None:  # a text stream put in place by the caller
            return sys.stdin.read()
        data, name = stream.read(), "standard input"
    else:
        name = path
        if Path(path).is_dir():
            raise SimulatorError(f"{path} is a folder, not a file. Pass the path of a file inside it.")
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise SimulatorError(f"{path}: no such file. Check the path (relative paths start from {Path.cwd()}).") from None
        except OSError as exc:
            raise SimulatorError(f"{path} cannot be read ({exc.strerror}). Check that the file exists and that you may read it.") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SimulatorError(f"{name} is not UTF-8 text (byte {exc.start} cannot be decoded). Save it as UTF-8 plain text.") from None


def _read_lines(path: str) -> list[str]:
    return [line for line in _read_text(path).splitlines() if line.strip()]


def _cmd_play(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from simulator.config import load_settings, offline
    from simulator.domain.scenario import find_scenario
    from simulator.practice import build_parts
    from simulator.store.db import open_store
    from simulator.store.engine import MEMORY_URL

    settings = load_settings()
    if args.model == "offline":
        settings = offline(settings)
    elif args.model:
        judge = settings.models.judge_model if settings.models.judge_model != settings.models.persona_model else args.model
        settings = replace(settings, models=replace(settings.models, persona_model=args.model, judge_model=judge or args.model))
    parts = build_parts(settings)
    try:
        scenario = find_scenario(args.scenario, settings.scenarios_dir)
    except ScenarioNotFound:
        if settings.library_dir is None or not settings.library_dir.is_dir():
            raise
        scenario = find_scenario(args.scenario, settings.library_dir)  # a scenario a trainer published
    if args.difficulty:
        scenario = scenario.at_difficulty(args.difficulty)
    store = open_store(MEMORY_URL if args.no_save else settings.database_url)  # --no-save: in this process's memory only
    try:
        return _play(args, settings, parts, scenario, store)
    finally:
        store.engine.dispose()


def _play(args: argparse.Namespace, settings, parts, scenario, store) -> int:
    """One conversation through the practice service. Exit 1 when the model failed (what was kept is shown)."""
    from simulator.models.base import ModelError, StreamInterrupted
    from simulator.practice import PracticeService, local_user

    user = args.user or local_user()  # by default the same user as the app's, so `sessions list` and History show it
    service = PracticeService.from_settings(settings, store, {scenario.id: scenario}, parts, user=user)
    view = service.start(scenario, user, seed=args.seed)
    out = sys.stderr if args.json else sys.stdout
    if not args.json:
        print(f"[{parts.mode}]", file=out)
        print(f"{scenario.title} ({scenario.difficulty.value})\nYou are: {scenario.brief.you_are}\nGoal: {scenario.brief.goal}\n"
              "(Empty line or Ctrl-D ends the conversation.)\n", file=out)
        print(f"{scenario.persona.name}: {view.messages[0].text}\n", file=out)
    lines = _read_lines(args.script) if args.script else None
    failure: ModelError | None = None
    while not view.ended:
        if lines is not None:
            if not lines:
                break
            text = lines.pop(0)
            if not args.json:
                print(f"You: {text}", file=out)
        else:
            try:
                text = input("You: ")
            except EOFError:
                break
            if not text.strip():
                break
        try:
            turn = service.take_turn(view.id, text, expected_revision=view.revision, view=view)
        except SimulatorError as exc:
            print(f"! {exc}", file=sys.stderr)
            continue
        if not args.json:
            print(f"{scenario.persona.name}: ", end="", file=out, flush=True)
        try:
            for chunk in turn:
                if not args.json:
                    print(chunk, end="", file=out, flush=True)
        except StreamInterrupted as exc:
            print(f"\n! {exc}", file=sys.stderr)
        except ModelError as exc:
            failure = exc
            print(f"\n! {exc}", file=sys.stderr)
            break
        finally:
            turn.close()
            view = service.resume(view.id, since=view)
        if not args.json:
            print(f"\n   [{view.mood.words}]\n", file=out)
    # The judge would fail as the persona did: score offline, and say so.
    why = f"The model failed, so the offline scorer was used: {failure}" if failure else None
    debrief = service.finish(view.id, offline_because=why)
    view = service.resume(view.id)
    if args.json:
        state = view.state
        result = {
            "scenario": scenario.id,
            "seed": state.seed,
            "transcript": [{"role": m.role, "text": m.text, "interrupted": m.interrupted} for m in view.messages],
            "final_state": {
                "trust": state.trust,
                "stress": state.stress,
                "mood": view.mood.value,
                "revealed": state.revealed,
                "goals_met": state.goals_met,
                "end_reason": state.end_reason,
            },
            "debrief": debrief.model_dump(mode="json"),
        }
        if failure:
            result["error"] = str(failure)
        print(json.dumps(result, ensure_ascii=False))
    else:
        if failure:
            print("\n--- What was kept ---", file=out)
            for m in view.messages:
                who = "You" if m.role == "manager" else scenario.persona.name
                print(f"{who}: {m.text}{'  [interrupted]' if m.interrupted else ''}", file=out)
            print(file=out)
        print(f"--- Debrief ({debrief.scorer}) ---\nEmpathy {debrief.empathy}/100 · Evidence {debrief.evidence}/100 · {debrief.reading}", file=out)
        if debrief.fallback_reason:
            print(f"  ({debrief.fallback_reason})", file=out)
        if debrief.verdict:
            print(debrief.verdict, file=out)
        for goal in debrief.goals:
            print(f"  [{'x' if goal.met else ' '}] {goal.text}", file=out)
        for n, reply in enumerate(debrief.replies, 1):
            if reply.rewrite:
                print(f"  Reply {n} ({reply.overall}) could be ({reply.rewrite.overall}): {reply.rewrite.text}", file=out)
        for tip in dict.fromkeys(debrief.advice + debrief.next_steps):
            print(f"  - {tip}", file=out)
    if failure:
        print(f"error: the conversation stopped because the model failed. {failure}", file=sys.stderr)
        return 1
    return 0


SCORE_BATCH = 64


def _open_service():
    """The practice service on the configured database (offline parts: these commands call no model)."""
    from simulator.config import load_settings
    from simulator.domain.scenario import load_library
    from simulator.practice import PracticeService, offline_parts
    from simulator.store.db import open_store

    settings = load_settings()
    scenarios, _ = load_library(settings.scenarios_dir)
    store = open_store(settings.database_url)
    return PracticeService.from_settings(settings, store, scenarios, offline_parts()), store


def _cmd_sessions_list(args: argparse.Namespace) -> int:
    service, store = _open_service()
    try:
        past_sessions = service.history(args.user)
    finally:
        store.engine.dispose()
    children: dict[str, list[str]] = {}
    for past in past_sessions:
        if past.record.parent_session_id:
            children.setdefault(past.record.parent_session_id, []).append(past.record.id)
    rows = []
    for past in past_sessions:
        r, debrief = past.record, past.debrief
        rows.append({
            "id": r.id, "scenario": r.scenario_id, "scenario_version": r.scenario_version, "title": r.scenario_title,
            "started_at": r.started_at.isoformat(), "ended": r.ended_at is not None,
            "empathy": debrief.empathy if debrief else None, "evidence": debrief.evidence if debrief else None,
            "overall": debrief.overall if debrief else None,
            "parent_session_id": r.parent_session_id, "branched_from_seq": r.branched_from_seq,
            "branches": list(reversed(children.get(r.id, []))),
        })
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
        return 0
    if not rows:
        print("No sessions yet. Play one with `simulator play SCENARIO` or in the app.")
        return 0
    for row in rows:
        scores = f"empathy {row['empathy']} · evidence {row['evidence']}" if row["empathy"] is not None else (
            "ended" if row["ended"] else "in progress")
        line = f"{row['id']}  {row['started_at'][:16].replace('T', ' ')}  {row['scenario']} v{row['scenario_version']}  {scores}"
        if row["parent_session_id"]:
            line += f"  (replay of {row['parent_session_id']} from message {row['branched_from_seq']})"
        if row["branches"]:
            line += f"  [{len(row['branches'])} replay(s): {', '.join(row['branches'])}]"
        print(line)
    return 0


def _cmd_sessions_export(args: argparse.Namespace) -> int:
    from simulator.export import session_html, session_json, session_markdown
    from simulator.scoring.debrief import Debrief

    service, store = _open_service()
    try:
        view = service.resume(args.id)
        stored = store.get_debrief(view.id)
        debrief = Debrief.model_validate(stored[1]) if stored else None
    finally:
        store.engine.dispose()
    if args.format == "json":
        print(json.dumps(session_json(view, debrief), ensure_ascii=False, indent=2))
    elif args.format == "html":
        print(session_html(view, debrief), end="")
    else:
        print(session_markdown(view, debrief), end="")
    return 0


def _cmd_replay(args: argparse.Namespace) -> int:
    """Branch a session at the manager's reply number N, send the new reply, print both sides."""
    from dataclasses import asdict

    from simulator.errors import InputError
    from simulator.practice import local_user

    service, store = _open_service()
    try:
        view = service.resume(args.id)
        replies = [m.seq for m in view.messages if m.role == "manager"]
        if not 1 <= args.turn <= len(replies):
            raise InputError(f"--turn must be between 1 and {len(replies)}: the number of your reply in that session (as in its debrief).")
        turn = service.replay(view.id, replies[args.turn - 1], args.reply, args.user or local_user())
        try:
            for _chunk in turn:
                pass
        finally:
            turn.close()
        branch_id = turn.result.session_id
        if turn.ended:
            service.finish(branch_id)
        comparison = service.compare_replay(branch_id)
    finally:
        store.engine.dispose()
    if args.json:
        print(json.dumps({"branch": branch_id, "parent": comparison.parent_id, "turn": args.turn, "seq": comparison.seq,
                          "original": asdict(comparison.original),
                          "replayed": asdict(comparison.replayed) if comparison.replayed else None}, ensure_ascii=False))
        return 0
    persona = view.scenario.persona.name
    for label, side in (("Original", comparison.original), ("Replay", comparison.replayed)):
        if side is None:
            continue
        print(f"--- {label} (reply {args.turn}) · empathy {side.empathy} · evidence {side.evidence} · overall {side.overall} "
              f"· trust {side.trust_before} → {side.trust_after}")
        print(f"You: {side.text}\n{persona}: {side.reaction}\n")
    print(f"Stored as session {branch_id}; continue it in the app, or export it with `simulator sessions export {branch_id}`.")
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    """Score JSON lines {"id", "reply", "scenario"?, "context"?}; print one JSON line per reply.

    "scenario" (an id) checks the reply's facts against that scenario's record and scores it for
    the scenario's kind; "context" (the persona's previous line, or a list of its lines so far) is
    on the record too. Each output line carries the scores, the sub-skills and penalties, and the
    moves found with the words that carry them: "moves": [{"move", "text"}].
    """
    from simulator.domain.scenario import load_library
    from simulator.engine.learned_tagger import LearnedTagger
    from simulator.scoring.offline import OfflineScorer

    scorer = OfflineScorer(tagger=LearnedTagger())
    scenarios, _ = load_library()
    status = 0
    items = []  # (id, reply, scenario, said), in input order
    for number, line in enumerate(_read_text(args.file).splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            reply = item["reply"]
            context = item.get("context") or []
            said = [context] if isinstance(context, str) else context
            if not isinstance(reply, str) or not all(isinstance(c, str) for c in said):
                raise TypeError
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError):
            print(
                f"{args.file}:{number}: expected a JSON object with a string \"reply\" (and \"id\"; optional \"scenario\" id "
                "and \"context\": the persona's previous line as a string, or a list of strings); skipped.",
                file=sys.stderr,
            )
            status = 1
            continue
        scenario_id = item.get("scenario")
        scenario = scenarios.get(str(scenario_id)) if scenario_id else None
        if scenario_id and scenario is None:
            known = ", ".join(sorted(scenarios)) or "none"
            print(f"{args.file}:{number}: no scenario with id {scenario_id!r} (known: {known}); scored without one.", file=sys.stderr)
            status = 1
        items.append((item.get("id"), reply, scenario, said))
    # tagged in batches: the sentence encoder is several times faster per reply that way
    for start in range(0, len(items), SCORE_BATCH):
        batch = items[start : start + SCORE_BATCH]
        taggings = scorer.tagger.tag_many([reply for _, reply, _, _ in batch])
        for (item_id, reply, scenario, said), tagging in zip(batch, taggings):
            scored = scorer.score(reply, tagging=tagging, scenario=scenario, said=said)
            print(json.dumps({"id": item_id, **scored.to_json()}, ensure_ascii=False))
    return status


def _cmd_eval(args: argparse.Namespace) -> int:
    from simulator.evaluation import evaluate
    from simulator.evaluation.floors import check_floors, default_floors_file, load_floors

    if args.responsiveness:
        return _eval_responsiveness(args)

    if not evaluate.labelled_dir().is_dir():
        raise SimulatorError(f"simulator eval reads the labelled replies in {evaluate.labelled_dir()}: run it from a checkout of the repository.")
    predictors = {"offline": evaluate.offline_predictor()}
    limit = args.limit
    if args.judge:
        from simulator.config import load_settings
        from simulator.practice import chat_model
        from simulator.scoring.judge import LLMJudge

        settings = load_settings()
        if not (settings.models.base_url or settings.models.api_key):
            raise SimulatorError("--judge needs an endpoint: set OPENAI_API_KEY or OPENAI_BASE_URL.")
        predictors[f"judge {args.judge}"] = evaluate.judge_predictor(LLMJudge(chat_model(settings, args.judge)))
        limit = limit or args.sample
        print(f"Evaluating the judge on a sample of {limit} items per set (one request each); the offline scorer on the same sample.", file=sys.stderr)
    floors_file = Path(args.floors) if args.floors else default_floors_file()
    floors = load_floors(floors_file)  # read first: a broken floors file should not cost a full run
    rows = evaluate.run(predictors=predictors, public=Path(args.public) if args.public else None, limit=limit)
    print(evaluate.render(rows))
    if limit:
        print(f"Floors not checked: --limit/--judge score a sample; the floors in {floors_file} hold for the full sets.", file=sys.stderr)
        return 0
    report = check_floors(evaluate.figures(rows, "offline"), floors)
    for name in report.unchecked:
        print(f"floor not checked: {name} (its data set is absent)", file=sys.stderr)
    for line in report.under:
        print(f"UNDER FLOOR: {line} ({floors_file})", file=sys.stderr)
    if not report.ok:
        print(
            f"error: {len(report.under)} figure(s) fell under their floor. Fix the scorer, or lower the floor in {floors_file} with a reason.",
            file=sys.stderr,
        )
        return 1
    print(f"Floors: {report.checked} figures at or above their floors in {floors_file}.", file=sys.stderr)
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    """Speed and cost measured in one run against a loopback fake server; exit 1 when a target is missed."""
    if args.scale:
        return _bench_scale(args)
    from simulator.bench.measure import render, run

    if not args.json:
        print("Measuring (about a minute; --quick for a short run)...", file=sys.stderr)
    results = run(quick=args.quick)
    print(json.dumps(results, indent=2) if args.json else render(results))
    failed = [t["name"] for t in results["targets"] if t["status"] == "FAIL"]
    if failed and args.strict:
        print(f"error: {len(failed)} target(s) missed: {'; '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _bench_scale(args: argparse.Namespace) -> int:
    """The scale section alone: it needs Chromium and takes minutes, so it is asked for by name."""
    from simulator.bench.scale import USERS, render_scale, run_scale

    users = tuple(int(n) for n in args.users.split(",")) if args.users else USERS
    if not args.json:
        print(f"Measuring scale with {', '.join(map(str, users))} simulated users (several minutes)...", file=sys.stderr)
    results = run_scale(users)
    print(json.dumps(results, indent=2) if args.json else render_scale(results))
    return 1 if args.strict and results["first_not_holding"] is not None else 0


def _eval_responsiveness(args: argparse.Namespace) -> int:
    from simulator.config import load_settings
    from simulator.domain.scenario import load_library
    from simulator.evaluation import responsiveness

    path = Path(args.messages) if args.messages else responsiveness.responsiveness_file()
    if not path.is_file():
        raise SimulatorError(f"simulator eval --responsiveness reads {path}: run it from a checkout of the repository, or pass --messages FILE.")
    scenarios, _ = load_library(load_settings().scenarios_dir)
    rows = responsiveness.run(scenarios, responsiveness.load_messages(path))
    print(responsiveness.render(rows))
    if args.misses:
        for row in rows:
            for miss in row.misses:
                print(json.dumps({"scenario": row.scenario, **miss}, ensure_ascii=False))
    return 0


@contextmanager
def _operator_store() -> Iterator[tuple[Settings, Store]]:
    """The settings and the database, for the administrator's commands; the connections are closed after."""
    from simulator.config import load_settings
    from simulator.store.db import open_store

    settings = load_settings()
    store = open_store(settings.database_url)
    try:
        yield settings, store
    finally:
        store.engine.dispose()


def _cmd_data_export(args: argparse.Namespace) -> int:
    from simulator.store.access import Access, Actor

    with _operator_store() as (_settings, store):
        data = Access(store).export_user(Actor.operator(), args.user)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
        print(f"Wrote {len(data['sessions'])} session(s) of {args.user} to {args.output}.", file=sys.stderr)
    else:
        print(text)
    return 0


def _cmd_data_delete(args: argparse.Namespace) -> int:
    from simulator.store.access import Access, Actor

    with _operator_store() as (_settings, store):
        count = len(store.list_sessions(args.user, None))
        if not args.yes:
            print(f"{args.user} has {count} stored session(s). Nothing was deleted: add --yes to delete them, "
                  "with their messages, debriefs, usage and team roles.", file=sys.stderr)
            return 1
        deleted = Access(store).delete_user(Actor.operator(), args.user)
    print(f"Deleted {deleted} session(s) of {args.user} and their profile; nobody else's data was touched.")
    return 0


def _cmd_data_purge(args: argparse.Namespace) -> int:
    from simulator.store.retention import purge

    with _operator_store() as (settings, store):
        days = args.days or settings.retention_days
        if days is None:
            print("No retention period: set SIMULATOR_RETENTION_DAYS or pass --days N. Nothing was deleted.", file=sys.stderr)
            return 1
        removed = purge(store, days)
    print(f"Deleted {removed} session(s) not touched for {days} day(s).")
    return 0


def _cmd_team_sync(args: argparse.Namespace) -> int:
    from simulator.store.teams import load_team_config, sync

    with _operator_store() as (settings, store):
        path = Path(args.file) if args.file else settings.teams_file
        config = load_team_config(path) if path else None
        if config is None:
            raise SimulatorError(f"No team file at {path}. Write one (see docs/teams.md) or pass --file.")
        sync(store, config)
    print(f"{len(config.teams)} team(s), {len(config.people)} person(s) from {path}.")
    return 0


def _cmd_team_secrets(args: argparse.Namespace) -> int:
    from simulator.config import load_settings, write_streamlit_secrets

    path = write_streamlit_secrets(load_settings(), Path(args.path))
    print(f"Wrote the sign-in settings to {path} (owner-only). Start the app from this folder.")
    return 0


def _cmd_team_list(args: argparse.Namespace) -> int:
    with _operator_store() as (_settings, store):
        teams, roles = store.teams(), store.memberships()
    if args.json:
        print(json.dumps({"teams": teams, "memberships": [r.__dict__ for r in roles]}, ensure_ascii=False))
        return 0
    if not teams:
        print("No teams. Write a team file (see docs/teams.md), then run `simulator team sync`.")
    for team_id, name in teams.items():
        print(f"{team_id}: {name}")
        for r in roles:
            if r.team_id == team_id:
                print(f"  {r.user_id} ({r.role})")
    return 0


def _cmd_team_report(args: argparse.Namespace) -> int:
    from simulator import team_report
    from simulator.store.access import Access, Actor

    with _operator_store() as (_settings, store):
        if args.team not in store.teams():
            raise SimulatorError(f"No team {args.team!r}. List the teams with `simulator team list`.")
        actor = Access(store).actor(args.user) if args.user else Actor.operator()
        report = team_report.team_report(store, actor, args.team, args.scenario)
    if args.format == "json":
        print(json.dumps(team_report.to_json(report), ensure_ascii=False, indent=2))
    elif args.format == "csv":
        print(team_report.to_csv(report), end="")
    elif args.format == "xapi":
        print(json.dumps(team_report.xapi_statements(report), ensure_ascii=False, indent=2))
    else:
        print(team_report.render(report))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="simulator", description="Rehearse difficult conversations; score replies for empathy and evidence.")
    sub = parser.add_subparsers(dest="command", required=True)

    scen = sub.add_parser("scenarios", help="validate scenario files or print their JSON Schema")
    scen_sub = scen.add_subparsers(dest="scenarios_command", required=True)
    val = scen_sub.add_parser("validate", help="check scenario files; exit 1 with file:line errors")
    val.add_argument("paths", nargs="*", help="files to check (default: the library)")
    val.set_defaults(func=_cmd_validate)
    schema = scen_sub.add_parser("schema", help="print the JSON Schema of a scenario file")
    schema.set_defaults(func=_cmd_schema)
    check = scen_sub.add_parser("check", help="scripted managers play each scenario offline; exit 1 when a check fails")
    check.add_argument("paths", nargs="*", help="files to check (default: the library)")
    check.set_defaults(func=_cmd_check)
    migrate = scen_sub.add_parser("migrate", help="rewrite old-format files (difficulty easy/medium/hard, a state: table) in the new format")
    migrate.add_argument("paths", nargs="+", help="files to rewrite in place")
    migrate.set_defaults(func=_cmd_migrate)

    play = sub.add_parser("play", help="play a scenario in the terminal")
    play.add_argument("scenario", help="scenario id (e.g. performance-feedback) or path to a .yaml file")
    play.add_argument("--script", help="file with one manager line per line ('-' for stdin)")
    play.add_argument("--json", action="store_true", help="print one JSON object: transcript, final state, debrief")
    play.add_argument("--model", default="offline", help="persona model at OPENAI_BASE_URL, e.g. gpt-4o-mini (default: offline)")
    play.add_argument("--no-save", action="store_true", help="don't store this session: it lives in memory and is gone when the command ends")
    play.add_argument("--user", help="who practises (default: your login name, as in the app; in team mode their login email)")
    play.add_argument("--seed", type=int, help="replay exactly: the same seed and messages give the same conversation (default: a fresh seed)")
    play.add_argument("--difficulty", choices=[d.value for d in Difficulty],
                      help="how hard the persona is to reach (default: the scenario's own, usually realistic)")
    play.set_defaults(func=_cmd_play)

    sess = sub.add_parser("sessions", help="list or export your stored practice sessions")
    sess_sub = sess.add_subparsers(dest="sessions_command", required=True)
    sess_list = sess_sub.add_parser("list", help="your sessions, newest first: id, scenario, date, scores, replays")
    sess_list.add_argument("--json", action="store_true", help="print a JSON list")
    sess_list.add_argument("--user", help="whose sessions (default: your login name, as in the app)")
    sess_list.set_defaults(func=_cmd_sessions_list)
    sess_export = sess_sub.add_parser("export", help="both sides of the conversation and the debrief")
    sess_export.add_argument("id", help="session id (see `simulator sessions list`)")
    sess_export.add_argument("--format", choices=("markdown", "json", "html"), default="markdown",
                             help="html: a printable page for a coaching session")
    sess_export.set_defaults(func=_cmd_sessions_export)

    replay = sub.add_parser("replay", help="try a different reply from one turn of a session (stored as a new branch)")
    replay.add_argument("id", help="session id (see `simulator sessions list`)")
    replay.add_argument("--turn", type=int, required=True, help="which of your replies to replace: 1 is your first message")
    replay.add_argument("--reply", required=True, help="the new reply")
    replay.add_argument("--json", action="store_true", help="print one JSON object: the original and the new reply")
    replay.add_argument("--user", help="whose session (default: your login name, as in the app)")
    replay.set_defaults(func=_cmd_replay)

    score = sub.add_parser("score", help="score replies from a JSON-lines file")
    score.add_argument("file", help='JSON lines {"id", "reply", "scenario"?, "context"?} (\'-\' for stdin)')
    score.set_defaults(func=_cmd_score)
    ev = sub.add_parser("eval", help="agreement of the scorer with human labels (own held-out set, EPITOME, AnnoMI)")
    ev.add_argument("--public", help="folder with epitome/ and annomi/ (default: ../shared/data/public)")
    ev.add_argument("--limit", type=int, help="use at most N items of each public set (quick runs)")
    ev.add_argument("--judge", help="also evaluate the LLM judge with this model (at OPENAI_BASE_URL), on a sample")
    ev.add_argument("--sample", type=int, default=40, help="items per set when --judge is given (default: 40)")
    ev.add_argument("--floors", help="TOML file of figure floors; exit 1 when a figure falls under one (default: eval/floors.toml)")
    ev.add_argument("--responsiveness", action="store_true",
                    help="instead: share of offline persona replies on the topic the manager raised (eval/responsiveness/)")
    ev.add_argument("--messages", help="with --responsiveness: another JSON-lines file of {scenario, text, topic}")
    ev.add_argument("--misses", action="store_true", help="with --responsiveness: also print each reply that missed its topic")
    ev.set_defaults(func=_cmd_eval)

    data = sub.add_parser("data", help="data rights: export or delete one person's data; purge old sessions")
    data_sub = data.add_subparsers(dest="data_command", required=True)
    data_export = data_sub.add_parser("export", help="JSON of all of a person's sessions, messages, debriefs and model calls")
    data_export.add_argument("--user", required=True, help="whose data (login email in team mode, login name locally)")
    data_export.add_argument("--output", help="write to this file instead of standard output")
    data_export.set_defaults(func=_cmd_data_export)
    data_delete = data_sub.add_parser("delete", help="delete all of a person's data, and nobody else's")
    data_delete.add_argument("--user", required=True, help="whose data")
    data_delete.add_argument("--yes", action="store_true", help="really delete (without it: only say how much would go)")
    data_delete.set_defaults(func=_cmd_data_delete)
    data_purge = data_sub.add_parser("purge", help="delete sessions older than the retention period (SIMULATOR_RETENTION_DAYS)")
    data_purge.add_argument("--days", type=int, help="retention in days (default: SIMULATOR_RETENTION_DAYS)")
    data_purge.set_defaults(func=_cmd_data_purge)

    team = sub.add_parser("team", help="teams: load the team file, list teams, compare shared scores")
    team_sub = team.add_subparsers(dest="team_command", required=True)
    team_sync = team_sub.add_parser("sync", help="make the database's teams and roles those of the team file")
    team_sync.add_argument("--file", help="TOML team file (default: SIMULATOR_TEAMS_FILE, else <data dir>/teams.toml)")
    team_sync.set_defaults(func=_cmd_team_sync)
    team_secrets = team_sub.add_parser("secrets", help="write .streamlit/secrets.toml for st.login from the SIMULATOR_OIDC_* settings")
    team_secrets.add_argument("--path", default=".streamlit/secrets.toml", help="where (default: .streamlit/secrets.toml)")
    team_secrets.set_defaults(func=_cmd_team_secrets)
    team_list = team_sub.add_parser("list", help="teams and their members' roles")
    team_list.add_argument("--json", action="store_true")
    team_list.set_defaults(func=_cmd_team_list)
    report = team_sub.add_parser("report", help="compare a team's shared scores, like with like")
    report.add_argument("--team", required=True, help="team id (see `simulator team list`)")
    report.add_argument("--scenario", help="only this scenario id")
    report.add_argument("--user", help="as this team lead (default: the operator, who sees every shared score of the team)")
    report.add_argument("--json", dest="format", action="store_const", const="json", help="print JSON")
    report.add_argument("--csv", dest="format", action="store_const", const="csv", help="print CSV, one row per session")
    report.add_argument("--xapi", dest="format", action="store_const", const="xapi", help="print xAPI statements (JSON) for a learning record store")
    report.set_defaults(func=_cmd_team_report, format="text")

    bench = sub.add_parser("bench", help="measure per-turn overhead, offline latency, scorer throughput and tokens (no network)")
    bench.add_argument("--json", action="store_true", help="print the results as JSON")
    bench.add_argument("--quick", action="store_true", help="a few turns and short timings (a smoke test, not figures to publish)")
    bench.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    bench.add_argument("--scale", action="store_true",
                       help="instead: N simulated users in headless Chromium against one offline app server (needs /usr/bin/chromium)")
    bench.add_argument("--users", metavar="N,N,...", help="with --scale: the numbers of users to measure (default 1,10,25,50)")
    bench.set_defaults(func=_cmd_bench)
    return parser


def describe_error(exc: BaseException) -> str:
    """One line for the user: what went wrong and how to fix it (never a traceback)."""
    if isinstance(exc, ScenarioError) and len(exc.problems) > 1:
        more = len(exc.problems) - 1
        return f"{exc.problems[0].strip()} (and {more} more problem{'s' * (more > 1)}: run `simulator scenarios validate {exc.path or ''}`)"
    if isinstance(exc, OSError):
        where = f"{exc.filename}: " if exc.filename else ""
        return f"{where}{exc.strerror or exc}. Check the path and that you may read (or write) it."
    return " ".join(str(exc).split())


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail on a closed pipe."""
    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (SimulatorError, OSError) as exc:
        if isinstance(exc, BrokenPipeError):  # the reader went away (`simulator ... | head`): nothing to report
            _silence_stdout()
            return 1
        print(f"error: {describe_error(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
