"""What the browser review found the debrief teaching wrong, each with the manager's actual words.

Rewrites fit their moment (a question after a disclosure, an acknowledgement after thanks, news
only while it is pending, no formula twice in one debrief), keep the manager's concrete content,
add a ledger fact only where a claim lacked evidence or feedback is being delivered; the hardest
moment, the weakest reply and the trust moments name the right replies; highlights read cleanly.
"""

import re

import pytest

from simulator.domain.lexicon import sentences
from simulator.domain.moves import Move
from simulator.domain.rubric import Skills
from simulator.engine.learned_tagger import LearnedTagger
from simulator.export import marked
from simulator.practice import PracticeService
from simulator.scoring.debrief import ReplyReport, highlights_of, moments, next_steps
from simulator.scoring.offline import OfflineScorer
from simulator.scoring.rewrite import ReplyContext, context_of, is_weak, rewrite_reply, spoken_fact

from .conversation import Conversation

SCORER = OfflineScorer(tagger=LearnedTagger())  # the tagger the debrief reads rewrites with


def ledger_dates(scenario) -> set[str]:
    return {f"{f.date.day} {f.date:%B}" for f in scenario.facts if f.date}


def rewrite_of(scenario, text, said=(), context=None):
    scored = SCORER.score(text, scenario=scenario, said=said)
    return scored, rewrite_reply(scenario, text, scored, said=said, scorer=SCORER, context=context)


@pytest.fixture
def service(sqlite_store, library):
    return PracticeService(sqlite_store, library)


def play(service, scenario, lines):
    return Conversation.played(service, scenario, lines)[1]


BAD_LATENESS = [
    "Carla, you're always late and it's unacceptable.",
    "Everyone says you don't care about the team anymore.",
    "I don't care about excuses. If this continues, you'll lose your lead role.",
    "Fine. From Monday you start at 08:00, no exceptions.",
]


# ---------------------------------------------------------------- 1. openers fit the moment, no formula twice
def test_no_opening_formula_is_repeated_across_the_rewrites_of_one_debrief(service, library):
    debrief = play(service, library["lateness"], BAD_LATENESS)
    rewrites = [r.rewrite.text for r in debrief.replies if r.rewrite]
    assert len(rewrites) >= 3, rewrites
    added = [[s for s in re.split(r"(?<=[.?!])\s+", rw.text) if s not in r.text] for r in debrief.replies if (rw := r.rewrite)]
    firsts = [sentences[0] for sentences in added if sentences]
    assert len(firsts) == len(set(firsts)), firsts  # no opener twice
    questions = [s for sentences in added for s in sentences if s.endswith("?")]
    assert len(questions) == len(set(questions)), questions  # nor the same question
    assert sum("hard to hear" in text for text in rewrites) <= 1, rewrites


def test_after_a_disclosure_the_rewrite_asks_and_adds_no_fact(library):
    scenario = library["performance-feedback"]
    disclosure = ("...Fine. My dad had a stroke in January. I drive up to Leeds every weekend to look after him, "
                  "and with the extra on-call I'm not sleeping much. I didn't want it to be an excuse.")
    text = "Okay. But the code reviews still need to change."
    _, rewrite = rewrite_of(scenario, text, said=[disclosure], context=ReplyContext(disclosed=True, news_given=True))
    assert rewrite is not None
    assert "#482" not in rewrite.text and not any(d in rewrite.text for d in ledger_dates(scenario)), rewrite.text
    first_added = rewrite.text.split(text)[0].strip() or rewrite.text
    assert "?" in first_added, "after a disclosure the rewrite opens with a question about them"
    assert "hard to hear" not in rewrite.text


def test_after_thanks_the_rewrite_acknowledges_and_does_not_deliver_the_news_again(library):
    scenario = library["no-promotion"]
    said = ["Not this time, then. Thank you for telling me straight, before anything else."]
    text = "Right. Let's talk about H2."
    _, rewrite = rewrite_of(scenario, text, said=said, context=ReplyContext(thanked=True, news_given=True))
    assert rewrite is not None
    assert not re.search(r"sorry|hard news|hard to hear|not be promoted|won't be promoted", rewrite.text, re.I), rewrite.text
    assert not any(d in rewrite.text for d in ledger_dates(scenario)), "the news and its facts were already given"
    assert rewrite.text.index("Let's talk about H2.") > 0, "an acknowledgement of their thanks comes first"


def test_news_is_broken_only_while_it_is_pending(library):
    scenario = library["lateness"]
    text = "Carla, you're always late and it's unacceptable."
    _, pending = rewrite_of(scenario, text)
    _, given = rewrite_of(scenario, text, context=ReplyContext(news_given=True))
    assert pending is not None and given is not None
    assert "hard to hear" in pending.text and "hard to hear" not in given.text


# ---------------------------------------------------------------- 2. a fact only where it belongs
def test_a_fact_is_added_for_a_claim_without_evidence_but_not_to_a_plain_question(library):
    scenario = library["performance-feedback"]
    _, label = rewrite_of(scenario, "Your code reviews are rude.", context=ReplyContext(news_given=True))
    assert label is not None and any(d in label.text for d in ledger_dates(scenario)), "a label gets a dated fact"
    said = ["The weekends are the hard part. Leeds and back, then the pager on Monday."]
    _, asked = rewrite_of(scenario, "Is it getting better?", said=said, context=ReplyContext(news_given=True))
    assert asked is None or not any(d in asked.text for d in ledger_dates(scenario)), asked and asked.text


# ---------------------------------------------------------------- 3. the manager's concrete content stays
@pytest.mark.parametrize("scenario_id, text, kept", [
    ("lateness", "From Monday you start at 08:00 sharp or you'll lose the lead role.", ["Monday", "08:00"]),
    ("lateness", "Fine. From Monday you start at 08:00, no exceptions.", ["Monday", "08:00"]),
    ("performance-feedback", "You always ignore reviews, PR #482 has been waiting 3 days.", ["#482", "3 days"]),
    ("no-promotion", "You weren't promoted because you never present, so aim for the H2 cycle on 18 September.",
     ["H2", "18 September"]),
])
def test_a_rewrite_keeps_the_managers_times_numbers_dates_and_deliverables(library, scenario_id, text, kept):
    scenario = library[scenario_id]
    scored, rewrite = rewrite_of(scenario, text)
    assert rewrite is not None, "each of these lost points or scored low"
    for words in kept:
        assert words in rewrite.text, (words, rewrite.text)


# ---------------------------------------------------------------- 5, 7. hardest and weakest
def report(seq, before, after, overall, moves=(), penalties=(), clear=False):
    return ReplyReport(seq=seq, text=f"reply {seq}", empathy=overall, evidence=overall, overall=overall,
                       skills=Skills(penalties=list(penalties), clear_message=clear), moves=sorted(moves), highlights=[],
                       trust_before=before, trust_after=after, stress_after=30, mood_after="neutral")


def test_the_hardest_moment_is_one_that_lowered_trust(library):
    scenario = library["lateness"]
    replies = [report(1, 30, 31, 15), report(3, 31, 26, 60), report(5, 26, 40, 80)]
    step = next_steps(scenario, replies, [], [])[0]
    assert step.startswith("Replay reply 2,"), step


def test_with_no_reply_lowering_trust_the_step_names_the_lowest_scoring_reply_not_a_hardest_moment(library):
    scenario = library["lateness"]
    replies = [report(1, 30, 31, 15), report(3, 31, 40, 60), report(5, 40, 50, 80)]
    step = next_steps(scenario, replies, [], [])[0]
    assert step.startswith("Replay reply 1,") and "hardest" not in step and "lowest" in step, step


def test_a_plain_decision_said_with_sorry_is_good_practice_not_weakest(service, library):
    scenario = library["no-promotion"]
    text = "I'm sorry, the decision is that you won't be promoted this round."
    scored = SCORER.score(text, scenario=scenario)
    assert scored.skills.clear_message and not is_weak(scenario, scored)
    debrief = play(service, scenario, [
        "Thanks for coming in, Nadia.",
        text,
        "Okay.",
    ])
    first_news = debrief.replies[1]
    assert first_news.rewrite is None
    assert debrief.weakest_seq != first_news.seq


# ---------------------------------------------------------------- 6. a threat that lowered trust is a moment
def test_a_threat_that_lowered_trust_is_among_the_moments(library):
    scenario = library["lateness"]
    replies = [report(1, 30, 42, 70, moves={"validates"}), report(3, 42, 55, 80, moves={"open_question"}),
               report(5, 55, 67, 80, moves={"acknowledges_feelings"}), report(7, 67, 64, 20, moves={"pressures"}, penalties={"pressures"}),
               report(9, 64, 76, 70, moves={"open_question"})]
    shown = moments(scenario, replies)
    assert 4 in [m.number for m in shown], [(m.number, m.move) for m in shown]
    assert next(m for m in shown if m.number == 4).move == "pressures"
    assert len(shown) == 3


def test_the_bad_managers_threat_is_named_in_the_moments(service, library):
    debrief = play(service, library["lateness"], BAD_LATENESS)
    threat = next(r for r in debrief.replies if "pressures" in r.moves)
    if threat.trust_change < 0:
        assert threat.seq in [m.seq for m in debrief.moments]


# ---------------------------------------------------------------- 8. highlights
def test_a_plain_message_is_highlighted_in_the_transcript(library):
    scenario = library["no-promotion"]
    text = "I'm sorry, the decision is that you won't be promoted this round."
    scored = SCORER.score(text, scenario=scenario)
    highlights = highlights_of(scored.tagging, scored.disputed)
    assert any(h.move == Move.clear_message.value and h.sign > 0 for h in highlights)


def test_a_highlight_takes_its_closing_punctuation_so_no_gap_shows_before_it():
    text = "There was no vacancy. We will look again."
    out = marked(text, [{"start": 12, "end": 20, "sign": 1}], lambda span, sign: f"[{span}]")
    assert out.startswith("There was no [vacancy.]"), out
    spaced = marked("  hello there.", [{"start": 0, "end": 8, "sign": -1}], lambda span, sign: f"[{span}]")
    assert "[hello]" in spaced, spaced  # no whitespace inside a mark


def test_listening_well_once_the_news_is_out_is_not_weak(library):
    scenario = library["lateness"]
    text = "That sounds really hard, and it makes sense that you didn't want to bring it up. What's been happening on Tuesdays and Thursdays?"
    scored = SCORER.score(text, scenario=scenario)
    assert not is_weak(scenario, scored, ReplyContext(news_given=True))
    assert not is_weak(scenario, scored, ReplyContext(disclosed=True))


def test_waving_away_excuses_costs_points_and_never_stays_in_a_rewrite(library):
    scenario = library["lateness"]
    text = "I don't care about excuses. If this continues, you'll lose your lead role."
    scored, rewrite = rewrite_of(scenario, text)
    assert Move.minimises in scored.tagging.moves
    assert rewrite is not None and "excuses" not in rewrite.text and "lose your" not in rewrite.text


def test_a_penalised_clause_is_cut_and_the_news_beside_it_stays(library):
    scenario = library["no-promotion"]
    _, rewrite = rewrite_of(scenario, "It's not a big deal, but you won't be promoted this round.")
    assert rewrite is not None and "You won't be promoted this round." in rewrite.text and "big deal" not in rewrite.text
    peer = library["peer-conflict"]
    _, label = rewrite_of(peer, "Nadia, you were rude to Marcus and everyone saw it.")
    assert label is not None and "everyone saw it" not in label.text  # no fragment of a dropped sentence


def test_progress_by_skill_is_told_in_plain_words(service, library):
    from simulator.scoring.debrief import compare_attempts

    scenario = library["lateness"]
    before = play(service, scenario, ["Carla, you're always late."])
    after = play(service, scenario, ["On 17 February you arrived at 08:42 and 9 callers hung up. How has it been for you?"])
    said = compare_attempts(before, after)
    assert said.startswith("Compared with your attempt before: better at ") and "exploration" in said and "no skill" not in said
    assert compare_attempts(after, after) == "Compared with your attempt before: the same level on every skill."
    assert "better at" not in compare_attempts(after, before) and "worse at" in compare_attempts(after, before)


def test_a_rewrite_never_repeats_a_question_the_manager_already_asked(library):
    scenario = library["performance-feedback"]
    asked_before = "I'm sorry to hear that. How are you doing with it all?"
    scored = SCORER.score("OK. So, about PR #482, the comment was too short.", scenario=scenario)
    rewrite = rewrite_reply(scenario, scored.tagging.text, scored, scorer=SCORER, cited=asked_before,
                            context=ReplyContext(disclosed=True, news_given=True))
    assert rewrite is not None and "How are you doing with it all?" not in rewrite.text
    assert "#482" in rewrite.text  # the manager's own deliverable stays


def test_after_the_persona_proposes_a_plan_the_rewrite_takes_it_up(library):
    from simulator.scoring.rewrite import context_of

    scenario = library["performance-feedback"]
    said = ("Here's what I'd like to try: every blocking comment says what and why, and for anything bigger than a nit "
            "I offer fifteen minutes to pair.")
    context = context_of(scenario, said, news_given=True)
    assert context.proposed and not context.disclosed
    text = "Thank you. Let's agree that from Monday every review comment explains the why. Can you do that?"
    _, rewrite = rewrite_of(scenario, text, said=[said], context=context)
    assert rewrite is not None and rewrite.text.endswith("Can you do that?"), rewrite.text  # no second question
    assert "plan" in rewrite.text.split(".")[0] or "idea" in rewrite.text.split(".")[0]
    assert "Monday" in rewrite.text


# ---------------------------------------------------------------- browser review 2: the debrief's lessons
BAD_FEEDBACK = [
    "Priya, let's get straight to it. Your performance has been unacceptable lately.",
    "You've become careless and your code reviews are rude. Everyone has noticed.",
    "I don't want to hear excuses.",
    "Sort it out, or you'll be looking for another job.",
]


def play_to_the_end(service, scenario, lines, last_word=None):
    """Play until the persona closes the meeting, then say `last_word` (as the page's last-word box does)."""
    conv = Conversation.start(service, scenario, seed=1)
    for text in lines:
        if conv.ended:
            break
        turn = conv.turn(text)
        try:
            "".join(turn)
        finally:
            turn.close()
            conv.refresh()
    if last_word is not None:
        assert service.last_word_open(conv.view), "the persona should have closed the meeting"
        service.last_word(conv.id, last_word, expected_revision=conv.view.revision)
    return conv.finish()


def test_a_threat_at_trust_zero_is_a_moment_the_weakest_and_the_hardest_reply(service, library):
    debrief = play_to_the_end(service, library["performance-feedback"], BAD_FEEDBACK, "Fine. I'll put it in writing then.")
    threat = next(r for r in debrief.replies if r.text == "Sort it out, or you'll be looking for another job.")
    assert threat.trust_before == 0 and threat.trust_change == 0 and threat.ended_meeting
    assert threat.seq in [m.seq for m in debrief.moments]
    assert next(m for m in debrief.moments if m.seq == threat.seq).move == "pressures"
    assert debrief.weakest_seq == threat.seq
    number = [r.seq for r in debrief.replies].index(threat.seq) + 1
    assert debrief.next_steps[0].startswith(f"Replay reply {number}, the hardest moment"), debrief.next_steps[0]


def test_a_threat_never_scores_above_a_label_only_reply_on_empathy(library):
    scenario = library["performance-feedback"]
    threat = SCORER.score("Sort it out, or you'll be looking for another job.", scenario=scenario)
    label = SCORER.score("Your performance has been unacceptable lately.", scenario=scenario)
    labels = SCORER.score("You've become careless and your code reviews are rude.", scenario=scenario)
    assert "pressures" in threat.skills.penalties
    assert threat.empathy <= label.empathy and threat.empathy <= labels.empathy, (threat.empathy, label.empathy, labels.empathy)


def test_after_hr_was_asked_for_the_last_word_is_repaired_not_continued(service, library):
    debrief = play_to_the_end(service, library["performance-feedback"], BAD_FEEDBACK, "Fine. I'll put it in writing then.")
    last = debrief.replies[-1]
    assert last.last_word and last.weak  # "Fine." lost points
    assert last.rewrite is not None
    text = last.rewrite.text
    assert "?" not in text and "What would make that work for you?" not in text
    assert not any(date in text for date in ledger_dates(library["performance-feedback"])), text
    assert "sorry" in text.lower() and "I'll put it in writing then." in text


GOOD_FEEDBACK = [
    "Thanks for making time, Priya. I want to talk about two deliveries and some review comments, and I also want to hear "
    "how things are from your side. How are you finding things at the moment?",
    "Here is what I've seen. The ledger migration was due on 3 March and shipped on 17 March. The refunds API was due on "
    "28 April and shipped on 6 May, so the release notes went out without it.",
]


def test_a_polite_last_word_is_scored_but_not_weakest_and_not_rewritten(service, library):
    scenario = library["performance-feedback"]
    scored = SCORER.score("Thanks Priya, see you Friday.", scenario=scenario)
    closed = ReplyContext(closed=True, news_given=True)
    assert not is_weak(scenario, scored, closed)
    debrief = play_to_the_end(service, scenario, BAD_FEEDBACK[:3] + BAD_FEEDBACK[3:], "Thanks Priya, see you Friday.")
    last = debrief.replies[-1]
    assert last.last_word and last.text == "Thanks Priya, see you Friday."
    assert last.rewrite is None and not last.weak
    assert debrief.weakest_seq != last.seq
    assert "Replay reply 5" not in debrief.next_steps[0], debrief.next_steps[0]


def test_a_closing_thanks_after_an_agreement_is_a_courtesy_not_a_weak_reply(library):
    """The review: "Thanks Carla." after the plan was agreed got "...Thanks Carla. What's been getting in the way?"."""
    scenario = library["lateness"]
    agreed = context_of(scenario, "Really? Okay, thank you. On the other three days I'll be in at eight, no excuses.", news_given=True)
    for courtesy in ("Thanks Carla.", "Thank you for today, Carla.", "Thanks for coming in. See you Monday."):
        assert not is_weak(scenario, SCORER.score(courtesy, scenario=scenario), agreed), courtesy
    for weak in ("Okay.", "Thanks, but you need to be on time."):
        assert is_weak(scenario, SCORER.score(weak, scenario=scenario), agreed), weak


def test_a_last_word_rewrite_never_asks_or_continues_the_meeting(library):
    scenario = library["performance-feedback"]
    closed = ReplyContext(closed=True, news_given=True)
    _, better = rewrite_of(scenario, "Fine. Whatever. See you Friday.", context=closed)
    assert better is not None  # "Fine." lost points: a repair instead
    assert "?" not in better.text and "See you Friday." in better.text, better.text


def test_a_rewrite_cuts_vague_advice_and_disowning(library):
    scenario = library["no-promotion"]
    said = ["Please don't tell me it's just a title."]
    for text, gone in [("You just need to be more visible. Be patient, your time will come.", "You just need to be more visible."),
                       ("Look, I did what I could. It's not my fault the committee didn't see it.", "It's not my fault"),
                       ("The committee made the call, not me. Some people felt you weren't quite there yet.", "made the call, not me")]:
        _, better = rewrite_of(scenario, text, said=said, context=ReplyContext(news_given=True))
        assert better is not None, text
        assert gone not in better.text, better.text


def test_a_fact_list_is_used_once_per_debrief_and_never_after_hearing_their_side(service, library):
    debrief = play(service, library["lateness"], BAD_LATENESS + ["Just be here on time."])
    rewrites = [r.rewrite.text for r in debrief.replies if r.rewrite]
    for fact in library["lateness"].facts:
        spoken = spoken_fact(fact, library["lateness"])
        assert sum(spoken in text for text in rewrites) <= 1, (spoken, rewrites)
    scored, better = rewrite_of(library["lateness"], "Thanks for coming in, Carla. I want to talk about the early mornings, and I also "
                                "want to hear your side, because until February your timekeeping was spotless. How have mornings been for you lately?")
    assert better is not None
    assert "Badge records" not in better.text and not any(d in better.text for d in ledger_dates(library["lateness"])), better.text


def test_a_rewrite_never_answers_its_own_question(library):
    scenario = library["lateness"]
    said = ["Since February, Tom's been on seven o'clock starts at the hospital on Tuesdays and Thursdays. So those days I do "
            "Leo's drop-off, and breakfast club doesn't open till eight."]
    text = "Great. Let's try it for four weeks from Monday and review it together on Friday 24 April."
    _, better = rewrite_of(scenario, text, said=said, context=ReplyContext(disclosed=True, news_given=True))
    assert better is not None
    assert "Great." not in better.text
    for a, b in sentences(better.text)[:-1]:
        assert not better.text[a:b].strip().endswith("?"), better.text  # a question only at the end, never answered


# ---------------------------------------------------------------- the decision itself, when the manager never said it
@pytest.mark.parametrize("scenario_id, text", [
    ("no-promotion", "Hi Nadia. So, about the promotion."),  # browser review: the rewrite never said she was not promoted
    ("no-promotion", "Look, I did what I could. It's not my fault the committee didn't see it."),
    ("letting-go", "Daniel, thanks for coming in. I wanted to talk about how the plan went."),
])
def test_a_better_reply_in_a_decision_scenario_says_the_decision_when_it_is_still_unsaid(library, scenario_id, text):
    scenario = library[scenario_id]
    assert scenario.news
    _, rewrite = rewrite_of(scenario, text)
    assert rewrite is not None and scenario.news in rewrite.text, rewrite
    assert "said the decision plainly" in rewrite.changes
    # said once: a later rewrite in the same debrief (the decision already in what was cited) does not repeat it
    scored = SCORER.score(text, scenario=scenario)
    later = rewrite_reply(scenario, text, scored, scorer=SCORER, cited=rewrite.text)
    assert later is None or scenario.news not in later.text


def test_once_the_decision_is_given_no_rewrite_says_it_again(library):
    scenario = library["no-promotion"]
    _, rewrite = rewrite_of(scenario, "Be patient, your time will come.", context=ReplyContext(news_given=True))
    assert rewrite is None or scenario.news not in rewrite.text


def test_a_decision_said_plainly_is_not_called_lost_in_the_verdict(service, library):
    """Browser-style run: the first reply said "you have not been promoted to Senior this cycle" (goal met),
    evidence ended at 49, and the headline read "Kind, but the decision got lost"."""
    scenario = library["no-promotion"]
    debrief = play(service, scenario, [
        "Nadia, thanks for coming. I want to tell you the outcome straight away: I'm sorry, you have not been promoted to Senior this cycle.",
        "I can see this is a real disappointment. What does this mean for you right now?",
        "That makes sense. What would make staying worth it for you?",
    ])
    assert any(r.skills.clear_message for r in debrief.replies)
    assert "got lost" not in debrief.verdict
    if "ruinous empathy" in debrief.verdict:
        assert "said the decision plainly" in debrief.verdict


# ---------------------------------------------------------------- browser review 3 (issue 10): what still taught the wrong thing
def test_a_better_reply_drops_dismissive_and_defensive_fragments(library):
    """Seen in the browser: "Look, I did what I could." and "Whatever." survived into the better reply."""
    said = ["Please don't tell me it's just a title."]
    for scenario_id, text in [
        ("no-promotion", "Look, I did what I could. Whatever. You won't be promoted this round."),
        ("lateness", "Look, I did what I could. Whatever. You're always late and it's unacceptable."),
        ("no-promotion", "Whatever. Look, I did what I could."),
    ]:
        _, better = rewrite_of(library[scenario_id], text, said=said, context=ReplyContext(news_given=True))
        assert better is not None, text
        assert "I did what I could" not in better.text and "Whatever" not in better.text, better.text
        assert any("dismissive" in c or "defensive" in c for c in better.changes), better.changes


def test_the_first_reply_gets_no_acknowledgement_of_what_was_never_said(library):
    """Seen in the browser (lateness): the first message's rewrite opened "I hear you..." when the persona
    had only said hello: there was nothing yet to have heard."""
    scenario = library["lateness"]
    opening = scenario.lines.opening[0]
    context = context_of(scenario, opening, opening=True)
    assert context.opening
    for text in ["On 17 February you arrived at 08:42 and Lewis ran the queue alone.",
                 "Carla, on 17 February you were late and the queue was left uncovered.",
                 "Hi Carla, thanks for coming in."]:
        _, better = rewrite_of(scenario, text, said=[opening], context=context)
        assert better is not None, text
        for heard in ("I hear you", "That's fair to raise", "I can see this matters", "it makes sense you'd see it"):
            assert heard not in better.text, better.text
    first = library["first-one-on-one"]  # nor a reflection of what they have not said yet
    _, hello = rewrite_of(first, "Welcome to the team.", said=[first.lines.opening[0]],
                          context=context_of(first, first.lines.opening[0], opening=True))
    assert hello is None or "It sounds like" not in hello.text and "So what matters" not in hello.text, hello.text
    # after the persona has said something, an acknowledgement is fine
    said = ["Look, I know I've been late a few mornings these last few weeks. I just didn't think it needed a meeting."]
    _, later = rewrite_of(scenario, "On 17 February you arrived at 08:42 and Lewis ran the queue alone.", said=said,
                          context=context_of(scenario, said[0], news_given=True))
    assert later is not None and later.text.startswith(("I hear you", "That's fair", "I can see")), later.text


def test_a_claim_the_ledger_contradicts_is_flagged_and_never_kept_in_a_rewrite(library):
    """Seen in the browser: a rewrite kept "the queue was left uncovered", which the record contradicts (Lewis was
    logged in from 08:00 on every one of those mornings): the fact check read only dates, counts and references."""
    scenario = library["lateness"]
    text = "Carla, on 17 February you were late and the queue was left uncovered."
    scored = SCORER.score(text, scenario=scenario, said=[scenario.lines.opening[0]])
    assert [c.text for c in scored.disputed] == ["left uncovered"]
    assert "invented_fact" in scored.skills.penalties
    _, better = rewrite_of(scenario, text, said=[scenario.lines.opening[0]])
    assert better is not None and "uncovered" not in better.text, better.text
    assert "17 February" in better.text  # the manager's own date stays


def test_a_plain_topic_opener_is_not_answered_as_an_offence(service, library):
    """Seen in the browser: the learned tagger read "So, about the promotion." as contempt, and Nadia answered
    "I don't think that was called for". A topic opener costs nothing, and she does not take offence."""
    scenario = library["no-promotion"]
    offended = {line for move in (Move.contempt, Move.pressures, Move.blame) for line in scenario.lines.reactions.get(move, [])}
    for text in ["So, about the promotion.", "Hi Nadia. So, about the promotion."]:
        scored = SCORER.score(text, scenario=scenario)
        assert not scored.skills.penalties, (text, scored.skills.penalties)
        for seed in (1, 2, 3):
            conv = Conversation.start(service, scenario, seed=seed)
            reply = conv.send(text)
            assert "called for" not in reply and not any(line in reply for line in offended), reply


GOOD_LATENESS = [
    "Thanks for making time, Carla. I want to talk about the early mornings, and I also want to hear how things are from "
    "your side. How have mornings been for you lately?",
    "Here is what I've seen. On 17 February you arrived at 08:42, Lewis ran the queue alone, and 9 callers hung up before "
    "being answered. I know that's hard to hear.",
    "It sounds like something changed in February. What's been going on?",
    "That sounds really hard, and it makes sense you didn't want to bring it up. What would help on Tuesdays and Thursdays?",
]


def test_an_opening_that_names_the_topic_and_asks_their_side_is_not_weak(service, library):
    """Read in a full debrief (issue 10, point 6): the good manager's first reply, which named the topic and asked for
    Carla's side, was marked weak with no better reply to show, and the first next step told them to replay it
    "with a different opening". Asking first is the practice; the evidence comes in the next reply."""
    scenario = library["lateness"]
    opening = scenario.lines.opening[0]
    scored = SCORER.score(GOOD_LATENESS[0], scenario=scenario, said=[opening])
    assert not is_weak(scenario, scored, context_of(scenario, opening, opening=True))
    # the same words later, once they have pushed back, are judged as usual (no evidence yet)
    assert is_weak(scenario, scored, context_of(scenario, "I'm sorting it. Give me a few weeks and it'll be fine."))
    # a first reply that cost points, or asks nothing, is still weak
    for weak in ["Carla, you're always late and it's unacceptable. How do you explain that?", "Hi Carla, thanks for coming in."]:
        assert is_weak(scenario, SCORER.score(weak, scenario=scenario, said=[opening]), context_of(scenario, opening, opening=True))
    debrief = play(service, scenario, GOOD_LATENESS)
    first = debrief.replies[0]
    assert not first.weak and first.rewrite is None
    assert not debrief.next_steps[0].startswith("Replay reply 1,"), debrief.next_steps[0]
    assert debrief.weakest_seq != first.seq


GOOD_NO_PROMOTION = [
    "Nadia, thanks for coming. I want to tell you the outcome straight away: I'm sorry, you have not been promoted to "
    "Senior this cycle.",
    "I can see this is a real disappointment. What does this mean for you right now?",
    "That makes sense. The committee wanted to see you lead a cross-team project end to end. What would make staying worth it for you?",
]


def test_listening_with_two_empathy_skills_once_the_news_is_out_is_not_weak_and_a_good_run_is_told_what_to_add(service, library):
    """Read in full debriefs (issue 10, point 6): right after the news, "I can see this is a real disappointment. What does
    this mean for you right now?" (and, on lateness, a reflection with an open question) was marked weak with no better
    reply, and the next step told the manager to replay it "with a different opening". A good run's replay step says
    what the reply could add instead."""
    scenario = library["no-promotion"]
    scored = SCORER.score(GOOD_NO_PROMOTION[1], scenario=scenario)
    assert not is_weak(scenario, scored, ReplyContext(news_given=True))
    lateness = library["lateness"]
    reflected = SCORER.score("It sounds like something changed in February. What's been going on?", scenario=lateness)
    assert not is_weak(lateness, reflected, ReplyContext(news_given=True))
    assert is_weak(scenario, SCORER.score("Okay. What now?", scenario=scenario), ReplyContext(news_given=True))  # one thin question
    debrief = play(service, scenario, GOOD_NO_PROMOTION)
    assert not any(r.weak for r in debrief.replies), [(r.text, r.overall) for r in debrief.replies if r.weak]
    step = debrief.next_steps[0]
    assert "different opening" not in step, step
    assert re.search(r"adding|add ", step), step


def test_specific_but_cool_with_nothing_harsh_said_is_not_called_an_attack(service, library):
    """Seen in the browser run (issue 10, point 6): three polite replies, with questions and a dated delivery but no feeling
    named, were read "obnoxious aggression ... it can land as an attack", although nothing harsh was said. The
    reading stays (care under 50, challenge over), but the words name what was missing instead of an attack."""
    from simulator.domain.rubric import Kind
    from simulator.scoring.debrief import verdict

    debrief = play(service, library["performance-feedback"], [
        "Thanks for making the time, Priya. I'd like to talk about the last few weeks - how are things going for you?",
        "The ledger migration was due on 3 March and shipped on 17 March, two weeks late. "
        "That meant finance had to delay the month-end close. What's been going on?",
        "Okay. Can we also look at the refunds deadline?",
    ])
    assert not any(r.skills.penalties for r in debrief.replies)
    assert debrief.quadrant == "obnoxious aggression", (debrief.empathy, debrief.evidence)  # as in the browser: 42 / 65
    assert "attack" not in debrief.verdict and "attack" not in debrief.quadrant_help, debrief.verdict
    assert "feel" in debrief.verdict, debrief.verdict
    harsh = verdict("obnoxious aggression", Kind.feedback, 70, penalties={"label_judgment"})
    cool = verdict("obnoxious aggression", Kind.feedback, 70, penalties=set())
    assert "attack" in harsh and "attack" not in cool
