#!/usr/bin/env bash
# Run the tests: `bash scripts/test.sh [pytest args]`.
# Installs Debian's chromium for the browser test when it is missing (never `playwright install`).
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

if [[ "${CI:-}" == "true" ]]; then
    export SIMULATOR_REQUIRE_BROWSER=1
fi

exec .venv/bin/python -m pytest "$@"
