"""Exports of a session (Markdown, JSON and a printable HTML page: both sides of the conversation and the debrief),
the debrief page's HTML (the same pieces as the printable page), and the one helper that makes model and scenario
text inert wherever Markdown renders it.

Text written by a model or a scenario author is data. In Markdown (Streamlit's renderer
included) it could become a `javascript:` link, an external image that calls home, raw
HTML, a Streamlit colour directive or a bare URL turned into a link. `inert` escapes what
Markdown would act on (and only that), so the text shows exactly as written and does nothing.
The Markdown export runs all such text through it; the JSON export carries the text as
plain JSON strings.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from simulator.domain.rubric import SKILL_HELP

# What Markdown (CommonMark with GFM, and Streamlit's additions) would act on, and nothing else, so the raw
# export reads like the text itself ("Hi. I saw 'attendance'..." stays as written):
# - anywhere: backslash, code, emphasis, links and images ([ ]), HTML and autolinks (< >), strikethrough, tables,
#   Streamlit's LaTeX ($) and an entity (&amp;);
# - a colon before a letter or a slash (":red[", ":smile:", "javascript:") and a dot inside a word ("evil.example"):
#   Streamlit's directives and shortcodes, and the parts of an address a renderer would link;
# - at a line's start: a heading, a list item, a quote, an ordered item ("1.") and a setext underline.
_MD_ANYWHERE = re.compile(r"([\\`*_\[\]<>~|$])|(&)(?=#?\w+;)|(:)(?=[^\s\d])|(\.)(?=[^\W\d_])")
_MD_LINE_START = re.compile(r"^([ \t]{0,3})([#+\-=>])|^([ \t]{0,3}\d{1,9})([.)])(?=\s|$)", re.MULTILINE)


# Escapes are not enough for bare URLs and e-mail addresses: Streamlit's Markdown renderer (GFM's
# autolink-literal step) finds them in the text *after* escapes are resolved, so "https\://x" still
# became a link (found by tests/test_reliability_unsafe_text.py in a browser). An invisible word
# joiner inside "://", after "www" and before "@" leaves nothing those patterns match.
JOINER = "\u2060"
_AUTOLINK_PARTS = re.compile(r"(?i)(?<=https:)(?=//)|(?<=http:)(?=//)|(?<=(?<![a-z0-9])www)(?=\.)|(?=@)")


def inert(text: str) -> str:
    """Text that Markdown shows literally: no links (bare URLs and e-mail addresses included), images,
    HTML or formatting. What the reader sees is the text as written (the joiners are invisible), and
    the raw text escapes only what Markdown would act on."""
    text = _MD_ANYWHERE.sub(lambda m: "\\" + m.group(0), _AUTOLINK_PARTS.sub(JOINER, text))
    text = _MD_LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(2) else f"{m.group(3)}\\{m.group(4)}", text)
    return text.replace("\n", "  \n")


_CLOSING = ".,;:!?…)\"'”’"


def marked(text: str, highlights: Iterable[Mapping[str, Any]], mark: Callable[[str, int], str]) -> str:
    """`text` made inert, with each highlighted span wrapped by `mark(inert_span, sign)`.

    Overlapping spans merge into one (lost points win over earned ones), so no mark ever
    splits a word or a date. A mark holds no outer whitespace and takes the punctuation right
    after it: a coloured mark is padded, so "vacancy" marked before a bare "." would read "vacancy .".
    """
    return _merged_marks(text, highlights, inert, mark)


def _merged_marks(text: str, highlights: Iterable[Mapping[str, Any]], escape: Callable[[str], str],
                  mark: Callable[[str, int], str]) -> str:
    merged: list[list[int]] = []  # [start, end, sign]
    for h in sorted(highlights, key=lambda h: (h["start"], h["end"])):
        start, end = h["start"], h["end"]
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        while end < len(text) and text[end] in _CLOSING:  # a mark's padding would leave a gap before "." or ","
            end += 1
        if start >= end:
            continue
        h = {"start": start, "end": end, "sign": h["sign"]}
        if merged and h["start"] < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], h["end"])
            merged[-1][2] = min(merged[-1][2], h["sign"])
        else:
            merged.append([h["start"], h["end"], h["sign"]])
    out, pos = [], 0
    for start, end, sign in merged:
        out.append(escape(text[pos:start]))
        out.append(mark(escape(text[start:end]), sign))
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out)


def reply_badge(debrief, report) -> str:
    """" · strongest" or " · weakest" after a reply's scores, the same on the page and in every export; none in a
    one-reply conversation (`Debrief.strongest_seq` is None when every reply was weak)."""
    if debrief is None or len(debrief.replies) < 2:
        return ""
    return " · strongest" if report.seq == debrief.strongest_seq else " · weakest" if report.seq == debrief.weakest_seq else ""


def _plain_mark(span: str, sign: int) -> str:
    return f"**{span}**" if sign > 0 else f"~~{span}~~"


def session_json(view, debrief) -> dict[str, Any]:
    """The session as data: who, what, both sides of the conversation, and the debrief."""
    record = view.record
    return {
        "session": {
            "id": record.id,
            "user": record.user,
            "scenario": record.scenario_id,
            "scenario_version": record.scenario_version,
            "title": record.scenario_title,
            "started_at": record.started_at.isoformat(),
            "ended_at": record.ended_at.isoformat() if record.ended_at else None,
            "parent_session_id": record.parent_session_id,
            "branched_from_seq": record.branched_from_seq,
        },
        "persona": view.scenario.persona.name,
        "transcript": [{"seq": m.seq, "role": m.role, "text": m.text, "interrupted": m.interrupted} for m in view.messages],
        "debrief": debrief.model_dump(mode="json") if debrief is not None else None,
    }


def session_markdown(view, debrief) -> str:
    """A page to print or take to a coaching session: the scores, the whole conversation with
    what each reply did, the better replies and the next steps. Every quoted text is inert."""
    scenario = view.scenario
    persona = scenario.persona.name
    reports = {r.seq: r for r in debrief.replies} if debrief is not None else {}
    lines = [f"# Debrief: {inert(scenario.title)}", ""]
    lines.append(f"With {inert(persona)} · started {view.record.started_at:%d %b %Y %H:%M} UTC · session {view.record.id}")
    if view.record.parent_session_id:
        lines.append(f"Replay of session {view.record.parent_session_id} from message {view.record.branched_from_seq}")
    lines.append("")
    if debrief is not None:
        lines += [
            f"**Empathy {debrief.empathy}/100 · Evidence {debrief.evidence}/100 · Overall {debrief.overall}/100** "
            f"(scored by {inert(debrief.scorer)}; {debrief.difficulty}, {debrief.mode} mode)",
            "",
            inert(debrief.verdict or debrief.quadrant_help),
            "",
        ]
        if debrief.ending:
            lines += [f"How it ended: {inert(debrief.ending)}", ""]
        if debrief.summary:
            lines += [f"Judge: {inert(debrief.summary)}", ""]
    lines += ["## The conversation", "", "Bold words earned points; struck-through words cost points.", ""]
    number = 0
    for message in view.messages:
        if message.role == "manager":
            number += 1
            report = reports.get(message.seq)
            text = marked(message.text, [h.model_dump() for h in report.highlights], _plain_mark) if report else inert(message.text)
            lines.append(f"**You ({number}):** {text}")
            if report:
                lines.append(f"> Empathy {report.empathy} · Evidence {report.evidence} · trust {report.trust_before} → {report.trust_after}"
                             f"{reply_badge(debrief, report)}")
                for h in report.highlights:
                    sign = "+" if h.sign > 0 else "−"
                    lines.append(f"> {sign} \"{inert(message.text[h.start:h.end])}\": {inert(h.why)}")
                if report.disputed:
                    lines.append("> Not on the record: " + ", ".join(inert(c) for c in report.disputed))
                if report.rewrite:
                    rw = report.rewrite
                    lines.append(f"> **A better reply** (empathy {rw.empathy}, evidence {rw.evidence}): {inert(rw.text)}")
        else:
            suffix = " *(interrupted)*" if message.interrupted else ""
            lines.append(f"**{inert(persona)}:** {inert(message.text)}{suffix}")
        lines.append("")
    if debrief is not None:
        if debrief.moments:
            lines += ["## Moments that moved trust", ""]
            for m in debrief.moments:
                lines.append(f"- Reply {m.number}, trust {m.trust_before} → {m.trust_after}: \"{inert(m.text)}\" — {inert(m.why)}")
            lines.append("")
        lines += ["## Goals", ""]
        numbers = {r.seq: n for n, r in enumerate(debrief.replies, 1)}
        for g in debrief.goals:
            when = f" (reply {numbers[g.met_seq]})" if g.met_seq in numbers else ""
            lines.append(f"- [{'x' if g.met else ' '}] {inert(g.text)}{when}")
        lines += ["", "## What they were not saying", ""]
        for c in debrief.concerns:
            lines.append(f"- {inert(c.summary.rstrip('. '))} — {concern_state(c, numbers)}")
        lines += ["", "## What to try next", ""]
        lines += [f"- {inert(tip)}" for tip in dict.fromkeys(debrief.advice + debrief.next_steps)]
        lines += ["", "## How scoring works", ""]
        lines += [f"- {name.replace('_', ' ')}: {inert(text)}" for name, text in SKILL_HELP.items()]
    return "\n".join(lines).rstrip() + "\n"


_PRINT_CSS = """
body { font: 11pt/1.45 Georgia, serif; max-width: 46rem; margin: 2rem auto; padding: 0 1rem; color: #111; }
h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.15rem; border-bottom: 1px solid #999; margin-top: 1.6rem; }
.score { margin: 1rem 0 .1rem; font-weight: bold; } .you { margin: 0 0 .2rem; } .them { margin: .4rem 0 .8rem; color: #333; }
.note { margin: 0 0 .3rem 1.2rem; font-size: .92em; color: #333; }
.better { margin: .3rem 0 .8rem 1.2rem; padding: .3rem .6rem; border-left: 3px solid #2e7d32; }
mark.earned { background: #dcefdc; } mark.lost { background: #f6d5d5; text-decoration: line-through; }
.meta { color: #555; font-size: .9em; } .label { font-weight: bold; margin: 1rem 0 .3rem; }
.met { color: #2e7d32; } .missed { color: #c62828; } .picture { max-width: 100%; height: auto; }
.list { padding-left: 1.2rem; } .list li { margin: .25rem 0; }
@media print { body { margin: 0 auto; } .better, .you, svg { break-inside: avoid; } a { color: inherit; text-decoration: none; } }
"""


def concern_state(concern, numbers: Mapping[int, int]) -> str:
    """Whether a hidden concern came out, and after which of the manager's replies (`numbers`: seq -> reply number)."""
    if concern.opened_by_seq in numbers:
        return f"came out after reply {numbers[concern.opened_by_seq]}"
    return "came out" if concern.revealed else "stayed hidden"


Look = Callable[[str], str]


def _verdict_html(debrief) -> str:
    """The verdict, with its reading of the conversation (e.g. "radical candor") in bold."""
    e = html.escape
    if not debrief.verdict:
        return f"<strong>{e(debrief.reading.capitalize())}</strong> — {e(debrief.quadrant_help)}"
    reading = e(debrief.reading)  # "between radical candor and obnoxious aggression" near a line
    return e(debrief.verdict).replace(reading, f"<strong>{reading}</strong>", 1)


TITLES = {"goals": "Goals", "concerns": "What they were not saying", "moments": "The moments that moved trust",
          "tips": "What to try next"}


def _debrief_items(debrief, look: Look) -> dict[str, list[str]]:
    """The debrief's goals, hidden concerns, moments and next steps (keys of TITLES), each a list of <li> (both pages'
    words)."""
    e = html.escape
    numbers = {r.seq: n for n, r in enumerate(debrief.replies, 1)}
    goals = []
    for goal in debrief.goals:
        when = f" — met by reply {numbers[goal.met_seq]}" if goal.met_seq in numbers else ("" if goal.met else " — missed")
        sign = f'<span {look("met")}>✓</span>' if goal.met else f'<span {look("missed")}>✗</span>'
        goals.append(f"<li>{sign} {e(goal.text)}{when}</li>")
    concerns = []
    for concern in debrief.concerns:
        opened = ", ".join(m.replace("_", " ") for m in concern.opened_by) if concern.opened_by_seq in numbers else ""
        concerns.append(f"<li>{e(concern.summary.rstrip('. '))} — {concern_state(concern, numbers)}"
                        f"{f' (opened by: {e(opened)})' if opened else ''}</li>")
    moments = []
    for m in debrief.moments:
        arrow = f'<span {look("met")}>▲</span>' if m.trust_after > m.trust_before else f'<span {look("missed")}>▼</span>'
        move = f"<strong>{e(m.move.replace('_', ' '))}</strong>: " if m.move else ""
        moments.append(f"<li>{arrow} <strong>Reply {m.number}</strong> · trust {m.trust_before} → {m.trust_after}<br>"
                       f"“{e(m.text)}”<br>{move}{e(m.why)}</li>")
    tips = [f"<li>{e(tip)}</li>" for tip in dict.fromkeys(debrief.advice + debrief.next_steps)]
    return {"goals": goals, "concerns": concerns, "moments": moments, "tips": tips}


def _listed(heading: str, items: list[str], look: Look) -> str:
    return f'{heading}<ul {look("list")}>{"".join(items)}</ul>' if items else ""


def _pictures(debrief, look: Look, image: Callable[[str], str]) -> list[str]:
    """The trust-and-stress picture, then care × challenge (none for a first 1:1, read on listening alone) with what
    the diamond means. `image` turns an SVG into the page's element for it."""
    from simulator.pictures import candor_chart, trust_stress_chart
    from simulator.scoring.debrief import candor_note

    out = [f'<p {look("label")}>Trust and stress over the conversation</p>',
           image(trust_stress_chart(debrief.trust_series, debrief.stress_series))]
    if debrief.kind == "relationship":  # evidence is not expected in a first 1:1: the candor picture would mislead
        out.append(f'<p {look("meta")}>A first 1:1 is read on listening alone, so there is no care × challenge picture here.</p>')
        return out
    out += [f'<p {look("label")}>Care personally × challenge directly (Radical Candor)</p>',
            image(candor_chart([(n, r.empathy, r.evidence) for n, r in enumerate(debrief.replies, 1)], (debrief.empathy, debrief.evidence))),
            f'<p {look("meta")}>Grey: each reply. Blue diamond: the whole conversation.</p>']
    if note := candor_note(debrief):  # on the edge between two readings, or aggression for what was said
        out.append(f'<p {look("meta")}>{html.escape(note)}</p>')
    return out


def session_html(view, debrief) -> str:
    """A printable page (save or print it from the browser) for a coaching session: the same content as
    the Markdown export, with the debrief page's two pictures. Every text is HTML-escaped, so it is shown as
    written: no tag, link or image runs."""
    e = html.escape
    scenario, persona = view.scenario, view.scenario.persona.name

    def look(name: str) -> str:
        return f'class="{name}"'

    out = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
           # no script, no external resource of any kind: the page works printed or offline
           """<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">""",
           f"<title>Debrief: {e(scenario.title)}</title><style>{_PRINT_CSS}</style></head><body>",
           f"<h1>Debrief: {e(scenario.title)}</h1>",
           f'<p class="meta">With {e(persona)} · started {view.record.started_at:%d %b %Y %H:%M} UTC · session {e(view.record.id)}</p>']
    if debrief is not None:
        out.append(f"<p><strong>Empathy {debrief.empathy}/100 · Evidence {debrief.evidence}/100 · Overall {debrief.overall}/100</strong>"
                   f' <span class="meta">(scored by {e(debrief.scorer)})</span></p>')
        out.append(f"<p>{_verdict_html(debrief)}</p>")
        if debrief.ending:
            out.append(f"<p>How it ended: {e(debrief.ending)}</p>")
        if debrief.summary:
            out.append(f"<p>Judge: {e(debrief.summary)}</p>")
        out += _pictures(debrief, look, lambda svg: svg.replace("<svg ", '<svg class="picture" ', 1))
    out += ["<h2>The conversation</h2>", '<p class="meta">Highlighted green: earned points; red, struck through: cost points.</p>',
            conversation_html(view, debrief)]
    if debrief is not None:
        items = _debrief_items(debrief, look)
        out += [_listed(f"<h2>{TITLES[name]}</h2>", items[name], look) for name in ("moments", "goals", "concerns", "tips")]
        out.append("<h2>Notes for the coaching session</h2><p>&nbsp;</p><p>&nbsp;</p>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


# The printable page styles these classes in its stylesheet; in the app (`st.html`) each element carries its style.
# Colours that read on a light or a dark theme: the text's own colour, and tinted, translucent backgrounds.
_INLINE_STYLE = {
    "you": "margin: 0 0 .2rem", "them": "margin: .9rem 0", "score": "margin: 1.1rem 0 .1rem; font-weight: 600",
    "note": "margin: 0 0 .15rem 1.2rem; font-size: .85em; opacity: .8",
    "better": "margin: .35rem 0 .3rem 1.2rem; padding: .3rem .6rem; border-left: 3px solid #2e7d32",
    "meta": "font-size: .875rem; opacity: .7; margin: .25rem 0", "earned": "background: #dcefdc; color: #111",
    "lost": "background: #f6d5d5; color: #111; text-decoration: line-through",
    "label": "font-weight: 600; margin: 1rem 0 .4rem", "met": "color: #2e7d32", "missed": "color: #c62828",
    "list": "padding-left: 1.2rem; margin: 0", "picture": "max-width: 100%; height: auto; display: block",
    "heading": "font-size: 1.5rem; font-weight: 600; margin: 2rem 0 .6rem; padding: 0",
    "notice": "margin: .6rem 0; padding: .75rem 1rem; border-radius: .5rem; background: rgba(28, 131, 225, .1)",
    "warning": "margin: .6rem 0; padding: .75rem 1rem; border-radius: .5rem; background: rgba(255, 189, 69, .2)",
    "scores": "display: flex; flex-wrap: wrap; gap: .5rem 3rem; margin: 1rem 0 .6rem",
    "score-name": "font-size: .875rem", "score-value": "font-size: 2.25rem; line-height: 1.25",
    "columns": "display: flex; flex-wrap: wrap; gap: .5rem 3rem; align-items: flex-start",
    "wide": "flex: 3 1 22rem; min-width: 0", "narrow": "flex: 2 1 16rem; min-width: 0",
    "details": "margin: 1.5rem 0 1rem; padding: .5rem .9rem; border: 1px solid rgba(128, 128, 128, .35); border-radius: .5rem",
}


def _inline(name: str) -> str:
    return f'style="{_INLINE_STYLE[name]}"'


def debrief_page_html(view, debrief, *, replays: Mapping[int, int] | None = None) -> str:
    """The debrief page in the app, but for its controls: what the session was, how it ended, the four scores, the
    verdict, the two pictures beside the goals and hidden concerns, the moments, next steps and the whole
    conversation annotated. One HTML element (`st.html`), which the browser draws at once: as some forty
    Streamlit elements the page after "End" took it half a second. Every text is HTML-escaped; the pictures are
    our own SVG as images. `replays`: how many replays the manager made from each reply (by seq)."""
    import base64

    e, look = html.escape, _inline
    scenario = view.scenario
    scored_by = f"scored by {debrief.scorer}"
    if debrief.judge_model:
        scored_by += f" (prompt {debrief.prompt_version}, scenario v{debrief.scenario_version})"
    hints = f", {debrief.hints_used} hint(s)" if debrief.mode == "learning" else ""
    out = [f'<p {look("meta")}>{e(scenario.title)} · with {e(scenario.persona.name)} · {e(scored_by)} · '
           f"{e(debrief.difficulty)}, {e(debrief.mode)} mode{hints}</p>"]
    if debrief.ending:
        out.append(f'<p {look("notice")}>{e(debrief.ending)}</p>')
    if debrief.fallback_reason:
        out.append(f'<p {look("warning")}>{e(debrief.fallback_reason)}</p>')
    if debrief.summary:
        out.append(f'<p {look("notice")}>Judge: {e(debrief.summary)}</p>')
    scores = [("Empathy", f"{debrief.empathy}/100", "EPITOME: emotional reactions, interpretations, explorations; plus validation and support"),
              ("Evidence", f"{debrief.evidence}/100", debrief.evidence_label or "Situation-Behaviour-Impact, plus dates and numbers"),
              ("Overall", f"{debrief.overall}/100", "weighted as this kind of conversation is weighed"),
              ("They ended", debrief.final_mood.replace("_", " "), "the persona's mood at the end")]
    out.append(f'<div {look("scores")}>' + "".join(
        f'<div title="{e(help_)}"><div {look("score-name")}>{name}</div><div {look("score-value")}>{e(value)}</div></div>'
        for name, value, help_ in scores) + "</div>")
    out.append(f"<p>{_verdict_html(debrief)}</p>")

    def image(svg: str) -> str:  # st.html keeps no inline <svg>; an image of it is kept and drawn at once
        return f'<img {look("picture")} alt="" src="data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()}">'

    items = _debrief_items(debrief, look)
    beside = "".join(_listed(f'<p {look("label")}>{TITLES[name]}</p>', items[name], look) for name in ("goals", "concerns"))
    out.append(f'<div {look("columns")}><div {look("wide")}>{"".join(_pictures(debrief, look, image))}</div>'
               f'<div {look("narrow")}>{beside}</div></div>')
    out += [_listed(f'<h3 {look("heading")}>{TITLES[name]}</h3>', items[name], look) for name in ("moments", "tips")]
    out += [f'<h3 {look("heading")}>The whole conversation</h3>',
            f'<p {look("meta")}><mark {look("earned")}>Green</mark> words earned points; <mark {look("lost")}>red, struck-through</mark> '
            "words cost points. Below the conversation, look closer at any reply to see why, or replay the conversation from there.</p>"]
    if not debrief.replies:
        out.append(f'<p {look("notice")}>You did not send any message in this conversation.</p>')
    out.append(conversation_html(view, debrief, inline_styles=True, replays=replays))
    out.append(f'<details {look("details")}><summary>How scoring works</summary><ul {look("list")}>'
               + "".join(f"<li><strong>{name.replace('_', ' ')}</strong> (0–2): {e(text)}</li>" for name, text in SKILL_HELP.items())
               + "</ul><p>Penalties: labels and judgments, absolutes (always/never), blame, hearsay, minimising, threats. Each reply's "
               "score comes from the words in it; the session's score is half the average reply and half the best level you reached "
               "on each skill. A better reply is shown only when the same scorer rates it higher.</p></details>")
    return "\n".join(out)


def conversation_html(view, debrief, *, inline_styles: bool = False, replays: Mapping[int, int] | None = None) -> str:
    """Both sides of the conversation, each reply with its scores, its marked words, what it earned and lost, what
    it opened or met, and a better reply where one scores higher: the printable page's section, and the debrief
    page's (one element the browser draws at once). Every text is HTML-escaped, so it is shown as written.
    `inline_styles`: a style attribute on each element rather than a class (a page with no stylesheet of ours);
    `replays`: how many replays the manager made from each reply (by seq)."""
    from simulator.scoring.debrief import skills_caption

    e = html.escape

    def look(name: str) -> str:
        return _inline(name) if inline_styles else f'class="{name}"'

    def mark(span: str, sign: int) -> str:
        return f'<mark {look("earned" if sign > 0 else "lost")}>{span}</mark>'

    persona = view.scenario.persona.name
    reports = {r.seq: r for r in debrief.replies} if debrief is not None else {}
    numbers = {r.seq: n for n, r in enumerate(debrief.replies, 1)} if debrief is not None else {}
    out: list[str] = []
    number = 0
    for message in view.messages:
        if message.role != "manager":
            cut = f' <span {look("meta")}>(interrupted before it finished)</span>' if message.interrupted else ""
            out.append(f'<p {look("them")}><strong>{e(persona)}:</strong> {e(message.text)}{cut}</p>')
            continue
        number += 1
        report = reports.get(message.seq)
        if report is None:
            out.append(f'<p {look("you")}><strong>You ({number}):</strong> {e(message.text)}</p>')
            continue
        badge = reply_badge(debrief, report)
        out.append(f'<p {look("score")}>{numbers[report.seq]}. Empathy {report.empathy} · Evidence {report.evidence} · '
                   f"trust {report.trust_before} → {report.trust_after} · mood after: {e(report.mood_after.replace('_', ' '))}{badge}</p>")
        marked_text = _merged_marks(message.text, [h.model_dump() for h in report.highlights], html.escape, mark)
        out.append(f'<p {look("you")}><strong>You:</strong> {marked_text}</p>')
        notes = [e(skills_caption(report.skills))]
        if report.disputed:
            notes.append(f"Not on the record: {e(', '.join(report.disputed))}. Check your facts before the real conversation.")
        if report.revealed:
            notes.append("This reply opened them up: they told you what was really going on.")
        if report.goals_met and debrief is not None:
            notes.append("Met a goal: " + e("; ".join(g.text for g in debrief.goals if g.id in report.goals_met)))
        if replays and replays.get(report.seq):
            notes.append(f"You replayed from here ({replays[report.seq]}): pick reply {numbers[report.seq]} below to compare.")
        out += [f'<p {look("note")}>{note}</p>' for note in notes]
        if report.rewrite:
            rw = report.rewrite
            out.append(f'<p {look("better")}><strong>A better reply</strong> · empathy {report.empathy} → {rw.empathy} · '
                       f"evidence {report.evidence} → {rw.evidence}<br>{e(rw.text)}<br>"
                       f"<span {look('meta')}>What changed: {e('; '.join(rw.changes))}</span></p>")
        elif report.better_phrasing:
            out.append(f'<p {look("better")}>The judge suggested: {e(report.better_phrasing)}</p>')
    return "\n".join(out)
