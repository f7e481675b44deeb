"""Debrief: the whole exchange annotated, a better reply for each weak one, replay from any turn,
progress over attempts, and exports. Every text from a model or a scenario goes through md_escape."""

import json

import streamlit as st

from simulator.domain.rubric import SKILL_HELP, Kind
from simulator.export import conversation_html, session_html, session_json, session_markdown
from simulator.scoring.debrief import ReplyReport, best_levels, candor_note, compare_attempts, progress_skills
from simulator.ui.charts import attempts_chart, candor_chart, skill_levels_chart, trust_stress_chart
from simulator.ui.common import (
    PAGES,
    current_session_id,
    current_user,
    md_escape,
    open_session,
    service,
    user_errors,
)

st.title("Debrief")
session_id = current_session_id()
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
    with user_errors():
        with st.spinner("Scoring your replies…"):
            service().finish(view.id)
        st.rerun()  # drawn again as an ended conversation, without the "still open" notice above
    st.stop()

debrief = None
with user_errors():
    with st.spinner("Scoring your replies…"):
        debrief = service().finish(view.id)  # stored after the first time: judged once
if debrief is None:
    st.stop()

scenario = view.scenario
persona = scenario.persona.name
numbers = {r.seq: n for n, r in enumerate(debrief.replies, 1)}
reports = {r.seq: r for r in debrief.replies}

# ---------------------------------------------------------------- headline
scored_by = f"scored by {debrief.scorer}"
if debrief.judge_model:
    scored_by += f" (prompt {debrief.prompt_version}, scenario v{debrief.scenario_version})"
hints = f", {debrief.hints_used} hint(s)" if debrief.mode == "learning" else ""
st.caption(f"{md_escape(scenario.title)} · with {md_escape(persona)} · {md_escape(scored_by)} · "
           f"{debrief.difficulty}, {debrief.mode} mode{hints}")
if view.record.parent_session_id:
    from_reply = sum(1 for m in view.messages if m.role == "manager" and m.seq <= (view.record.branched_from_seq or 0))
    st.info(f"A replay of an earlier session, from your reply {from_reply} on.", icon=":material/alt_route:")
    st.page_link(PAGES["debrief"], label="Debrief of the original", icon=":material/undo:",
                 query_params={"session": view.record.parent_session_id})
if debrief.ending:
    st.info(md_escape(debrief.ending), icon=":material/flag:")
if debrief.fallback_reason:
    st.warning(md_escape(debrief.fallback_reason), icon=":material/cloud_off:")
if debrief.summary:
    st.info(md_escape(debrief.summary), icon=":material/record_voice_over:")
a, b, c, d = st.columns(4)
a.metric("Empathy", f"{debrief.empathy}/100", help="EPITOME: emotional reactions, interpretations, explorations; plus validation and support")
b.metric("Evidence", f"{debrief.evidence}/100", help=debrief.evidence_label or "Situation-Behaviour-Impact, plus dates and numbers")
c.metric("Overall", f"{debrief.overall}/100", help="weighted as this kind of conversation is weighed")
d.metric("They ended", debrief.final_mood.replace("_", " "))
reading = md_escape(debrief.reading)  # "between radical candor and obnoxious aggression" near a line
st.markdown(md_escape(debrief.verdict).replace(reading, f"**{reading}**", 1) if debrief.verdict
            else f"**{reading.capitalize()}** — {md_escape(debrief.quadrant_help)}")

left, right = st.columns([3, 2], gap="large")
with left:
    st.markdown("**Trust and stress over the conversation**")
    st.image(trust_stress_chart(debrief.trust_series, debrief.stress_series), width="stretch")
    if debrief.kind == "relationship":  # evidence is not expected in a first 1:1: the candor picture would mislead
        st.caption("A first 1:1 is read on listening alone, so there is no care × challenge picture here.")
    else:
        st.markdown("**Care personally × challenge directly** (Radical Candor)")
        st.image(
            candor_chart([(n, r.empathy, r.evidence) for n, r in enumerate(debrief.replies, 1)], (debrief.empathy, debrief.evidence)),
            caption="Grey: each reply. Blue diamond: the whole conversation.", width="stretch",
        )
        if note := candor_note(debrief):  # on the edge between two readings, or aggression for what was said
            st.caption(note)
with right:
    # each section one Markdown element: the browser draws a page of few elements at once
    goals = ["**Goals**"]
    for goal in debrief.goals:
        icon = ":green[:material/check_circle:]" if goal.met else ":red[:material/cancel:]"
        when = f" · *met by reply {numbers[goal.met_seq]}*" if goal.met_seq in numbers else ("" if goal.met else " · *missed*")
        goals.append(f"{icon} {md_escape(goal.text)}{when}")
    st.markdown("\n\n".join(goals))
    concerns = []
    for concern in debrief.concerns:
        if concern.opened_by_seq in numbers:
            what = ", ".join(m.replace("_", " ") for m in concern.opened_by) or "the trust you had built"
            state = f"you found out after reply {numbers[concern.opened_by_seq]} (opened by: {md_escape(what)})"
        else:
            state = "you found out" if concern.revealed else "stayed hidden"
        concerns.append(f"- {md_escape(concern.summary)} — *{state}*")
    st.markdown("**What they were not saying**\n\n" + "\n".join(concerns))

# ---------------------------------------------------------------- moments and next steps
if debrief.moments:
    st.subheader("The moments that moved trust")
    told = []
    for moment in debrief.moments:
        change = moment.trust_after - moment.trust_before
        arrow = ":green[:material/trending_up:]" if change > 0 else ":red[:material/trending_down:]"
        move = f"**{md_escape(moment.move.replace('_', ' '))}**: " if moment.move else ""
        told.append(f"{arrow} **Reply {moment.number}** · trust {moment.trust_before} → {moment.trust_after}  \n"
                    f"“{md_escape(moment.text)}”  \n{move}{md_escape(moment.why)}")
    st.markdown("\n\n".join(told))

st.subheader("What to try next")
st.markdown("\n".join(f"- {md_escape(tip)}" for tip in dict.fromkeys(debrief.advice + debrief.next_steps)))


# ---------------------------------------------------------------- the whole conversation, annotated
def render_replay(branch_id: str) -> None:
    """The original reply and the replayed one side by side, with the persona's answers."""
    comparison = service().compare_replay(branch_id)
    sides = st.columns(2)
    for column, label, side in ((sides[0], "Original", comparison.original), (sides[1], "Replay", comparison.replayed)):
        with column:
            if side is None:
                st.caption("The replay has no reply yet.")
                continue
            st.markdown(f"**{label}** · empathy **{side.empathy}** · evidence **{side.evidence}** · "
                        f"trust {side.trust_before} → {side.trust_after}")
            st.markdown(f"You: {md_escape(side.text)}")
            st.markdown(f"{md_escape(persona)}: {md_escape(side.reaction)}")
    branch = service().resume(branch_id)
    target = PAGES["debrief"] if branch.ended else PAGES["practice"]
    st.page_link(target, label="Open this replay" + (" (debrief)" if branch.ended else " and continue it"),
                 icon=":material/alt_route:", query_params={"session": branch_id})


def replay_form(seq: int) -> None:
    with st.form(f"replay-{seq}", clear_on_submit=False, border=False):
        text = st.text_area(f"Your different reply, instead of reply {numbers[seq]}", key=f"replay-text-{seq}", height=90)
        go = st.form_submit_button("Replay from here", icon=":material/alt_route:")
    if not go:
        return
    assert view is not None  # the page stopped above otherwise
    with user_errors():
        turn = service().replay(view.id, seq, text, current_user())
        try:
            with st.chat_message("assistant", avatar=":material/face:"):
                st.write_stream(turn)
        finally:
            turn.close()
        if turn.ended:
            service().finish(turn.result.session_id)
        st.session_state[f"replayed-{view.id}"] = seq
        st.rerun()


def _preview(text: str, words: int = 12) -> str:
    """The first words of a reply, for the picker (a select box shows plain text: no Markdown to escape)."""
    head = text.split()
    return " ".join(head[:words]) + (" …" if len(head) > words else "")


def reply_details(reply: ReplyReport, branch_ids: list[str]) -> None:
    """For the reply picked: the reason for each highlighted part, the replays from it, a replay form."""
    if reply.highlights:
        st.markdown("**What each part did**\n\n" + "\n".join(
            f"- {':green[:material/add_circle:]' if h.sign > 0 else ':red[:material/remove_circle:]'} "
            f"“{md_escape(reply.text[h.start:h.end])}” — **{md_escape(h.move.replace('_', ' '))}**: {md_escape(h.why)}"
            for h in sorted(reply.highlights, key=lambda h: h.start)))
    else:
        st.caption("No words of this reply are marked: its skills are listed under it in the conversation.")
    for branch_id in branch_ids:
        st.markdown("**Your replay from here**")
        with user_errors():
            render_replay(branch_id)
    replay_form(reply.seq)


st.divider()
st.subheader("The whole conversation")
st.caption(":green-background[Green] words earned points; :red-background[red], struck-through words cost points. "
           "Below the conversation, pick a reply to see why, or to replay the conversation from there.")
if not debrief.replies:
    st.info("You did not send any message in this conversation.")
branches: dict[int | None, list[str]] = {}
with user_errors():
    for record in service().branches(view.id):
        branches.setdefault(record.branched_from_seq, []).append(record.id)
# One HTML element for the whole exchange, from the printable page's renderer: drawn as ten Streamlit elements a
# reply, or as Markdown, thirty replies kept the browser busy for over a second; everything in it is HTML-escaped.
st.html(conversation_html(view, debrief, inline_styles=True, replays={seq: len(ids) for seq, ids in branches.items() if seq}))

if debrief.replies:
    st.subheader("Look closer at one reply")
    closer_key = f"closer-{view.id}"
    replayed = st.session_state.pop(f"replayed-{view.id}", None)
    if replayed in numbers:
        st.session_state[closer_key] = replayed  # just replayed: show the comparison
    default = debrief.weakest_seq if debrief.weakest_seq in numbers else debrief.replies[0].seq
    picked = st.selectbox(  # opens on the weakest reply, or on the one just replayed (its value is set above)
        "Your reply", list(numbers), index=None if closer_key in st.session_state else list(numbers).index(default), key=closer_key,
        format_func=lambda seq: f"{numbers[seq]}. {_preview(reports[seq].text)}",
        help="What each highlighted part did, your replays from that reply, and a form to try a different one.",
    )
    if picked in reports:
        reply_details(reports[picked], branches.get(picked, []))

# ---------------------------------------------------------------- progress over attempts
attempts = []
with user_errors():
    attempts = [(past.record, past.debrief) for past in service().attempts(view.id) if past.debrief is not None]
if len(attempts) > 1:
    st.subheader("Progress on this scenario")
    rows = []
    for n, (record, attempt) in enumerate(attempts, 1):
        for name, value in (("empathy", attempt.empathy), ("evidence", attempt.evidence), ("overall", attempt.overall)):
            rows.append({"attempt": n, "score": name, "value": value, "when": f"{record.started_at:%d %b %H:%M}"})
    st.vega_lite_chart(attempts_chart(rows), width="stretch")
    skill_rows = [{"attempt": n, "skill": name.replace("_", " "), "best level": level, "when": f"{record.started_at:%d %b %H:%M}"}
                  for n, (record, attempt) in enumerate(attempts, 1)
                  for name, level in best_levels(attempt).items() if name in progress_skills(Kind(attempt.kind))]
    st.markdown("**Best level reached on each skill** (0 none, 1 some, 2 specific)")
    st.vega_lite_chart(skill_levels_chart(skill_rows), width="stretch")
    index = next(i for i, (record, _) in enumerate(attempts) if record.id == view.id)
    if index > 0:
        st.markdown(compare_attempts(attempts[index - 1][1], attempts[index][1]))  # skill names only: our own words

# ---------------------------------------------------------------- take it away
st.subheader("Take it with you")
with user_errors():
    printable, left, right = st.columns(3)
    # each file is made when its button is pressed, not on every run of the page
    printable.download_button("Printable page", lambda: session_html(view, debrief), file_name=f"debrief-{view.id}.html",
                              mime="text/html", icon=":material/print:",
                              help="Open it in your browser and print it, or save it as PDF, for a coaching session")
    left.download_button("Download Markdown", lambda: session_markdown(view, debrief), file_name=f"debrief-{view.id}.md",
                         mime="text/markdown", icon=":material/download:")
    right.download_button("Download JSON", lambda: json.dumps(session_json(view, debrief), ensure_ascii=False, indent=2),
                          file_name=f"debrief-{view.id}.json",
                          mime="application/json", icon=":material/data_object:")

with st.expander("How scoring works"):
    for name, text in SKILL_HELP.items():
        st.markdown(f"- **{name.replace('_', ' ')}** (0–2): {text}")
    st.markdown(
        "Penalties: labels and judgments, absolutes (always/never), blame, hearsay, minimising, threats. "
        "Each reply's score comes from the words in it; the session's score is half the average reply and half "
        "the best level you reached on each skill. A better reply is shown only when the same scorer rates it higher."
    )
st.page_link(PAGES["library"], label="Practise again", icon=":material/replay:")
