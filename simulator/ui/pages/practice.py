"""The conversation: chat with the persona; the database is the source of truth."""

import streamlit as st

from simulator.domain.state import ending_words
from simulator.errors import InputError, SessionClosed, SessionConflict, SimulatorError
from simulator.models.base import ModelError, StreamInterrupted
from simulator.scoring.hints import HINTS_PER_SESSION, GoalStatus, goal_checklist
from simulator.ui.common import (
    MOOD_BADGE,
    PAGES,
    current_session_id,
    engine_parts,
    md_escape,
    open_session,
    service,
    settings,
    settle_heap,
    user_errors,
)

GOAL_MARK = {
    GoalStatus.met: ":green[:material/check_box:]",
    GoalStatus.pending: ":material/check_box_outline_blank:",
    GoalStatus.missed: ":red[:material/disabled_by_default:]",
}

session_id = current_session_id()
if not session_id:
    st.title("Practice")
    st.info("No conversation is open. Pick a scenario to start one, or reopen one from your history.")
    st.page_link(PAGES["library"], label="Choose a scenario", icon=":material/library_books:")
    st.page_link(PAGES["history"], label="Your past sessions", icon=":material/history:")
    st.stop()

# The database is the source of truth: every run reads the session again. Within one browser session the
# messages this page already showed are kept, and only the newer ones are read; a browser refresh reads all.
view = open_session(session_id, since=st.session_state.get("practice_view"))
if view is None:
    st.stop()
st.session_state["practice_view"] = view


def finish_and_open_debrief() -> None:
    """The judge's call runs here, after the stream, never inside it."""
    assert view is not None  # the page stopped above otherwise
    with user_errors():
        with st.spinner("Scoring your replies…"):
            service().finish(view.id)
        st.switch_page(PAGES["debrief"], query_params={"session": view.id})


# A press of "End and get my debrief" or "See my debrief" is handled before the conversation is drawn again:
# the manager is leaving this page, and redrawing every message first only delays the debrief.
if st.session_state.get("end_and_debrief") or (view.ended and st.session_state.get("see_debrief")):
    finish_and_open_debrief()

scenario = view.scenario
persona = scenario.persona
state = view.state
seen_key = f"seen_revision:{view.id}"  # the revision this page last showed (a second tab moves it on)


def render_message(role: str, text: str, interrupted: bool = False) -> None:
    with st.chat_message("user" if role == "manager" else "assistant", avatar=":material/person:" if role == "manager" else ":material/face:"):
        st.markdown(md_escape(text))
        if interrupted:
            st.caption(":material/link_off: This reply was interrupted before it finished.")


with st.sidebar:
    st.markdown(f"**{md_escape(scenario.title)}**")
    st.markdown("**Your goal**  \n" + md_escape(scenario.brief.goal))
    learning = state.mode == "learning"
    st.caption(f"{scenario.difficulty.value.capitalize()} · {state.mode} mode")
    st.markdown("**Goals**")
    if learning:  # the live checklist; assessment mode shows the goals without their progress
        for text, status in goal_checklist(scenario, state):
            st.markdown(f"{GOAL_MARK[status]} {md_escape(text)}")
    else:
        for goal in scenario.goals:
            st.markdown(f"- {md_escape(goal.text)}")
    with st.expander("Facts on record"):
        for fact in scenario.facts:
            date = f"**{fact.date:%d %b %Y}** · " if fact.date else ""
            st.markdown(f"- {date}{md_escape(fact.text)}")
    st.caption(md_escape(engine_parts().mode))
    record = view.record
    if record.tokens_in or record.tokens_out:
        cost = f" · about ${record.cost_usd:.4f}" if record.cost_usd is not None else " · cost unknown for this model"
        st.caption(f"Tokens this session: {record.tokens_in + record.tokens_out:,} of {settings().session_token_cap:,}{cost}")

head, mood_col = st.columns([4, 1], vertical_alignment="bottom")
head.subheader(f"{md_escape(persona.name)} · {md_escape(persona.role)}")
if learning:  # in assessment mode the manager reads the person, not a badge
    mood_col.markdown(f"Mood: {MOOD_BADGE[view.mood]}")
st.caption(f"Your message {min(state.turn + 1, scenario.state.turn_cap)} of {scenario.state.turn_cap} at most.")

for message in view.messages:
    render_message(message.role, message.text, message.interrupted)



if view.ended:
    # The persona's last line stays on screen until the manager has read it and asks for the debrief;
    # the manager may say one last sentence first (scored, not answered: the persona has left).
    st.info(md_escape(ending_words(scenario, state)), icon=":material/flag:")
    if view.messages and view.messages[-1].role == "manager":
        st.caption(f"{md_escape(persona.name.split()[0])} has left the meeting. Your last words count in the debrief.")
    st.button("See my debrief", icon=":material/insights:", type="primary", key="see_debrief")  # handled at the top
    if service().last_word_open(view):
        last = st.chat_input("Say a last sentence before you go (optional)", submit_mode="disable")
        if last is not None:
            with user_errors():
                service().last_word(view.id, last if isinstance(last, str) else last.text, expected_revision=view.revision)
                st.rerun()
    st.stop()


def stream_reply(turn) -> None:
    """Show the persona's reply as it streams; say plainly what went wrong if it breaks."""
    try:
        with st.chat_message("assistant", avatar=":material/face:"):
            st.write_stream(turn)
    except StreamInterrupted:
        st.session_state[seen_key] = turn.result.revision
        st.warning("The reply broke off. What arrived is kept, marked as interrupted; press Retry for a full answer.", icon=":material/link_off:")
        st.stop()
    except ModelError as exc:
        st.session_state[seen_key] = turn.result.revision
        st.error(f"{exc} Your message is saved; press Retry when the model is reachable.", icon=":material/cloud_off:")
        st.stop()
    finally:
        # A click during the stream stops this script with a BaseException: close the
        # stream now, so what arrived is saved at once (marked interrupted).
        turn.close()
    st.session_state[seen_key] = turn.result.revision
    # When the conversation ended, the rerun shows the persona's last line and a "See my debrief" button.


pending = view.pending
if pending is not None:
    what = "was interrupted" if pending.role == "persona" else "has not been answered yet"
    st.warning(f"{persona.name}'s reply to your last message {what}.", icon=":material/hourglass:")
    if st.button("Retry", icon=":material/refresh:", key="retry"):
        with user_errors():
            turn = service().retry(view.id, expected_revision=view.revision)
            if turn is not None:
                stream_reply(turn)
            st.rerun()

hint_key = f"hint:{view.id}"
if learning:
    left = HINTS_PER_SESSION - state.hints_used
    if st.button(f"Hint ({left} left)", icon=":material/lightbulb:", key="hint", disabled=left <= 0 or pending is not None):
        with user_errors():
            given = service().hint(view.id, expected_revision=st.session_state.get(seen_key, view.revision))
            st.session_state[seen_key] = given.revision
            st.session_state[hint_key] = given.text
            st.rerun()
    if st.session_state.get(hint_key):
        st.info(md_escape(st.session_state[hint_key]), icon=":material/lightbulb:")

st.button("End and get my debrief", icon=":material/flag:", key="end_and_debrief")  # handled at the top of the page
unanswered = pending is not None and pending.role == "manager"
prompt = st.chat_input(f"What do you say to {persona.name.split()[0]}?", submit_mode="disable", disabled=unanswered)

if prompt is not None:
    text = prompt if isinstance(prompt, str) else prompt.text
    try:
        # The revision this page last showed: if another tab moved the conversation on, say so.
        turn = service().take_turn(view.id, text, expected_revision=st.session_state.get(seen_key, view.revision), view=view)
    except InputError as exc:
        st.error(str(exc), icon=":material/edit_note:")
        if text.strip():
            st.caption("Your text, so nothing is lost:")
            st.code(text, language=None, wrap_lines=True)
    except SessionConflict as exc:
        st.session_state[seen_key] = service().resume(view.id).revision
        st.warning(str(exc), icon=":material/tab:")
        st.caption("Your unsent text:")
        st.code(text, language=None, wrap_lines=True)
        st.button("Show the latest messages", icon=":material/refresh:")
    except (SessionClosed, SimulatorError) as exc:
        st.error(str(exc))
        if text.strip():
            st.caption("Your text, so nothing is lost:")
            st.code(text, language=None, wrap_lines=True)
    else:
        st.session_state.pop(hint_key, None)
        render_message("manager", text)
        stream_reply(turn)
        st.rerun()
else:
    st.session_state[seen_key] = view.revision
    # The page is drawn and the manager is reading: prepare the debrief in the background (once per revision).
    service().prepare_debrief(view)
    settle_heap()
