"""Your past sessions: resume open ones, reopen debriefs; replays are listed under the session they branch from."""

import streamlit as st

from simulator.store.db import SessionRecord
from simulator.ui.common import OPEN_SESSION, PAGES, current_user, md_escape, store, user_errors

st.title("Your sessions")


def show(record: SessionRecord, *, replay_of: int | None = None) -> None:
    debrief = store().get_debrief(record.id) if record.ended_at else None
    with st.container(border=True):
        info, action = st.columns([5, 1], vertical_alignment="center")
        when = f"{record.started_at:%d %b %Y, %H:%M}"
        if debrief:
            data = debrief[1]
            status = f"Empathy {data['empathy']} · Evidence {data['evidence']} · ended {data['final_mood'].replace('_', ' ')}"
        elif record.ended_at:
            status = "ended"
        else:
            status = f"in progress · message {record.state.get('turn', 0)}"
        title = f"**{md_escape(record.scenario_title)}** · {when}"
        if replay_of is not None:
            title = f":material/alt_route: Replay from your reply {replay_of} · {when}"
        info.markdown(f"{title}  \n{status}")
        target = PAGES["debrief"] if record.ended_at else PAGES["practice"]
        label = "Debrief" if record.ended_at else "Resume"
        if action.button(label, key=f"open-{record.id}"):
            st.session_state[OPEN_SESSION] = record.id
            st.switch_page(target, query_params={"session": record.id})


with user_errors():
    records = store().list_sessions(current_user())
    if not records:
        st.info("No sessions yet. Pick a scenario to start your first conversation.")
        st.page_link(PAGES["library"], label="Choose a scenario", icon=":material/library_books:")
        st.stop()
    known = {r.id for r in records}
    children: dict[str, list[SessionRecord]] = {}
    for record in records:
        if record.parent_session_id in known:
            children.setdefault(record.parent_session_id, []).append(record)

    def reply_number(parent_id: str, seq: int | None) -> int:
        return sum(1 for m in store().messages(parent_id) if m.role == "manager" and m.seq <= (seq or 0))

    def show_tree(record: SessionRecord, depth: int = 0) -> None:
        show(record, replay_of=reply_number(record.parent_session_id or "", record.branched_from_seq) if depth else None)
        branches = sorted(children.get(record.id, []), key=lambda r: r.started_at)
        if branches:
            _, nested = st.columns([1, 14])
            with nested:
                for branch in branches:
                    show_tree(branch, depth + 1)

    for record in records:
        if record.parent_session_id not in known:  # replays are shown under their session
            show_tree(record)
