"""Principles: trainer-written rules for the persona, stored in the scenario and sent in the model persona's prompt."""

import json

import pytest

from simulator.domain.scenario import Scenario, json_schema
from simulator.engine.prompts import persona_system
from simulator.engine.tagger import RuleTagger
from simulator.engine.voice import ModelVoice
from simulator.models.openai_chat import OpenAIChatModel
from simulator.practice import Parts, PracticeService

from .conversation import Conversation
from .fake_openai import FakeOpenAI

RULE = "When pressed on the deadline, Priya defends her estimate before conceding anything."


def with_principles(scenario: Scenario, *rules: str) -> Scenario:
    data = scenario.model_dump(mode="json")
    data["persona"]["principles"] = list(rules)
    return Scenario.model_validate(data)


def test_principles_are_part_of_the_format_and_default_to_none(library):
    assert library["performance-feedback"].persona.principles == []
    assert "principles" in json.loads(json_schema())["$defs"]["Persona"]["properties"]
    data = library["performance-feedback"].model_dump(mode="json")
    data["persona"]["principles"] = ["Be nice"]
    with pytest.raises(ValueError, match="at least 8 characters"):
        Scenario.model_validate(data)


def test_the_prompt_has_a_principles_section_only_when_there_are_some(library):
    plain = library["performance-feedback"]
    assert "How you behave" not in persona_system(plain)
    assert f"- {RULE}" in persona_system(with_principles(plain, RULE))


def test_every_persona_request_on_the_loopback_server_carries_the_principles(store, library):
    scenario = with_principles(library["performance-feedback"], RULE, "If the manager labels her, Priya asks for an example.")
    with FakeOpenAI(default_text="It has been a lot, honestly.") as server:
        model = OpenAIChatModel(model="gpt-4o-mini", base_url=server.base_url, api_key="sk-test", sleep=lambda s: None)
        service = PracticeService(store, {scenario.id: scenario}, Parts(voice=ModelVoice(model), tagger=RuleTagger(), judge=None, mode="test"))
        session = Conversation.start(service, scenario)
        session.send("How have the last few weeks been?")
        session.send("The deadline was clear. Why was it missed?")
        requests = [r for r in server.chat_requests if "response_format" not in r.body]
    assert len(requests) == 2
    for request in requests:
        system = request.body["messages"][0]
        assert system["role"] == "system" and RULE in system["content"] and "asks for an example" in system["content"]


def test_a_rehearsal_with_the_model_voice_keeps_its_state_when_the_model_fails(library):
    from simulator.authoring.rehearse import Rehearsal
    from simulator.models.base import ModelError

    scenario = with_principles(library["performance-feedback"], RULE)
    with FakeOpenAI(default_text="I did what I could with the estimate.") as server:
        model = OpenAIChatModel(model="gpt-4o-mini", base_url=server.base_url, api_key="sk-test", sleep=lambda s: None)
        run = Rehearsal(scenario, tagger=RuleTagger(), voice=ModelVoice(model))
        server.error(400, "bad request")
        with pytest.raises(ModelError):
            run.say("Why was the deadline missed?")
        assert run.trace == [] and run.state.turn == 0
        step = run.say("Why was the deadline missed?")
        sent = server.chat_requests[-1].body["messages"]
    assert step.reply == "I did what I could with the estimate." and "principle" in step.why_line[0]
    assert RULE in sent[0]["content"] and sent[-2]["content"] == "Why was the deadline missed?"
