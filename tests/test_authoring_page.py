"""The authoring page through AppTest: template, form and YAML in sync, live validation, test-play, check, publish."""

import json

import yaml
from streamlit.testing.v1 import AppTest

from simulator.config import load_settings

from .fake_openai import FakeOpenAI
from .test_app import page, run
from .test_suggest import draft_like

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


def brief_page(monkeypatch, server, at: AppTest | None = None) -> AppTest:
    monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
    monkeypatch.setenv("SIMULATOR_PERSONA_MODEL", "gpt-4o-mini")
    at = at or run(page("authoring"))
    at.radio(key="author_start").set_value("a short brief")
    run(at)
    at.text_area(key="author_brief").set_value("A senior engineer has missed three deadlines since February; agree a plan.")
    return at


def test_a_scenario_drafted_from_a_brief_is_reviewed_then_used(monkeypatch, library):
    with FakeOpenAI() as server:
        at = brief_page(monkeypatch, server)
        server.reply_json(draft_like(library["performance-feedback"]))
        at.button(key="author_draft_scenario").click()
        run(at)
        assert any("replaces your current draft only when you use it" in s.value for s in at.success)
        assert "title: Missed deadlines, again" in at.code[0].value
        at.button(key="author_use_suggested").click()
        run(at)
    assert at.text_input(key="f:title").value == "Missed deadlines, again"
    assert at.text_input(key="f:id").value == "missed-deadlines-again"
    assert any("Valid." in s.value for s in at.success)


def test_an_invalid_drafted_scenario_is_explained_and_the_draft_kept(monkeypatch, library):
    short = draft_like(library["performance-feedback"])
    short["open"] = short["open"][:4]
    with FakeOpenAI() as server:
        at = brief_page(monkeypatch, server, start_from_template())
        server.invalid_json("Sure! title: Missed deadlines")
        at.button(key="author_draft_scenario").click()
        run(at)
        assert any("does not fit the expected DraftScenario format" in e.value and "Try again" in e.value for e in at.error)
        server.reply_json(short)
        at.button(key="author_draft_scenario").click()
        run(at)
    error = next(e.value for e in at.error if "does not validate" in e.value).replace("\\", "")
    assert "your draft is unchanged" in error and "lines.open" in error and "add more items" in error
    assert not [b for b in at.button if b.key == "author_use_suggested"]
    assert at.text_input(key="f:id").value == "my-scenario"  # the trainer's draft is untouched


def test_suggested_hidden_concerns_are_ticked_before_they_join_the_draft(monkeypatch):
    concern = {"id": "visa", "summary": "Her work visa renewal is stuck.", "min_trust": 60, "moves": ["open_question"],
               "reveal_lines": ["My visa renewal is stuck."]}
    with FakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("SIMULATOR_PERSONA_MODEL", "gpt-4o-mini")
        at = start_from_template()
        server.reply_json({"concerns": [concern]})
        at.button(key="author_suggest_concerns").click()
        run(at)
        assert "summary: Her work visa" not in at.text_area(key="author_yaml").value
        at.checkbox(key="author_concern_drafts:0").check()
        at.button(key="author_add_concerns").click()
        run(at)
    assert "summary: Her work visa renewal is stuck." in at.text_area(key="author_yaml").value
    assert any("Valid." in s.value for s in at.success)


def test_suggested_lines_join_the_mood_and_topic_they_were_asked_for(monkeypatch):
    with FakeOpenAI() as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("SIMULATOR_PERSONA_MODEL", "gpt-4o-mini")
        at = start_from_template()
        at.selectbox(key="author_topic").select("on_call")
        at.selectbox(key="author_mood").select("open")
        run(at)
        server.reply_json({"lines": ["Two weeks in four on call wore me down.", "I never said no to a page."]})
        at.button(key="author_suggest").click()
        run(at)
        at.checkbox(key="author_line_drafts:1").check()
        at.button(key="author_add").click()
        run(at)
    text = at.text_area(key="author_yaml").value
    assert yaml.safe_load(text)["lines"]["open"][-1] == {"text": "I never said no to a page.", "topics": ["on_call"]}
    assert "wore me down" not in text  # not ticked
    assert any("Valid." in s.value for s in at.success)


def edit_table(at: AppTest, label: str, edits: dict) -> AppTest:
    """Choose a list in the form and apply table edits (AppTest seeds a data editor through its edit state)."""
    at.selectbox(key="author_list").select(label)
    run(at)
    [editor] = at.data_editor
    at.session_state[editor.key] = {"edited_rows": {}, "added_rows": [], "deleted_rows": [], **edits}
    return run(at)


def test_list_fields_are_edited_in_the_form_and_the_yaml_follows():
    at = start_from_template()
    at = edit_table(at, "Facts on record", {"edited_rows": {0: {"text": "Two sprints slipped in March."}},
                                            "added_rows": [{"id": "new-fact", "text": "She asked for help on 2 May."}],
                                            "deleted_rows": [1]})
    facts = yaml.safe_load(at.text_area(key="author_yaml").value)["facts"]
    assert facts[0]["text"] == "Two sprints slipped in March." and facts[-1] == {"id": "new-fact", "text": "She asked for help on 2 May."}
    assert "refunds-api" not in [f["id"] for f in facts]  # the deleted row
    assert any("Valid." in s.value for s in at.success)
    assert at.data_editor[0].value["text"][0] == "Two sprints slipped in March."  # the table starts afresh from the draft


def test_a_bad_cell_is_explained_under_its_table_and_the_draft_is_kept():
    at = start_from_template()
    before = at.text_area(key="author_yaml").value
    at = edit_table(at, "Goals", {"edited_rows": {0: {"met_when": "{any_move: [open_question"}}})
    assert any("row 1, column met_when: this is not valid YAML" in e.value.replace("\\", "") for e in at.error)
    assert at.text_area(key="author_yaml").value == before
    at = edit_table(at, "Goals", {"edited_rows": {0: {"met_when": "{any_move: [no_such_move]}"}}})
    assert any("goals.0.met_when.any_move.0" in c.value.replace("\\", "") for c in at.caption)  # validated, shown under the table
    assert not any("Valid." in s.value for s in at.success)


def test_test_play_with_the_model_and_a_principle_added_mid_play_reaches_its_next_prompt(monkeypatch):
    def respond(body):
        return json.dumps({"rule": RULE}) if "response_format" in body else "Fine. The estimate was always tight."

    with FakeOpenAI(responder=respond) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("SIMULATOR_PERSONA_MODEL", "gpt-4o-mini")
        at = say(start_from_template(), "The deadline was clear. Why was it missed?")
        assert at.radio(key="author_voice").value == "the model"
        body = "\n".join(m.value for m in at.markdown).replace("\\", "")
        assert "Fine. The estimate was always tight." in body and "the model's reply (gpt-4o-mini)" in body
        at.text_input(key="author_flag_note").set_value("too compliant here")
        at.button(key="author_flag_suggest").click()
        run(at)
        at.button(key="author_rule_add").click()
        run(at)
        assert any("Trace of turn 1" in e.label for e in at.expander)  # the play goes on
        say(at, "I hear you. What would have helped?")
        persona = [r.body["messages"] for r in server.chat_requests if "response_format" not in r.body]
    assert len(persona) == 2
    assert RULE not in persona[0][0]["content"] and RULE in persona[1][0]["content"]  # from the next turn on
    assert "The deadline was clear." in json.dumps(persona[1])  # the conversation so far goes with it
