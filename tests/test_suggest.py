"""Model suggestions for the authoring page, against the loopback OpenAI-compatible server."""

import json

from simulator.authoring.suggest import suggest_lines
from simulator.domain.scenario import Mood
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
