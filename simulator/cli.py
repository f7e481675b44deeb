"""`simulator` command line: validate and export scenarios, play, score."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from simulator.errors import ScenarioError, SimulatorError


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


def _cmd_schema(_args: argparse.Namespace) -> int:
    from simulator.domain.scenario import json_schema

    print(json_schema())
    return 0


def _read_lines(path: str) -> list[str]:
    source = sys.stdin if path == "-" else open(path, encoding="utf-8")
    with source:
        return [line.rstrip("\n") for line in source if line.strip()]


def _cmd_play(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from simulator.config import load_settings, offline
    from simulator.engine.session import PracticeSession
    from simulator.models.base import ModelError, StreamInterrupted
    from simulator.components import components
    from simulator.domain.scenario import find_scenario
    from simulator.store.db import open_store
    from simulator.models.tokens import load_prices

    settings = load_settings()
    if args.model == "offline":
        settings = offline(settings)
    elif args.model:
        judge = settings.models.judge_model if settings.models.judge_model != settings.models.persona_model else args.model
        settings = replace(settings, models=replace(settings.models, persona_model=args.model, judge_model=judge or args.model))
    parts = components(settings)
    options = {"voice": parts.voice, "tagger": parts.tagger, "judge": parts.judge, "max_chars": settings.max_message_chars}
    if settings.models.online:
        options.update(token_cap=settings.session_token_cap, prices=load_prices(settings.prices_file))
    scenario = find_scenario(args.scenario, settings.scenarios_dir)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'play.db'}" if args.json or args.no_save else settings.database_url
        store = open_store(url)
        session = PracticeSession.start(store, scenario, user="cli", **options)
        out = sys.stderr if args.json else sys.stdout
        if not args.json:
            print(f"[{parts.mode}]", file=out)
            print(f"{scenario.title}\nYou are: {scenario.brief.you_are}\nGoal: {scenario.brief.goal}\n(Empty line or Ctrl-D ends the conversation.)\n", file=out)
            print(f"{scenario.persona.name}: {session.transcript()[0].text}\n", file=out)
        lines = _read_lines(args.script) if args.script else None
        while not session.ended:
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
                stream = session.send(text)
            except SimulatorError as exc:
                print(f"! {exc}", file=sys.stderr)
                continue
            if not args.json:
                print(f"{scenario.persona.name}: ", end="", file=out, flush=True)
            try:
                for chunk in stream:
                    if not args.json:
                        print(chunk, end="", file=out, flush=True)
            except StreamInterrupted as exc:
                print(f"\n! {exc}", file=sys.stderr)
            except ModelError as exc:
                print(f"\n! {exc}\nThe conversation so far is kept; the debrief follows.", file=sys.stderr)
                break
            if not args.json:
                print(f"\n   [{session.mood.value}]\n", file=out)
        debrief = session.finish()
        if args.json:
            result = {
                "scenario": scenario.id,
                "transcript": [{"role": m.role, "text": m.text, "interrupted": m.interrupted} for m in session.transcript()],
                "final_state": {
                    "trust": session.state.trust,
                    "stress": session.state.stress,
                    "mood": session.mood.value,
                    "revealed": session.state.revealed,
                    "goals_met": session.state.goals_met,
                    "end_reason": session.state.end_reason,
                },
                "debrief": debrief.model_dump(mode="json"),
            }
            print(json.dumps(result, ensure_ascii=False))
        else:
            print(f"--- Debrief ---\nEmpathy {debrief.empathy}/100 · Evidence {debrief.evidence}/100 · {debrief.quadrant}", file=out)
            for goal in debrief.goals:
                print(f"  [{'x' if goal.met else ' '}] {goal.text}", file=out)
            for tip in debrief.advice:
                print(f"  - {tip}", file=out)
        store.engine.dispose()
    return 0


def _cmd_score(args: argparse.Namespace) -> int:
    """Score JSON lines {"id", "reply", "scenario"?, "context"?}; print one JSON line per reply.

    "scenario" (an id) checks the reply's facts against that scenario's record and scores it for
    the scenario's kind; "context" (the persona's previous line, or a list of its lines so far) is
    on the record too. Each output line carries the scores, the sub-skills and penalties, and the
    moves found with the words that carry them: "moves": [{"move", "text"}].
    """
    from simulator.domain.scenario import load_library
    from simulator.scoring.offline import OfflineScorer

    scorer = OfflineScorer()
    scenarios, _ = load_library()
    source = sys.stdin if args.file == "-" else open(args.file, encoding="utf-8")
    status = 0
    with source:
        for number, line in enumerate(source, 1):
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
            scored = scorer.score(reply, scenario=scenario, said=said)
            print(json.dumps({"id": item.get("id"), **scored.to_json()}, ensure_ascii=False))
    return status


def _cmd_eval(args: argparse.Namespace) -> int:
    from simulator.evaluation import evaluate

    predictors = {"offline": evaluate.offline_predictor()}
    limit = args.limit
    if args.judge:
        from simulator.config import load_settings
        from simulator.components import chat_model
        from simulator.scoring.judge import LLMJudge

        settings = load_settings()
        if not (settings.models.base_url or settings.models.api_key):
            raise SimulatorError("--judge needs an endpoint: set OPENAI_API_KEY or OPENAI_BASE_URL.")
        predictors[f"judge {args.judge}"] = evaluate.judge_predictor(LLMJudge(chat_model(settings, args.judge)))
        limit = limit or args.sample
        print(f"Evaluating the judge on a sample of {limit} items per set (one request each); the offline scorer on the same sample.", file=sys.stderr)
    rows = evaluate.run(predictors=predictors, public=Path(args.public) if args.public else None, limit=limit)
    print(evaluate.render(rows))
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

    play = sub.add_parser("play", help="play a scenario in the terminal")
    play.add_argument("scenario", help="scenario id (e.g. performance-feedback) or path to a .yaml file")
    play.add_argument("--script", help="file with one manager line per line ('-' for stdin)")
    play.add_argument("--json", action="store_true", help="print one JSON object: transcript, final state, debrief")
    play.add_argument("--model", default="offline", help="persona model at OPENAI_BASE_URL, e.g. gpt-4o-mini (default: offline)")
    play.add_argument("--no-save", action="store_true", help="do not store the session in the database")
    play.set_defaults(func=_cmd_play)

    score = sub.add_parser("score", help="score replies from a JSON-lines file")
    score.add_argument("file", help='JSON lines {"id", "reply", "scenario"?, "context"?} (\'-\' for stdin)')
    score.set_defaults(func=_cmd_score)
    ev = sub.add_parser("eval", help="agreement of the scorer with human labels (own held-out set, EPITOME, AnnoMI)")
    ev.add_argument("--public", help="folder with epitome/ and annomi/ (default: ../shared/data/public)")
    ev.add_argument("--limit", type=int, help="use at most N items of each public set (quick runs)")
    ev.add_argument("--judge", help="also evaluate the LLM judge with this model (at OPENAI_BASE_URL), on a sample")
    ev.add_argument("--sample", type=int, default=40, help="items per set when --judge is given (default: 40)")
    ev.set_defaults(func=_cmd_eval)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SimulatorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
