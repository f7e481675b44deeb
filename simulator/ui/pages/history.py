"""Your past sessions: resume open ones, reopen debriefs; replays are listed under the session they branch from."""

import streamlit as st

from simulator.practice import PastSession
from simulator.ui.common import OPEN_SESSION, PAGES, md_escape, service, user_errors

st.title("Your sessions")


def show(past: PastSession) -> None:
    record, debrief = past.record, past.debrief
    with st.container(border=True):
        info, action = st.columns([5, 1], vertical_alignment="center")
        when = f"{record.started_at:%d %b %Y, %H:%M}"
        if debrief:
            status = f"Empathy {debrief.empathy} · Evidence {debrief.evidence} · ended {debrief.final_mood.replace('_', ' ')}"
        elif record.ended_at:
            status = "ended"
        else:
            status = f"in progress · message {record.state.get('turn', 0)}"
        title = f"**{md_escape(record.scenario_title)}** · {when}"
        if past.replay_of is not None:
            title = f":material/alt_route: Replay from your reply {past.replay_of} · {when}"
        info.markdown(f"{title}  \n{status}")
        target = PAGES["debrief"] if record.ended_at else PAGES["practice"]
        label = "Debrief" if record.ended_at else "Resume"
        if action.button(label, key=f"open-{record.id}"):
            st.session_state[OPEN_SESSION] = record.id
            st.switch_page(target, query_params={"session": record.id})


with user_errors():
    past_sessions = service().history()
    if not past_sessions:
        st.info("No sessions yet. Pick a scenario to start your first conversation.")
        st.page_link(PAGES["library"], label="Choose a scenario", icon=":material/library_books:")
        st.stop()
    replays: dict[str, list[PastSession]] = {}
    for past in past_sessions:
        if past.replay_of is not None:
            replays.setdefault(past.record.parent_session_id or "", []).append(past)

    def show_tree(past: PastSession) -> None:
        show(past)
        branches = sorted(replays.get(past.record.id, []), key=lambda p: p.record.started_at)
        if branches:
            _, nested = st.columns([1, 14])
            with nested:
                for branch in branches:
                    show_tree(branch)

    for past in past_sessions:
        if past.replay_of is None:  # replays are shown under their session
            show_tree(past)
