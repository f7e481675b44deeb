"""The charts of the debrief's progress section and the team page: plain Vega-Lite specs (dicts) for
`st.vega_lite_chart`. (The debrief's two headline pictures are SVG: `simulator.pictures`.)

Plain specs rather than Altair objects: Altair validates every chart against the whole
Vega-Lite JSON schema when Streamlit converts it, which cost about 0.3 s per debrief page,
and importing Altair and pandas another second in a new server process (see `_chart`). The specs hold
their data inline; every text in them is our own or a number (no scenario or model text).
"""

from __future__ import annotations

from typing import Any

Spec = dict[str, Any]

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
