"""Exports: Markdown and JSON with both sides and the debrief; every quoted text inert."""

import json
import re

import pytest

from simulator.export import JOINER, inert, marked, session_json, session_markdown
from simulator.practice import PracticeService

from .conversation import Conversation

EVIL = "[click](javascript:alert(1)) ![x](http://evil.example/x.png) <script>alert(1)</script> www.evil.example a@evil.example"


@pytest.fixture
def session(sqlite_store, library):
    conv = Conversation.start(PracticeService(sqlite_store, library), library["performance-feedback"])
    conv.send("You've been missing deadlines and everyone says your attitude is a problem.")
    conv.send(EVIL)
    debrief = conv.finish()
    return conv.view, debrief


def _active(markdown: str) -> list[str]:
    """Constructs that would do something when rendered: links, images, HTML tags, bare URLs."""
    found = []
    for pattern in (r"(?<!\\)\]\(", r"(?<!\\)<[a-z/]", r"(?<!\\)https?:", r"www(?!\u2060\\\.)", r"@evil(?!\\\.)"):
        found += re.findall(pattern, markdown)
    return found


def test_inert_escapes_every_active_construct():
    assert _active(inert(EVIL)) == []
    assert re.sub(r"\\(.)", r"\1", inert(EVIL)).replace(JOINER, "") == EVIL  # nothing lost: unescaped, it is the same text


def test_marked_merges_overlaps_and_keeps_the_text_inert():
    text = "On 17 March you were <b>lazy</b>"
    out = marked(text, [{"start": 3, "end": 11, "sign": 1}, {"start": 6, "end": 14, "sign": 1}, {"start": 24, "end": 28, "sign": -1}],
                 lambda span, sign: f"[{'+' if sign > 0 else '-'}{span}]")
    assert out.startswith("On [+17 March y") and "[-lazy]" in out and "\\<b\\>" in out


def test_markdown_has_both_sides_the_scores_and_the_better_reply(session):
    view, debrief = session
    markdown = session_markdown(view, debrief)
    plain = re.sub(r"\\(.)", r"\1", markdown)
    assert f"Empathy {debrief.empathy}/100 · Evidence {debrief.evidence}/100" in markdown
    for message in view.messages:
        who = "**You (" if message.role == "manager" else "**Priya Raman:**"
        assert who in markdown
    assert plain.count("**Priya Raman:**") == sum(1 for m in view.messages if m.role == "persona")
    rewrite = next(r.rewrite for r in debrief.replies if r.rewrite)
    assert f"**A better reply** (empathy {rewrite.empathy}, evidence {rewrite.evidence}): " in markdown
    assert rewrite.text in plain
    assert "~~everyone says~~" in markdown and "~~your attitude~~" in markdown  # lost points struck through
    for section in ("## The conversation", "## Goals", "## What they were not saying", "## What to try next"):
        assert section in markdown
    assert _active(markdown) == []


def test_json_carries_the_transcript_and_the_debrief(session):
    view, debrief = session
    data = json.loads(json.dumps(session_json(view, debrief)))
    assert data["session"]["id"] == view.id and data["persona"] == "Priya Raman"
    assert [m["text"] for m in data["transcript"]] == [m.text for m in view.messages]
    assert EVIL in [m["text"] for m in data["transcript"]]  # JSON keeps the text as data, unchanged
    assert data["debrief"]["empathy"] == debrief.empathy
    assert any(r["rewrite"] for r in data["debrief"]["replies"])


def test_the_printable_page_has_everything_and_runs_nothing(session):
    from html.parser import HTMLParser

    from simulator.export import session_html

    view, debrief = session
    page = session_html(view, debrief)
    tags, attributes = [], []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            tags.append(tag)
            attributes.extend(attrs)

    Collect().feed(page)
    pictures = {"svg", "rect", "line", "polyline", "polygon", "circle", "text"}  # the two pictures, drawn inline
    assert set(tags) <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "strong", "span", "mark", "br", "ul", "li"} | pictures
    assert tags.count("svg") == 2
    assert not any(name in ("src", "href") or name.startswith("on") for name, _ in attributes)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # the manager's text shown as written, escaped
    assert "@media print" in page and "default-src 'none'" in page
    report = next(r for r in debrief.replies if r.rewrite)
    rewrite = report.rewrite
    assert f"<strong>A better reply</strong> · empathy {report.empathy} → {rewrite.empathy} · evidence {report.evidence} → {rewrite.evidence}" in page
    assert '<mark class="lost">everyone says</mark>' in page
    for section in ("The conversation", "The moments that moved trust", "Goals", "What they were not saying", "What to try next"):
        assert f"<h2>{section}</h2>" in page
    assert page.count('class="them"') == sum(1 for m in view.messages if m.role == "persona")


def test_inert_escapes_only_what_markdown_would_interpret():
    """Browser review (issue 10): the export escaped every punctuation mark ("Hi\\. I saw \\'attendance\\'\\.\\.\\."),
    safe but ugly read raw. Prose punctuation stays as written; what Markdown or Streamlit acts on is escaped."""
    prose = ("Hi. I saw 'attendance' in the invite, so... yeah! (It's 08:00-09:00, 4.6 out of 5, 41 calls.) "
             "Okay: what's next? Q1 - fine; 88% #1 priority + more.")
    assert inert(prose) == prose
    for active, escaped in [("*bold* _em_ `code` ~~gone~~", r"\*bold\* \_em\_ \`code\` \~\~gone\~\~"),
                            ("<b>x</b> &amp; a | b", r"\<b\>x\</b\> \&amp; a \| b"),
                            ("[x](y) ![i](j) :red[boo] :smile: $x$", r"\[x\](y) !\[i\](j) \:red\[boo\] \:smile: \$x\$"),
                            ("# title", r"\# title"), ("- item", r"\- item"), ("+ item", r"\+ item"), ("> quote", r"\> quote"),
                            ("1. first", r"1\. first"), ("2) second", r"2\) second"), ("===", r"\==="),
                            ("line\n# two\n- three", "line  \n\\# two  \n\\- three")]:
        assert inert(active) == escaped, (active, inert(active))
