#!/usr/bin/env bash
# Run the tests: `bash scripts/test.sh [pytest args]` (ruff and mypy first, then pytest).
# Installs Debian's chromium (browser test) and PostgreSQL (storage tests) when missing (never `playwright install`).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh

if [[ ! -x /usr/bin/chromium ]]; then
    echo "test: /usr/bin/chromium is missing; installing Debian's chromium with apt-get" >&2
    if [[ "$(id -u)" -eq 0 ]]; then
        apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium \
            || echo "test: could not install chromium; the browser test will skip (or fail in CI)" >&2
    elif command -v sudo >/dev/null 2>&1; then
        sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y chromium \
            || echo "test: could not install chromium; the browser test will skip (or fail in CI)" >&2
    else
        echo "test: not root and no sudo; the browser test will skip (or fail in CI)" >&2
    fi
fi

if ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
    echo "test: PostgreSQL server binaries are missing; installing Debian's postgresql with apt-get" >&2
    if [[ "$(id -u)" -eq 0 ]]; then
        apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y postgresql \
            || echo "test: could not install PostgreSQL; its tests will skip (or fail in CI)" >&2
    else
        echo "test: not root; install postgresql yourself or the PostgreSQL tests will skip (or fail in CI)" >&2
    fi
fi

if [[ "${CI:-}" == "true" ]]; then
    export SIMULATOR_REQUIRE_BROWSER=1
    export SIMULATOR_REQUIRE_POSTGRES=1  # the storage tests start a throwaway PostgreSQL (scripts/postgres.sh)
fi

# Lint and type-check before the tests (config in pyproject.toml); either failing fails the run.
.venv/bin/ruff check simulator tests app.py eval \
    || { echo "test: ruff found problems; see them with \`.venv/bin/ruff check simulator tests app.py eval\` (add --fix for the safe fixes)" >&2; exit 1; }
.venv/bin/mypy simulator \
    || { echo "test: mypy found type errors; see them with \`.venv/bin/mypy simulator\`" >&2; exit 1; }

exec .venv/bin/python -m pytest "$@"
