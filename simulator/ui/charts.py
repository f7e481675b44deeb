"""Charts for the debrief (Altair specs; Streamlit renders them)."""

from __future__ import annotations

import altair as alt
import pandas as pd

QUADRANT_LABELS = [
    {"x": 75, "y": 97, "label": "Radical candor"},
    {"x": 25, "y": 97, "label": "Ruinous empathy"},
    {"x": 75, "y": 3, "label": "Obnoxious aggression"},
    {"x": 25, "y": 3, "label": "Manipulative insincerity"},
]


def candor_chart(replies: list[tuple[int, int, int]], session: tuple[int, int]) -> alt.LayerChart | alt.FacetChart:
    """Radical Candor's picture: challenge directly (evidence, x) against care personally (empathy, y).

    `replies` holds (number, empathy, evidence) per reply; `session` is (empathy, evidence).
    """
    scale = alt.Scale(domain=[0, 100])
    x = alt.X("evidence:Q", scale=scale, title="Challenge directly (evidence)")
    y = alt.Y("empathy:Q", scale=scale, title="Care personally (empathy)")
    points = pd.DataFrame([{"reply": f"reply {n}", "empathy": e, "evidence": v} for n, e, v in replies])
    whole = pd.DataFrame([{"reply": "whole conversation", "empathy": session[0], "evidence": session[1]}])
    rules = alt.Chart(pd.DataFrame({"v": [50]}))
    layers = [
        rules.mark_rule(color="#bbb").encode(x=alt.X("v:Q", scale=scale)),
        rules.mark_rule(color="#bbb").encode(y=alt.Y("v:Q", scale=scale)),
        alt.Chart(pd.DataFrame(QUADRANT_LABELS)).mark_text(color="#888", fontSize=11).encode(
            x=alt.X("x:Q", scale=scale), y=alt.Y("y:Q", scale=scale), text="label:N"
        ),
        alt.Chart(points).mark_circle(size=60, color="#90a4ae").encode(x=x, y=y, tooltip=["reply", "empathy", "evidence"]),
        alt.Chart(whole).mark_point(size=220, filled=True, color="#1565c0", shape="diamond").encode(x=x, y=y, tooltip=["reply", "empathy", "evidence"]),
    ]
    return alt.layer(*layers).properties(height=300)
