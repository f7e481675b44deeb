"""docs/authoring-guide.md describes every field of the scenario schema, under its model's heading."""

import json
import re

from simulator.domain.scenario import json_schema

from .conftest import ROOT

GUIDE = ROOT / "docs" / "authoring-guide.md"


def _sections(text: str) -> dict[str, str]:
    """Text under each '### `Model`' heading, up to the next heading."""
    parts = re.split(r"^#{2,3} ", text, flags=re.MULTILINE)
    return {m.group(1): part for part in parts if (m := re.match(r"`(\w+)`", part))}


def test_every_schema_field_is_described_in_the_guide():
    schema = json.loads(json_schema())
    models = {"Scenario": schema["properties"]} | {name: d.get("properties", {}) for name, d in schema["$defs"].items()}
    sections = _sections(GUIDE.read_text(encoding="utf-8"))
    missing = []
    for model, fields in models.items():
        if not fields:  # enums (Mood, Act, Move, ...) have no fields
            continue
        section = sections.get(model, "")
        missing += [f"{model}.{name}" for name in fields if f"`{name}`" not in section]
    assert not missing, f"describe these fields in {GUIDE.name}, under their model's heading: {missing}"
