"""`simulator bench --scale`: many simulated users against one real app server, offline.

Each user is a headless Chromium browser context (Debian's /usr/bin/chromium driven by
Playwright, the same route as the browser tests) with its own practice session. All users
send their messages at the same time; a turn's latency runs from pressing Enter to the
persona's reply on screen with the input enabled again (the whole Streamlit run). For each
N we report p50/p95 latency and failures; the load "holds" while p95 stays under
HOLD_P95_S with no failed turn. Cold start is the time from spawning the server to its
health check answering and to the first interactive page (the library's heading).

The browsers run on the same machine as the server, so at large N they compete with it
for the CPU: the figures are an upper bound on what the server alone costs.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from simulator.bench.app_server import AppServer

USERS = (1, 10, 25, 50)
TURNS = 3
HOLD_P95_S = 2.0  # a turn of the offline engine should feel instant: p95 above this no longer holds
STEP_S = 120.0  # the longest any one wait may take before the turn counts as failed
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
ASSISTANT = '[data-testid="stChatMessage"]:has([aria-label="Chat message from assistant"])'
CHAT_INPUT = 'textarea[placeholder^="What do you say to"]'


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else 0.0


def _require() -> None:
    from simulator.errors import SimulatorError

    try:
        import playwright.async_api  # noqa: F401
    except ImportError as exc:
        raise SimulatorError("simulator bench --scale drives browsers: install Playwright with pip install 'conversation-simulator[test]'.") from exc
    if not CHROMIUM.exists():
        raise SimulatorError(f"simulator bench --scale needs Chromium at {CHROMIUM}: apt-get install -y chromium (never `playwright install`).")


def _sessions(database_url: str, count: int) -> list[str]:
    """`count` open practice sessions, created through the service the app uses."""
    from simulator.bench.measure import bench_scenario, long_scenario
    from simulator.practice import PracticeService, local_user
    from simulator.store.db import open_store

    scenario = long_scenario(bench_scenario())
    store = open_store(database_url)
    try:
        service = PracticeService(store, {scenario.id: scenario})
        return [service.start(scenario, local_user()).id for _ in range(count)]
    finally:
        store.engine.dispose()


async def _open(browser: Any, url: str, session_id: str) -> Any:
    """One user's browser context with the practice page of their session, ready to type."""
    context = await browser.new_context(viewport={"width": 1000, "height": 800})
    context.set_default_timeout(STEP_S * 1000)
    page = await context.new_page()
    await page.goto(f"{url}/practice?session={session_id}", wait_until="domcontentloaded")
    await page.locator(CHAT_INPUT).wait_for(state="visible")
    return page


async def _talk(page: Any, turns: int) -> tuple[list[float], list[str]]:
    """Send `turns` messages one after another; each one's seconds from Enter to the reply shown and the input free."""
    from simulator.bench.measure import manager_line

    latencies: list[float] = []
    failures: list[str] = []
    chat = page.locator(CHAT_INPUT)
    # Counted once, on the loaded page: a count taken just after a streamed reply can briefly include both
    # the streamed copy and its rerun's, so each turn waits for an absolute position instead.
    opened = await page.locator(ASSISTANT).count()
    for n in range(turns):
        try:
            before = opened + n
            began = time.perf_counter()
            await chat.fill(manager_line(n + 2))
            await chat.press("Enter")
            await page.locator(ASSISTANT).nth(before).wait_for(state="visible")
            await page.wait_for_function(
                f"() => {{ const t = document.querySelector('{CHAT_INPUT}'); return t && !t.disabled; }}", timeout=STEP_S * 1000)
            latencies.append(time.perf_counter() - began)
        except Exception as exc:  # noqa: BLE001 - a failed turn is a measurement, not a crash
            failures.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
            break
    return latencies, failures


async def _load(url: str, session_ids: list[str], turns: int) -> dict[str, Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            # every page open first (a page that does not open is a failed user)...
            opened = await asyncio.gather(*(_open(browser, url, sid) for sid in session_ids), return_exceptions=True)
            pages = [p for p in opened if not isinstance(p, BaseException)]
            not_opened = [f"page did not open: {type(e).__name__}" for e in opened if isinstance(e, BaseException)]
            began = time.perf_counter()
            results = await asyncio.gather(*(_talk(page, turns) for page in pages))  # ...then all type at once
            results.append(([], not_opened))
            wall = time.perf_counter() - began
        finally:
            await browser.close()
    latencies = [x for lat, _ in results for x in lat]
    failures = [f for _, fail in results for f in fail]
    n = len(session_ids)
    p50, p95 = (statistics.median(latencies), _p95(latencies)) if latencies else (0.0, 0.0)
    return {
        "users": n, "turns_attempted": n * turns, "turns_done": len(latencies), "failures": len(failures),
        "failure_examples": sorted(set(failures))[:3], "p50_s": round(p50, 3), "p95_s": round(p95, 3),
        "max_s": round(max(latencies), 3) if latencies else None, "wall_s": round(wall, 2),
        "turns_per_s": round(len(latencies) / wall, 2) if wall else None,
        "holds": not failures and bool(latencies) and p95 <= HOLD_P95_S,
    }


async def _first_page(url: str) -> float:
    """Seconds until the library page is interactive in a browser (its heading and selectbox shown)."""
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page()
            began = time.perf_counter()
            await page.goto(url, wait_until="domcontentloaded")
            await page.get_by_role("heading", name="Practise a difficult conversation").wait_for(timeout=STEP_S * 1000)
            await page.locator('[data-testid="stSelectbox"]').first.wait_for(timeout=STEP_S * 1000)
            return time.perf_counter() - began
        finally:
            await browser.close()


def run_scale(users: tuple[int, ...] = USERS, turns: int = TURNS) -> dict[str, Any]:
    """Cold start, then each N of `users` in turn against one offline app server on a new SQLite file."""
    _require()
    with tempfile.TemporaryDirectory(prefix="simulator-scale-") as folder:
        database_url = f"sqlite:///{Path(folder) / 'scale.db'}"
        server = AppServer(Path(folder), env={"SIMULATOR_DATABASE_URL": database_url})
        spawned = time.perf_counter()
        server.start()
        health_s = time.perf_counter() - spawned
        try:
            first_page_s = asyncio.run(_first_page(server.url))  # the first page also runs the first script: imports, models
            # the first turn loads the sentence encoder and the scenario's topic index: reported, not in the rows
            first_turn = asyncio.run(_load(server.url, _sessions(database_url, 1), 1))
            cold = {"health_s": round(health_s, 2), "first_interactive_s": round(health_s + first_page_s, 2),
                    "first_turn_s": first_turn["max_s"]}
            rows = []
            for n in users:
                rows.append(asyncio.run(_load(server.url, _sessions(database_url, n), turns)))
                print(f"scale: {rows[-1]}", file=sys.stderr)  # progress: a long run keeps what it measured
        finally:
            server.stop()
    holding = [r["users"] for r in rows if r["holds"]]
    broken = [r["users"] for r in rows if not r["holds"]]
    return {"cold_start": cold, "load_average": [round(x, 1) for x in os.getloadavg()], "cpus": os.cpu_count(),
            "turns_per_user": turns, "hold_p95_s": HOLD_P95_S, "rows": rows,
            "holds_up_to": max(holding) if holding else 0, "first_not_holding": min(broken) if broken else None}


def render_scale(results: dict[str, Any]) -> str:
    cold = results["cold_start"]
    lines = [
        f"Scale: one offline app server, N users in headless Chromium, {results['turns_per_user']} turns each, all at once",
        f"  cold start: healthy after {cold['health_s']} s, first interactive page after {cold['first_interactive_s']} s, "
        f"first turn {cold['first_turn_s']} s (loads the sentence encoder); {results['cpus']} CPUs, load average {results['load_average']} at the end",
        f"  {'users':>5}  {'turns':>7}  {'failed':>6}  {'p50 s':>7}  {'p95 s':>7}  {'max s':>7}  {'turns/s':>7}  holds (p95 <= {results['hold_p95_s']} s)",
    ]
    for r in results["rows"]:
        lines.append(f"  {r['users']:>5}  {r['turns_done']:>3}/{r['turns_attempted']:<3}  {r['failures']:>6}  {r['p50_s']:>7}  {r['p95_s']:>7}  "
                     f"{r['max_s'] if r['max_s'] is not None else '-':>7}  {r['turns_per_s'] or '-':>7}  {'yes' if r['holds'] else 'no'}")
    stop = results["first_not_holding"]
    lines.append(f"  holds up to {results['holds_up_to']} users" + (f"; stops holding at {stop}" if stop else " (every N measured)"))
    return "\n".join(lines)
