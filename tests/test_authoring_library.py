"""Publishing to the scenario library folder, and playing a published scenario."""

import json

import pytest

from simulator.authoring.check import CheckReport, Failure
from simulator.authoring.library import combined_library, content_version, publish
from simulator.cli import main
from simulator.config import load_settings
from simulator.domain.scenario import default_scenarios_dir
from simulator.errors import ScenarioError

from .conftest import ROOT, SHIPPED_IDS

PF_TEXT = (ROOT / "scenarios" / "performance-feedback.yaml").read_text(encoding="utf-8")
MINE = PF_TEXT.replace("id: performance-feedback", "id: tired-senior").replace(
    'title: "Missed deadlines and curt code reviews"', 'title: "A tired senior engineer"')
PASSED = CheckReport(source="tired-senior", scenario_id="tired-senior")  # checks already run on this text, none failed


def test_publish_saves_a_file_with_its_content_version_and_the_library_lists_it(tmp_path):
    path, version = publish(MINE, tmp_path, shipped_ids=set(SHIPPED_IDS), report=PASSED)
    assert path == tmp_path / "tired-senior.yaml" and path.read_text(encoding="utf-8") == MINE
    assert version == content_version(MINE) and len(version) == 64
    scenarios, errors = combined_library(default_scenarios_dir(), tmp_path)
    assert not errors and set(scenarios) == set(SHIPPED_IDS) | {"tired-senior"}


def test_publish_refuses_a_shipped_id_and_failed_checks(tmp_path):
    with pytest.raises(ScenarioError, match="shipped scenario"):
        publish(PF_TEXT, tmp_path, shipped_ids=set(SHIPPED_IDS), report=PASSED)
    failed = CheckReport(source="x", scenario_id="tired-senior", failures=[Failure("blaming manager", "revealed it", "add no_move")])
    with pytest.raises(ScenarioError, match="checks failed"):
        publish(MINE, tmp_path, shipped_ids=set(SHIPPED_IDS), report=failed)
    assert not list(tmp_path.iterdir())


def test_a_published_id_that_repeats_a_shipped_one_is_an_error_not_a_replacement(tmp_path):
    (tmp_path / "dup.yaml").write_text(PF_TEXT.replace("Missed deadlines", "Changed"), encoding="utf-8")
    scenarios, errors = combined_library(default_scenarios_dir(), tmp_path)
    assert scenarios["performance-feedback"].title.startswith("Missed deadlines")
    assert any("already a shipped scenario" in str(e) for e in errors)


def test_play_finds_a_published_scenario(tmp_path, capsys):
    publish(MINE, load_settings().library_dir, shipped_ids=set(SHIPPED_IDS), report=PASSED)
    script = tmp_path / "s.txt"
    script.write_text("How have things been?\n", encoding="utf-8")
    assert main(["play", "tired-senior", "--script", str(script), "--json", "--no-save"]) == 0
    assert json.loads(capsys.readouterr().out)["scenario"] == "tired-senior"
