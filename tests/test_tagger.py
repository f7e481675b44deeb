"""Tests for the offline rule tagger (`simulator/engine/tagger.py`).

Every move has realistic manager utterances that MUST carry the move and
near-misses that must NOT. The utterances are drawn from the practice
scenarios: performance feedback (missed deadlines, curt code reviews), ending
employment after a PIP, a first 1:1 with a new report, mediating a peer
conflict, not promoted this cycle, and repeated lateness.

A negative case only says "this move is absent"; other moves in the same
sentence are not asserted, so each case tests one rule boundary.
"""

from __future__ import annotations

import json
import re

import pytest

from simulator.domain.moves import Move
from simulator.engine.tagger import RULES, RuleTagger, Span, Tagger, Tagging

TAGGER = RuleTagger()

M = Move

POSITIVE: dict[Move, list[str]] = {
    M.acknowledges_feelings: [
        "I can see this has been really frustrating for you.",
        "You seem upset about how the promotion decision was communicated.",
        "I imagine it's a shock to hear this after all the work on the plan.",
        "Being passed over this cycle must be disappointing.",
        "You sound pretty nervous about joining a team that's mid-migration.",
        "How are you feeling after what happened in the sprint review?",
        "I'm sorry you found out about the restructure from a group email.",
        "I know this is hard to hear.",
        "The last month on the payments team has been stressful for you.",
    ],
    M.validates: [
        "Honestly, your frustration is completely understandable.",
        "Given how the plan was set up, it makes sense that you're angry.",
        "Anyone in your position would feel let down by this.",
        "You're right to raise the on-call workload with me.",
        "It's natural to feel a bit lost in your first week.",
        "I'd be disappointed too if I'd heard it that way.",
        "That's a fair point about the review criteria changing mid-cycle.",
        "That makes sense.",
    ],
    M.reflects: [
        "So you feel the comments on your pull request were aimed at you personally.",
        "What I'm hearing is that the on-call rota has eaten all your evenings.",
        "It sounds like the handover from Priya never really happened.",
        "If I understand you correctly, you expected the promotion because of the Atlas launch.",
        "You're saying the deadlines were set before you joined the project.",
        "Let me check I've understood: the school run means you can't be in before 8:15.",
        "From your point of view, the plan's targets kept moving.",
        "In other words, you didn't know the review was going to the whole team.",
    ],
    M.open_question: [
        "Tell me what happened with the release on Thursday.",
        "How did your first week go?",
        "What would a good outcome look like for you?",
        "Could you walk me through how you prioritised the tickets last sprint?",
        "Help me understand what got in the way of the morning shifts.",
        "I'd like to hear how things look from your side.",
        "What's been making it hard to get in by eight?",
        "So how do you and Marco usually split the review work?",
    ],
    M.closed_question: [
        "Did you get my email about Friday's review?",
        "Are you okay to keep going?",
        "Is the 8am start still workable for you?",
        "Have you had a chance to read the summary of the plan?",
        "Would Thursday at two work for our next 1:1?",
        "You knew the deadline had moved, right?",
        "Thanks for coming in. Do you have any questions before we start?",
        "You seem frustrated — is that right?",
    ],
    M.offers_support: [
        "What can I do to make the mornings easier?",
        "I can move your first shift to 9 if that helps with the school run.",
        "We'll cover an outplacement service for three months.",
        "I'm happy to write you a reference.",
        "Let's work out a plan together for the next two sprints.",
        "Would it help if I paired you with Keiko on the next few reviews?",
        "I'll set up a session with someone from the promotion panel so you get specific feedback.",
        "You can take some time off after the launch.",
        "We could take the billing migration off your plate until the release is out.",
        "The employee assistance programme is there if you want to talk to someone confidentially.",
    ],
    M.situation: [
        "In Tuesday's stand-up, you cut Marco off twice.",
        "Last sprint, the payments ticket slipped by four days.",
        "On the 3rd of March the build was broken for most of the afternoon.",
        "During the planning session this morning, you left halfway through.",
        "In your review on PR #482, the comments were one-word replies.",
        "This cycle the panel promoted two people from the team.",
        "Yesterday the phone queue opened without a lead.",
    ],
    M.specific_behaviour: [
        "You arrived after 8:30 on four of the last five days.",
        "In the review you wrote 'this is obviously wrong' without explaining why.",
        "I noticed you didn't speak in the last two retros.",
        "The report was due on Friday and came in on Monday afternoon.",
        "You interrupted Aiko three times while she was presenting.",
        "You missed the last two 1:1s without rescheduling.",
        "When Marco disagreed, you said \"that's a junior mistake\" in front of the client.",
    ],
    M.impact: [
        "Because the report was late, the client had to push their board meeting.",
        "That meant Dana had to stay late to finish the release notes.",
        "When the lead isn't in at eight, the phones go unanswered for the first half hour.",
        "The comments in your reviews have discouraged the junior engineers from asking questions.",
        "As a result, the release slipped to the following week.",
        "It left the rest of the team covering your calls.",
        "The impact was that two customers escalated to their account managers.",
    ],
    M.data: [
        "You were late on 7 of the last 10 working days.",
        "Your ticket throughput dropped by 30% this quarter.",
        "The migration was due on 14 March and shipped on 2 April.",
        "Since January there have been three missed deadlines.",
        "Last sprint you closed 4 tickets against a team average of 11 tickets.",
        "You've clocked in after 8:15 twice this week.",
        "Of the 12 targets on the plan, 5 were met.",
    ],
    M.clear_message: [
        "I've decided to end your employment, effective Friday.",
        "You weren't promoted this cycle, and I want to explain why.",
        "I need you to be at your desk by eight.",
        "The decision is final: the role is going to Sam.",
        "I want to be direct: your code review comments need to be constructive.",
        "Going forward, I expect the tickets to be updated before stand-up.",
        "We are ending your employment today.",
        "The lateness has to stop.",
    ],
    M.label_judgment: [
        "Your comments on Ana's pull request were rude.",
        "Honestly, you've been lazy about the tickets.",
        "You come across as arrogant in code reviews.",
        "The problem is your attitude.",
        "You're being really unprofessional with the client.",
        "You're just not a team player.",
        "You were so defensive in that meeting.",
    ],
    M.absolute: [
        "You're always late on Mondays.",
        "You never update the tickets.",
        "Every time I give you feedback, you get defensive.",
        "This happens all the time with your code reviews.",
        "You constantly interrupt Marco in stand-up.",
        "Not once have you hit a sprint deadline.",
    ],
    M.blame: [
        "What were you thinking when you pushed straight to main?",
        "This whole mess is your fault.",
        "You let the whole team down on the launch.",
        "Why can't you just show up on time like everyone else?",
        "You should have told me the deadline was slipping.",
        "Because of you, we missed the release window.",
        "How could you let this happen again?",
        "Why don't you ever listen to Marco's suggestions?",
    ],
    M.hearsay: [
        "People are saying you're hard to work with.",
        "I've heard that you've been short with the new starters.",
        "Apparently you told the client the feature was done.",
        "A few people have mentioned that your reviews feel harsh.",
        "Word is you've been interviewing elsewhere.",
        "The team thinks you don't pull your weight.",
        "I've had a couple of complaints about your tone in the channel.",
    ],
    M.minimises: [
        "Calm down, it's only a code review.",
        "It's not a big deal, there's always next cycle.",
        "Don't take it so personally.",
        "You're overreacting about the rota.",
        "Honestly, everyone goes through this in their first year.",
        "Look, it's just feedback.",
        "You'll get over it.",
        "It's not that bad, you just need to move on.",
    ],
    M.pressures: [
        "If this happens again, we'll be having a very different conversation.",
        "This is your final warning about the lateness.",
        "This will go on your record.",
        "Fix your review comments, or else.",
        "You could lose your job over this.",
        "The new start time is not negotiable.",
        "I'll have to replace you if the numbers don't improve.",
        # conditional threats (issue 8)
        "You need to sort your life out, Carla, or I'll find someone who can open the queue.",
        "Sign the paperwork with HR today or you'll lose the severance.",
        "One more late morning and you lose the lead role.",
        "Keep missing the handover and you'll be in trouble, or you'll be looking for another job.",
        "Fine, as long as you understand what happens if it slips again.",
        "I'm helping you by telling you: shape up or you're out.",
        "If you want to keep the lead role, you'll be here at eight.",
    ],
    M.contempt: [
        "Oh great, another excuse.",
        # refusing to hear their side is dismissive, not a threat of consequences (issue 9)
        "I don't want to hear excuses, just get it done.",
        "Wow, on time for once.",
        "Must be nice to stroll in whenever you like.",
        "Do you even read the tickets?",
        "So what's your excuse this time?",
        "Nice of you to join us, Carla.",
        "It's not exactly rocket science to open a phone queue.",
    ],
    M.guilt_trip: [
        "That would be really disloyal after everything I've done for you.",
        "After all I've done for you, this is what I get.",
        "I stuck my neck out for you and this is how you repay me.",
        "You're letting the whole team down, and me personally.",
        "Honestly, I'm disappointed in you. I thought I could count on you.",
        "I vouched for you with the committee, and you owe me a bit of patience.",
    ],
}

NEGATIVE: dict[Move, list[str]] = {
    M.acknowledges_feelings: [
        "I'm frustrated that the migration slipped a third time.",  # the manager's own feeling
        "The client was upset when the release slipped.",  # a third party's feeling
        "It's hard to justify another extension to the client.",  # 'hard' about a task
        "You are defensive whenever I bring up the code reviews.",  # a label, not a feeling named
        "That's a tough deadline, but the contract depends on it.",
        "It's hard for me to see how we extend the deadline again.",  # the manager's difficulty
    ],
    M.validates: [
        "That's not fair to the rest of the team.",
        "The deadline was reasonable given the scope.",
        "Your concerns are noted, but the decision is final.",
        "That's a fair amount of work to catch up on.",
        "Moving the stand-up to 9:30 makes sense for the team.",
        "I'd be happy to walk you through the rubric.",
    ],
    M.reflects: [
        "I'd like to understand how things look from your side.",  # an open question
        "It seems like a good time to review your goals.",
        "If I were you, I'd apologise to Marco before the retro.",  # advice, not perspective
        "You said you'd have the report done by Tuesday.",  # recalling behaviour
        "Sounds like a plan, let's meet again on Thursday.",
        "So, the deadline for the migration is Friday.",
    ],
    M.open_question: [
        "What were you thinking when you merged that without a review?",  # blame
        "Did you get my email about the review?",  # closed
        "Why can't you just get in on time?",  # blame
        "Can you have the fix merged by Friday?",  # closed request
        "Can you help Ana with the onboarding docs this week?",  # a request, not exploration
        "I'll let you know what the panel decided.",  # a statement
        "How could you let this happen again?",  # blame
    ],
    M.closed_question: [
        "How did the handover go?",
        "I did ask you to update the ticket.",
        "Could you walk me through what happened on Monday?",
        "Would you tell me a bit about how your old team worked?",
        "Can you say more about what felt unfair?",
        "What do you think would help?",
    ],
    M.offers_support: [
        "I can't extend the deadline again.",
        "Let's be honest, this isn't working.",
        "I will take this to HR if it happens again.",  # a threat, not help
        "I'll make sure HR has a copy of the warning.",
        "The reference implementation was already in the repo.",
        "You've taken a lot of time off this quarter.",
        "I can see you're frustrated.",
    ],
    M.situation: [
        "In general, you're a strong engineer.",
        "I'd like to have a meeting about this soon.",
        "At some point we need to talk about promotions.",
        "In the future, please flag blockers earlier.",
        "Meetings are important for the team.",
        "At this point, the decision has been made.",
    ],
    M.specific_behaviour: [
        "You're just not committed to this team.",
        "You have a bad attitude.",
        "You didn't seem to care about the launch.",  # inference about motive
        "I noticed you seem unhappy lately.",  # inference about a feeling
        "You never listen to feedback.",
        "You don't care about the customers.",
    ],
    M.impact: [
        "I want to talk about the impact of the missed deadlines.",  # announcing a topic
        "This is your final warning.",
        "The team had a great quarter.",
        "The panel said they felt Sam's project had more visible scope.",
        "I put the review in the calendar for Thursday.",
        "That doesn't change the fact that the deadline was missed.",
    ],
    M.data: [
        "I've told you a hundred times to update the tickets.",  # hyperbole
        "You're late all the time.",
        "It's been a few weeks since we last talked.",
        "One thing I want to discuss is the code reviews.",
        "Take one more day if you need it.",
        "Several people have raised this with me.",
    ],
    M.clear_message: [
        "I need to think about it a bit more.",
        "I haven't decided anything yet.",
        "Maybe we could look at the deadlines at some point?",
        "The decision isn't mine to make.",
        "I'm not sure what the panel will decide.",
        "What I need to know is whether you're okay.",
    ],
    M.label_judgment: [
        "The release had a negative impact on the customers.",
        "I know the last review was difficult for you.",
        "I can see you're feeling defensive, and that's understandable.",
        "I loved the can-do attitude you brought to onboarding.",
        "This has been a difficult conversation to have.",
    ],
    M.absolute: [
        "I have never had a complaint about your code quality.",
        "You were late twice this week.",
        "Every Monday we have planning at ten.",
        "It's not always easy to hear feedback.",
        "Feel free to ping me any time.",
    ],
    M.blame: [
        "Why do you think the estimates were off?",
        "It's on me that the priorities weren't clear.",
        "That's your call, and I'll support either option.",
        "I should have flagged this earlier.",
        "You should have the new laptop by Monday.",
        "You should have received the invite for Thursday's session.",
        "Why don't you take Friday off and rest?",
        "The delay wasn't anyone's fault; the API changed.",
        "I'd love you to step up as tech lead for the migration.",
    ],
    M.hearsay: [
        "I heard from Tomás that the handover notes were missing.",  # named source
        "Tomás told me the handover notes were missing.",
        "I heard you say in the retro that the estimates were unrealistic.",  # first-hand
        "Some people feel nervous in their first 1:1, which is normal.",
        "I heard back from HR about the severance package.",
        "I saw your message in the channel this morning.",
    ],
    M.minimises: [
        "Let's move on to the next item on the agenda.",
        "We can relax the deadline by a week.",
        "Honestly, it's not bad for a first attempt at the migration plan.",
        "I know this isn't a small thing for you.",
        "This is a big deal, and I'm treating it seriously.",
    ],
    M.pressures: [
        "I'm not going to fire you over one late report.",
        "The final review of the doc is on Friday.",
        "This will affect the team's roadmap.",
        "Take as long as you need; there's no rush.",
        "There's no final decision yet.",
        "One more thing and then we're done.",  # a number in a set phrase
        "Today is your last day; this decision is final.",  # a decision already made
        "Either Jade or Lewis can open, or I'll cover it myself.",  # an offer with "or I'll"
    ],
    M.contempt: [
        "Great work on the readout, Nadia.",
        "You were on time every day this week, thank you.",
        "What's been making the mornings hard?",
        "Did you get a chance to read the tickets?",
        "That was a really nice piece of analysis.",
    ],
    M.guilt_trip: [
        "I've done what I can to protect the budget for your team.",
        "After everything that happened in March, how are you doing?",
        "I was disappointed by the committee's decision too.",
        "I don't want you to feel you've let anyone down.",
        "Thank you for everything you've done for the team.",
    ],
}

NO_MOVES = [
    "Thanks for making time today.",
    "Good morning.",
    "Okay.",
    "Right, let me grab a coffee first.",
    "",
]


def _cases(table: dict[Move, list[str]]) -> list:
    return [pytest.param(move, text, id=f"{move.value}:{text[:40]}") for move, texts in table.items() for text in texts]


ALL_TEXTS = sorted({t for table in (POSITIVE, NEGATIVE) for texts in table.values() for t in texts})


# ---- coverage of the test tables themselves ---------------------------------


def test_every_move_has_rules_and_examples():
    assert set(RULES) == set(Move)
    for move in Move:
        assert RULES[move], move
        assert len(POSITIVE[move]) >= 5, move
        assert len(NEGATIVE[move]) >= 4, move


def test_rules_are_valid_regexes():
    for patterns in RULES.values():
        for p in patterns:
            re.compile(p, re.IGNORECASE)


# ---- per-move positives and near-miss negatives ------------------------------


@pytest.mark.parametrize(("move", "text"), _cases(POSITIVE))
def test_move_is_found(move: Move, text: str):
    tagging = TAGGER.tag(text)
    assert move in tagging.moves, f"{move} not found in {text!r}; got {sorted(tagging.moves)}"
    assert all(s.text.strip() for s in tagging.spans_of(move))


@pytest.mark.parametrize(("move", "text"), _cases(NEGATIVE))
def test_move_is_not_found(move: Move, text: str):
    tagging = TAGGER.tag(text)
    assert move not in tagging.moves, f"{move} wrongly found in {text!r}: {[s.text for s in tagging.spans_of(move)]}"


# ---- span integrity -----------------------------------------------------------


@pytest.mark.parametrize("text", ALL_TEXTS)
def test_span_text_matches_offsets(text: str):
    tagging = TAGGER.tag(text)
    assert tagging.text == text
    for s in tagging.spans:
        assert isinstance(s, Span)
        assert 0 <= s.start < s.end <= len(text)
        assert text[s.start : s.end] == s.text
        assert s.text == s.text.strip()
    assert tagging.spans == sorted(tagging.spans, key=lambda s: (s.start, s.end))


def test_spans_highlight_the_triggering_words():
    text = "In Tuesday's stand-up you were late, which meant the queue was left uncovered."
    tagging = TAGGER.tag(text)
    assert any("Tuesday's stand-up" in s.text for s in tagging.spans_of(M.situation))
    assert any(s.text.lower().startswith("which meant") for s in tagging.spans_of(M.impact))


# ---- empty tagging ------------------------------------------------------------


@pytest.mark.parametrize("text", NO_MOVES)
def test_no_moves_gives_empty_tagging(text: str):
    tagging = TAGGER.tag(text)
    assert tagging.spans == []
    assert tagging.moves == set()
    assert tagging.to_json() == {"source": "rules", "moves": [], "spans": []}


# ---- serialisation ----------------------------------------------------------


ROUND_TRIP = [
    "I can see this has been stressful. On the 3rd of March you arrived at 9:40, "
    "which meant the queue was uncovered. What would help?",
    "People are saying you're always late, and that's your fault. Calm down.",
    "You weren't promoted this cycle. I know this is hard to hear — how are you feeling?",
]


@pytest.mark.parametrize("text", ROUND_TRIP)
def test_json_round_trip(text: str):
    tagging = TAGGER.tag(text)
    assert len(tagging.moves) >= 3
    data = json.loads(json.dumps(tagging.to_json()))
    assert data["moves"] == sorted(m.value for m in tagging.moves)
    back = Tagging.from_json(text, data)
    assert back.text == text
    assert back.spans == tagging.spans
    assert back.moves == tagging.moves
    assert back.source == tagging.source == "rules"
    assert back.to_json() == tagging.to_json()


def test_from_json_tolerates_missing_fields():
    back = Tagging.from_json("Okay.", {})
    assert back.spans == [] and back.source == "rules"


# ---- repetition does not add moves --------------------------------------------


REPEATED = [
    "I can see this has been frustrating.",
    "You're always late.",
    "What would help?",
    "Did you get my email?",
    "In Tuesday's stand-up you interrupted Aiko three times.",
    "People are saying you're not a team player.",
    "Calm down, it's only feedback.",
    "That makes sense.",
    "I've decided to end your employment.",
    "Tell me what happened",
]


@pytest.mark.parametrize("text", REPEATED)
@pytest.mark.parametrize("sep", [" ", "\n", " ... "])
def test_repeating_a_phrase_adds_no_new_moves(text: str, sep: str):
    once = TAGGER.tag(text)
    thrice = TAGGER.tag(sep.join([text] * 3))
    assert once.moves, text
    assert thrice.moves == once.moves
    # distinct evidence (what the scorer counts) does not grow either
    for move in once.moves:
        assert {s.text.lower() for s in thrice.spans_of(move)} == {s.text.lower() for s in once.spans_of(move)}


# ---- typographic apostrophes ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "move", "span"),
    [
        ("You’re always late on Mondays.", M.absolute, "You’re always"),
        ("I’ve decided to end your employment.", M.clear_message, "I’ve decided"),
        ("You’re right to raise it.", M.validates, "You’re right to"),
        ("Why can’t you just reply to the client?", M.blame, "Why can’t you"),
    ],
)
def test_curly_apostrophes_match_and_spans_keep_original_text(text: str, move: Move, span: str):
    tagging = TAGGER.tag(text)
    assert span in [s.text for s in tagging.spans_of(move)]


# ---- API --------------------------------------------------------------------


def test_rule_tagger_satisfies_protocol():
    tagger: Tagger = RuleTagger()
    assert isinstance(tagger.tag("Okay."), Tagging)


def test_open_and_closed_are_exclusive_on_one_question():
    tagging = TAGGER.tag("Could you tell me what happened on Monday?")
    assert M.open_question in tagging.moves
    assert M.closed_question not in tagging.moves


# ---- issue 8: every phrase quoted in the issue is read correctly -------------------


THREATS = [
    "You need to sort your life out, Carla, or I'll find someone who can open the queue",
    "Sign the paperwork with HR today or you'll lose the severance",
    "One more late morning and you lose the lead role",
    "Get the numbers up or you'll be looking for another job",
]


@pytest.mark.parametrize("text", THREATS)
def test_threats_are_pressures_and_never_support_or_reflection(text: str):
    tagging = TAGGER.tag(text)
    assert M.pressures in tagging.moves, sorted(tagging.moves)
    assert M.offers_support not in tagging.moves and M.reflects not in tagging.moves, sorted(tagging.moves)


def test_a_sentence_that_threatens_yields_no_support_but_a_separate_offer_does():
    tagging = TAGGER.tag("I'll take you off the extra on-call week. But one more missed handover and you're off the rota.")
    assert M.pressures in tagging.moves and M.offers_support in tagging.moves
    offer = tagging.spans_of(M.offers_support)[0]
    assert offer.start < tagging.text.index("But")


def test_whats_your_excuse_is_blame_and_contempt_not_exploration():
    tagging = TAGGER.tag("So what's your excuse this time?")
    assert {M.blame, M.contempt} <= tagging.moves
    assert M.open_question not in tagging.moves and M.closed_question not in tagging.moves


def test_disloyal_after_everything_is_a_guilt_trip():
    assert M.guilt_trip in TAGGER.tag("That would be really disloyal after everything I've done for you").moves


def test_the_promotion_news_said_plainly_is_a_clear_message():
    tagging = TAGGER.tag("The committee did not approve your promotion to Senior this cycle.")
    assert M.clear_message in tagging.moves


def test_a_question_about_barriers_is_open_not_blame():
    tagging = TAGGER.tag("Why didn't you feel you could tell me sooner?")
    assert M.blame not in tagging.moves and M.open_question in tagging.moves


@pytest.mark.parametrize(
    "text",
    ["I wasn't saying you're late every day.", "I'm not saying you're always late.", "I need the queue open at 08:00 every day."],
)
def test_corrections_and_expectations_are_not_absolutes(text: str):
    assert M.absolute not in TAGGER.tag(text).moves


@pytest.mark.parametrize("text", ["I don't think you're lazy.", "This isn't about you being careless."])
def test_negated_labels_are_not_labels(text: str):
    assert M.label_judgment not in TAGGER.tag(text).moves


@pytest.mark.parametrize("text", ["<script>alert(1)</script>", "One more thing before you go.", "Can I have two minutes of your time?"])
def test_numbers_that_are_not_evidence_are_not_data(text: str):
    assert M.data not in TAGGER.tag(text).moves


def test_empathy_without_feeling_words_is_acknowledged_and_validated():
    tagging = TAGGER.tag("Of course you hoped. Anyone would.")
    assert {M.acknowledges_feelings, M.validates} <= tagging.moves


# ---- one table of move definitions: the codebook, the model tagger and the judge ----------


def test_the_codebook_lists_every_move_from_the_one_table():
    from pathlib import Path

    from simulator.domain.moves import DEFINITIONS, codebook_table

    doc = (Path(__file__).resolve().parents[1] / "docs" / "codebook.md").read_text(encoding="utf-8")
    assert codebook_table() in doc, "regenerate the moves table in docs/codebook.md from codebook_table()"
    assert [d.move for d in DEFINITIONS] == list(Move)
    for move in Move:
        assert f"| `{move.value}` |" in doc


def test_model_tagger_and_judge_prompts_use_the_same_definitions(library):
    from simulator.domain.moves import DEFINITION, PENALTY_MOVES
    from simulator.engine.prompts import tagger_messages
    from simulator.scoring.judge_prompt import judge_messages

    tagger_prompt = tagger_messages("Okay.")[0]["content"]
    judge_prompt = judge_messages(library["lateness"], [])[0]["content"]
    for move in Move:
        assert DEFINITION[move].definition in tagger_prompt, move
    for move in PENALTY_MOVES:
        assert DEFINITION[move].definition in judge_prompt, move
