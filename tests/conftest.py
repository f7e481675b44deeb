"""Shared fixtures. Every test gets its own data folder; no test may reach the network."""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

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


@pytest.fixture(scope="session")
def postgres_server():
    """URL of a PostgreSQL server for the test run: SIMULATOR_TEST_POSTGRES_URL, else a throwaway
    one started by scripts/postgres.sh (and stopped at the end). If none can start, the
    PostgreSQL tests skip, or fail when SIMULATOR_REQUIRE_POSTGRES=1 (set by scripts/test.sh in CI)."""
    given = os.environ.get("SIMULATOR_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    script = ROOT / "scripts" / "postgres.sh"
    folder = tempfile.mkdtemp(prefix="simulator-pg-")
    started = subprocess.run(["bash", str(script), "start", folder], capture_output=True, text=True, timeout=180, check=False)
    if started.returncode != 0:
        subprocess.run(["bash", str(script), "stop", folder], capture_output=True, timeout=60, check=False)
        reason = f"PostgreSQL did not start: {started.stderr.strip()[-1500:]}"
        if os.environ.get("SIMULATOR_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason + " (SIMULATOR_REQUIRE_POSTGRES=1: PostgreSQL tests may not skip)")
        pytest.skip(reason)
    try:
        yield started.stdout.strip().splitlines()[-1]
    finally:
        subprocess.run(["bash", str(script), "stop", folder], capture_output=True, timeout=60, check=False)


@pytest.fixture
def postgres_url(postgres_server):
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    admin = create_engine(postgres_server, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(postgres_server).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A new, empty database: a SQLite file, then a PostgreSQL database (tests run on both)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'test.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def store(database_url):
    s = open_store(database_url)
    yield s
    s.engine.dispose()


@pytest.fixture
def sqlite_store(tmp_path):
    """A store on a new SQLite file only: for tests of the voice, the debrief or exports, where the
    database is not what is tested (the store and session tests run on both databases)."""
    s = open_store(f"sqlite:///{tmp_path / 'sqlite-only.db'}")
    yield s
    s.engine.dispose()
