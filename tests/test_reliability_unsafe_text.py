"""Reliability: unsafe text. A scenario and a model (the loopback fake) whose text holds HTML,
<script>, javascript: links, external images in Markdown and bare URLs; the manager types the same.

Pass criterion (docs/reliability.md): on every page (library, practice, debrief, history) every
piece of Markdown Streamlit is asked to render, labels included, renders to no tag but plain
formatting (no <a>, <img>, <script>, no event handler), leaves no bare URL a renderer would link
and no Streamlit colour directive of the payload; the Markdown export (the printable page)
passes the same check; the JSON export carries the text verbatim as JSON strings; and in a
real browser no payload script runs, no <img> points off the machine, no javascript: link
exists and no request leaves 127.0.0.1.
"""

from __future__ import annotations

import html as html_module
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from markdown_it import MarkdownIt

from simulator.config import load_settings
from simulator.domain.scenario import load_library
from simulator.engine.tagger import RuleTagger
from simulator.engine.voice import ModelVoice
from simulator.export import session_json, session_markdown
from simulator.models.openai_chat import OpenAIChatModel
from simulator.practice import Parts, PracticeService
from simulator.store.db import open_store
from simulator.ui.common import current_user

from .conftest import ROOT
from .conversation import Conversation
from .fake_openai import FakeOpenAI
from .test_app import TIMEOUT, app, page, run

PAYLOAD = (
    '<script>window.__pwned = "script"</script> <img src="http://evil.example/i.png" onerror="window.__pwned = \'img\'"> '
    "[click me](javascript:window.__pwned='link') ![tracker](http://evil.example/t.png) "
    '<a href="javascript:window.__pwned=\'a\'">open</a> https://evil.example/go www.evil.example '
    "<iframe src=http://evil.example></iframe> :red[boo] $\\href{javascript:alert(1)}{x}$ <evil@evil.example>"
)
API_KEY = "sk-unsafe-text"
SCENARIO = "lateness"
ALLOWED_TAGS = {"p", "strong", "em", "del", "s", "code", "br", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
                "blockquote", "hr", "pre", "table", "thead", "tbody", "tr", "th", "td"}
# What GFM's autolink-literal step (Streamlit's renderer) links, in the text after escapes are resolved
BARE_URL = re.compile(r"(?i)https?://|(?<![a-z0-9])www\.|[-.\w+]+@[-\w]+(?:\.[-\w]+)+")
DIRECTIVE = re.compile(r"(?<!\\):red(?!\\)\[boo")
_markdown = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
_markdown.validateLink = lambda url: True  # the strictest reading: a javascript: link counts (Streamlit's renderer may keep it)


def problems(markdown: str) -> list[str]:
    """What would be live if `markdown` were rendered with raw HTML allowed (the strictest reading)."""
    html = _markdown.render(markdown)
    found = [f"tag <{t}>" for t in re.findall(r"<([a-zA-Z][\w-]*)", html) if t.lower() not in ALLOWED_TAGS]
    found += [f"attribute {a}" for a in re.findall(r"<[a-zA-Z][^>]*\s(on\w+|href|src)=", html)]
    shown = html_module.unescape(re.sub(r"<[^>]+>", "", html))  # the text as the reader gets it
    found += [f"bare URL {m.group(0)!r}" for m in BARE_URL.finditer(shown)]
    found += ["colour directive" for _ in DIRECTIVE.finditer(markdown)]
    if "$\\href" in markdown:
        found.append("KaTeX \\href")
    return found


def unsafe_scenario_folder(folder: Path) -> Path:
    """The shipped lateness scenario with the payload in every text a page shows."""
    data = yaml.safe_load((ROOT / "scenarios" / f"{SCENARIO}.yaml").read_text())
    data["title"] = "Late mornings " + PAYLOAD
    data["summary"] += " " + PAYLOAD
    for key in ("you_are", "situation", "goal"):
        data["brief"][key] += " " + PAYLOAD
    data["persona"]["role"] += " " + PAYLOAD
    data["persona"]["name"] += " " + PAYLOAD
    for item in data["goals"] + data["facts"]:
        item["text"] += " " + PAYLOAD
    data["persona"]["hidden_concerns"][0]["summary"] += " " + PAYLOAD
    data["lines"]["opening"] = ["Morning. " + PAYLOAD]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{SCENARIO}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return folder


@pytest.fixture
def unsafe_library(tmp_path, monkeypatch):
    folder = unsafe_scenario_folder(tmp_path / "unsafe-scenarios")
    monkeypatch.setenv("SIMULATOR_SCENARIOS_DIR", str(folder))
    scenarios, errors = load_library(folder)
    assert not errors, [str(e) for e in errors]
    return scenarios


def _walk(node: Any) -> Iterator[Any]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _walk(child)


def rendered_markdown(at) -> list[str]:
    """Every string the page asked Streamlit to render as Markdown: bodies of text elements and every label."""
    texts = []
    for node in _walk(at._tree):
        kind = type(node).__name__
        value = getattr(node, "value", None)
        if kind in {"Markdown", "Caption", "Title", "Header", "Subheader", "Alert", "Info", "Warning", "Error", "Success",
                    "Toast", "Latex"} and isinstance(value, str):
            texts.append(value)
        label = getattr(node, "label", None)
        if isinstance(label, str):
            texts.append(label)
    return texts


HTML_TAGS = {"p", "strong", "em", "span", "mark", "br", "ul", "li", "div", "h3", "img", "details", "summary"}


def html_problems(body: str) -> list[str]:
    """What would be live in HTML the app renders itself (`st.html`): any tag but our own, an event handler, a link,
    or an image that is not one of our own pictures."""
    found = [f"tag <{t}>" for t in re.findall(r"<([a-zA-Z][\w-]*)", body) if t.lower() not in HTML_TAGS]
    found += [f"attribute {a}" for a in re.findall(r"<[a-zA-Z][^>]*\s(on\w+|href)=", body)]
    found += [f"image {src[:40]}" for src in re.findall(r'<img [^>]*src="([^"]*)"', body)
              if not src.startswith("data:image/svg+xml;base64,")]
    return found


def rendered_html(at) -> str:
    """The bodies of the page's HTML elements."""
    return "\n".join(element.proto.body for element in at.get("html"))


def assert_inert(texts: list[str], where: str) -> None:
    assert texts, f"{where}: nothing rendered"
    joined = "\n".join(texts)
    assert "evil" in joined, f"{where}: the payload is not on the page at all (nothing was tested)"
    found = {p for text in texts for p in problems(text)}
    assert not found, f"{where}: {sorted(found)}"


def test_the_checker_catches_live_markdown():
    """The check above can fail: raw payload is live; the same text through `inert` is not."""
    from simulator.export import inert

    assert {"tag <script>", "tag <img>", "tag <a>", "tag <iframe>", "colour directive", "KaTeX \\href"} <= set(problems(PAYLOAD))
    assert any(p.startswith("bare URL") for p in problems("see https://evil.example"))
    escaped_only = re.sub(r"([:.@<>\[\]()])", r"\\\1", "https://evil.example www.evil.example a@evil.example")
    assert len([p for p in problems(escaped_only) if p.startswith("bare URL")]) == 3  # escapes alone do not stop autolinks
    assert any(p.startswith("attribute") for p in problems("[x](javascript:alert(1))"))
    assert problems(inert(PAYLOAD)) == []
    # and the HTML check: the raw payload is live; escaped, with one of our pictures beside it, it is not
    assert {"tag <script>", "tag <iframe>", "tag <a>", "attribute onerror", "attribute href", "image http://evil.example/i.png"} \
        <= set(html_problems(PAYLOAD))
    picture = '<img style="max-width: 100%" alt="" src="data:image/svg+xml;base64,PHN2Zy8+">'
    assert html_problems(f"<p>{html_module.escape(PAYLOAD)}</p>{picture}") == []


def test_unsafe_scenario_and_model_text_is_inert_on_every_page_and_export(unsafe_library, monkeypatch):
    with FakeOpenAI(default_text="Fine. " + PAYLOAD, api_key=API_KEY) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", API_KEY)
        monkeypatch.setenv("SIMULATOR_PERSONA_MODEL", "gpt-4o-mini")

        # Library: the briefing of the unsafe scenario (the only one in the folder).
        at = run(app())
        assert_inert(rendered_markdown(at), "library")

        # Practice: the model answers with the payload; the manager types it too (through the page).
        model = OpenAIChatModel(model="gpt-4o-mini", base_url=server.base_url, api_key=API_KEY)
        store = open_store(load_settings().database_url)
        service = PracticeService(store, unsafe_library, Parts(voice=ModelVoice(model), tagger=RuleTagger(), judge=None, mode="t"))
        conversation = Conversation.start(service, unsafe_library[SCENARIO], user=current_user())
        conversation.send("On 17 February you arrived at 08:42. " + PAYLOAD)
        at = page("practice")
        at.query_params["session"] = conversation.id
        run(at)
        at.chat_input[0].set_value("What happened that morning? " + PAYLOAD).run(timeout=TIMEOUT)
        assert not at.exception, [e.value for e in at.exception]
        run(at)
        stored = store.messages(conversation.id)
        assert [m.role for m in stored] == ["persona", "manager", "persona", "manager", "persona"]
        assert all(PAYLOAD in m.text for m in stored if m.role == "manager")
        assert sum(PAYLOAD in m.text for m in stored if m.role == "persona") >= 2  # the opening and a model reply
        assert_inert(rendered_markdown(at), "practice")

        # Debrief, then history.
        conversation.refresh()
        debrief = service.finish(conversation.id)
        at = page("debrief")
        at.query_params["session"] = conversation.id
        run(at)
        body = rendered_html(at)  # the debrief but for its controls: HTML, every text escaped
        assert "evil" in body and "&lt;script&gt;" in body, "debrief: the payload is not on the page at all (nothing was tested)"
        assert not html_problems(body), html_problems(body)
        at.button(key=f"closer-ask-{conversation.id}").click()  # the controls: the picker, the reasons, the replay form
        run(at)
        assert at.selectbox and not any(problems(text) for text in rendered_markdown(at)), \
            {p for text in rendered_markdown(at) for p in problems(text)}
        at = run(page("history"))
        assert_inert(rendered_markdown(at), "history")

        # Exports: the Markdown (the printable page) is inert; the JSON carries the text as plain data.
        view = service.resume(conversation.id)
        markdown = session_markdown(view, debrief)
        assert "evil" in markdown and not problems(markdown), problems(markdown)
        data = json.loads(json.dumps(session_json(view, debrief)))
        assert [m["text"] for m in data["transcript"]] == [m.text for m in stored]
        assert data["session"]["title"] == unsafe_library[SCENARIO].title
        store.engine.dispose()


# ---- one real browser --------------------------------------------------------------------------------------


@pytest.mark.browser
def test_unsafe_text_in_a_real_browser_runs_nothing_and_loads_nothing(tmp_path: Path) -> None:
    from urllib.parse import urlsplit

    from playwright.sync_api import Route, expect, sync_playwright

    from simulator.bench.app_server import AppServer

    from .test_browser import CHROMIUM, CHROMIUM_ARGS, STEP_MS, _assert_no_exception, _require_browser

    _require_browser()
    expect.set_options(timeout=STEP_MS)
    folder = unsafe_scenario_folder(tmp_path / "unsafe-scenarios")
    scenarios, _ = load_library(folder)
    database_url = f"sqlite:///{tmp_path / 'app.db'}"
    store = open_store(database_url)
    service = PracticeService(store, scenarios)  # offline: the scenario's payload lines answer
    from simulator.practice import local_user

    conversation = Conversation.start(service, scenarios[SCENARIO], user=local_user())
    conversation.send("On 17 February you arrived at 08:42. " + PAYLOAD)
    open_one = Conversation.start(service, scenarios[SCENARIO], user=local_user())
    open_one.send("Thanks for coming in. " + PAYLOAD)
    service.finish(conversation.id)
    blocked: list[str] = []

    def loopback_only(route: Route) -> None:
        if route.request.url.startswith(("data:", "blob:")) or urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    dom_check = """() => ({
        pwned: window.__pwned === undefined ? null : String(window.__pwned),
        scripts: [...document.querySelectorAll('script')].filter(s => s.textContent.includes('__pwned')).length,
        images: [...document.querySelectorAll('img')].map(i => i.src).filter(s => s && !s.startsWith(location.origin) && !s.startsWith('data:')),
        jsLinks: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')).filter(h => /^\\s*javascript:/i.test(h)),
        // a heading's own anchor (#late-mornings-...) stays on the page; any other link to the payload is live
        evilLinks: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')).filter(h => h.includes('evil') && !h.startsWith('#')),
        iframes: [...document.querySelectorAll('iframe')].map(f => f.src).filter(s => s.includes('evil')),
        shown: document.body.innerText.includes('evil.example'),
    })"""
    pages = {
        "library": "",
        "practice": f"practice?session={open_one.id}",
        "debrief": f"debrief?session={conversation.id}",
        "history": "history",
    }
    with AppServer(tmp_path, env={"SIMULATOR_DATABASE_URL": database_url, "SIMULATOR_SCENARIOS_DIR": str(folder)}) as app, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=STEP_MS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.set_default_timeout(STEP_MS)
            context.route("**/*", loopback_only)
            page_ = context.new_page()
            for name, path in pages.items():
                page_.goto(f"{app.url}/{path}", wait_until="domcontentloaded")
                expect(page_.get_by_text(re.compile(r"evil\.example")).first).to_be_visible()
                page_.wait_for_timeout(500)  # let any image or script that slipped through try to load
                _assert_no_exception(page_)
                found = page_.evaluate(dom_check)
                assert found == {"pwned": None, "scripts": 0, "images": [], "jsLinks": [], "evilLinks": [], "iframes": [],
                                 "shown": True}, name
        finally:
            browser.close()
    store.engine.dispose()
    assert not blocked, f"requests left 127.0.0.1: {blocked}"
