"""The authoring page through AppTest: template, form and YAML in sync, live validation, test-play, check, publish."""

import json

from streamlit.testing.v1 import AppTest

from simulator.config import load_settings

from .fake_openai import FakeOpenAI
from .test_app import page, run

CHECK_TIMEOUT = 600  # the scripted managers play the whole scenario; slow on a loaded machine


def start_from_template() -> AppTest:
    at = run(page("authoring"))
    at.selectbox(key="author_pick").select("performance-feedback")
    run(at)
    at.button(key="author_use").click()
    return run(at)


def captions(at: AppTest) -> str:
    return "\n".join(c.value for c in at.caption)


def test_template_fills_the_form_and_the_yaml_view():
    at = start_from_template()
    assert at.text_input(key="f:id").value == "my-scenario"
    assert at.text_input(key="f:persona.name").value == "Priya Raman"
    assert "id: my-scenario" in at.text_area(key="author_yaml").value
    assert any("Valid." in s.value for s in at.success)


def test_a_form_edit_shows_in_the_yaml_and_a_bad_value_is_flagged_next_to_its_field():
    at = start_from_template()
    at.text_input(key="f:title").set_value("Feedback to a tired senior engineer")
    run(at)
    assert "title: Feedback to a tired senior engineer" in at.text_area(key="author_yaml").value
    at.text_input(key="f:id").set_value("Bad Id!")
    run(at)
    first = at.caption[0].value  # the first caption on the page: the one under the id field
    assert "should match pattern" in first and "fix" in first and "only" in first
    assert not any("Valid." in s.value for s in at.success)


def test_a_yaml_edit_updates_the_form():
    at = start_from_template()
    text = at.text_area(key="author_yaml").value.replace("name: Priya Raman", "name: Priya Shah")
    at.text_area(key="author_yaml").set_value(text)
    run(at)
    assert at.text_input(key="f:persona.name").value == "Priya Shah"


def test_test_play_shows_the_state_and_a_trace():
    at = start_from_template()
    at.text_input(key="author_said").set_value("I can see this has been a hard stretch for you. What has been going on?")
    next(b for b in at.button if b.label == "Say").click()
    run(at)
    body = "\n".join(m.value for m in at.markdown)
    assert "Moves detected" in body and "acknowledges" in body and "hard stretch" in body  # the move, and the words that carry it
    assert "Why the state moved" in body and "Why these lines" in body
    assert int(at.metric[0].value) > 35  # trust rose from the kind's start


def test_check_then_publish_puts_the_scenario_in_the_library():
    at = start_from_template()
    publish = at.button(key="author_publish")
    assert publish.disabled  # only after the checks pass
    at.button(key="author_check").click().run(timeout=CHECK_TIMEOUT)
    assert not at.exception
    assert any("All checks passed" in s.value for s in at.success)
    at.button(key="author_publish").click()
    run(at)
    assert any("Published my-scenario" in s.value for s in at.success)
    assert (load_settings().library_dir / "my-scenario.yaml").is_file()
    library = run(page("library"))
    assert any(o.startswith("New scenario (from Missed deadlines") for o in library.selectbox[0].options)


def say(at: AppTest, text: str) -> AppTest:
    at.text_input(key="author_said").set_value(text)
    next(b for b in at.button if b.label == "Say").click()
    return run(at)


RULE = "When pressed on the deadline, Priya defends her estimate before conceding anything."


def test_offline_the_trainer_writes_the_principle_for_a_flagged_reply_and_the_play_goes_on():
    at = say(start_from_template(), "The deadline was clear. Why was it missed?")
    assert "No model is configured, so write the rule yourself" in captions(at)
    at.text_area(key="author_rule").set_value(RULE)
    at.button(key="author_rule_add").click()
    run(at)
    assert f"principles:\n  - {RULE}" in at.text_area(key="author_yaml").value
    assert at.text_area(key="author_rule").value == ""
    assert any("Trace of turn 1" in e.label for e in at.expander)  # adding a principle does not restart the test-play
    assert any("Valid." in s.value for s in at.success)


def test_with_a_model_the_note_becomes_a_rule_to_review_before_it_is_added(monkeypatch):
    with FakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("SIMULATOR_PERSONA_MODEL", "gpt-4o-mini")
        at = say(start_from_template(), "The deadline was clear. Why was it missed?")
        at.text_input(key="author_flag_note").set_value("too compliant here")
        server.reply_json({"rule": RULE})
        at.button(key="author_flag_suggest").click()
        run(at)
        assert at.text_area(key="author_rule").value == RULE
        assert "principles:" not in at.text_area(key="author_yaml").value  # shown for review, not yet in the draft
        assert "too compliant here" in json.dumps(server.chat_requests[-1].body["messages"])
        at.text_area(key="author_rule").set_value(RULE.replace("anything", "a date"))
        at.button(key="author_rule_add").click()
        run(at)
    assert RULE.replace("anything", "a date") in at.text_area(key="author_yaml").value
