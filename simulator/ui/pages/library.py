"""Scenario library: pick a conversation, read the briefing, start practising."""

import streamlit as st

from simulator.domain.difficulty import PRESETS, Difficulty
from simulator.ui.common import PAGES, current_user, library, md_escape, service, user_errors

st.title("Practise a difficult conversation")
st.caption(
    "Pick a scenario, read the briefing, then talk to the other person in your own words. "
    "Afterwards, a debrief scores every reply for empathy and evidence. Everything runs on this machine."
)

with user_errors():
    scenarios, errors = library()
    if errors:
        with st.expander(f":material/warning: {len(errors)} scenario file(s) could not be loaded", expanded=not scenarios):
            for err in errors:
                st.code(str(err), language=None, wrap_lines=True)
    if not scenarios:
        st.warning("No scenarios to show. Fix the files above, or set SIMULATOR_SCENARIOS_DIR to a folder of scenario files.")
        st.stop()

    ids = sorted(scenarios, key=lambda i: scenarios[i].title)
    chosen = st.selectbox(
        "Scenario",
        ids,
        format_func=lambda i: f"{scenarios[i].title} · {scenarios[i].category}",
        key="library_choice",
    )
    scenario = scenarios[chosen]

    st.subheader(md_escape(scenario.title))
    st.markdown(md_escape(scenario.summary))
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.markdown("**You are**  \n" + md_escape(scenario.brief.you_are))
        st.markdown(f"**Talking to**  \n{md_escape(scenario.persona.name)}, {md_escape(scenario.persona.role)}")
        st.markdown("**The situation**  \n" + md_escape(scenario.brief.situation))
        st.markdown("**Your goal**  \n" + md_escape(scenario.brief.goal))
        st.markdown("**Goals checklist**")
        for goal in scenario.goals:
            st.markdown(f"- {md_escape(goal.text)}")
    with right:
        st.markdown("**Facts on record**")
        for fact in scenario.facts:
            date = f"**{fact.date:%d %b %Y}** · " if fact.date else ""
            st.markdown(f"- {date}{md_escape(fact.text)}")
        st.caption(f"Up to {scenario.state.turn_cap} of your messages.")

    levels = list(Difficulty)
    pick, how = st.columns(2)
    difficulty = pick.radio(
        "Difficulty", levels, index=levels.index(scenario.difficulty), horizontal=True, key="difficulty",
        format_func=lambda d: d.value, captions=[PRESETS[d].help for d in levels],
    )
    mode = how.radio(
        "Mode", ["learning", "assessment"], horizontal=True, key="mode",
        captions=["a live goals checklist, their mood, and up to 3 hints", "no hints, no mood shown: as in a real meeting"],
    )

    if st.button("Start the conversation", type="primary", icon=":material/play_arrow:"):
        view = service().start(scenario, current_user(), difficulty=difficulty, mode="assessment" if mode == "assessment" else "learning")
        st.switch_page(PAGES["practice"], query_params={"session": view.id})
