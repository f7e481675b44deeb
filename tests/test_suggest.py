"""Model suggestions for the authoring page, against the loopback OpenAI-compatible server."""

import json

import pytest

from simulator.authoring.suggest import suggest_concerns, suggest_lines, suggest_principle, suggest_scenario
from simulator.domain.moves import Move
from simulator.domain.scenario import Mood, Scenario
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


def draft_like(scenario) -> dict:
    """A DraftScenario answer built from a shipped scenario's content (what a good model would send)."""
    p = scenario.persona
    lines = scenario.lines
    return {
        "title": "Missed deadlines, again", "category": "feedback", "kind": "feedback", "summary": scenario.summary,
        "you_are": scenario.brief.you_are, "situation": scenario.brief.situation, "goal": scenario.brief.goal,
        "persona": p.model_dump(mode="json", include={"name", "role", "background", "personality", "speaking_style",
                                                      "starting_emotion", "wants", "will_contest"}),
        "people": [], "goals": [{"id": "Agree a Plan", "text": "Agree a plan together.", "moves": ["offers_support"]}],
        "facts": [{"id": f.id, "text": f.text} for f in scenario.facts],
        "hidden_concerns": [{"id": "Caring for Father", "summary": "Her father had a stroke.", "min_trust": 60,
                             "moves": ["open_question", "acknowledges_feelings"], "reveal_lines": ["My dad had a stroke in January."]}],
        "topics": [{"id": "On Call", "text": "The on-call rota."}],
        "opening": lines.opening[0],
        **{mood: [{"text": x.text, "topics": ["on call"] if n == 0 else []} for n, x in enumerate(lines.pool(Mood(mood)))]
           for mood in ("guarded", "neutral", "open")},
        "closed_up": [x.text for x in lines.closed_up],
        "closing_guarded": "Fine.", "closing_neutral": "Okay, thanks.", "closing_open": "Thanks for listening.",
        "contest": ["That's not what happened."],
    }


def test_a_whole_scenario_from_a_brief_is_a_valid_draft_in_the_scenario_format(library):
    brief = "A senior engineer has missed three deadlines since February; the manager must raise it and agree a plan."
    with FakeOpenAI() as server:
        server.reply_json(draft_like(library["performance-feedback"]))
        data, problems = suggest_scenario(_model(server), brief)
        sent = json.dumps(server.requests[-1].body)
    assert problems == []
    scenario = Scenario.model_validate(data)
    assert scenario.id == "missed-deadlines-again" and scenario.persona.hidden_concerns[0].id == "caring-for-father"
    assert scenario.topics == {"on-call": "The on-call rota."} and scenario.lines.guarded[0].topics == ["on-call"]
    assert scenario.goals[0].met_when.any_move == [Move.offers_support]
    assert brief in sent and "json_schema" in sent


def test_a_scenario_draft_that_does_not_validate_comes_back_with_its_problems(library):
    short = draft_like(library["performance-feedback"])
    short["guarded"] = short["guarded"][:10]
    with FakeOpenAI() as server:
        server.reply_json(short)
        data, problems = suggest_scenario(_model(server), "A senior engineer keeps missing deadlines; raise it kindly.")
        server.invalid_json("Here is your scenario: title: Missed deadlines")
        with pytest.raises(ModelOutputInvalid, match="does not fit the expected DraftScenario format"):
            suggest_scenario(_model(server), "A senior engineer keeps missing deadlines; raise it kindly.")
        with pytest.raises(InputError, match="Describe the conversation"):
            suggest_scenario(_model(server), "deadlines")
    assert len(data["lines"]["guarded"]) == 10
    assert problems == ["lines.guarded: List should have at least 15 items after validation, not 10 — fix: add more items."]


def test_suggested_hidden_concerns_are_validated_against_the_scenario(library):
    scenario = library["performance-feedback"]
    good = {"id": "Visa Worry", "summary": "Her work visa renewal is stuck.", "min_trust": 140, "moves": ["open_question"],
            "reveal_lines": ["My visa renewal is stuck, and I can't think straight."]}
    no_lines = {**good, "id": "other", "reveal_lines": []}
    taken = {**good, "id": scenario.persona.hidden_concerns[0].id}
    with FakeOpenAI() as server:
        server.reply_json({"concerns": [good, no_lines, taken]})
        concerns, problems = suggest_concerns(_model(server), scenario)
        sent = json.dumps(server.requests[-1].body["messages"])
        server.reply_json({"concerns": [no_lines]})
        with pytest.raises(ModelOutputInvalid, match="no usable hidden concern.*reveal_lines"):
            suggest_concerns(_model(server), scenario)
        server.invalid_json()
        with pytest.raises(ModelOutputInvalid, match="Try again"):
            suggest_concerns(_model(server), scenario)
    assert concerns == [{"id": "visa-worry", "summary": "Her work visa renewal is stuck.",
                         "reveal_when": {"min_trust": 100, "any_move": ["open_question"]},  # clamped to the scale
                         "reveal_lines": ["My visa renewal is stuck, and I can't think straight."]}]
    assert [p.split("'")[1] for p in problems] == ["other", scenario.persona.hidden_concerns[0].id]
    assert scenario.persona.hidden_concerns[0].summary in sent  # so the model does not repeat it
