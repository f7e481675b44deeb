"""The debrief's and the team page's charts: valid Vega-Lite, with their rows inline in a layer (Streamlit would
send top-level data through pandas, a second's import on a server's first debrief)."""

import json
from importlib import resources

import jsonschema
import pytest

from simulator.ui import charts

SPECS = {
    "candor": charts.candor_chart([(1, 40, 70), (2, 65, 20)], (52, 45)),
    "trust and stress": charts.trust_stress_chart([50, 55, 62], [40, 35, 30]),
    "attempts": charts.attempts_chart([{"attempt": 1, "score": "empathy", "value": 40, "when": "28 Nov 10:00"}]),
    "skill levels": charts.skill_levels_chart([{"attempt": 1, "skill": "open question", "best level": 2, "when": "28 Nov 10:00"}]),
    "team skills": charts.skills_boxplot([{"user": "ana", "skill": "empathy", "score": 60}], ["empathy"]),
    "team change": charts.change_bars([{"person": "ana", "change": 4.5}]),
}


@pytest.fixture(scope="module")
def vega_lite_schema():
    text = resources.files("altair").joinpath("vegalite/v6/schema/vega-lite-schema.json").read_text(encoding="utf-8")
    return json.loads(text)


@pytest.mark.parametrize("name", SPECS)
def test_each_chart_is_valid_vega_lite(name, vega_lite_schema):
    jsonschema.validate(SPECS[name], vega_lite_schema)


@pytest.mark.parametrize("name", SPECS)
def test_each_charts_rows_are_inline_in_its_layers(name):
    spec = SPECS[name]
    assert "data" not in spec and "datasets" not in spec
    assert all("values" in layer["data"] for layer in spec["layer"])


def test_the_trust_and_stress_chart_has_a_point_per_message_and_measure():
    rows = SPECS["trust and stress"]["layer"][0]["data"]["values"]
    assert [(r["measure"], r["your message"], r["value"]) for r in rows] == [
        ("trust", 0, 50), ("trust", 1, 55), ("trust", 2, 62), ("stress", 0, 40), ("stress", 1, 35), ("stress", 2, 30)]
