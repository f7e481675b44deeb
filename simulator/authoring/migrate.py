"""Migrate a scenario file from the old format (difficulty easy/medium/hard, a full `state:` table).

The new format keeps only what a trainer writes: the move effects come from the scenario's
kind and the difficulty preset (simulator/domain/difficulty.py). Migration is done on the text,
so comments, persona lines and their wrapping stay exactly as written: the `difficulty:` line
becomes `difficulty: realistic`, and the `state:` block becomes a `tuning:` block holding only
the numbers that differ from the kind's, plus `end_when:` at the top level.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from simulator.domain.difficulty import DEFAULT_DIFFICULTY, KIND_DEFAULTS, KIND_EFFECTS
from simulator.domain.moves import Move
from simulator.domain.rubric import Kind
from simulator.errors import ScenarioError

_TUNING_FIELDS = ("trust_start", "stress_start", "open_at_trust", "guarded_below_trust", "close_up_stress",
                  "max_change_per_turn", "turn_cap")


def _flow(value: object) -> str:
    return yaml.safe_dump(value, default_flow_style=True, width=10_000, sort_keys=False).strip()


def migrate_text(text: str, *, source: str = "<scenario>") -> str:
    """The scenario text in the new format; a file already in it comes back unchanged."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict) or "state" not in data:
        return text
    table = data["state"] or {}
    kind = Kind(data.get("kind", Kind.feedback))
    base = KIND_DEFAULTS[kind]
    overrides = [f"  {name}: {table[name]}" for name in _TUNING_FIELDS if name in table and table[name] != getattr(base, name)]
    deltas = []
    for move, effect in (table.get("deltas") or {}).items():
        default = KIND_EFFECTS[kind].get(Move(move), (0, 0))
        trust, stress = effect.get("trust", 0), effect.get("stress", 0)
        if (trust, stress) != default:
            deltas.append(f"    {move}: {{trust: {trust}, stress: {stress}}}")
    block = []
    if overrides or deltas:
        block.append(f"tuning:  # differs from a realistic {kind.value} conversation")
        block += overrides
        if deltas:
            block += ["  deltas:", *deltas]
    if table.get("end_when") is not None:
        block.append(f"end_when: {_flow(table['end_when'])}")
    match = re.search(r"^state:.*\n(?:(?:[ \t]+.*|[ \t]*)\n)*", text, flags=re.MULTILINE)
    if match is None:
        raise ScenarioError(f"{source}: found `state:` but not as a top-level block; migrate it by hand "
                            "(see docs/authoring-guide.md, 'Tuning').", path=source)
    replacement = "\n".join(block) + "\n\n" if block else ""
    text = text[: match.start()] + replacement + text[match.end():]
    return re.sub(r"^difficulty:[ \t]*(easy|medium|hard)[ \t]*$", f"difficulty: {DEFAULT_DIFFICULTY.value}", text,
                  count=1, flags=re.MULTILINE)


def migrate_file(path: str | Path) -> bool:
    """Rewrite a file in the new format; False when it was already in it."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    new = migrate_text(text, source=str(path))
    if new == text:
        return False
    path.write_text(new, encoding="utf-8")
    return True
