"""The conversation: chat with the persona; the database is the source of truth."""

import streamlit as st

from simulator.errors import InputError, SessionClosed, SessionConflict, SimulatorError
from simulator.models.base import ModelError, StreamInterrupted
from simulator.ui.common import MOOD_BADGE, PAGES, engine_parts, md_escape, open_session, settings, store, user_errors

session_id = st.query_params.get("session")
if not session_id:
    st.title("Practice")
    st.info("No conversation is open. Pick a scenario to start one, or reopen one from your history.")
    st.page_link(PAGES["library"], label="Choose a scenario", icon=":material/library_books:")
    st.page_link(PAGES["history"], label="Your past sessions", icon=":material/history:")
    st.stop()

session = open_session(session_id)
if session is None:
    st.stop()

scenario = session.scenario
persona = scenario.persona
seen_key = f"seen_revision:{session.id}"


def render_message(role: str, text: str, interrupted: bool = False) -> None:
    with st.chat_message("user" if role == "manager" else "assistant", avatar=":material/person:" if role == "manager" else ":material/face:"):
        st.markdown(md_escape(text))
        if interrupted:
            st.caption(":material/link_off: This reply was interrupted before it finished.")


with st.sidebar:
    st.markdown(f"**{md_escape(scenario.title)}**")
    st.markdown("**Your goal**  \n" + md_escape(scenario.brief.goal))
    st.markdown("**Goals**")
    for goal in scenario.goals:
        tick = ":material/check_box:" if goal.id in session.state.goals_met else ":material/check_box_outline_blank:"
        st.markdown(f"{tick} {md_escape(goal.text)}")
    with st.expander("Facts on record"):
        for fact in scenario.facts:
            date = f"**{fact.date:%d %b %Y}** · " if fact.date else ""
            st.markdown(f"- {date}{md_escape(fact.text)}")
    st.caption(md_escape(engine_parts().mode))
    record = session.record
    if record.tokens_in or record.tokens_out:
        cost = f" · about ${record.cost_usd:.4f}" if record.cost_usd is not None else " · cost unknown for this model"
        st.caption(f"Tokens this session: {record.tokens_in + record.tokens_out:,} of {settings().session_token_cap:,}{cost}")

head, mood_col = st.columns([4, 1], vertical_alignment="bottom")
head.subheader(f"{md_escape(persona.name)} · {md_escape(persona.role)}")
mood_col.markdown(f"Mood: {MOOD_BADGE[session.mood]}")
st.caption(f"Your message {min(session.state.turn + 1, scenario.state.turn_cap)} of {scenario.state.turn_cap} at most.")

for message in session.transcript():
    render_message(message.role, message.text, message.interrupted)

if session.ended:
    st.success("This conversation has ended. Your debrief is ready.", icon=":material/flag:")
    st.page_link(PAGES["debrief"], label="Open the debrief", icon=":material/insights:", query_params={"session": session.id})
    st.stop()



def stream_reply(stream) -> None:
    """Show the persona's reply as it streams; say plainly what went wrong if it breaks."""
    try:
        with st.chat_message("assistant", avatar=":material/face:"):
            st.write_stream(stream)
    except StreamInterrupted:
        st.warning("The reply broke off. What arrived is kept, marked as interrupted; press Retry for a full answer.", icon=":material/link_off:")
        st.session_state[seen_key] = session.revision
        st.stop()
    except ModelError as exc:
        st.error(f"{exc} Your message is saved; press Retry when the model is reachable.", icon=":material/cloud_off:")
        st.session_state[seen_key] = session.revision
        st.stop()
    st.session_state[seen_key] = session.revision


pending = session.needs_retry()
if pending is not None:
    what = "was interrupted" if pending.role == "persona" else "has not been answered yet"
    st.warning(f"{persona.name}'s reply to your last message {what}.", icon=":material/hourglass:")
    if st.button("Retry", icon=":material/refresh:", key="retry"):
        with user_errors():
            stream_reply(session.retry())
            st.rerun()

end_clicked = st.button("End and get my debrief", icon=":material/flag:")
unanswered = pending is not None and pending.role == "manager"
prompt = st.chat_input(f"What do you say to {persona.name.split()[0]}?", submit_mode="disable", disabled=unanswered)

if end_clicked:
    with user_errors():
        with st.spinner("Scoring your replies…"):
            session.finish()
        st.switch_page(PAGES["debrief"], query_params={"session": session.id})

if prompt is not None:
    text = prompt if isinstance(prompt, str) else prompt.text
    # The revision this page last showed: if another tab moved the conversation on, say so.
    session.revision = st.session_state.get(seen_key, session.revision)
    try:
        stream = session.send(text)
    except InputError as exc:
        st.error(str(exc), icon=":material/edit_note:")
        if text.strip():
            st.caption("Your text, so nothing is lost:")
            st.code(text, language=None, wrap_lines=True)
    except SessionConflict as exc:
        st.session_state[seen_key] = store().get_session(session.id).revision
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
        render_message("manager", text)
        stream_reply(stream)
        if session.ended:
            st.switch_page(PAGES["debrief"], query_params={"session": session.id})
        st.rerun()
else:
    st.session_state[seen_key] = session.revision
