#!/usr/bin/env bash
# Create .venv and install the project with its test extra into it.
#
# Needs Python 3.11 or newer: `python3`, or the interpreter named by PYTHON
# (`PYTHON=python3.11 bash scripts/setup.sh`). A .venv made by another Python, or
# broken, is rebuilt rather than reused. A working .venv is kept when PYTHON is not set.
# Idempotent: skips pip when pyproject.toml has not changed since the last successful
# install (SIMULATOR_SETUP_FORCE=1 reinstalls anyway; SIMULATOR_SETUP_VENV_ONLY=1 only
# checks and (re)builds .venv, without installing).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

MIN_MAJOR=3 MIN_MINOR=11
# What identifies an interpreter: its version and the installation it belongs to
# (a venv's python reports the base installation's prefix).
IDENTITY='import sys; print("%d.%d.%d" % sys.version_info[:3], sys.base_prefix)'

die() { echo "setup: $*" >&2; exit 1; }

version_ok() {  # "3.11.7" -> true when >= MIN
    local major minor
    IFS=. read -r major minor _ <<< "$1"
    [[ "$major" =~ ^[0-9]+$ && "$minor" =~ ^[0-9]+$ ]] || return 1
    (( major > MIN_MAJOR || (major == MIN_MAJOR && minor >= MIN_MINOR) ))
}

venv_identity() {  # empty when .venv is missing or broken (no python, or no pip)
    [[ -x .venv/bin/python ]] || return 0
    .venv/bin/python -c "import pip; $IDENTITY" 2>/dev/null || true
}

current="$(venv_identity)"
if [[ -n "$current" && -z "${PYTHON:-}" ]] && version_ok "${current%% *}"; then
    : # a working .venv and no explicit choice: keep it
else
    python="${PYTHON:-python3}"
    command -v "$python" >/dev/null 2>&1 \
        || die "'$python' was not found. Install Python $MIN_MAJOR.$MIN_MINOR or newer and name it: PYTHON=python3.11 bash scripts/setup.sh"
    wanted="$("$python" -c "$IDENTITY" 2>/dev/null)" \
        || die "'$python' does not run. Name a working Python $MIN_MAJOR.$MIN_MINOR+: PYTHON=python3.11 bash scripts/setup.sh"
    version="${wanted%% *}"
    version_ok "$version" || die "Python $MIN_MAJOR.$MIN_MINOR or newer is needed; '$python' is Python $version.
  Install one (Debian/Ubuntu: apt-get install python3.11 python3.11-venv; or pyenv, or python.org),
  then run: PYTHON=python3.11 bash scripts/setup.sh"
    if [[ -e .venv && "$current" != "$wanted" ]]; then
        if [[ -z "$current" ]]; then
            reason="is broken (its python or pip does not run)"
        else
            reason="was made by another Python (${current%% *} from ${current#* })"
        fi
        echo "setup: .venv $reason; rebuilding it with $python (Python $version)" >&2
        rm -rf .venv
    fi
    if [[ ! -e .venv ]]; then
        echo "setup: creating .venv with $(command -v "$python") (Python $version)" >&2
        "$python" -m venv .venv || {
            rm -rf .venv
            die "'$python -m venv' failed. On Debian/Ubuntu install the venv module (apt-get install python${version%.*}-venv), then run this again."
        }
    fi
fi

if [[ "${SIMULATOR_SETUP_VENV_ONLY:-0}" == 1 ]]; then
    exit 0
fi

stamp=.venv/.setup-stamp
want="$(sha256sum pyproject.toml setup.py | cut -d' ' -f1 | tr '\n' ' ')$(.venv/bin/python -c 'import sys; print(sys.version.split()[0])')"
if [[ "${SIMULATOR_SETUP_FORCE:-0}" != 1 && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] \
    && .venv/bin/python -c 'import simulator, streamlit, pytest, playwright' 2>/dev/null; then
    exit 0
fi

echo "setup: installing the project and its test extra into .venv" >&2
.venv/bin/python -m pip install --quiet -e '.[test]'
printf '%s\n' "$want" > "$stamp"
