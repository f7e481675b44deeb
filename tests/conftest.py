"""Shared fixtures. Every test gets its own data folder; no test may reach the network."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from simulator.domain.scenario import default_scenarios_dir, load_library
from simulator.store.db import open_store

ROOT = Path(__file__).resolve().parent.parent
SHIPPED_IDS = ["performance-feedback", "letting-go", "first-one-on-one", "peer-conflict", "no-promotion", "lateness"]


@pytest.fixture(autouse=True)
def _isolate(tmp_path, monkeypatch):
    """Isolate on-disk state and refuse connections to anything but loopback."""
    monkeypatch.setenv("SIMULATOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("SIMULATOR_DATABASE_URL", raising=False)
    for name in ("SIMULATOR_SCENARIOS_DIR", "OPENAI_API_KEY", "OPENAI_BASE_URL", "SIMULATOR_PERSONA_MODEL",
                 "SIMULATOR_JUDGE_MODEL", "SIMULATOR_TAGGER_MODEL", "SIMULATOR_OFFLINE", "SIMULATOR_SESSION_TOKEN_CAP",
                 "SIMULATOR_HISTORY_TOKENS", "SIMULATOR_PRICES_FILE", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
    real_connect = socket.socket.connect

    def guarded_connect(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (host.startswith("127.") or host in ("localhost", "::1") or host.startswith("/")):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


@pytest.fixture(scope="session")
def library():
    scenarios, errors = load_library(default_scenarios_dir())
    assert not errors, [str(e) for e in errors]
    return scenarios


@pytest.fixture
def store(tmp_path):
    s = open_store(f"sqlite:///{tmp_path / 'test.db'}")
    yield s
    s.engine.dispose()
