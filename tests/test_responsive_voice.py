"""The moments of issue 9, each as a test: the persona answers what was asked, boundaries bite,
shut-down is visible and repairable, runs are seeded, and the last line is readable."""

import json
import random

import pytest

from simulator.cli import main
from simulator.domain.moves import Move
from simulator.domain.scenario import Act, Mood
from simulator.domain.state import MIN_TURNS_TO_CLOSE, ConversationState, StateEngine
from simulator.engine.tagger import Span, Tagging
from simulator.engine.voice import OfflineVoice, VoiceRequest, is_echo, presumes
from simulator.practice import PracticeService

from .conftest import ROOT, SHIPPED_IDS
from .conversation import Conversation
from .test_app import new_session, page, run


def topics_of(scenario, text: str) -> set[str]:
    """The topics of the authored lines a persona reply is made of."""
    lines = scenario.lines.all_lines() + [x for c in scenario.persona.hidden_concerns for x in c.reveal_lines]
    return {t for line in lines if line.text in text for t in line.topics}


@pytest.fixture
def service(sqlite_store, library):
    # the voice is what is tested here; the store runs on both databases in test_session.py
    return PracticeService(sqlite_store, library)


def test_refunds_question_gets_a_refunds_answer_twice(service, library):
    """Asked about the refunds API, Priya answered about code reviews; asked again, about the migration."""
    scenario = library["performance-feedback"]
    session = Conversation.start(service, scenario, seed=3)
    first = session.send("Can you tell me what happened with the refunds API?")
    second = session.send("Can you tell me what happened with the refunds API?")
    assert "refunds_api" in topics_of(scenario, first), first
    assert "refunds_api" in topics_of(scenario, second), second
    assert first != second
    assert session.state.topics_raised == ["refunds_api"]


def test_lena_says_how_she_likes_feedback_and_the_goal_waits_for_it(service, library):
    """Asked three times how she likes feedback, Lena never said, and the goal was ticked anyway."""
    scenario = library["first-one-on-one"]
    session = Conversation.start(service, scenario, seed=11)
    said_it = False
    for _ in range(3):
        reply = session.send("How do you like to get feedback from me?")
        goal_met = "learn-feedback-style" in session.state.goals_met
        assert goal_met == (said_it or "feedback_style" in topics_of(scenario, reply)), reply
        said_it = said_it or "feedback_style" in topics_of(scenario, reply)
    assert said_it, "three times asked and never answered"


def test_goal_on_what_she_said_is_not_met_by_moves_alone(library):
    scenario = library["first-one-on-one"]
    engine = StateEngine(scenario)
    state, outcome = engine.apply(engine_state(scenario), set(), text="How do you like feedback?")
    assert "learn-feedback-style" not in state.goals_met
    state = engine.after_reply(state, outcome, answered=["working_style"])
    assert "learn-feedback-style" not in state.goals_met
    state = engine.after_reply(state, outcome, answered=["feedback_style"])
    assert "learn-feedback-style" in state.goals_met and "learn-feedback-style" in outcome.goals_met_now


def engine_state(scenario):
    from simulator.domain.state import ConversationState

    return ConversationState.initial(scenario).model_copy(update={"seed": 1})


@pytest.mark.parametrize("seed", range(6))
def test_no_promotion_presumption_after_the_news(service, library, seed):
    """Right after the outcome: "If this is about the promotion, I'd rather you just told me." """
    scenario = library["no-promotion"]
    presumptions = [x.text for x in scenario.lines.all_lines() if "outcome" in x.before]
    assert presumptions, "the scenario marks its presumption lines with before: [outcome]"
    session = Conversation.start(service, scenario, seed=seed)
    replies = [session.send("I'm sorry, Nadia. The committee decided not to promote you to Senior this cycle.")]
    for text in ("How are you feeling?", "Okay.", "What's on your mind?", "Tell me more."):
        if session.ended:
            break
        replies.append(session.send(text))
    for reply in replies:
        assert not any(p in reply for p in presumptions), reply
        assert "If this is about the promotion" not in reply


def test_news_lines_wait_for_the_news(service, library):
    scenario = library["no-promotion"]
    after_news = [x.text for x in scenario.lines.all_lines() if "outcome" in x.after]
    session = Conversation.start(service, scenario, seed=2)
    reply = session.send("How are you doing today?")
    assert not any(line in reply for line in after_news), reply


SCRIPT = [
    "Thanks for making the time. How have the last few weeks been?",
    "I want to talk about the refunds API, which shipped on 6 May instead of 28 April.",
    "It sounds like a lot has been landing on you.",
    "What happened with the ledger migration?",
    "How are you finding the on-call rota?",
]


def transcript(service, scenario, seed):
    session = Conversation.start(service, scenario, seed=seed)
    for text in SCRIPT:
        session.send(text)
    return [m.text for m in session.transcript()]


def test_same_seed_same_conversation_other_seeds_differ(service, library):
    """Lines came out in a fixed order: the same manager lines gave the identical conversation every time."""
    scenario = library["performance-feedback"]
    assert transcript(service, scenario, 5) == transcript(service, scenario, 5)
    others = {tuple(transcript(service, scenario, seed)) for seed in range(6)}
    assert len(others) > 1


def test_sessions_without_a_seed_get_one_stored(service, library):
    scenario = library["performance-feedback"]
    seeds = {service.start(scenario, "t").state.seed for _ in range(4)}
    assert None not in seeds and len(seeds) > 1


def test_play_seed_reproduces_a_run(tmp_path, capsys):
    script = tmp_path / "script.txt"
    script.write_text("\n".join(SCRIPT) + "\n")
    runs = []
    for _ in range(2):
        assert main(["play", "performance-feedback", "--script", str(script), "--json", "--no-save", "--seed", "42"]) == 0
        runs.append(json.loads(capsys.readouterr().out))
    assert runs[0]["seed"] == runs[1]["seed"] == 42
    assert runs[0]["transcript"] == runs[1]["transcript"]


def test_dismissal_threat_ends_priyas_meeting_in_character(service, library):
    """ "or you'll be looking for another job" changed nothing."""
    scenario = library["performance-feedback"]
    boundary = next(b for b in scenario.persona.boundaries if b.id == "dismissal-threat")
    session = Conversation.start(service, scenario, seed=1)
    session.send("Let's talk about your code reviews.")
    turn = session.turn("Fix your reviews or you'll be looking for another job.")
    reply = "".join(turn)
    turn.close()
    assert turn.ended
    session.refresh()
    assert session.state.end_reason == "boundary" and session.state.boundary == "dismissal-threat"
    assert reply.strip().endswith(boundary.line)
    assert reply == reply.lstrip(), "the streamed reply starts with the line, not with an empty paragraph"
    assert session.transcript()[-1].text.endswith(boundary.line)


def test_a_threat_without_dismissal_does_not_end_it(service, library):
    session = Conversation.start(service, library["performance-feedback"], seed=1)
    session.send("If this happens again, we will have a problem.")
    assert not session.ended


def test_shut_down_is_a_mood_and_a_sincere_repair_brings_her_back(service, library):
    scenario = library["performance-feedback"]
    session = Conversation.start(service, scenario, seed=4)
    session.send("You're always rude in reviews. Everyone says you're a nightmare, it's your fault.")
    reply = session.send("Frankly you're lazy, and if you can't fix it you'll be on a final warning.")
    assert session.view.mood is Mood.shut_down, session.state
    assert any(line.text in reply for line in scenario.lines.closed_up), reply
    # warm words without an apology do not undo it
    session.send("Okay, let's move on to next steps.")
    assert session.view.mood is Mood.shut_down
    session.send("I'm sorry, that was unfair of me. I can see this has been really hard for you.")
    assert session.view.mood is Mood.guarded, session.state
    assert not session.ended


def test_shut_down_badge_on_the_page():
    session, _ = new_session()
    session.send("You're always rude in reviews. Everyone says you're a nightmare, it's your fault.")
    session.send("Frankly you're lazy, and if you can't fix it you'll be on a final warning.")
    assert session.view.mood is Mood.shut_down
    at = page("practice")
    at.query_params["session"] = session.id
    run(at)
    assert any("shut down" in m.value for m in at.markdown)


def test_last_line_is_shown_before_the_debrief():
    """The debrief opened 0.4 s after Enter, so the persona's last line was never read."""
    session, store = new_session()
    at = page("practice")
    at.query_params["session"] = session.id
    run(at)
    at.chat_input[0].set_value("Fix your reviews or you'll be looking for another job.").run(timeout=30)
    assert not at.exception, [e.value for e in at.exception]
    boundary = next(b for b in session.view.scenario.persona.boundaries if b.id == "dismissal-threat")
    shown = "\n".join(m.value for m in at.markdown)
    assert boundary.line.split(".")[0] in shown  # still on the practice page, her last line on screen
    assert store.get_debrief(session.id) is None
    button = next(b for b in at.button if b.label == "See my debrief")
    assert any("ended the meeting" in i.value for i in at.info)
    button.click()
    run(at)
    assert store.get_debrief(session.id) is not None


def reveal_lines(scenario):
    return [x for c in scenario.persona.hidden_concerns for x in c.reveal_lines]


def authored_texts(scenario) -> list[str]:
    """Every authored line a persona reply can be made of."""
    lines = scenario.lines
    return [str(x) for x in [*lines.opening, *lines.all_lines(), *reveal_lines(scenario), *lines.contest,
                             *(x for pool in lines.reactions.values() for x in pool), *(x for pool in lines.closing.values() for x in pool)]]


def dev_messages(scenario_id: str) -> list[str]:
    path = ROOT / "eval" / "voice-dev" / "messages.jsonl"
    return [item["text"] for item in map(json.loads, path.read_text(encoding="utf-8").splitlines()) if item["scenario"] == scenario_id]


@pytest.mark.parametrize("scenario_id", SHIPPED_IDS)
def test_thirty_scripted_conversations_never_repeat_or_presume(service, library, scenario_id):
    """Five scripted conversations per scenario (30 in all): no line twice, none that presumes what is settled."""
    scenario = library[scenario_id]
    lines = {line.text: line for line in scenario.lines.all_lines()}
    disclosures = {x.text for x in [*lines.values(), *reveal_lines(scenario)] if x.act is Act.discloses or x.own_account}
    for script in range(5):
        messages = random.Random(script).sample(dev_messages(scenario_id), 10)
        session = Conversation.start(service, scenario, seed=script)
        for text in messages:
            if session.ended:
                break
            session.send(text)
        used = session.state.used_lines
        assert len(used) == len(set(used)), f"script {script}: a line was repeated"
        said = ""
        for message in session.transcript():
            if message.role == "persona":
                for text in authored_texts(scenario):
                    if text in message.text and text not in disclosures:
                        assert not presumes(scenario, text, said), f"script {script}: {text!r} names what nobody has mentioned"
            said += " " + message.text
            if message.role != "persona" or not message.state:
                continue
            happened = set(message.state["topics_raised"]) | set(message.state["revealed"])
            for text, line in lines.items():
                if text in message.text:
                    assert not set(line.before) & happened, f"script {script}: {text!r} presumes what is settled"
                    assert set(line.after) <= happened | set(message.state["goals_met"]), f"script {script}: {text!r} too early"


# ---- defects seen in the browser after the first version (issue 9, second pass) ----

GENERAL_OPENERS = ["Hi Priya, how are things going?", "Morning. How's your week been?", "Thanks for making the time today."]


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("text", GENERAL_OPENERS)
def test_a_general_opener_gets_a_general_line(service, library, text, seed):
    """"Hi Priya, how are things going?" got an answer about a 'Redo it' review comment."""
    scenario = library["performance-feedback"]
    session = Conversation.start(service, scenario, seed=seed)
    reply = session.send(text)
    assert not topics_of(scenario, reply), reply
    assert session.state.topics_raised == []


@pytest.mark.parametrize("seed", range(8))
def test_what_happened_with_the_refunds_api_is_answered_not_the_release_notes(service, library, seed):
    """"Can you tell me what happened with the refunds API?" got a release-notes line."""
    scenario = library["performance-feedback"]
    session = Conversation.start(service, scenario, seed=seed)
    reply = session.send("Can you tell me what happened with the refunds API?")
    assert "refunds_api" in topics_of(scenario, reply), reply
    assert "release notes" not in reply.lower(), reply


def test_one_reveal_per_reply(library):
    """No promotion: one reply revealed both hidden concerns at once."""
    scenario = library["no-promotion"]
    engine = StateEngine(scenario)
    warm = {Move.open_question, Move.acknowledges_feelings, Move.validates}
    state = engine_state(scenario).model_copy(update={"trust": 90, "stress": 10})
    state, outcome = engine.apply(state, warm, text="That must be hard. What's on your mind?")
    assert len(outcome.revealed_now) == 1 and len(state.revealed) == 1
    state, outcome = engine.apply(state, warm, text="Thank you for telling me. What else is going on?")
    assert len(outcome.revealed_now) == 1 and len(state.revealed) == 2


def test_goals_met_early_do_not_close_the_meeting_after_three_messages(library):
    """No promotion: the meeting ended after 3 manager messages."""
    scenario = library["no-promotion"]
    engine = StateEngine(scenario)
    everything = {Move.clear_message, Move.specific_behaviour, Move.data, Move.open_question, Move.acknowledges_feelings,
                  Move.offers_support}
    state = engine_state(scenario).model_copy(update={"trust": 90, "stress": 10})
    for turn in range(1, MIN_TURNS_TO_CLOSE):
        state, _ = engine.apply(state, everything, text="The committee said no; on 3 March the deck slipped. What do you need? I'll support you.")
        assert not state.ended, f"closed after {turn} messages: {state.goals_met}"
    assert set(state.goals_met) == {g.id for g in scenario.goals}
    state, _ = engine.apply(state, everything, text="I'll support you. What do you need?")
    assert state.ended and state.end_reason == "goals"


def test_a_threat_still_ends_the_meeting_at_once(service, library):
    session = Conversation.start(service, library["performance-feedback"], seed=2)
    session.send("Fix your reviews or you'll be looking for another job.")
    assert session.ended and session.state.end_reason == "boundary"


@pytest.mark.parametrize("scenario_id", SHIPPED_IDS)
def test_the_persona_does_not_restate_the_managers_offer(service, library, scenario_id):
    """Echo: the persona repeated the manager's offer back almost word for word."""
    scenario = library[scenario_id]
    offers = [x for x in scenario.lines.pool(Mood.neutral) + scenario.lines.pool(Mood.open)
              if x.topics and len(x.text.split()) >= 8][:6]
    for number, line in enumerate(offers):
        session = Conversation.start(service, scenario, seed=number)
        reply = session.send(line.text)
        assert line.text not in reply, f"{scenario_id}: echoed {line.text!r}"
        said = [x.text for x in scenario.lines.all_lines() if x.text in reply]
        assert said, reply
        assert not any(is_echo(line.text, x) for x in said), reply


def test_echo_is_about_restating_not_about_sharing_a_topic():
    assert is_echo("I'll rotate the extra on-call week across the team.",
                   "Could we rotate the extra on-call week across the team?")
    assert not is_echo("Tell me about the refunds API.", "The refunds API slipped because the fraud rules changed.")


def threatened(service, scenario):
    session = Conversation.start(service, scenario, seed=5)
    session.send("Let's talk about your code reviews.")
    turn = session.turn("Fix your reviews or you'll be looking for another job.")
    "".join(turn)
    turn.close()
    session.refresh()
    return session


def test_the_ending_says_why_in_plain_words(service, library):
    """The debrief and the ending did not say why the meeting ended."""
    from simulator.domain.state import ending_words
    from simulator.export import inert, session_markdown

    scenario = library["performance-feedback"]
    session = threatened(service, scenario)
    expected = "Priya ended the meeting: you threatened her job (your message 2)."
    assert ending_words(scenario, session.state) == expected
    debrief = session.finish()
    assert debrief.ending == expected
    assert inert(expected) in session_markdown(session.view, debrief)


def test_every_way_to_end_reads_in_words(library):
    from simulator.domain.state import ending_words

    scenario = library["no-promotion"]
    base = engine_state(scenario).model_copy(update={"turn": 6, "ended": True})
    for reason, words in [("shut_down", "shut down"), ("goals", "met the goals"), ("turn_cap", "last of your"), ("manager", "You ended")]:
        text = ending_words(scenario, base.model_copy(update={"end_reason": reason}))
        assert words in text and "_" not in text, text
    assert ending_words(scenario, base.model_copy(update={"ended": False})) == ""


def test_a_last_sentence_after_she_closes_is_stored_scored_and_not_answered(service, library):
    """After the persona closes, the manager may say a last sentence first."""
    from simulator.errors import SessionClosed

    scenario = library["performance-feedback"]
    session = threatened(service, scenario)
    assert service.last_word_open(session.view)
    view = service.last_word(session.id, "I'm sorry, that was out of line. Let's talk tomorrow with HR.", expected_revision=session.view.revision)
    assert [m.role for m in view.messages][-2:] == ["persona", "manager"]
    assert not service.last_word_open(view)
    with pytest.raises(SessionClosed):
        service.last_word(session.id, "And another thing.", expected_revision=view.revision)
    debrief = session.finish()
    last = debrief.replies[-1]
    assert last.text.startswith("I'm sorry, that was out of line") and last.reaction == ""
    assert last.moves and last.empathy > 0  # scored like any reply (an apology with an acknowledgement)
    with pytest.raises(SessionClosed):
        service.last_word(session.id, "One more.", expected_revision=session.view.revision)


def test_no_last_word_when_the_manager_ended_it(service, library):
    session = Conversation.start(service, library["performance-feedback"], seed=1)
    session.send("How are things?")
    session.finish()
    assert not service.last_word_open(session.view)


def test_moods_read_in_words():
    assert Mood.shut_down.words == "shut down"
    assert all("_" not in m.words for m in Mood)


def test_last_word_on_the_practice_page():
    session, store = new_session()
    turn = session.turn("Fix your reviews or you'll be looking for another job.")
    "".join(turn)
    turn.close()
    at = page("practice")
    at.query_params["session"] = session.id
    run(at)
    assert any("you threatened her job" in i.value for i in at.info)
    at.chat_input[0].set_value("I'm sorry. That came out wrong.").run(timeout=30)
    assert not at.exception, [e.value for e in at.exception]
    shown = "\n".join(m.value for m in at.markdown)
    assert "That came out wrong" in shown and "has left the meeting" in "\n".join(c.value for c in at.caption)
    assert not at.chat_input  # one last sentence only
    assert store.messages(session.id)[-1].role == "manager"


# ---- the persona presumed what was not said (browser review 2) ----

@pytest.mark.parametrize("seed", range(6))
def test_priya_does_not_name_tomas_before_anyone_has(service, library, seed):
    """ "How are you finding things?" got "I knew Tomás was unhappy…", though nobody had named Tomás."""
    scenario = library["performance-feedback"]
    session = Conversation.start(service, scenario, seed=seed)
    reply = session.send("Thanks for making time, Priya. I want to talk about two deliveries and some review comments, and I also "
                         "want to hear how things are from your side. How are you finding things at the moment?")
    assert "Tomás" not in reply, reply


def test_once_tomas_is_named_she_may_speak_of_him(library):
    scenario = library["performance-feedback"]
    line = "I knew Tomás was unhappy. If other people have minded my comments too, I'd rather know which comments than who said it, so I can look at them."
    assert presumes(scenario, line, "some review comments")
    assert not presumes(scenario, line, "the comment you left on Tomas's pull request")  # typed without the accent


@pytest.mark.parametrize("seed", range(6))
def test_carla_does_not_bring_up_a_date_nobody_gave(service, library, seed):
    """ "I don't care about the reasons" got "I know about the seventeenth of February" (no date had been given)."""
    session = Conversation.start(service, library["lateness"], seed=seed)
    session.send("Carla, your lateness is a real problem. You're always late and it's unprofessional.")
    reply = session.send("I don't care about the reasons. The queue was left uncovered and customers suffered.")
    assert "seventeenth of February" not in reply, reply
    assert presumes(library["lateness"], "I know about the seventeenth of February.", "the queue was left uncovered")
    assert not presumes(library["lateness"], "I know about the seventeenth of February.", "On 17 February you arrived at 08:42.")


def reaction_to(library, scenario_id: str, text: str, move: Move, span: str, used: list[str]) -> str:
    scenario = library[scenario_id]
    state = ConversationState(trust=50, stress=40, used_lines=used)
    start = text.index(span)
    tagging = Tagging(text=text, spans=[Span(move=move, start=start, end=start + len(span), text=span)])
    note = StateEngine(scenario).director_note(state, None)
    return OfflineVoice().choose(VoiceRequest(scenario=scenario, state=state, note=note, tagging=tagging))[0]


def test_a_patience_platitude_gets_a_reaction_to_the_platitude(library):
    """ "Be patient, your time will come" got "Please don't tell me it's just a title" (reply 1's topic)."""
    first = "It's not a small thing to me, even if it looks like one from your side."
    reply = reaction_to(library, "no-promotion", "You just need to be more visible. Be patient, your time will come.",
                        Move.minimises, "Be patient, your time will come", used=[first])
    assert reply == "I'd rather you didn't tell me to be patient right now."


@pytest.mark.parametrize("text", [
    "That's fair about the schema changes landing late from the other team; I hadn't weighed that enough. There's one more thing: "
    "on 14 April you commented 'This is wrong. Redo it.' on Tomás's pull request #482 with no explanation. Tomás was discouraged "
    "and the fix took two extra days. What was going on for you that week?",
    "I'm sorry, that was a label, and you deserve specifics. On 14 April you commented 'This is wrong. Redo it.' on Tomás's pull "
    "request #482 with no explanation, and Tomás spent two days guessing what to fix. How do you see it?",
])
def test_a_validation_is_not_answered_as_if_she_had_explained_herself(library, text):
    """ "Good to know it makes sense to someone" answered messages that had not said anything made sense."""
    span = "That's fair" if text.startswith("That's fair") else "you deserve specifics"
    reply = reaction_to(library, "performance-feedback", text, Move.validates, span, used=[])
    assert reply in library["performance-feedback"].lines.reactions[Move.validates]
    assert "makes sense" not in reply, reply


@pytest.mark.parametrize("follow_up", ["And why was that?", "What do you mean?", "How so?"])
def test_a_short_follow_up_continues_the_previous_topic(service, library, follow_up):
    scenario = library["performance-feedback"]
    session = Conversation.start(service, scenario, seed=5)
    session.send("Can you tell me what happened with the refunds API?")
    reply = session.send(follow_up)
    assert "refunds_api" in topics_of(scenario, reply), reply
    assert session.state.last_topic == "refunds_api"
    # and a follow-up to the follow-up still does
    assert "refunds_api" in topics_of(scenario, session.send("Really? How come?"))


def test_a_follow_up_continues_whichever_topic_came_last(service, library):
    scenario = library["lateness"]
    session = Conversation.start(service, scenario, seed=2)
    session.send("You've been leaving after six most evenings. Why are you staying so late?")
    assert session.state.last_topic == "late_evenings"
    assert "late_evenings" in topics_of(scenario, session.send("What do you mean?"))
    session.send("Who opens the phones at eight when you are not in yet?")
    assert session.state.last_topic == "cover_plan"
    assert "cover_plan" in topics_of(scenario, session.send("How so?"))


def test_follow_ups_have_no_topic_of_their_own_and_topics_and_small_talk_are_not_follow_ups(library):
    from simulator.engine.topics import topic_index

    scenario = library["performance-feedback"]
    index, voice = topic_index(scenario), OfflineVoice()
    for text in ("And why was that?", "What do you mean?", "How so?", "Can you tell me more about that?"):
        match = index.match(text)
        assert match.follow_up and match.topic is None, (text, match)
        assert voice.topic_of(scenario, text, previous="on_call") == "on_call"
        assert voice.topic_of(scenario, text) is None  # nothing said before: nothing to continue
    for text, topic in (("What happened with the refunds API?", "refunds_api"), ("How was your weekend?", None),
                        ("Okay.", None), ("Thanks for coming in.", None)):
        assert not index.match(text).follow_up, text
        assert voice.topic_of(scenario, text, previous="on_call") == topic, text


@pytest.mark.parametrize("scenario_id", SHIPPED_IDS)
def test_belittling_is_not_answered_as_sarcasm_and_sarcasm_is_named(library, scenario_id):
    """ "Do you even read the tickets?" got "I don't think sarcasm is going to help either of us." """
    from simulator.engine.voice import _NAMES_SARCASM

    reactions = library[scenario_id].lines.reactions[Move.contempt]
    used: list[str] = []
    for text, span in (("Do you even read the tickets?", "Do you even"), ("It's not rocket science.", "not rocket science")):
        reply = reaction_to(library, scenario_id, text, Move.contempt, span, used=used)
        assert reply in reactions and not _NAMES_SARCASM.search(reply), (text, reply)
        used.append(reply)
    # once the plain reactions are used, belittling gets no reaction rather than one about sarcasm
    reply = reaction_to(library, scenario_id, "Give me a break.", Move.contempt, "Give me a break", used=used)
    assert not _NAMES_SARCASM.search(reply), reply
    naming = [x for x in reactions if _NAMES_SARCASM.search(x)]
    reply = reaction_to(library, scenario_id, "Oh great, another excuse.", Move.contempt, "Oh great, another", used=[])
    assert reply in (naming or reactions), reply
