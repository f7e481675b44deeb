"""The real app as a server process, for browser tests and `simulator bench --scale`: start it on a
loopback port, wait until it is healthy, kill it (gracefully or with SIGKILL), start it again on
the same database. Needs a source checkout (app.py beside the package).

    with AppServer(tmp_path, env={"SIMULATOR_DATABASE_URL": url}) as app:
        page.goto(app.url)
        app.kill()      # kill -9, the whole process group
        app.start()     # same port, same data folder and database
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the checkout: app.py and simulator/
HEALTH_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def streamlit_command() -> list[str]:
    streamlit = ROOT / ".venv" / "bin" / "streamlit"
    return [str(streamlit)] if streamlit.exists() else [sys.executable, "-m", "streamlit"]


class AppServer:
    """`streamlit run app.py` with its own data folder (and any SIMULATOR_/OPENAI_ settings in `env`)."""

    def __init__(self, folder: Path, env: dict[str, str] | None = None, port: int | None = None, args: list[str] | None = None):
        """`args`: more `streamlit run` options, e.g. ["--secrets.files", path]."""
        self.folder = folder
        self.args = list(args or [])
        self.port = port or free_port()
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("SIMULATOR_", "OPENAI_"))}
        self.env.update(SIMULATOR_DATA_DIR=str(folder / "data"), PYTHONUNBUFFERED="1", **(env or {}))
        self.log_path = folder / f"streamlit-{self.port}.log"
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> AppServer:
        """Start the server and wait until /_stcore/health answers; returns self (RuntimeError if it never does)."""
        if not (ROOT / "app.py").exists():
            raise RuntimeError(f"No app.py in {ROOT}: starting the app server needs a source checkout of the project.")
        self.starts += 1
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [*streamlit_command(), "run", "app.py", "--server.headless", "true", "--server.address", "127.0.0.1",
                 "--server.port", str(self.port), "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false", *self.args],
                cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.wait_healthy()
        return self

    def wait_healthy(self) -> float:
        """Seconds until the health check answered."""
        assert self.proc is not None
        began = time.monotonic()
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"streamlit exited with {self.proc.returncode} before it was healthy:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as response:
                    if response.status == 200 and response.read().strip() == b"ok":
                        return time.monotonic() - began
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() - began > HEALTH_TIMEOUT_S:
                raise RuntimeError(f"streamlit was not healthy after {HEALTH_TIMEOUT_S} s:\n{self.log()}")
            time.sleep(0.1)

    def kill(self) -> None:
        """kill -9 the server's whole process group: no cleanup, no `finally`, like a crash or an OOM kill."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)  # streamlit runs in its own process group
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def __enter__(self) -> AppServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        if "Traceback" in self.log():
            print(f"--- streamlit log ---\n{self.log()}")
