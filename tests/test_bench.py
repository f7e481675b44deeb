"""`simulator bench --quick`: it runs end to end against the loopback server and reports every figure.

No timing is asserted here (machines are shared and noisy): only the shape of the
report, that the figures are positive, and the counts that do not depend on speed.
"""

import json

import pytest

from simulator.bench import measure
from simulator.cli import main


@pytest.fixture(scope="module")
def quick_results():
    return measure.run(quick=True)


def test_bench_json_has_every_figure_and_a_status_per_target(capsys):
    assert main(["bench", "--quick", "--json"]) == 0
    results = json.loads(capsys.readouterr().out)
    o, off, tok = results["overhead"], results["offline"], results["tokens"]
    for value in (o["service_turn_ms"], o["raw_sdk_turn_ms"], o["first_char_service_ms"], o["first_char_raw_ms"], o["first_char_ratio"],
                  off["turn_ms_median"], off["debrief_ms"], tok["tokens_per_session"], tok["naive_tokens_per_session"]):
        assert isinstance(value, (int, float)) and value > 0
    assert o["turns"] > 0 and off["turns"] > 0 and tok["turns"] > 0
    for scored in results["scorer"].values():
        assert scored["replies"] > 0 and scored["single_per_s"] > 0 and scored["batched_per_s"] > 0
        assert scored["single_per_cpu_s"] > 0 and scored["batched_per_cpu_s"] > 0
    names = [t["name"] for t in results["targets"]]
    assert len(names) == len(set(names)) >= 9
    assert {t["status"] for t in results["targets"]} <= {"PASS", "FAIL", "n/a"}
    assert all(t["status"] == "n/a" for t in results["targets"] if t["measured"] is None)


def test_counts_that_do_not_depend_on_speed(quick_results):
    tok = quick_results["tokens"]
    assert tok["judge_requests_per_debrief"] == 1
    assert tok["requests_per_turn"] == 1.0  # one persona request per turn, the tagger is offline
    assert tok["requests"] == tok["turns"] + 1
    assert tok["naive_requests"] == 2 * tok["turns"]
    assert tok["stable_prefix"] is True and tok["prefix_tokens"] > 0
    assert quick_results["offline"]["debrief_replies"] == quick_results["offline"]["turns"]


def test_the_table_names_every_target(quick_results):
    table = measure.render(quick_results)
    for target in quick_results["targets"]:
        assert target["name"] in table
    assert "PASS" in table or "FAIL" in table


def test_bench_reaches_only_loopback():
    """conftest refuses any non-loopback connection: a quick run must complete under that guard."""
    results = measure.measure_tokens(turns=2)
    assert results["turns"] == 2


def test_a_learned_tagger_from_offline_parts_is_benchmarked_too(monkeypatch):
    """Whatever tagger `offline_parts()` builds is the one measured, with its batch API when it has one."""
    from simulator import practice
    from simulator.engine.tagger import RuleTagger

    calls = {"batch": 0}

    class BatchingTagger(RuleTagger):
        def tag_batch(self, texts):
            calls["batch"] += 1
            return [self.tag(t) for t in texts]

    real = practice.offline_parts
    monkeypatch.setattr(practice, "offline_parts", lambda *a, **k: practice.Parts(**{**real().__dict__, "tagger": BatchingTagger()}))
    scorer = measure.measure_scorer(BatchingTagger(), measure.scorer_corpus()[:10], 0.01)
    assert scorer["batch_api"] and calls["batch"] > 0 and scorer["tagger"] == "BatchingTagger"
    assert measure.measure_offline(turns=2)["tagger"] == "BatchingTagger"


def test_a_quick_run_leaves_the_browser_out_and_says_so(quick_results):
    assert quick_results["browser"] is None and quick_results["browser_unavailable"]
    row = next(t for t in quick_results["targets"] if t["name"].startswith("End button"))
    assert row["status"] == "n/a"
    assert "Browser: not measured" in measure.render(quick_results)


@pytest.mark.browser
def test_end_to_debrief_in_the_browser():
    """The browser figure: a short session ended in headless Chromium; the debrief shows a line per reply."""
    from simulator.bench import browser

    if browser.unavailable():
        pytest.skip(browser.unavailable())
    result = browser.measure_browser(turns=3, runs=1)
    assert result is not None
    assert result["turns"] == 3 and result["runs"] == 1 and result["end_to_debrief_ms"] > 0
    # read by the page's clock, from the click to the frame that shows it: inside what Playwright sees from outside
    assert result["end_to_debrief_ms"] < result["playwright_ms"]
