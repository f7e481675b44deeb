"""The scenario library trainers publish to: one YAML file per scenario in a folder (settings.library_dir).

Files, not the database: a published scenario is the same kind of file as a shipped one, so
it can be reviewed, diffed, copied to another installation and checked with
`simulator scenarios check`. Its version is the sha256 of its content; every session keeps
the exact version it started with (the store's scenario snapshots), so publishing a new
version never changes a conversation in progress.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from simulator.authoring.check import CheckReport, check_scenario
from simulator.domain.scenario import Scenario, default_scenarios_dir, load_library, parse_scenario
from simulator.errors import ScenarioError


def content_version(text: str) -> str:
    """A published scenario's version: the sha256 of its text (the first 12 hex digits are shown)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def combined_library(shipped_dir: Path | None, library_dir: Path | None) -> tuple[dict[str, Scenario], list[ScenarioError]]:
    """Shipped scenarios plus the published ones; a published id that repeats a shipped one is an error, not a replacement."""
    scenarios, errors = load_library(shipped_dir or default_scenarios_dir())
    if library_dir is None or not library_dir.is_dir():
        return scenarios, errors
    published, more = load_library(library_dir)
    errors += more
    for sid, scenario in published.items():
        if sid in scenarios:
            errors.append(ScenarioError(f"{library_dir / (sid + '.yaml')}: id '{sid}' is already a shipped scenario. "
                                        "Give the published scenario its own id.", path=str(library_dir)))
            continue
        scenarios[sid] = scenario
    return scenarios, errors


def to_yaml(data: dict) -> str:
    """A scenario mapping as YAML, fields in the order given (the form's order)."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=110, default_flow_style=False)


def publish(text: str, library_dir: Path, *, shipped_ids: set[str], report: CheckReport | None = None) -> tuple[Path, str]:
    """Validate, check and save a scenario to the library. Returns (file, version).

    Refuses (ScenarioError, saying how to fix it) a text that does not validate, an id that a
    shipped scenario has, or a scenario whose checks fail (`report`, when already run on this text).
    """
    scenario = parse_scenario(text, source="draft")
    if scenario.id in shipped_ids:
        raise ScenarioError(f"id '{scenario.id}' belongs to a shipped scenario. Change the id to publish your version beside it.")
    report = report or check_scenario(scenario, source=scenario.id)
    if not report.ok:
        raise ScenarioError("The checks failed, so it was not published:\n" + "\n".join(str(f) for f in report.failures),
                            problems=[str(f) for f in report.failures])
    try:
        library_dir.mkdir(parents=True, exist_ok=True)
        path = library_dir / f"{scenario.id}.yaml"
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(f"Cannot write to the scenario library {library_dir} ({exc.strerror}). "
                            "Set SIMULATOR_LIBRARY_DIR to a folder you may write to.") from None
    return path, content_version(text)
