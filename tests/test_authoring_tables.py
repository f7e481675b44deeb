"""The scenario's list fields as table rows (the authoring form's table editors) and back."""

import datetime as dt

import pytest

from simulator.authoring.tables import LIST_FIELDS, from_rows, to_rows
from simulator.domain.scenario import Scenario, json_schema

SPECS = {".".join(spec.path): spec for spec in LIST_FIELDS}


def test_every_list_of_every_shipped_scenario_comes_back_unchanged_from_its_rows(library):
    for scenario in library.values():
        data = scenario.model_dump(mode="json", exclude_defaults=True)
        for spec in LIST_FIELDS:
            value = data
            for part in spec.path:
                value = value.get(part, {} if part != spec.path[-1] else None)
            if value is None:
                continue
            back = from_rows(spec, to_rows(spec, value))
            assert Scenario.model_validate(_with(data, spec.path, back)) == scenario, f"{scenario.id}: {spec.path}"


def _with(data: dict, path: tuple[str, ...], value) -> dict:
    if len(path) == 1:
        return {**data, path[0]: value}
    return {**data, path[0]: _with(data[path[0]], path[1:], value)}


def test_each_kind_of_cell_reads_back_as_the_format_wants():
    goals = from_rows(SPECS["goals"], [{"id": "plan", "text": "Agree a plan.", "met_when": "{any_move: [offers_support]}", "more": ""},
                                       {"id": None, "text": float("nan"), "met_when": None, "more": None}])  # a blank added row
    assert goals == [{"id": "plan", "text": "Agree a plan.", "met_when": {"any_move": ["offers_support"]}}]
    lines = from_rows(SPECS["lines.open"], [
        {"text": "Fine.", "topics": "", "act": "", "after": "", "before": "", "own_account": False, "more": ""},
        {"text": "On call wore me down.", "topics": "on_call, workload", "act": "discloses", "after": "", "before": "",
         "own_account": True, "more": ""}])
    assert lines == ["Fine.", {"text": "On call wore me down.", "topics": ["on_call", "workload"], "act": "discloses", "own_account": True}]
    facts = from_rows(SPECS["facts"], [{"id": "f1", "text": "Late on 3 March.", "date": "2026-03-03", "known_to_persona": False, "more": ""}])
    assert facts == [{"id": "f1", "text": "Late on 3 March.", "date": dt.date(2026, 3, 3), "known_to_persona": False}]
    topics = from_rows(SPECS["topics"], [{"id": "on_call", "text": "The rota.", "more": ""},
                                         {"id": "pay", "text": "Pay.", "more": '{asks: ["What about my raise?"]}'}])
    assert topics == {"on_call": "The rota.", "pay": {"asks": ["What about my raise?"], "text": "Pay."}}  # unknown keys kept
    closing = from_rows(SPECS["lines.closing"], [{"mood": "open", "text": "Thanks."}, {"mood": "open", "text": "See you."}])
    assert closing == {"open": ["Thanks.", "See you."]}
    asks = from_rows(SPECS["asks"], [{"topic": "on_call", "text": "How is the rota treating you?"},
                                     {"topic": "on_call", "text": "Are the night pages getting to you?"}])
    assert asks == {"on_call": ["How is the rota treating you?", "Are the night pages getting to you?"]}


def test_a_bad_cell_names_its_row_and_column():
    with pytest.raises(ValueError, match=r"row 1, column met_when: this is not valid YAML"):
        from_rows(SPECS["goals"], [{"id": "g", "text": "t", "met_when": "{any_move: [oops", "more": ""}])
    with pytest.raises(ValueError, match=r"row 2: choose the move"):
        from_rows(SPECS["lines.reactions"], [{"move": "blame", "text": "Not fair."}, {"move": "", "text": "Hm."}])
    with pytest.raises(ValueError, match="not a list: fix it in the YAML view"):
        to_rows(SPECS["goals"], "five")


def test_every_list_field_of_the_schema_has_a_table():
    """A list a trainer writes is editable in the form: a new list field of the format needs a table here."""
    import json

    schema = json.loads(json_schema())
    models = {"": schema["properties"]} | {name: d.get("properties", {}) for name, d in schema["$defs"].items()}
    paths = {"": "", "Persona": "persona.", "Lines": "lines."}
    tables = set(SPECS)
    missing = [paths[model] + name for model, props in models.items() if model in paths for name, prop in props.items()
               if (prop.get("type") in ("array", "object") or "additionalProperties" in prop) and "$ref" not in prop
               and paths[model] + name not in tables]
    assert not missing, f"give these lists a table in simulator/authoring/tables.py: {missing}"
