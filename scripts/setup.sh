#!/usr/bin/env bash
# Create .venv (if missing) and install the project with its test extra.
# Idempotent: safe to run again; it skips pip when pyproject.toml has not changed
# since the last successful install (set SIMULATOR_SETUP_FORCE=1 to reinstall anyway).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ ! -x .venv/bin/python ]]; then
    echo "setup: creating .venv with $(command -v python3)" >&2
    python3 -m venv .venv
fi

stamp=.venv/.setup-stamp
want="$(sha256sum pyproject.toml | cut -d' ' -f1) $(.venv/bin/python -c 'import sys; print(sys.version.split()[0])')"
if [[ "${SIMULATOR_SETUP_FORCE:-0}" != 1 && -f "$stamp" && "$(cat "$stamp")" == "$want" ]] \
    && .venv/bin/python -c 'import simulator, streamlit, pytest, playwright' 2>/dev/null; then
    exit 0
fi

echo "setup: installing the project and its test extra into .venv" >&2
.venv/bin/python -m pip install --quiet -e '.[test]'
printf '%s\n' "$want" > "$stamp"
