#!/usr/bin/env bash
# Run the app: `bash scripts/run-app.sh [extra streamlit args]` (default http://localhost:8501).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/setup.sh
exec .venv/bin/streamlit run app.py \
    --server.headless true \
    --browser.gatherUsageStats false \
    "$@"
