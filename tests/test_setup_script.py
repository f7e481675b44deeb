"""scripts/setup.sh: the Python version is checked first, and a .venv of another Python is rebuilt."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)


def _project_copy(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup.sh", project / "scripts" / "setup.sh")
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    return project


def _fake_python(path: Path, identity: str) -> Path:
    """An executable that answers every question like another Python would."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"#!/bin/sh\necho '{identity}'\n")
    path.chmod(0o755)
    return path


def _setup(project: Path, **env: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if k != "PYTHON"}
    full.update(SIMULATOR_SETUP_VENV_ONLY="1", **env)
    return subprocess.run(["bash", "scripts/setup.sh"], cwd=project, env=full, capture_output=True, text=True, timeout=180)


def _venv_identity(project: Path) -> str:
    code = 'import sys; print("%d.%d.%d" % sys.version_info[:3], sys.base_prefix)'
    return subprocess.run([str(project / ".venv/bin/python"), "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_too_old_or_missing_python_is_named_before_anything_is_made(tmp_path):
    project = _project_copy(tmp_path)
    old = _fake_python(tmp_path / "bin" / "python3.9", "3.9.2 /opt/python3.9")
    done = _setup(project, PYTHON=str(old))
    assert done.returncode != 0
    assert "Python 3.11 or newer is needed" in done.stderr and "is Python 3.9.2" in done.stderr
    assert "PYTHON=python3.11 bash scripts/setup.sh" in done.stderr
    assert not (project / ".venv").exists()

    done = _setup(project, PYTHON="python3.99-not-installed")
    assert done.returncode != 0 and "'python3.99-not-installed' was not found" in done.stderr
    assert not (project / ".venv").exists()


def test_a_venv_of_another_python_or_a_broken_one_is_rebuilt_and_a_good_one_kept(tmp_path):
    project = _project_copy(tmp_path)
    _fake_python(project / ".venv" / "bin" / "python", "3.9.2 /opt/python3.9")
    (project / ".venv" / "made-by-old-python").write_text("")
    done = _setup(project, PYTHON=BASE_PYTHON)
    assert done.returncode == 0, done.stderr
    assert ".venv was made by another Python (3.9.2 from /opt/python3.9); rebuilding" in done.stderr
    assert not (project / ".venv" / "made-by-old-python").exists()
    identity = _venv_identity(project)
    assert identity == f"{sys.version.split()[0]} {sys.base_prefix}"

    (project / ".venv" / "kept").write_text("")
    done = _setup(project)  # PYTHON not set: the working .venv is kept
    assert done.returncode == 0 and "rebuilding" not in done.stderr and (project / ".venv" / "kept").exists()

    (project / ".venv" / "bin" / "python").unlink()  # broken: its interpreter is gone
    done = _setup(project)
    assert done.returncode == 0, done.stderr
    assert ".venv is broken" in done.stderr and _venv_identity(project) == identity
