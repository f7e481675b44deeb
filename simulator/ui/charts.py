"""The charts of the debrief and the team page, as plain Vega-Lite specs (dicts) for `st.vega_lite_chart`.

Plain specs rather than Altair objects: Altair validates every chart against the whole
Vega-Lite JSON schema when Streamlit converts it, which cost about 0.3 s per debrief page,
and importing Altair and pandas another second in a new server process (see `_chart`). The specs hold
their data inline; every text in them is our own or a number (no scenario or model text).
"""

from __future__ import annotations

from typing import Any

Spec = dict[str, Any]

QUADRANT_LABELS = [
    {"x": 75, "y": 97, "label": "Radical candor"},
    {"x": 25, "y": 97, "label": "Ruinous empathy"},
    {"x": 75, "y": 3, "label": "Obnoxious aggression"},
    {"x": 25, "y": 3, "label": "Manipulative insincerity"},
]
SCORE = {"domain": [0, 100]}


def _field(name: str, kind: str, **more: Any) -> Spec:
    return {"field": name, "type": kind, **more}


def _chart(rows: list[dict[str, Any]], mark: str | Spec, encoding: Spec, height: int | None = None) -> Spec:
    """One view over `rows`. The rows sit inside a layer: Streamlit sends a spec's top-level data through pandas and
    Arrow (a second's import in a new server process), and leaves a layer's inline values as they are."""
    spec: Spec = {"layer": [{"data": {"values": rows}, "mark": mark, "encoding": encoding}]}
    if height is not None:
        spec["height"] = height
    return spec


def candor_chart(replies: list[tuple[int, int, int]], session: tuple[int, int]) -> Spec:
    """Radical Candor's picture: challenge directly (evidence, x) against care personally (empathy, y).

    `replies` holds (number, empathy, evidence) per reply; `session` is (empathy, evidence).
    """
    x = _field("evidence", "quantitative", scale=SCORE, title="Challenge directly (evidence)")
    y = _field("empathy", "quantitative", scale=SCORE, title="Care personally (empathy)")
    tooltip = [_field("reply", "nominal"), _field("empathy", "quantitative"), _field("evidence", "quantitative")]
    points = [{"reply": f"reply {n}", "empathy": e, "evidence": v} for n, e, v in replies]
    whole = [{"reply": "whole conversation", "empathy": session[0], "evidence": session[1]}]
    middle = {"values": [{"v": 50}]}
    return {
        "height": 300,
        "layer": [
            {"data": middle, "mark": {"type": "rule", "color": "#bbb"}, "encoding": {"x": _field("v", "quantitative", scale=SCORE)}},
            {"data": middle, "mark": {"type": "rule", "color": "#bbb"}, "encoding": {"y": _field("v", "quantitative", scale=SCORE)}},
            {"data": {"values": QUADRANT_LABELS}, "mark": {"type": "text", "color": "#888", "fontSize": 11},
             "encoding": {"x": _field("x", "quantitative", scale=SCORE), "y": _field("y", "quantitative", scale=SCORE),
                          "text": _field("label", "nominal")}},
            {"data": {"values": points}, "mark": {"type": "circle", "size": 60, "color": "#90a4ae"},
             "encoding": {"x": x, "y": y, "tooltip": tooltip}},
            {"data": {"values": whole}, "mark": {"type": "point", "size": 220, "filled": True, "color": "#1565c0", "shape": "diamond"},
             "encoding": {"x": x, "y": y, "tooltip": tooltip}},
        ],
    }


def trust_stress_chart(trust: list[int], stress: list[int]) -> Spec:
    """Trust (green) and stress (red) after each of the manager's messages (0: the start)."""
    rows = [{"your message": n, "measure": name, "value": value}
            for name, series in (("trust", trust), ("stress", stress)) for n, value in enumerate(series)]
    return _chart(rows, {"type": "line", "point": True}, {
        "x": _field("your message", "quantitative", axis={"tickMinStep": 1}),
        "y": _field("value", "quantitative", scale=SCORE, title=None),
        "color": _field("measure", "nominal", title=None, scale={"domain": ["trust", "stress"], "range": ["#2e7d32", "#c62828"]}),
        "tooltip": [_field("your message", "quantitative"), _field("measure", "nominal"), _field("value", "quantitative")],
    }, height=260)


def attempts_chart(rows: list[dict[str, Any]]) -> Spec:
    """Scores per attempt: rows of {attempt, score (its name), value, when}."""
    return _chart(rows, {"type": "line", "point": True}, {
        "x": _field("attempt", "ordinal", title="attempt"),
        "y": _field("value", "quantitative", scale=SCORE, title="score"),
        "color": _field("score", "nominal"),
        "tooltip": [_field(name, "nominal") for name in ("attempt", "when", "score", "value")],
    }, height=220)


def skill_levels_chart(rows: list[dict[str, Any]]) -> Spec:
    """The best level (0-2) reached on each skill, per attempt: rows of {attempt, skill, best level, when}."""
    return _chart(rows, "rect", {
        "x": _field("attempt", "ordinal", title="attempt"),
        "y": _field("skill", "nominal", title=None, sort=None),
        "color": _field("best level", "quantitative", scale={"domain": [0, 2], "scheme": "greens"}, legend={"tickCount": 3}),
        "tooltip": [_field(name, "nominal") for name in ("attempt", "when", "skill", "best level")],
    }, height=30 * len({r["skill"] for r in rows}))


def skills_boxplot(rows: list[dict[str, Any]], skills: list[str]) -> Spec:
    """The spread of each skill's score across a team's sessions: rows of {user, skill, score}."""
    return _chart(rows, {"type": "boxplot", "extent": "min-max"}, {
        "x": _field("score", "quantitative", scale=SCORE, title="score"),
        "y": _field("skill", "nominal", sort=skills, title=None),
    })


def change_bars(rows: list[dict[str, Any]]) -> Spec:
    """Each person's change in overall score: rows of {person, change}."""
    return _chart(rows, "bar", {
        "x": _field("change", "quantitative", title="change in overall score"),
        "y": _field("person", "nominal", title=None),
    })
