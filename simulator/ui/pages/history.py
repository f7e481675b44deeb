"""Your past sessions: resume open ones, reopen debriefs."""

import streamlit as st

from simulator.ui.common import PAGES, current_user, md_escape, store, user_errors

st.title("Your sessions")
with user_errors():
    records = store().list_sessions(current_user())
    if not records:
        st.info("No sessions yet. Pick a scenario to start your first conversation.")
        st.page_link(PAGES["library"], label="Choose a scenario", icon=":material/library_books:")
        st.stop()
    for record in records:
        debrief = store().get_debrief(record.id) if record.ended_at else None
        with st.container(border=True):
            info, action = st.columns([5, 1], vertical_alignment="center")
            when = f"{record.started_at:%d %b %Y, %H:%M}"
            if debrief:
                data = debrief[1]
                status = f"Empathy {data['empathy']} · Evidence {data['evidence']} · ended {data['final_mood']}"
            elif record.ended_at:
                status = "ended"
            else:
                status = f"in progress · message {record.state.get('turn', 0)}"
            info.markdown(f"**{md_escape(record.scenario_title)}** · {when}  \n{status}")
            target = PAGES["debrief"] if record.ended_at else PAGES["practice"]
            label = "Debrief" if record.ended_at else "Resume"
            if action.button(label, key=f"open-{record.id}"):
                st.switch_page(target, query_params={"session": record.id})
