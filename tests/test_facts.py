"""Fact-ledger check on every shipped scenario."""

import pytest

from simulator.practice import PracticeService
from simulator.scoring.facts import disputed_claims, record_of
from simulator.scoring.offline import OfflineScorer

from .conftest import SHIPPED_IDS
from .conversation import Conversation


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


# ---- issue 8: the record includes what the persona said; counts flag only contradictions ----


def test_repeating_the_personas_own_words_is_never_flagged(library):
    pf = library["performance-feedback"]
    assert [c.text for c in disputed_claims(pf, "The design doc was due on 24 July.")] == ["24 July"]
    said = ["Honestly, the design doc is due on 24 July and I haven't started it."]
    assert disputed_claims(pf, "The design doc was due on 24 July.", said=said) == []


def test_a_session_does_not_contest_the_personas_own_words(store, library, monkeypatch):
    from simulator import practice as practice_module
    from simulator.practice import PracticeService

    from .conversation import Conversation

    scenario = library["letting-go"]
    session = Conversation.start(PracticeService(store, library), scenario)
    # the persona's opening line is on the record from the first turn
    opening = store.messages(session.id)[0].text
    seen = []
    real = practice_module.disputed_claims
    monkeypatch.setattr(practice_module, "disputed_claims", lambda sc, text, said=(): seen.append(list(said)) or real(sc, text, said=said))
    session.send("I want to talk about how the plan went.")
    assert seen and opening in seen[0]


@pytest.mark.parametrize(
    "text",
    ["This is between two people who both care about the module.", "I've asked two people from Platform to join the next review."],
)
def test_a_count_that_contradicts_nothing_is_not_flagged(library, text):
    assert disputed_claims(library["peer-conflict"], text) == []


def test_a_count_that_contradicts_a_ledger_count_is_flagged(library):
    pc = library["peer-conflict"]
    assert [c.text for c in disputed_claims(pc, "Two people reacted to your post.")] == ["Two people"]
    assert disputed_claims(pc, "Three people reacted to your post.") == []


def test_a_wrong_date_earns_no_evidence_points(library):
    scorer = OfflineScorer()
    pf = library["performance-feedback"]
    undated = scorer.score("You commented 'Redo it' on Tomás's pull request.", scenario=pf)
    wrong = scorer.score("On 12 April you commented 'Redo it' on Tomás's pull request.", scenario=pf)
    right = scorer.score("On 14 April you commented 'Redo it' on Tomás's pull request.", scenario=pf)
    assert wrong.skills.situation == 0 and wrong.skills.data == 0
    assert wrong.evidence < undated.evidence < right.evidence


def test_fact_check_precision_on_the_labelled_claims():
    from simulator.evaluation.evaluate import claims_path, fact_check_agreement

    rows = claims_path().read_text(encoding="utf-8").splitlines()
    assert len(rows) >= 80
    true, false, missed = fact_check_agreement()
    assert true + missed >= 25, "the set needs contradicting claims"
    precision = true / (true + false)
    assert precision >= 0.95, (true, false, missed)


# ---- the shared lexicon --------------------------------------------------------------


def test_lexicon_numbers_sentences_and_plans():
    import re

    from simulator.domain.lexicon import NUMBER_WORD, is_future, month_number, number_value, sentence_at

    assert re.match(NUMBER_WORD, "seventeen callers").group(0) == "seventeen"
    assert number_value("twenty-one") == 21 and number_value("twice") == 2 and number_value("4.6") == 4.6
    assert month_number("Sept") == 9 and month_number("may") == 5
    text = "The rate was 4.6 out of 5. On 3 March you left early."
    assert sentence_at(text, text.index("3 March")) == "On 3 March you left early."
    assert is_future("I'll book us 30 minutes on 12 June.") and not is_future("On 12 June you shipped it.")


def test_a_count_in_words_is_read_whole(library):
    la = library["lateness"]
    assert [c.text for c in disputed_claims(la, "On 17 February seventeen callers hung up.")] == ["seventeen callers"]


def test_a_plain_words_claim_the_ledger_disproves_is_flagged(library):
    """The ledger can say what it disproves (`Fact.disproves`): "the queue was left uncovered" is wrong when Lewis was
    logged in on every one of those mornings. Negated, planned or merely nearby words are not a claim."""
    lateness = library["lateness"]
    for wrong, claim in [("The queue was left uncovered.", "left uncovered"),
                         ("You left the queue uncovered on 17 February.", "left the queue uncovered")]:
        claims = disputed_claims(lateness, wrong)
        assert [(c.kind, c.text) for c in claims] == [("claim", claim)], wrong
        assert wrong[claims[0].start : claims[0].end] == claim
    for fine in ["The queue wasn't left uncovered, Lewis was there.", "From Monday the queue is never left uncovered.",
                 "Lewis ran the queue alone and 9 callers hung up.", "I left it a few days, and the rota was uncovered by chance."]:
        assert disputed_claims(lateness, fine) == [], fine
