"""Team mode end to end: two people sign in through a real OpenID Connect provider on loopback
(oidc-provider-mock) in headless Chromium; the manager practises and shares her scores, the
team lead sees them on the team dashboard, a manager of the same team does not.

Streamlit's `st.login` reads the `[auth]` secrets written by `simulator team secrets` (passed
with `--secrets.files`, so the checkout's .streamlit folder is left alone).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from simulator.bench.app_server import HEALTH_TIMEOUT_S, AppServer, free_port

from .test_browser import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    STEP_MS,
    _assert_no_exception,
    _full_page_screenshot,
    _require_browser,
)
from .test_team_report import TEAM_FILE

pytestmark = pytest.mark.browser

CHAT_INPUT = 'textarea[placeholder^="What do you say to"]'


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + HEALTH_TIMEOUT_S
    while True:
        if proc.poll() is not None:
            pytest.fail(f"{proc.args[0]} exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{url} did not answer after {HEALTH_TIMEOUT_S} s:\n{log.read_text(errors='replace')}")
        time.sleep(0.25)


def _start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "wb") as out:
        return subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture
def team_app(tmp_path: Path):
    """The OIDC provider and the app in team mode, both on loopback; yields (app url, provider url)."""
    _require_browser()
    bin_dir = ROOT / ".venv" / "bin"
    if not (bin_dir / "oidc-provider-mock").exists():
        pytest.skip("oidc-provider-mock is not installed: run scripts/setup.sh")
    provider_port, app_port = free_port(), free_port()
    provider, app = f"http://127.0.0.1:{provider_port}", f"http://127.0.0.1:{app_port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIMULATOR_")}
    (tmp_path / "teams.toml").write_text(TEAM_FILE)
    env.update(
        SIMULATOR_DATA_DIR=str(tmp_path / "data"), PYTHONUNBUFFERED="1", SIMULATOR_AUTH="oidc",
        SIMULATOR_TEAMS_FILE=str(tmp_path / "teams.toml"),
        SIMULATOR_OIDC_METADATA_URL=f"{provider}/.well-known/openid-configuration",
        SIMULATOR_OIDC_CLIENT_ID="simulator", SIMULATOR_OIDC_CLIENT_SECRET="test-secret",
        SIMULATOR_OIDC_REDIRECT_URI=f"{app}/oauth2callback", SIMULATOR_COOKIE_SECRET="a-test-cookie-secret-of-some-length",
    )
    secrets = tmp_path / "secrets.toml"
    made = subprocess.run([str(bin_dir / "simulator"), "team", "secrets", "--path", str(secrets)], env=env, capture_output=True, text=True, check=False)
    assert made.returncode == 0, made.stderr
    provider_proc = _start([str(bin_dir / "oidc-provider-mock"), "--host", "127.0.0.1", "--port", str(provider_port)], env, tmp_path / "provider.log")
    app_server = AppServer(tmp_path, env={k: v for k, v in env.items() if k.startswith("SIMULATOR_") and k != "SIMULATOR_DATA_DIR"}, port=app_port,
                           args=["--secrets.files", str(secrets)])
    try:
        _wait_healthy(f"{provider}/.well-known/openid-configuration", provider_proc, tmp_path / "provider.log")
        app_server.start()
        for person in ("ana", "bob", "lea"):
            request = urllib.request.Request(
                f"{provider}/users/{person}", method="PUT", headers={"Content-Type": "application/json"},
                data=json.dumps({"email": f"{person}@example.com", "name": person.title()}).encode(),
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.status == 204
        yield app, provider
    finally:
        app_server.__exit__(None, None, None)
        _stop(provider_proc)


def _sign_in(page, app: str, subject: str) -> None:
    from playwright.sync_api import expect

    page.goto(app, wait_until="domcontentloaded")
    page.get_by_role("button", name="Sign in").click()
    page.locator('input[name="sub"]').fill(subject)
    page.get_by_role("button", name="Authorize").click()
    # the address is shown inert: a word joiner before "@" keeps the browser from linking it
    expect(page.get_by_text(re.compile(rf"Signed in as {subject}\u2060?@example\.com"))).to_be_visible()
    _assert_no_exception(page)


def test_people_sign_in_practise_share_and_the_lead_compares(team_app) -> None:
    from playwright.sync_api import Route, expect, sync_playwright

    app, _provider = team_app
    expect.set_options(timeout=STEP_MS)
    blocked: list[str] = []

    def loopback_only(route: Route) -> None:
        if route.request.url.startswith(("data:", "blob:")) or urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:  # blocked; the app's own pages must ask for nothing outside (the mock provider's page wants a CDN stylesheet)
            frame = route.request.frame.url if route.request.frame else ""
            if frame.startswith(app):
                blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=STEP_MS)
        try:
            def person() -> object:
                context = browser.new_context(viewport={"width": 1280, "height": 900})
                context.set_default_timeout(STEP_MS)
                context.route("**/*", loopback_only)
                return context.new_page()

            # Before signing in, nothing but the sign-in button.
            ana = person()
            ana.goto(app, wait_until="domcontentloaded")
            expect(ana.get_by_role("button", name="Sign in")).to_be_visible()
            expect(ana.get_by_role("heading", name="Practise a difficult conversation")).to_have_count(0)

            # Ana practises one short conversation, ends it and shares her scores.
            _sign_in(ana, app, "ana")
            expect(ana.get_by_role("heading", name="Practise a difficult conversation")).to_be_visible()
            ana.get_by_role("button", name="Start the conversation").click()
            chat_input = ana.locator(CHAT_INPUT)
            expect(chat_input).to_be_enabled()
            chat_input.fill("On 3 March the release slipped by two weeks. How have things been for you?")
            chat_input.press("Enter")
            expect(ana.locator('[data-testid="stChatMessage"]')).to_have_count(3)
            expect(chat_input).to_be_enabled()
            ana.get_by_role("button", name="End and get my debrief").click()
            expect(ana.get_by_role("heading", name="Debrief", exact=True)).to_be_visible()
            ana.get_by_role("link", name="Team").click()
            expect(ana.get_by_role("heading", name="Share your sessions")).to_be_visible()
            ana.get_by_text("Share scores").click()
            ana.wait_for_timeout(1500)  # the toggle's rerun stores the choice
            _assert_no_exception(ana)

            # Lea, the team lead, sees the shared scores, compared like with like.
            lea = person()
            _sign_in(lea, app, "lea")
            lea.get_by_role("link", name="Team").click()
            expect(lea.get_by_role("heading", name="Compare your team")).to_be_visible()
            expect(lea.get_by_text(re.compile("same scenario version, difficulty, mode and judge"))).to_be_visible()
            expect(lea.get_by_role("button", name="xAPI statements")).to_be_visible()
            expect(lea.get_by_role("combobox", name="Sessions compared")).to_have_value(re.compile(r"· 1 session\(s\)$"))
            _assert_no_exception(lea)
            _full_page_screenshot(lea, ARTIFACTS / "browser-team-dashboard.png")

            # Bob, a manager of the same team, has no dashboard and no view of Ana's session.
            bob = person()
            _sign_in(bob, app, "bob")
            bob.get_by_role("link", name="Team").click()
            expect(bob.get_by_role("heading", name="Share your sessions")).to_be_visible()
            expect(bob.get_by_role("heading", name="Compare your team")).to_have_count(0)
            _assert_no_exception(bob)
        finally:
            browser.close()
    assert not blocked, f"the browser tried to leave loopback: {blocked}"
