"""The debrief's and the team page's charts: the debrief's headline pictures are SVG, drawn where the numbers say;
the others valid Vega-Lite, with their rows inline in a layer (Streamlit would send top-level data through pandas,
a second's import on a server's first debrief)."""

import json
import re
import xml.etree.ElementTree as ET
from importlib import resources

import jsonschema
import pytest

from simulator import pictures as charts
from simulator.ui import charts as vega

SVG = "{http://www.w3.org/2000/svg}"
SPECS = {
    "attempts": vega.attempts_chart([{"attempt": 1, "score": "empathy", "value": 40, "when": "28 Nov 10:00"}]),
    "skill levels": vega.skill_levels_chart([{"attempt": 1, "skill": "open question", "best level": 2, "when": "28 Nov 10:00"}]),
    "team skills": vega.skills_boxplot([{"user": "ana", "skill": "empathy", "score": 60}], ["empathy"]),
    "team change": vega.change_bars([{"person": "ana", "change": 4.5}]),
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


def _points(svg: str, colour: str) -> list[tuple[float, float, str]]:
    root = ET.fromstring(svg)  # well-formed SVG, or this raises
    return [(float(c.get("cx")), float(c.get("cy")), c.find(f"{SVG}title").text)
            for c in root.iter(f"{SVG}circle") if c.get("fill") == colour]


def test_the_trust_and_stress_chart_has_a_point_per_message_and_measure():
    svg = charts.trust_stress_chart([50, 55, 62], [40, 35, 30])
    trust, stress = _points(svg, charts.TRUST_COLOUR), _points(svg, charts.STRESS_COLOUR)
    assert [t for _, _, t in trust] == ["trust after message 0: 50", "trust after message 1: 55", "trust after message 2: 62"]
    assert [t for _, _, t in stress] == ["stress after message 0: 40", "stress after message 1: 35", "stress after message 2: 30"]
    assert [x for x, _, _ in trust] == [x for x, _, _ in stress] and trust[0][0] < trust[1][0] < trust[2][0]
    # higher is drawn higher (smaller y), on one scale for both lines
    assert trust[0][1] > trust[1][1] > trust[2][1] and stress[0][1] < stress[1][1] < stress[2][1]
    assert trust[0][1] < stress[0][1]  # 50 above 40


def test_the_candor_picture_puts_each_reply_in_its_quadrant():
    svg = charts.candor_chart([(1, 80, 90), (2, 20, 10)], (52, 45))
    (x1, y1, t1), (x2, y2, t2) = _points(svg, charts.POINT_COLOUR)
    assert t1 == "reply 1: empathy 80, evidence 90" and t2 == "reply 2: empathy 20, evidence 10"
    assert x1 > x2 and y1 < y2  # more evidence to the right, more empathy higher up
    root = ET.fromstring(svg)
    labels = {t.text: (float(t.get("x")), float(t.get("y"))) for t in root.iter(f"{SVG}text") if t.get("x")}
    candor, aggression = labels["Radical candor"], labels["Obnoxious aggression"]
    assert abs(candor[0] - aggression[0]) < 1 and candor[1] < aggression[1]  # both right; care on top
    diamond = root.find(f"{SVG}polygon")
    assert diamond is not None and "empathy 52, evidence 45" in diamond.find(f"{SVG}title").text


def test_the_pictures_hold_numbers_and_our_own_words_only():
    for svg in (charts.trust_stress_chart([50, 200, -5], [0]), charts.candor_chart([(1, 150, -20)], (0, 100))):
        words = set(re.findall(r">([^<]+)<", svg))
        assert all(re.fullmatch(r"[\w .,:×()-]+", w) for w in words), words
        assert "script" not in svg and "href" not in svg
