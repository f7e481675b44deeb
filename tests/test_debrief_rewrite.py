"""Better replies for weak ones (offline, kept only when the same scorer rates them higher),
and the debrief's next steps, moments, goals and concerns."""

import re

import pytest

from simulator.domain.moves import Move
from simulator.practice import PracticeService
from simulator.scoring.offline import OfflineScorer
from simulator.scoring.rewrite import is_weak, rewrite_reply, spoken_fact, weighted

from .conversation import Conversation
from .scripts import BLAMING_VAGUE, EMPATHIC_SPECIFIC

SCORER = OfflineScorer()


def rewrite_of(scenario, text, said=(), suggestion=""):
    scored = SCORER.score(text, scenario=scenario, said=said)
    return scored, rewrite_reply(scenario, text, scored, said=said, suggestion=suggestion, scorer=SCORER)


def test_a_label_becomes_a_dated_fact_a_question_and_an_acknowledgement(library):
    scenario = library["performance-feedback"]
    scored, rewrite = rewrite_of(scenario, "You've been missing deadlines and everyone says your attitude is a problem.")
    assert is_weak(scenario, scored)
    assert rewrite is not None
    assert "attitude" not in rewrite.text and "everyone says" not in rewrite.text
    ledger_dates = {f"{f.date.day} {f.date:%B}" for f in scenario.facts if f.date}
    assert any(d in rewrite.text for d in ledger_dates), rewrite.text  # a dated fact from the record
    assert rewrite.text.rstrip().endswith("?")
    assert rewrite.overall > weighted(scenario, scored.empathy, scored.evidence)
    assert any("instead of a label" in c for c in rewrite.changes)
    again = SCORER.score(rewrite.text, scenario=scenario)  # the same scorer, the same numbers
    assert (again.empathy, again.evidence) == (rewrite.empathy, rewrite.evidence)
    assert again.skills.penalties == []


def test_a_decision_gets_its_acknowledgement_before_the_news(library):
    scenario = library["letting-go"]
    text = "We're letting you go. Your last day is Friday."
    scored, rewrite = rewrite_of(scenario, text)
    assert Move.clear_message in scored.tagging.moves
    assert rewrite is not None
    assert rewrite.text.index("I'm sorry") < rewrite.text.index("We're letting you go")
    assert "an acknowledgement before the news" in rewrite.changes
    assert "We're letting you go. Your last day is Friday." in rewrite.text  # the manager's own words stay


def test_a_first_one_on_one_gets_listening_not_evidence(library):
    scenario = library["first-one-on-one"]
    said = ["Hi. Yes, I've been settling in, slowly."]
    scored, rewrite = rewrite_of(scenario, "So, the reporting migration. Are you on track?", said=said)
    assert rewrite is not None
    assert not re.search(r"\b\d{1,2} (?:February|March|April|May|June)\b", rewrite.text), "no ledger facts in a first 1:1"
    assert "a reflection of what they said" in rewrite.changes
    assert rewrite.empathy > scored.empathy


def test_a_worse_suggestion_is_never_shown_and_a_better_one_competes(library):
    scenario = library["performance-feedback"]
    text = "You always do this. It's your fault."
    _, rewrite = rewrite_of(scenario, text, suggestion="You are lazy and unprofessional.")
    assert rewrite is not None and rewrite.source == "offline" and "lazy" not in rewrite.text
    judge = ("I know the last months have been hard. On 3 March the ledger migration was due and it shipped on 17 March, "
             "two weeks late, which meant finance had to delay the close. What got in the way?")
    _, rewrite = rewrite_of(scenario, text, suggestion=judge)
    judged = SCORER.score(judge, scenario=scenario)
    assert rewrite is not None and rewrite.overall >= weighted(scenario, judged.empathy, judged.evidence)
    assert rewrite.source == ("judge" if rewrite.text == judge else "offline")


def test_no_rewrite_when_nothing_beats_the_original(library):
    scenario = library["performance-feedback"]
    strong = EMPATHIC_SPECIFIC[1]
    scored, rewrite = rewrite_of(scenario, strong)
    original = weighted(scenario, scored.empathy, scored.evidence)
    assert rewrite is None or rewrite.overall > original


@pytest.mark.parametrize("scenario_id, fact_id, expected", [
    ("performance-feedback", "review-tomas", "On 14 April you commented 'This is wrong. Redo it.' on Tomás's pull request #482"),
    ("first-one-on-one", "handover", "I took over the Customer Insights team on 23 February"),
])
def test_ledger_facts_are_said_to_the_persona(library, scenario_id, fact_id, expected):
    scenario = library[scenario_id]
    fact = next(f for f in scenario.facts if f.id == fact_id)
    assert spoken_fact(fact, scenario).startswith(expected)


def test_quotations_are_left_as_they_were_said(library):
    scenario = library["peer-conflict"]
    fact = next(f for f in scenario.facts if f.id == "nadia-remark")
    said = spoken_fact(fact, scenario)
    assert '"You clearly didn\'t read the spec."' in said and "you said to Marcus" in said


@pytest.fixture
def service(sqlite_store, library):
    return PracticeService(sqlite_store, library)


def test_weak_replies_in_a_debrief_carry_a_rewrite_that_scores_higher(service, library):
    conv = Conversation.start(service, library["performance-feedback"])
    for text in BLAMING_VAGUE[:3]:
        if not conv.ended:
            conv.send(text)
    debrief = conv.finish()
    assert debrief.replies
    with_rewrite = [r for r in debrief.replies if r.rewrite]
    assert with_rewrite, "blaming, vague replies get better ones"
    for reply in with_rewrite:
        assert reply.rewrite.overall > reply.overall
        assert reply.skills.penalties or reply.overall < 60
    assert all(r.reaction for r in debrief.replies), "the persona's answer is kept with each reply"


def test_a_good_run_gets_concrete_next_steps_and_its_moments(service, library):
    scenario = library["performance-feedback"]
    conv = Conversation.start(service, scenario)
    for text in EMPATHIC_SPECIFIC:
        if not conv.ended:
            conv.send(text)
    debrief = conv.finish()
    assert not any("Try a harder scenario next" in tip for tip in debrief.advice)
    steps = debrief.next_steps
    assert len(steps) == 3
    assert steps[0].startswith("Replay reply ") and "trust" in steps[0]
    assert steps[1].startswith("Stretch goal:")
    # played at realistic: the next step up is the same scenario on tough
    assert steps[2].startswith("Harder:") and "tough" in steps[2]
    # the moments: at most three, in order, each with the move that moved trust in its direction
    assert 1 <= len(debrief.moments) <= 3
    assert [m.number for m in debrief.moments] == sorted(m.number for m in debrief.moments)
    for moment in debrief.moments:
        if moment.move:
            change = moment.trust_after - moment.trust_before
            assert scenario.state.deltas[Move(moment.move)].trust * change > 0
    # goals with the reply that met each; the concern with what opened it
    seqs = {r.seq for r in debrief.replies}
    for goal in debrief.goals:
        assert (goal.met_seq in seqs) == goal.met
    concern = next(c for c in debrief.concerns if c.id == "caring-for-father")
    assert concern.revealed and concern.opened_by_seq in seqs
    openers = set(scenario.concern("caring-for-father").reveal_when.any_move)
    assert concern.opened_by and {Move(m) for m in concern.opened_by} <= openers
    assert debrief.verdict.startswith("Read as feedback")


def test_a_first_one_on_one_verdict_is_read_on_listening(service, library):
    conv = Conversation.start(service, library["first-one-on-one"])
    conv.send("How have your first two weeks been? What has surprised you so far?")
    debrief = conv.finish()
    assert debrief.verdict.startswith("Read as a first 1:1, on listening alone")


def test_rewrites_in_one_session_cite_different_facts(service, library):
    scenario = library["performance-feedback"]
    conv = Conversation.start(service, scenario)
    for text in ("You are lazy.", "Okay."):
        conv.send(text)
    debrief = conv.finish()
    rewrites = [r.rewrite.text for r in debrief.replies if r.rewrite]
    assert len(rewrites) == 2
    facts = [[f.id for f in scenario.facts if f.date and f"{f.date.day} {f.date:%B}" in text] for text in rewrites]
    assert facts[0] and facts[1] and set(facts[0]).isdisjoint(facts[1])


def test_with_a_judge_its_suggestion_is_scored_and_shown_only_when_higher(store, library):
    from .fake_openai import FakeOpenAI
    from .test_llm_mode import llm_session, verdict

    good = ("I can see these months have been hard, and that makes sense. The ledger migration was due on 3 March and "
            "shipped on 17 March, two weeks late, so finance had to delay the close. What got in the way?")
    with FakeOpenAI(default_text="Okay.") as server:
        session = llm_session(store, library, server)
        session.send("You are lazy.")
        session.send("Everyone says you never listen.")
        answer = verdict([(2, {}), (4, {})])
        answer["replies"][0]["better_phrasing"] = good
        answer["replies"][1]["better_phrasing"] = "You are lazy and you never listen."  # worse: never shown
        server.reply_json(answer)
        debrief = session.finish()
    first, second = debrief.replies
    assert first.rewrite is not None and first.rewrite.source == "judge" and first.rewrite.text == good
    scored = SCORER.score(good, scenario=library["performance-feedback"])
    assert (first.rewrite.empathy, first.rewrite.evidence) == (scored.empathy, scored.evidence)
    assert second.rewrite is not None and second.rewrite.source == "offline" and "lazy" not in second.rewrite.text
