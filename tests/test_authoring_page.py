"""The authoring page through AppTest: template, form and YAML in sync, live validation, test-play, check, publish."""

from streamlit.testing.v1 import AppTest

from simulator.config import load_settings

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
