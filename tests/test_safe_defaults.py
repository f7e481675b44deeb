"""The app's defaults: it listens on loopback only and makes no network call at start.

The app starts as a user starts it (`scripts/run-app.sh` with only a port: the
repository's .streamlit/config.toml decides the address) under a sitecustomize guard that records, and refuses,
every DNS look-up or connection to anything but loopback.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .conftest import ROOT

GUARD = '''
import os, socket

_LOG = os.environ["NETWORK_GUARD_LOG"]
_LOCAL = ("localhost", "::1", "0.0.0.0", "::", "")


def _local(host):
    host = host.decode() if isinstance(host, bytes) else host
    return host is None or host in _LOCAL or str(host).startswith("127.")


def _refuse(what):
    with open(_LOG, "a", encoding="utf-8") as log:
        log.write(what + "\\n")
    raise OSError(101, "network call refused by the test guard: " + what)


_getaddrinfo = socket.getaddrinfo
def getaddrinfo(host, *args, **kwargs):
    if not _local(host):
        _refuse("getaddrinfo %r" % (host,))
    return _getaddrinfo(host, *args, **kwargs)
socket.getaddrinfo = getaddrinfo

for _name in ("connect", "connect_ex"):
    def _wrap(real):
        def guarded(self, address):
            if self.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
                _refuse("%s %r" % (real.__name__, address))
            return real(self, address)
        return guarded
    setattr(socket.socket, _name, _wrap(getattr(socket.socket, _name)))
'''


def _guarded_env(tmp_path: Path) -> dict[str, str]:
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(GUARD)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIMULATOR_", "STREAMLIT_"))}
    env.update(PYTHONPATH=str(guard), NETWORK_GUARD_LOG=str(tmp_path / "network.log"), HOME=str(tmp_path / "home"),
               SIMULATOR_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1")
    return env


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening_addresses(port: int) -> list[str]:
    """Local addresses with a TCP socket listening on `port`, from /proc/net/tcp and tcp6."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                if len(raw) == 4:
                    found.append(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:  # four little-endian 32-bit words
                    found.append(socket.inet_ntop(socket.AF_INET6, b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))))
    return found


def test_the_guard_sees_streamlits_ip_lookups(tmp_path):
    """Control: the same guard catches the look-ups that Streamlit makes when bound to every interface."""
    env = _guarded_env(tmp_path)
    code = "from streamlit import net_util; print(net_util.get_external_ip(), net_util.get_internal_ip())"
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    log = (tmp_path / "network.log").read_text()
    assert "checkip.amazonaws.com" in log and "8.8.8.8" in log


def test_the_app_listens_on_loopback_only_and_makes_no_network_call_at_start(tmp_path):
    env = _guarded_env(tmp_path)
    port = _free_port()
    log_path = tmp_path / "streamlit.log"
    options = ["--server.port", str(port), "--server.fileWatcherType", "none"]
    if (ROOT / ".venv" / "bin" / "streamlit").exists():  # as a user starts it; setup only checks .venv (no install)
        command = ["bash", "scripts/run-app.sh", *options]
        env["SIMULATOR_SETUP_VENV_ONLY"] = "1"
    else:
        command = [sys.executable, "-m", "streamlit", "run", "app.py", *options]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, log_path.read_text()
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as response:
                    if response.read().strip() == b"ok":
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, log_path.read_text()
            time.sleep(0.25)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as response:
            assert response.status == 200
        assert _listening_addresses(port) == ["127.0.0.1"]
        printed = log_path.read_text()
        assert f"URL: http://127.0.0.1:{port}" in printed
        assert "External URL" not in printed and "Network URL" not in printed
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    network_log = tmp_path / "network.log"
    assert not network_log.exists(), network_log.read_text()
