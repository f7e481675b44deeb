"""Exports of a session (Markdown and JSON: both sides of the conversation and the debrief),
and the one helper that makes model and scenario text inert wherever it is rendered.

Text written by a model or a scenario author is data. In Markdown (Streamlit's renderer
included) it could become a `javascript:` link, an external image that calls home, raw
HTML, a Streamlit colour directive or a bare URL turned into a link. `inert` escapes every
character Markdown gives meaning to, so the text shows exactly as written and does nothing.
The Markdown export runs all such text through it; the JSON export carries the text as
plain JSON strings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from simulator.domain.rubric import SKILL_HELP

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&@])")  # every character Markdown (or Streamlit) gives meaning to


def inert(text: str) -> str:
    """Text that Markdown shows literally: no links (bare URLs included), images, HTML or formatting."""
    return _MD_SPECIAL.sub(r"\\\1", text).replace("\n", "  \n")


def marked(text: str, highlights: Iterable[Mapping[str, Any]], mark: Callable[[str, int], str]) -> str:
    """`text` made inert, with each highlighted span wrapped by `mark(inert_span, sign)`.

    Overlapping spans merge into one (lost points win over earned ones), so no mark ever
    splits a word or a date.
    """
    merged: list[list[int]] = []  # [start, end, sign]
    for h in sorted(highlights, key=lambda h: (h["start"], h["end"])):
        if merged and h["start"] < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], h["end"])
            merged[-1][2] = min(merged[-1][2], h["sign"])
        else:
            merged.append([h["start"], h["end"], h["sign"]])
    out, pos = [], 0
    for start, end, sign in merged:
        out.append(inert(text[pos:start]))
        out.append(mark(inert(text[start:end]), sign))
        pos = end
    out.append(inert(text[pos:]))
    return "".join(out)


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
            f"(scored by {inert(debrief.scorer)})",
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
                lines.append(f"> Empathy {report.empathy} · Evidence {report.evidence} · trust {report.trust_before} → {report.trust_after}")
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
            state = f"came out after reply {numbers[c.opened_by_seq]}" if c.opened_by_seq in numbers else (
                "came out" if c.revealed else "stayed hidden")
            lines.append(f"- {inert(c.summary)}: {state}")
        lines += ["", "## What to try next", ""]
        lines += [f"- {inert(tip)}" for tip in dict.fromkeys(debrief.advice + debrief.next_steps)]
        lines += ["", "## How scoring works", ""]
        lines += [f"- {name.replace('_', ' ')}: {inert(text)}" for name, text in SKILL_HELP.items()]
    return "\n".join(lines).rstrip() + "\n"
