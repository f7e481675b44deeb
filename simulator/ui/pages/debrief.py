"""Debrief: every reply scored for empathy and evidence, with the words that counted."""

import pandas as pd
import streamlit as st

from simulator.domain.rubric import SKILL_HELP
from simulator.scoring.debrief import QUADRANT_HELP
from simulator.ui.charts import candor_chart
from simulator.ui.common import (
    PAGES,
    highlighted,
    md_escape,
    open_session,
    service,
    user_errors,
)

st.title("Debrief")
session_id = st.query_params.get("session")
if not session_id:
    st.info("Open a debrief from your history, or finish a conversation to get one.")
    st.page_link(PAGES["history"], label="Your past sessions", icon=":material/history:")
    st.stop()

view = open_session(session_id)
if view is None:
    st.stop()

if not view.ended:
    st.info("This conversation is still open.")
    st.page_link(PAGES["practice"], label="Back to the conversation", icon=":material/forum:", query_params={"session": view.id})
    if not st.button("End it and score it now", type="primary"):
        st.stop()

debrief = None
with user_errors():
    with st.spinner("Scoring your replies…"):
        debrief = service().finish(view.id)  # stored after the first time: judged once
if debrief is None:
    st.stop()

scored_by = f"scored by {debrief.scorer}"
if debrief.judge_model:
    scored_by += f" (prompt {debrief.prompt_version}, scenario v{debrief.scenario_version})"
st.caption(f"{md_escape(view.scenario.title)} · with {md_escape(view.scenario.persona.name)} · {md_escape(scored_by)}")
if debrief.fallback_reason:
    st.warning(md_escape(debrief.fallback_reason), icon=":material/cloud_off:")
if debrief.summary:
    st.info(md_escape(debrief.summary), icon=":material/record_voice_over:")
a, b, c, d = st.columns(4)
a.metric("Empathy", f"{debrief.empathy}/100", help="EPITOME: emotional reactions, interpretations, explorations; plus validation and support")
b.metric("Evidence", f"{debrief.evidence}/100", help="Situation-Behaviour-Impact, plus dates and numbers")
c.metric("Overall", f"{debrief.overall}/100", help="weighted by the scenario's rubric")
d.metric("They ended", debrief.final_mood)
st.markdown(f"**{debrief.quadrant.capitalize()}** — {QUADRANT_HELP[debrief.quadrant]}")

left, right = st.columns([3, 2], gap="large")
with left:
    st.markdown("**Trust and stress over the conversation**")
    chart = pd.DataFrame({"your message": range(len(debrief.trust_series)), "trust": debrief.trust_series, "stress": debrief.stress_series})
    st.line_chart(chart, x="your message", y=["trust", "stress"], color=["#2e7d32", "#c62828"], height=260)
    st.markdown("**Care personally × challenge directly** (Radical Candor)")
    st.altair_chart(
        candor_chart([(n, r.empathy, r.evidence) for n, r in enumerate(debrief.replies, 1)], (debrief.empathy, debrief.evidence)),
        width="stretch",
    )
with right:
    st.markdown("**Goals**")
    for goal in debrief.goals:
        icon = ":green[:material/check_circle:]" if goal.met else ":red[:material/cancel:]"
        st.markdown(f"{icon} {md_escape(goal.text)}")
    st.markdown("**What they were not saying**")
    for concern in debrief.concerns:
        state = "you found out" if concern.revealed else "never came up"
        st.markdown(f"- {md_escape(concern.summary)} — *{state}*")

st.markdown("**What to try next time**")
for tip in debrief.advice:
    st.markdown(f"- {md_escape(tip)}")

st.divider()
st.markdown("**Your replies** — :green-background[green] words earned points, :red-background[red] words cost points.")
if not debrief.replies:
    st.info("You did not send any message in this conversation.")
for n, reply in enumerate(debrief.replies, 1):
    marker = ""
    if reply.seq == debrief.strongest_seq and len(debrief.replies) > 1:
        marker = " · :green-badge[strongest]"
    elif reply.seq == debrief.weakest_seq and len(debrief.replies) > 1:
        marker = " · :red-badge[weakest]"
    with st.container(border=True):
        st.markdown(
            f"**{n}.** Empathy **{reply.empathy}** · Evidence **{reply.evidence}** · "
            f"trust {reply.trust_before} → {reply.trust_after} · mood after: {reply.mood_after}{marker}"
        )
        st.markdown(highlighted(reply.text, [h.model_dump() for h in reply.highlights]))
        earned = [f"{name.replace('_', ' ')} {getattr(reply.skills, name)}/2" for name in SKILL_HELP if getattr(reply.skills, name)]
        if reply.skills.support:
            earned.append("offers support")
        detail = ("Earned: " + ", ".join(earned)) if earned else "No empathy or evidence skill found."
        if reply.skills.penalties:
            detail += " · Lost points for: " + ", ".join(p.replace("_", " ") for p in reply.skills.penalties)
        st.caption(detail)
        if reply.better_phrasing:
            st.caption(":material/lightbulb: Try: " + md_escape(reply.better_phrasing))
        if reply.disputed:
            st.caption(
                ":material/fact_check: Not on the record: "
                + ", ".join(md_escape(c) for c in reply.disputed)
                + ". Check your facts before the real conversation."
            )
        if reply.revealed:
            st.caption(":material/lock_open: This reply opened them up: they told you what was really going on.")

with st.expander("How scoring works"):
    for name, text in SKILL_HELP.items():
        st.markdown(f"- **{name.replace('_', ' ')}** (0–2): {text}")
    st.markdown(
        "Penalties: labels and judgments, absolutes (always/never), blame, hearsay, minimising, threats. "
        "Each reply's score comes from the words in it; the session's score is half the average reply and half "
        "the best level you reached on each skill."
    )
st.page_link(PAGES["library"], label="Practise again", icon=":material/replay:")
