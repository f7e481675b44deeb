"""Scale-out: two app servers on different ports share one PostgreSQL database. A conversation
started on one continues on the other after a refresh, and back (issue 12's scale-out test).

Marked `browser`: the real app in Debian's Chromium, as in tests/test_browser.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from simulator.bench.app_server import AppServer
from simulator.store.db import open_store

from .test_browser import (
    ANY_MESSAGE,
    ASSISTANT_MESSAGE,
    CHAT_INPUT,
    CHROMIUM,
    CHROMIUM_ARGS,
    MESSAGES,
    SCENARIO_TITLE,
    STEP_MS,
    _assert_no_exception,
    _require_browser,
)

pytestmark = pytest.mark.browser


def _send(page, text: str, replies_after: int) -> None:
    """Send one message and wait for the persona's answer (an absolute count: see test_browser)."""
    from playwright.sync_api import expect

    chat_input = page.locator(CHAT_INPUT)
    expect(chat_input).to_be_enabled()
    chat_input.fill(text)
    chat_input.press("Enter")
    expect(page.locator(ASSISTANT_MESSAGE)).to_have_count(replies_after)
    expect(chat_input).to_be_enabled()
    _assert_no_exception(page)


def test_a_conversation_started_on_one_server_continues_on_another(tmp_path: Path, postgres_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    _require_browser()
    expect.set_options(timeout=STEP_MS)
    env = {"SIMULATOR_DATABASE_URL": postgres_url}
    with AppServer(tmp_path / "a", env=env) as first, AppServer(tmp_path / "b", env=env) as second, sync_playwright() as p:
        assert first.port != second.port
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=STEP_MS)
        try:
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.set_default_timeout(STEP_MS)
            page.goto(first.url, wait_until="domcontentloaded")
            page.locator('[data-testid="stSelectbox"]').filter(has_text="Scenario").click()
            page.get_by_role("option", name=re.compile(re.escape(SCENARIO_TITLE))).click()
            page.get_by_role("button", name="Start the conversation").click()
            expect(page.locator(CHAT_INPUT)).to_be_visible()
            session_id = re.search(r"session=([\w-]+)", page.url).group(1)
            _send(page, MESSAGES[0], 2)

            # The same tab, now served by the other server: everything is there, and the conversation goes on.
            page.goto(f"{second.url}/practice?session={session_id}", wait_until="domcontentloaded")
            expect(page.locator(ANY_MESSAGE)).to_have_count(3)
            expect(page.locator(ANY_MESSAGE).filter(has_text=MESSAGES[0][:40])).to_have_count(1)
            _send(page, MESSAGES[1], 3)

            # And back to the first.
            page.goto(f"{first.url}/practice?session={session_id}", wait_until="domcontentloaded")
            expect(page.locator(ANY_MESSAGE)).to_have_count(5)
            _send(page, MESSAGES[2], 4)
        finally:
            browser.close()
    store = open_store(postgres_url)
    try:
        messages = store.messages(session_id)
        assert [m.role for m in messages] == ["persona"] + ["manager", "persona"] * 3
        assert [m.text for m in messages if m.role == "manager"] == MESSAGES
    finally:
        store.engine.dispose()
