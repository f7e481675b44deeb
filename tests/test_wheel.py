"""A built wheel carries the scenarios: installed into a new virtual environment, it plays from any folder."""

from __future__ import annotations

import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

from .conftest import ROOT, SHIPPED_IDS


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, timeout=300, **kwargs)
    assert done.returncode == 0, f"{args}\n{done.stdout}\n{done.stderr}"
    return done


def test_the_wheel_installs_into_a_new_venv_and_plays_from_another_folder(tmp_path):
    # Build from a copy, so the checkout gets no build/ or egg-info; offline: no index, no build isolation.
    source = tmp_path / "source"
    for name in ("simulator", "scenarios"):
        shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, source / name)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(tmp_path / "dist"), str(source)])
    (wheel,) = (tmp_path / "dist").glob("conversation_simulator-*.whl")
    shipped = sorted(p.name for p in (ROOT / "scenarios").glob("*.yaml"))
    with zipfile.ZipFile(wheel) as archive:
        assert sorted(Path(n).name for n in archive.namelist() if n.startswith("simulator/scenarios/")) == shipped

    # A new venv that sees this test environment's dependencies (a .pth line) but not the checkout.
    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    venv_site = Path(_run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    deps = [p for p in {sysconfig.get_paths()["purelib"], *site.getsitepackages()} if Path(p).is_dir()]
    (venv_site / "test-dependencies.pth").write_text("\n".join(deps) + "\n")
    _run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed", "--quiet", str(wheel)])

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SIMULATOR_SCENARIOS_DIR")}
    env["SIMULATOR_DATA_DIR"] = str(tmp_path / "data")
    where = _run([str(python), "-c", "import simulator; print(simulator.__file__)"], cwd=elsewhere, env=env).stdout
    assert where.startswith(str(venv_site)), where

    simulator = str(venv / "bin" / "simulator")
    played = _run([simulator, "play", "lateness", "--script", "-", "--json"], cwd=elsewhere, env=env,
                  input="Thanks for coming in. How have the last few weeks been for you?\nOn 10 March you arrived 45 minutes late.\n")
    result = json.loads(played.stdout)
    assert result["scenario"] == "lateness"
    assert [m["role"] for m in result["transcript"]][:3] == ["persona", "manager", "persona"]
    assert result["debrief"]["replies"][0]["text"].startswith("Thanks for coming in.")

    validated = _run([simulator, "scenarios", "validate"], cwd=elsewhere, env=env).stdout.splitlines()
    assert len(validated) == len(SHIPPED_IDS) == len(shipped)
    assert all(line.startswith(str(venv_site / "simulator" / "scenarios")) and ": ok (" in line for line in validated), validated

    evaluated = subprocess.run([simulator, "eval"], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=120)
    assert evaluated.returncode == 1 and "Traceback" not in evaluated.stderr
    assert "run it from a checkout of the repository" in evaluated.stderr
