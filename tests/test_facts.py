"""Fact-ledger check on every shipped scenario."""

import pytest

from simulator.practice import PracticeService
from simulator.scoring.facts import disputed_claims, record_of
from simulator.scoring.offline import OfflineScorer

from .conversation import Conversation
from .conftest import SHIPPED_IDS


@pytest.mark.parametrize("scenario_id", SHIPPED_IDS)
def test_every_dated_fact_is_supported_and_a_wrong_date_is_flagged(library, scenario_id):
    scenario = library[scenario_id]
    record = record_of(scenario)
    dated = [f for f in scenario.facts if f.date]
    assert dated, f"{scenario_id} has no dated fact"
    for fact in dated:
        claim = f"On {fact.date.day} {fact.date:%B} that happened."
        assert disputed_claims(scenario, claim) == [], claim
    # a day no fact mentions
    free = next((m, d) for m in (1, 2, 3, 4, 5, 6, 7, 8) for d in range(1, 29) if (m, d) not in record.dates)
    import datetime as dt

    wrong = f"On {free[1]} {dt.date(2026, free[0], 1):%B} you did it."
    claims = disputed_claims(scenario, wrong)
    assert [c.kind for c in claims] == ["date"]
    assert wrong[claims[0].start : claims[0].end] == claims[0].text


def test_wrong_numbers_and_references_are_flagged(library):
    pf = library["performance-feedback"]
    assert [c.text for c in disputed_claims(pf, "The migration shipped three weeks late.")] == ["three weeks"]
    assert [c.text for c in disputed_claims(pf, "The migration shipped two weeks late.")] == []
    assert [c.text for c in disputed_claims(pf, "Your comment on PR #481 was curt.")] == ["#481"]
    assert disputed_claims(pf, "Your comment on PR #482 was curt.") == []


def test_future_plans_are_not_claims(library):
    assert disputed_claims(library["lateness"], "Let's meet again on 2 December to review it.") == []


def test_invented_fact_costs_evidence_points(library):
    scorer = OfflineScorer()
    pf = library["performance-feedback"]
    right = scorer.score("On 14 April you commented 'Redo it' on PR #482.", scenario=pf)
    wrong = scorer.score("On 12 April you commented 'Redo it' on PR #481.", scenario=pf)
    assert "invented_fact" in wrong.skills.penalties and "invented_fact" not in right.skills.penalties
    assert wrong.evidence < right.evidence


@pytest.mark.parametrize("scenario_id", SHIPPED_IDS)
def test_persona_contests_a_claim_not_on_record(store, library, scenario_id):
    scenario = library[scenario_id]
    session = Conversation.start(PracticeService(store, library), scenario)
    reply = session.send("On 29 January you walked out of the meeting.")
    assert any(line in reply for line in scenario.lines.contest), reply
    debrief = session.finish()
    assert debrief.replies[0].disputed == ["29 January"]
    assert any(h.move == "invented_fact" for h in debrief.replies[0].highlights)
