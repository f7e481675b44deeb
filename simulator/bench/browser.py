"""End button to rendered debrief, in a real browser: the one bench figure that needs Chromium.

A 30-turn session is played through the practice service into a fresh database (29 turns),
the app is started on it (`streamlit run app.py`, offline, loopback only), and headless
Chromium, driven by Playwright, opens the conversation, sends the last message by typing
it (so the app has loaded its tagger, as it has in real use), waits a second as a manager
reading the answer would, then presses "End and get my debrief". The figure is the time from the click to the first
animation frame in which the page shows the debrief with a line for every reply, both read by the page's own clock
(`performance.now()` in a click listener and at each frame). The same span read from outside, by Playwright's click
and polling, is reported beside it: it adds Playwright's checks before the click and a round trip after the frame.

Needs Debian's /usr/bin/chromium, the playwright package and a checkout (app.py beside
the package); without them `measure_browser` returns None and the bench says "n/a".
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parent.parent.parent
STEP_MS = 60_000
# Between the persona's last answer and the click on End: a manager reads the answer first. The app uses
# that time to prepare the debrief (`PracticeService.prepare_debrief`); with no pause, the figure includes
# the preparation of all 30 replies (the first 29 were played outside the app, so none was prepared).
READING_PAUSE_S = 1.0
CHAT_INPUT = 'textarea[placeholder^="What do you say to"]'
# the debrief is rendered when it shows one "N. Empathy … · Evidence … · trust" line per reply
_RENDERED = """n => [...document.querySelectorAll('p')]
    .filter(p => /^\\s*\\d+\\.\\s*Empathy \\d+ · Evidence \\d+ · trust/.test(p.textContent)).length >= n"""
# In the page: when the End button is clicked, and the first animation frame after it in which _RENDERED holds.
_CLOCK = """([rendered, n]) => {
    const shown = eval(rendered);
    window.__debrief = {};
    document.addEventListener('click', () => {
        const times = window.__debrief;
        times.clicked = performance.now();
        const frame = now => { if (shown(n)) { times.shown = now; } else { requestAnimationFrame(frame); } };
        requestAnimationFrame(frame);
    }, {capture: true, once: true});
}"""


def unavailable() -> str | None:
    """Why the browser measure cannot run here (None: it can)."""
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    if not (ROOT / "app.py").is_file():
        return "app.py is not beside the package (run the bench from a checkout)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is missing (bash scripts/setup.sh)"
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _played_session(data_dir: Path, turns: int) -> tuple[str, int]:
    """A session of `turns` manager messages in the app's database; (its id, its number of replies)."""
    from simulator.bench.measure import bench_scenario, long_scenario, manager_line
    from simulator.practice import PracticeService, local_user, offline_parts
    from simulator.store.db import open_store

    scenario = long_scenario(bench_scenario(), turns + 2)  # still open after the message the browser sends
    store = open_store(f"sqlite:///{data_dir / 'simulator.db'}")
    try:
        service = PracticeService(store, {scenario.id: scenario}, offline_parts())
        view = service.start(scenario, local_user(), seed=7)
        for n in range(turns):
            turn = service.take_turn(view.id, manager_line(n), expected_revision=view.revision, view=view)
            try:
                for _ in turn:
                    pass
            finally:
                turn.close()
            view = service.resume(view.id)
        return view.id, sum(m.role == "manager" for m in view.messages)
    finally:
        store.engine.dispose()


def _serve(data_dir: Path, log) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SIMULATOR_", "OPENAI_"))}
    env.update(SIMULATOR_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return proc, url
        except (urllib.error.URLError, OSError):
            time.sleep(0.25)
    _stop(proc)
    raise RuntimeError("the app did not start within 60 s")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # its own process group: streamlit and nothing else
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def measure_browser(turns: int = 30, runs: int = 3) -> dict[str, Any] | None:
    """Milliseconds from pressing End to the rendered debrief of a `turns`-turn session (median of `runs`), or None."""
    if unavailable():
        return None
    from playwright.sync_api import sync_playwright

    from simulator.bench.measure import manager_line

    times: list[float] = []
    outside: list[float] = []
    replies = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=STEP_MS)
        try:
            for _ in range(runs):
                with tempfile.TemporaryDirectory(prefix="simulator-bench-browser-") as folder, \
                        open(Path(folder) / "streamlit.log", "wb") as log:
                    session_id, _played = _played_session(Path(folder), turns - 1)
                    proc, url = _serve(Path(folder), log)
                    try:
                        context = browser.new_context(viewport={"width": 1280, "height": 900})
                        context.set_default_timeout(STEP_MS)
                        context.route("**/*", lambda route: route.continue_() if "127.0.0.1" in route.request.url
                                      or route.request.url.startswith(("data:", "blob:")) else route.abort())
                        page = context.new_page()
                        page.goto(f"{url}/practice?session={session_id}", wait_until="domcontentloaded")
                        chat = page.locator(CHAT_INPUT)
                        chat.wait_for(state="visible")
                        answered = page.locator('[data-testid="stChatMessage"]').count()
                        chat.fill(manager_line(turns - 1))
                        chat.press("Enter")
                        page.wait_for_function("n => document.querySelectorAll('[data-testid=\"stChatMessage\"]').length >= n",
                                               arg=answered + 2, polling="raf")
                        page.wait_for_function(f"() => !document.querySelector('{CHAT_INPUT}')?.disabled", polling="raf")
                        end = page.get_by_role("button", name="End and get my debrief")
                        end.wait_for(state="visible")
                        time.sleep(READING_PAUSE_S)  # a manager reads the last answer before leaving
                        page.evaluate(_CLOCK, [_RENDERED, turns])
                        start = time.perf_counter()
                        end.click()
                        page.wait_for_function(_RENDERED, arg=turns, polling="raf")
                        outside.append(time.perf_counter() - start)
                        page.wait_for_function("() => window.__debrief.shown !== undefined", polling="raf")
                        clock = page.evaluate("() => window.__debrief")
                        times.append((clock["shown"] - clock["clicked"]) / 1000)
                        replies = turns
                        context.close()
                    finally:
                        _stop(proc)
        finally:
            browser.close()
    times.sort()
    outside.sort()
    return {"turns": replies, "runs": len(times), "end_to_debrief_ms": round(times[len(times) // 2] * 1000, 1),
            "all_ms": [round(t * 1000, 1) for t in times],
            "playwright_ms": round(outside[len(outside) // 2] * 1000, 1), "playwright_all_ms": [round(t * 1000, 1) for t in outside]}
