#!/usr/bin/env bash
# Run the app: `bash scripts/run-app.sh [extra streamlit args]`, at http://127.0.0.1:8501.
# Address, port and the rest come from .streamlit/config.toml (loopback only, headless,
# no usage statistics); pass e.g. `--server.port 8600` to change one for this run.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
if [[ "${SIMULATOR_AUTH:-}" == "oidc" ]]; then  # team mode: st.login reads its settings from .streamlit/secrets.toml
    .venv/bin/simulator team secrets --path .streamlit/secrets.toml
fi
exec .venv/bin/streamlit run app.py "$@"
