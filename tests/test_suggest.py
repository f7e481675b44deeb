"""Model suggestions for the authoring page, against the loopback OpenAI-compatible server."""

import json

import pytest

from simulator.authoring.suggest import suggest_lines, suggest_principle
from simulator.domain.scenario import Mood
from simulator.errors import InputError
from simulator.models.base import ModelOutputInvalid
from simulator.models.openai_chat import OpenAIChatModel

from .fake_openai import FakeOpenAI


def test_suggested_lines_are_drafts_for_the_topic_and_mood_without_repeats(library):
    scenario = library["performance-feedback"]
    existing = next(x.text for x in scenario.lines.guarded if "on_call" in x.topics)
    with FakeOpenAI() as server:
        server.reply_json({"lines": ["Two weeks in four is not sustainable.", existing, "  "]})
        model = OpenAIChatModel(model="gpt-4o-mini", base_url=server.base_url, api_key="sk-test", sleep=lambda s: None)
        drafts = suggest_lines(model, scenario, topic="on_call", mood=Mood.guarded)
        sent = json.dumps(server.requests[-1].body["messages"])
    assert drafts == ["Two weeks in four is not sustainable."]  # an existing line and a blank are dropped
    assert scenario.topics["on_call"] in sent and "guarded" in sent
    assert "hidden" not in sent.lower() and scenario.persona.hidden_concerns[0].summary not in sent  # never the hidden concern


def _model(server):
    return OpenAIChatModel(model="gpt-4o-mini", base_url=server.base_url, api_key="sk-test", sleep=lambda s: None)


def test_a_flagged_reply_and_its_note_become_one_rule_for_review(library):
    scenario = library["performance-feedback"]
    rule = "When pressed on the deadline, Priya defends her estimate before conceding anything."
    with FakeOpenAI() as server:
        server.reply_json({"rule": f"  {rule}\n"})
        drafted = suggest_principle(_model(server), scenario, manager="The deadline was clear.",
                                    reply="You're right, I'll fix it.", note="too compliant here")
        sent = json.dumps(server.requests[-1].body["messages"])
    assert drafted == rule  # whitespace tidied, nothing else changed
    assert "too compliant here" in sent and "You're right, I'll fix it." in sent and "The deadline was clear." in sent
    assert scenario.persona.hidden_concerns[0].summary not in sent  # the rule-writer never sees a hidden concern


def test_a_rule_needs_a_note_and_an_unusable_answer_is_a_clear_error(library):
    scenario = library["performance-feedback"]
    with FakeOpenAI() as server:
        with pytest.raises(InputError, match="note"):
            suggest_principle(_model(server), scenario, manager="Hi.", reply="Hello.", note="  ")
        assert not server.requests  # nothing sent without a note
        server.invalid_json("Sure! {rule: be tougher")
        with pytest.raises(ModelOutputInvalid, match="Try again"):
            suggest_principle(_model(server), scenario, manager="Hi.", reply="Hello.", note="would deflect")
