import json
import subprocess
import sys

from simulator.cli import main

from .conftest import ROOT
from .scripts import BLAMING_VAGUE, EMPATHIC_SPECIFIC


def test_play_script_json(tmp_path, capsys):
    script = tmp_path / "script.txt"
    script.write_text("\n".join(EMPATHIC_SPECIFIC) + "\n")
    assert main(["play", "performance-feedback", "--script", str(script), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["transcript"][0]["role"] == "persona"
    assert result["transcript"][1] == {"role": "manager", "text": EMPATHIC_SPECIFIC[0], "interrupted": False}
    state = result["final_state"]
    assert state["mood"] == "open" and "caring-for-father" in state["revealed"]
    assert {"trust", "stress", "goals_met"} <= set(state)
    assert result["debrief"]["replies"][0]["text"] == EMPATHIC_SPECIFIC[0]


def test_play_as_a_module_in_a_subprocess(tmp_path):
    script = tmp_path / "s.txt"
    script.write_text("\n".join(BLAMING_VAGUE[:3]) + "\n")
    done = subprocess.run(
        [sys.executable, "-m", "simulator", "play", "lateness", "--script", str(script)],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "Carla" in done.stdout and "Debrief" in done.stdout and "[guarded]" in done.stdout


def test_play_unknown_scenario_and_model(capsys):
    assert main(["play", "nope", "--script", "-"]) == 1
    assert "Known ids" in capsys.readouterr().err
    assert main(["play", "lateness", "--model", "gpt-x"]) == 1
    assert "OPENAI_BASE_URL" in capsys.readouterr().err


def test_score_jsonl_keeps_order_and_reports_bad_lines(tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    rows = [
        {"id": "kind", "reply": "I can see this has been really hard. What has been going on for you?"},
        {"id": "harsh", "reply": "You're always late and lazy. Everyone says so.", "context": "lateness"},
        {"id": "sbi", "reply": "On 10 March you arrived 45 minutes late, which left 63 callers waiting."},
    ]
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\nnot json\n")
    assert main(["score", str(src)]) == 1  # the bad line makes the exit code 1
    out = capsys.readouterr()
    scored = [json.loads(line) for line in out.out.splitlines()]
    assert [s["id"] for s in scored] == ["kind", "harsh", "sbi"]
    by_id = {s["id"]: s for s in scored}
    assert by_id["kind"]["empathy"] > by_id["harsh"]["empathy"]
    assert by_id["sbi"]["evidence"] > by_id["harsh"]["evidence"]
    assert set(by_id["sbi"]["skills"]) >= {"emotional_reaction", "interpretation", "exploration", "validation", "situation", "behaviour", "impact", "data", "penalties"}
    assert "label_judgment" in by_id["harsh"]["skills"]["penalties"]
    assert "in.jsonl:4" in out.err


def test_score_with_a_scenario_checks_the_fact_ledger(tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "reply": "On 12 April you commented on PR #481.", "scenario": "performance-feedback"}) + "\n")
    assert main(["score", str(src)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["disputed"] == ["12 April", "#481"] and "invented_fact" in out["skills"]["penalties"]
