import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

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
    assert set(by_id["sbi"]["skills"]) >= {
        "emotional_reaction", "interpretation", "exploration", "validation", "situation", "behaviour", "impact", "data", "penalties"
    }
    assert "label_judgment" in by_id["harsh"]["skills"]["penalties"]
    assert "in.jsonl:4" in out.err


def test_score_with_a_scenario_checks_the_fact_ledger(tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": 1, "reply": "On 12 April you commented on PR #481.", "scenario": "performance-feedback"}) + "\n")
    assert main(["score", str(src)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["disputed"] == ["12 April", "#481"] and "invented_fact" in out["skills"]["penalties"]


# Every user mistake: a one-line message on stderr that says what to fix, a non-zero exit, no traceback.
BROKEN_YAML = "id: broken\ntitle: [unclosed\n"
INVALID_SCENARIO = "id: invalid\ntitle: Invalid\nnot_a_field: 1\nanother_unknown: 2\n"


def _mistakes(tmp_path):
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "not-utf8.txt").write_bytes(b"\xff\xfe caf\xe9\n")
    (tmp_path / "not-utf8.yaml").write_bytes(b"id: caf\xe9\n")
    (tmp_path / "broken.yaml").write_text(BROKEN_YAML)
    (tmp_path / "invalid.yaml").write_text(INVALID_SCENARIO)
    (tmp_path / "bad.jsonl").write_text('{"id": 1, "reply": "fine"}\n{"id": 2, "reply": \n')
    (tmp_path / "a-file").write_text("not a folder")
    return {
        "missing script": (["play", "lateness", "--script", "missing.txt"], {}, "missing.txt: no such file"),
        "script is a folder": (["play", "lateness", "--script", str(tmp_path)], {}, "is a folder, not a file"),
        "script not UTF-8": (["play", "lateness", "--script", "not-utf8.txt"], {}, "not-utf8.txt is not UTF-8 text"),
        "missing replies file": (["score", "missing.jsonl"], {}, "missing.jsonl: no such file"),
        "replies file is a folder": (["score", str(tmp_path)], {}, "is a folder, not a file"),
        "bad JSON line": (["score", "bad.jsonl"], {}, 'bad.jsonl:2: expected a JSON object with a string "reply"'),
        "unknown scenario id": (["play", "no-such-scenario", "--script", "-"], {}, "Known ids: first-one-on-one"),
        "missing scenario file": (["play", "missing.yaml", "--script", "-"], {}, "missing.yaml: no such scenario file"),
        "scenario path is a folder": (["play", "folder.yaml", "--script", "-"], {}, "folder.yaml is a folder"),
        "validate a folder": (["scenarios", "validate", "folder.yaml"], {}, "folder.yaml is a folder"),
        "scenario not UTF-8": (["scenarios", "validate", "not-utf8.yaml"], {}, "not-utf8.yaml: not UTF-8 text"),
        "broken scenario file": (["play", "broken.yaml", "--script", "-"], {}, "broken.yaml:3: YAML syntax error"),
        "invalid scenario file": (["play", "invalid.yaml", "--script", "-"], {}, "run `simulator scenarios validate invalid.yaml`"),
        "data dir under a file": (["play", "lateness", "--script", "-"], {"SIMULATOR_DATA_DIR": str(tmp_path / "a-file" / "data")}, "SIMULATOR_DATA_DIR"),
        "bad number setting": (["play", "lateness", "--script", "-"], {"SIMULATOR_MAX_MESSAGE_CHARS": "lots"}, "positive whole number"),
    }


MISTAKES = [
    "missing script", "script is a folder", "script not UTF-8", "missing replies file", "replies file is a folder",
    "bad JSON line", "unknown scenario id", "missing scenario file", "scenario path is a folder", "validate a folder",
    "scenario not UTF-8", "broken scenario file", "invalid scenario file", "data dir under a file", "bad number setting",
]


@pytest.mark.parametrize("mistake", MISTAKES)
def test_a_user_mistake_gives_one_line_and_no_traceback(mistake, tmp_path):
    args, env, expected = _mistakes(tmp_path)[mistake]
    done = subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        capture_output=True, text=True, cwd=tmp_path, timeout=60, input="Hello.\n",
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert expected in lines[0], done.stderr


def test_an_unreadable_file_is_named(tmp_path, monkeypatch, capsys):
    script = tmp_path / "locked.txt"
    script.write_text("Hello.\n")

    def refuse(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)  # root may read any file, so refuse it here
    assert main(["play", "lateness", "--script", str(script)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{script} cannot be read (Permission denied)" in err


def test_any_os_error_from_a_command_is_one_line(monkeypatch, capsys):
    import simulator.cli as cli

    def fail(_args):
        raise OSError(28, "No space left on device", "/data/simulator.db")

    monkeypatch.setattr(cli, "_cmd_schema", fail)
    assert main(["scenarios", "schema"]) == 1
    assert capsys.readouterr().err == "error: /data/simulator.db: No space left on device. Check the path and that you may read (or write) it.\n"
