"""End to end: the real app in a real browser (Debian's Chromium driven by Playwright).

Starts `streamlit run app.py` on a free loopback port with its own data folder, then
plays one short conversation: pick a scenario, start, send three messages, end, check
the debrief, replay from turn 2 with a better reply and see both side by side, export the
Markdown and the printable page, go to Practice and back through the sidebar (the session stays
open), and look at the page in a narrow window. Screenshots go to test-artifacts/ (gitignored) for a human to look at.

Needs /usr/bin/chromium (Debian's `chromium` package; `scripts/test.sh` installs it).
Without it the test skips, or fails when SIMULATOR_REQUIRE_BROWSER=1 (set in CI).
Never uses `playwright install`, and the browser may only reach 127.0.0.1.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from simulator.bench.app_server import AppServer

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STEP_MS = 30_000  # every wait in the browser is bounded by this

SCENARIO_TITLE = "Missed deadlines and curt code reviews"
MESSAGES = [
    "Thanks for making the time, Priya. I'd like to talk about the last few weeks - how are things going for you?",
    "The ledger migration was due on 3 March and shipped on 17 March, two weeks late. "
    "That meant finance had to delay the month-end close. What's been going on?",
    # Not yet the whole way: the conversation must still be open for the End button.
    "Okay. Can we also look at the refunds deadline?",
]

BETTER_REPLY = (
    "I can see the last months have been heavy. The ledger migration was due on 3 March and shipped on 17 March, "
    "and finance had to delay the month-end close. What got in the way this time?"
)

ASSISTANT_MESSAGE = '[data-testid="stChatMessage"]:has([aria-label="Chat message from assistant"])'
ANY_MESSAGE = '[data-testid="stChatMessage"]'
CHAT_INPUT = 'textarea[placeholder^="What do you say to"]'


def _require_browser() -> None:
    """Skip locally, fail in CI, when the browser or Playwright is not there."""
    problem = None
    if not CHROMIUM.exists():
        problem = f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium) or run scripts/test.sh"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            problem = "the playwright Python package is missing: run scripts/setup.sh"
    if problem:
        if os.environ.get("SIMULATOR_REQUIRE_BROWSER") == "1":
            pytest.fail(problem + " (SIMULATOR_REQUIRE_BROWSER=1)")
        pytest.skip(problem)


@pytest.fixture
def app_url(tmp_path: Path) -> Iterator[str]:
    """The real app, served on a free loopback port with an isolated database."""
    _require_browser()
    with AppServer(tmp_path) as app:
        yield app.url


def _full_page_screenshot(page, path: Path) -> None:
    """Streamlit scrolls inside its own container, so grow the viewport to show everything."""
    path.parent.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    height = page.evaluate(
        """() => {
            // the main area (its test id changes to stAppScrollToBottomContainer on chat pages) and the sidebar
            const boxes = document.querySelectorAll('.stMain, [data-testid="stSidebarContent"]');
            return Math.max(document.documentElement.scrollHeight, ...[...boxes].map(e => e.scrollHeight));
        }"""
    )
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 12_000)})
    page.wait_for_timeout(500)  # let the layout settle at the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)


def _assert_no_exception(page) -> None:
    from playwright.sync_api import expect

    expect(page.locator('[data-testid="stException"]')).to_have_count(0)


def test_one_conversation_in_the_browser(app_url: str) -> None:
    from playwright.sync_api import Route, expect, sync_playwright

    expect.set_options(timeout=STEP_MS)
    blocked: list[str] = []

    def loopback_only(route: Route) -> None:
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=STEP_MS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(STEP_MS)
            context.route("**/*", loopback_only)
            page = context.new_page()

            # The library: pick the scenario through the selectbox.
            page.goto(app_url, wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Practise a difficult conversation")).to_be_visible()
            selectbox = page.locator('[data-testid="stSelectbox"]').filter(has_text="Scenario")
            expect(selectbox).to_be_visible()
            selectbox.click()
            page.get_by_role("option", name=re.compile(re.escape(SCENARIO_TITLE) + r" · feedback")).click()
            expect(page.get_by_role("combobox", name="Scenario")).to_have_value(re.compile("^" + re.escape(SCENARIO_TITLE)))
            expect(page.get_by_role("heading", name=SCENARIO_TITLE)).to_be_visible()
            _assert_no_exception(page)

            # The conversation: three messages, each answered by the persona.
            page.get_by_role("button", name="Start the conversation").click()
            chat_input = page.locator(CHAT_INPUT)
            expect(chat_input).to_be_visible()
            expect(chat_input).to_be_enabled()
            _assert_no_exception(page)
            # The persona opens with one line. Counts are absolute: a count read while Streamlit swaps the
            # streamed reply for its rerun can briefly include both copies, so "before + 1" races.
            expect(page.locator(ASSISTANT_MESSAGE)).to_have_count(1)
            for sent, text in enumerate(MESSAGES, start=1):
                chat_input.fill(text)
                chat_input.press("Enter")
                expect(page.locator(ASSISTANT_MESSAGE)).to_have_count(1 + sent)
                expect(page.locator(ANY_MESSAGE)).to_have_count(1 + 2 * sent)
                expect(chat_input).to_be_enabled()  # the run (stream + rerun) has finished
                expect(page.locator(ASSISTANT_MESSAGE).last).not_to_have_text(re.compile(r"^\s*$"))
                _assert_no_exception(page)
            expect(page.locator(ANY_MESSAGE).filter(has_text="delay the month-end close")).to_have_count(1)
            _full_page_screenshot(page, ARTIFACTS / "browser-conversation.png")

            # The debrief.
            page.get_by_role("button", name="End and get my debrief").click()
            expect(page.get_by_role("heading", name="Debrief", exact=True)).to_be_visible()
            debrief = page.locator('[data-testid="stHtml"]')  # the debrief but for its controls: one HTML element
            expect(debrief.get_by_text("Empathy", exact=True)).to_have_count(1)
            expect(debrief.get_by_text("Evidence", exact=True)).to_have_count(1)
            pictures = debrief.locator("img")
            expect(pictures).to_have_count(2)  # trust and stress, care × challenge: drawn, not broken images
            assert pictures.evaluate_all("images => images.every(i => i.complete && i.naturalWidth > 300)")
            per_reply = page.locator("p").filter(
                has_text=re.compile(r"^\s*\d+\.\s*Empathy \d+ · Evidence \d+ · trust")
            )
            expect(per_reply).to_have_count(len(MESSAGES))
            for text in ("last few weeks", "ledger migration", "refunds deadline"):  # the manager's own words, quoted
                expect(page.get_by_text(text).first).to_be_visible()
            _assert_no_exception(page)
            _full_page_screenshot(page, ARTIFACTS / "browser-debrief.png")

            # Replay from turn 2 with a better reply: the branch's answer sits beside the original's.
            # Ask to look closer, pick reply 2 under the conversation: its reasons and a replay form show.
            page.get_by_role("button", name="Look closer: why each part of a reply scored, and replay from there").click()
            closer = page.get_by_role("combobox", name="Your reply")
            closer.click()
            closer.fill("2. The ledger")
            page.get_by_role("option", name=re.compile(r"^2\. The ledger migration")).click()
            expect(closer).to_have_value(re.compile(r"^2\. The ledger migration"))
            reasons = page.locator('[data-testid="stMarkdownContainer"]').filter(has_text="What each part did")
            expect(reasons.filter(has_text="3 March")).to_have_count(1)
            # the form for reply 2 (while the page reruns, the previous pick's form may still be on screen)
            form = page.locator('[data-testid="stForm"]').filter(has=page.get_by_label("Your different reply, instead of reply 2"))
            form.get_by_label("Your different reply, instead of reply 2").fill(BETTER_REPLY)
            form.get_by_role("button", name="Replay from here").click()
            side_by_side = page.locator('[data-testid="stMarkdownContainer"] p')
            expect(side_by_side.filter(has_text=re.compile(r"^\s*Original · empathy \d+"))).to_have_count(1)
            expect(side_by_side.filter(has_text=re.compile(r"^\s*Replay · empathy \d+"))).to_have_count(1)
            expect(page.get_by_text("What got in the way this time").first).to_be_visible()
            _assert_no_exception(page)
            _full_page_screenshot(page, ARTIFACTS / "browser-replay.png")

            # Export the Markdown.
            page.get_by_role("button", name="Take it with you: a printable page, Markdown or JSON").click()
            with page.expect_download() as download:
                page.get_by_role("button", name="Download Markdown").click()
            exported = ARTIFACTS / "browser-debrief.md"
            download.value.save_as(exported)
            text = exported.read_text()
            assert text.startswith("# Debrief: ") and "ledger migration" in text and "## What to try next" in text

            # The printable page: every section, the manager's words, nothing that runs.
            with page.expect_download() as download:
                page.get_by_role("button", name="Printable page").click()
            printable = ARTIFACTS / "browser-debrief.html"
            download.value.save_as(printable)
            html_text = printable.read_text()
            assert "<h2>The conversation</h2>" in html_text and "ledger migration" in html_text
            assert "<script" not in html_text and "src=" not in html_text

            # The sidebar's links keep the open session: Practice, then Debrief, show the same conversation.
            page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Practice").click()
            expect(page.get_by_text("No conversation is open")).to_have_count(0)
            expect(page.locator(ANY_MESSAGE).filter(has_text="delay the month-end close").first).to_be_visible()
            page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name="Debrief").click()
            expect(page.get_by_role("heading", name="Debrief", exact=True)).to_be_visible()
            expect(per_reply).to_have_count(len(MESSAGES))
            _assert_no_exception(page)

            # A narrow window (a phone held upright): the same page, still usable.
            page.set_viewport_size({"width": 420, "height": 900})
            expect(page.get_by_role("heading", name="Debrief", exact=True)).to_be_visible()
            _full_page_screenshot(page, ARTIFACTS / "browser-debrief-narrow.png")
            _assert_no_exception(page)
        finally:
            browser.close()

    assert not blocked, f"the page tried to reach addresses other than 127.0.0.1 (blocked): {blocked}"


PRINCIPLE = "When pressed on the deadline, Priya defends her estimate before conceding anything."
BUILT_TITLE = "Browser-built first 1:1"
CHECK_MS = 600_000  # the scripted managers play the whole scenario: slow on a loaded machine


def test_a_trainer_builds_checks_and_publishes_a_scenario_and_a_manager_plays_it(app_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=STEP_MS)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=STEP_MS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(STEP_MS)
            context.route("**/*", lambda route: route.continue_() if urlsplit(route.request.url).hostname in (None, "127.0.0.1")
                          or route.request.url.startswith(("data:", "blob:")) else route.abort())
            page = context.new_page()

            # The trainer: start from a template, rename it in the form, see it in the YAML view.
            page.goto(f"{app_url}/authoring", wait_until="domcontentloaded")
            expect(page.get_by_role("heading", name="Author a scenario")).to_be_visible()
            page.get_by_role("button", name="Use it").click()
            title = page.get_by_label("Title", exact=True)
            expect(title).to_be_visible()
            title.fill(BUILT_TITLE)
            title.press("Enter")
            expect(page.get_by_label("Scenario YAML")).to_have_value(re.compile(re.escape(f"title: {BUILT_TITLE}")))
            page.get_by_label("Id (lower-case, digits, '-')").fill("browser-built")
            page.get_by_label("Id (lower-case, digits, '-')").press("Enter")
            expect(page.get_by_text(re.compile(r"^Valid\. Version"))).to_be_visible()
            _assert_no_exception(page)

            # Test-play one turn, flag the reply and write a principle by hand (no model is configured).
            page.get_by_label("You say").fill("I can see this has been a hard stretch. What has been going on?")
            page.get_by_role("button", name="Say", exact=True).click()
            expect(page.get_by_text("Trace of turn 1", exact=False)).to_be_visible()
            expect(page.get_by_text(re.compile("No model is configured, so write the rule yourself"))).to_be_visible()
            page.get_by_label("Principle", exact=True).fill(PRINCIPLE)
            page.get_by_role("button", name="Add to the scenario's principles").click()
            expect(page.get_by_label("Scenario YAML")).to_have_value(re.compile(re.escape(f"principles:\n  - {PRINCIPLE}")))
            _assert_no_exception(page)

            # Check, then publish.
            page.get_by_role("tab", name="Check and publish").click()
            page.get_by_role("button", name="Run the checks").click()
            expect(page.get_by_text(re.compile("All checks passed"))).to_be_visible(timeout=CHECK_MS)
            page.get_by_role("button", name="Publish").click()
            expect(page.get_by_text(re.compile("Published browser-built"))).to_be_visible()
            _assert_no_exception(page)
            _full_page_screenshot(page, ARTIFACTS / "browser-authoring.png")

            # A manager: the scenario is in the library at once, and plays.
            page.get_by_role("link", name="Scenarios").click()
            expect(page.get_by_role("heading", name="Practise a difficult conversation")).to_be_visible()
            selectbox = page.locator('[data-testid="stSelectbox"]').filter(has_text="Scenario")
            expect(selectbox).to_be_visible()
            selectbox.click()
            _full_page_screenshot(page, ARTIFACTS / "browser-library-published.png")
            page.get_by_role("option", name=re.compile(re.escape(BUILT_TITLE))).click()
            expect(page.get_by_role("heading", name=BUILT_TITLE)).to_be_visible()
            page.get_by_role("button", name="Start the conversation").click()
            chat_input = page.locator(CHAT_INPUT)
            expect(chat_input).to_be_enabled()
            chat_input.fill("Welcome to the team. How has your first week been?")
            chat_input.press("Enter")
            expect(page.locator(ASSISTANT_MESSAGE)).to_have_count(2)
            _assert_no_exception(page)
        finally:
            browser.close()
