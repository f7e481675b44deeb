import json

import pytest
import yaml

from simulator.cli import main
from simulator.domain.moves import PENALTY_MOVES, Move
from simulator.domain.rubric import KIND_PROFILES, Kind
from simulator.domain.scenario import LINES_PER_MOOD, MAX_FILE_BYTES, Scenario, find_scenario, load_library, load_scenario, parse_scenario
from simulator.errors import ScenarioError, ScenarioNotFound

from .conftest import ROOT, SHIPPED_IDS

GOOD = ROOT / "scenarios" / "performance-feedback.yaml"


def good_text() -> str:
    return GOOD.read_text(encoding="utf-8")


def test_every_shipped_scenario_loads(library):
    assert sorted(library) == sorted(SHIPPED_IDS)
    for scenario in library.values():
        assert isinstance(scenario, Scenario)
        assert len(scenario.facts) >= 3
        assert scenario.persona.hidden_concerns, f"{scenario.id} has no hidden concern"
        for mood in ("guarded", "neutral", "open"):
            assert len(getattr(scenario.lines, mood)) >= LINES_PER_MOOD
        assert set(scenario.state.deltas) == set(Move), f"{scenario.id} state table should cover every move"
        for move in PENALTY_MOVES:
            assert scenario.state.deltas[move].trust < 0 < scenario.state.deltas[move].stress, (scenario.id, move)
            assert scenario.lines.reactions.get(move), f"{scenario.id} has no reaction to {move}"


EXPECTED_KINDS = {
    "performance-feedback": Kind.feedback,
    "lateness": Kind.feedback,
    "letting-go": Kind.decision,
    "no-promotion": Kind.decision,
    "first-one-on-one": Kind.relationship,
    "peer-conflict": Kind.mediation,
}


def test_every_shipped_scenario_declares_its_kind(library):
    for scenario_id, kind in EXPECTED_KINDS.items():
        raw = yaml.safe_load((ROOT / "scenarios" / f"{scenario_id}.yaml").read_text(encoding="utf-8"))
        assert raw.get("kind") == kind.value, f"{scenario_id} should declare kind: {kind.value}"
        assert library[scenario_id].kind == kind


def test_weights_follow_the_kind_unless_the_rubric_sets_them(library):
    assert library["first-one-on-one"].weights() == (KIND_PROFILES[Kind.relationship].empathy_weight, KIND_PROFILES[Kind.relationship].evidence_weight)
    assert library["first-one-on-one"].weights()[1] < library["performance-feedback"].weights()[1]
    text = good_text().rstrip() + "\nrubric:\n  empathy_weight: 0.8\n"
    assert parse_scenario(text).weights() == (0.8, KIND_PROFILES[Kind.feedback].evidence_weight)


def test_unknown_kind_is_refused_with_the_allowed_values():
    text = good_text().replace("kind: feedback", "kind: pep-talk")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="x.yaml")
    assert f"x.yaml:{_line_of(text, 'kind: pep-talk')}: kind" in str(info.value)
    assert "relationship" in str(info.value)


def test_move_effects_come_from_the_kind_and_an_override_changes_only_its_move():
    # the shipped file restates no numbers: every move, penalties included, has the kind's effect
    base = parse_scenario(good_text())
    assert set(base.state.deltas) == set(Move)
    text = good_text().rstrip() + "\ntuning:\n  trust_start: 20\n  deltas:\n    contempt: {trust: -20, stress: 15}\n"
    tuned = parse_scenario(text)
    assert tuned.state.trust_start == 20 and tuned.state.deltas[Move.contempt].trust == -20
    assert {m: d for m, d in tuned.state.deltas.items() if m != Move.contempt} == {m: d for m, d in base.state.deltas.items() if m != Move.contempt}


def test_an_old_format_file_is_refused_with_how_to_migrate():
    text = good_text().replace("difficulty: realistic", "difficulty: medium")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="x.yaml")
    assert "simulator scenarios migrate" in str(info.value)


def test_shipped_lines_are_unique_within_each_scenario(library):
    for scenario in library.values():
        lines = scenario.lines
        every = lines.opening + lines.guarded + lines.neutral + lines.open + lines.closed_up + lines.contest
        every += [x for pool in lines.reactions.values() for x in pool]
        every += [x for c in scenario.persona.hidden_concerns for x in c.reveal_lines]
        dupes = {x for x in every if every.count(x) > 1}
        assert not dupes, f"{scenario.id}: {dupes}"


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_unknown_field_names_file_line_and_field():
    text = good_text().rstrip() + "\ntuning:\n  trust_start: 35\n  trust_strat: 40\n"
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="x.yaml")
    msg = str(info.value)
    assert f"x.yaml:{_line_of(text, 'trust_strat')}: tuning.trust_strat" in msg
    assert "fix:" in msg and "spelling" in msg


def test_bad_value_points_at_its_line():
    text = good_text().rstrip() + "\ntuning:\n  stress_start: 155\n"
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="x.yaml")
    assert f"x.yaml:{_line_of(text, 'stress_start: 155')}: tuning.stress_start" in str(info.value)


def test_unknown_move_lists_allowed_values():
    text = good_text().rstrip() + "\ntuning:\n  deltas:\n    shouting: {trust: -9, stress: 9}\n"
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="x.yaml")
    assert "shouting" in str(info.value) and "acknowledges_feelings" in str(info.value)


def test_missing_field_is_reported():
    text = good_text().replace('title: "Missed deadlines and curt code reviews"\n', "")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="x.yaml")
    assert "title: required field is missing" in str(info.value)


def test_undefined_concern_reference_is_rejected():
    text = good_text().replace("met_when: {revealed: [caring-for-father]}", "met_when: {revealed: [caring-for-mother]}")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="x.yaml")
    assert "caring-for-mother" in str(info.value)


def test_yaml_syntax_error_has_line():
    text = good_text().replace("difficulty: realistic", "difficulty: [realistic")
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="x.yaml")
    assert "x.yaml:" in str(info.value) and "YAML syntax error" in str(info.value)


def test_aliases_are_refused():
    bomb = 'a: &a ["x","x"]\nb: &b [*a,*a]\nc: [*b,*b]\n'
    with pytest.raises(ScenarioError) as info:
        parse_scenario(bomb, source="bomb.yaml")
    assert "bomb.yaml:1:" in str(info.value) and "aliases" in str(info.value)


def test_oversized_file_is_refused(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_text(good_text() + "#" * MAX_FILE_BYTES, encoding="utf-8")
    with pytest.raises(ScenarioError) as info:
        load_scenario(big)
    assert "limit" in str(info.value)


def test_not_a_mapping():
    with pytest.raises(ScenarioError, match="must be a YAML mapping"):
        parse_scenario("- just\n- a list\n", source="x.yaml")


def test_too_few_lines_per_mood():
    data = yaml.safe_load(good_text())
    data["lines"]["open"] = data["lines"]["open"][:3]
    with pytest.raises(ScenarioError, match="lines.open"):
        parse_scenario(yaml.safe_dump(data), source="x.yaml")


def test_library_keeps_good_files_when_one_is_broken(tmp_path):
    (tmp_path / "good.yaml").write_text(good_text(), encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("id: broken\ntitle: [", encoding="utf-8")
    scenarios, errors = load_library(tmp_path)
    assert list(scenarios) == ["performance-feedback"]
    assert len(errors) == 1 and "broken.yaml" in str(errors[0])


def test_missing_folder_is_an_error_not_a_crash(tmp_path):
    scenarios, errors = load_library(tmp_path / "nope")
    assert scenarios == {} and "SIMULATOR_SCENARIOS_DIR" in str(errors[0])


def test_find_scenario_by_id_and_unknown_id():
    assert find_scenario("lateness").id == "lateness"
    with pytest.raises(ScenarioNotFound, match="Known ids"):
        find_scenario("no-such-thing")


def test_cli_validate_exit_codes(tmp_path, capsys):
    assert main(["scenarios", "validate"]) == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text(good_text().replace("difficulty: realistic", "difficulty: extreme"), encoding="utf-8")
    assert main(["scenarios", "validate", str(GOOD), str(bad)]) == 1
    err = capsys.readouterr().err
    assert f"{bad}:{_line_of(bad.read_text(), 'difficulty: extreme')}: difficulty" in err


def test_cli_schema_is_json_schema(capsys):
    assert main(["scenarios", "schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    assert schema["type"] == "object"
    assert {"id", "persona", "lines"} <= set(schema["required"])
    assert {"tuning", "end_when", "difficulty"} <= set(schema["properties"])
    assert schema["additionalProperties"] is False


def test_plain_string_lines_stay_valid_as_general_lines(library):
    data = yaml.safe_load(good_text())
    for mood in ("guarded", "neutral", "open", "closed_up"):
        data["lines"][mood] = [line if isinstance(line, str) else line["text"] for line in data["lines"][mood]]
    scenario = Scenario.model_validate(data)
    assert all(not line.topics and line.act == "answers" for line in scenario.lines.all_lines())


def test_lines_carry_topics_and_acts(library):
    scenario = library["performance-feedback"]
    refunds = [line for line in scenario.lines.guarded if "refunds_api" in line.topics]
    assert refunds and {line.act for line in scenario.lines.all_lines()} >= {"answers", "contests", "deflects", "discloses", "asks_back", "closes"}


def test_a_line_naming_an_unknown_topic_is_refused():
    text = good_text().replace("topics: [refunds_api]", "topics: [refund_api]", 1)
    assert text != good_text()
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="x.yaml")
    assert "refund_api" in str(info.value) and "topics:" in str(info.value)


def test_examples_under_an_unknown_topic_are_refused():
    data = yaml.safe_load(good_text())
    data["asks"] = {"refund_api": ["What happened with the refunds work?"]}
    with pytest.raises(ValueError, match="asks: names refund_api, which is not under topics:"):
        Scenario.model_validate(data)


@pytest.mark.parametrize("scenario_id", SHIPPED_IDS)
def test_every_topic_has_three_to_six_example_manager_phrasings(library, scenario_id):
    scenario = library[scenario_id]
    assert set(scenario.asks) == set(scenario.topics)
    assert all(3 <= len(asks) <= 6 for asks in scenario.asks.values()), scenario.asks


def test_an_enforced_boundary_needs_an_id_and_a_closing_line():
    data = yaml.safe_load(good_text())
    data["persona"]["boundaries"].append({"text": "Leaves if shouted at.", "ends_when": {"any_move": ["contempt"]}})
    with pytest.raises(ValueError, match="needs an id"):
        Scenario.model_validate(data)


@pytest.mark.parametrize("scenario_id", SHIPPED_IDS)
def test_every_topic_has_a_line_in_every_mood(library, scenario_id):
    """Every topic the brief and fact ledger raise can be answered whatever the persona's mood."""
    scenario = library[scenario_id]
    assert len(scenario.topics) >= 8
    for mood in ("guarded", "neutral", "open"):
        missing = [t for t in scenario.topics if not any(t in line.topics for line in scenario.lines.pool(mood))]
        assert not missing, f"{scenario_id} {mood}: no line on {missing}"
