"""Debrief: the whole exchange annotated, a better reply for each weak one, replay from any turn,
progress over attempts, and exports. The debrief itself is one HTML element (`export.debrief_page_html`,
every text HTML-escaped); the controls below it are Streamlit's, and any model or scenario text in them
goes through md_escape."""

import json

import streamlit as st

from simulator.domain.rubric import Kind
from simulator.export import debrief_page_html, session_html, session_json, session_markdown
from simulator.scoring.debrief import ReplyReport, best_levels, compare_attempts, progress_skills
from simulator.ui.charts import attempts_chart, skill_levels_chart
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

# ---------------------------------------------------------------- headline and the whole conversation
if view.record.parent_session_id:
    from_reply = sum(1 for m in view.messages if m.role == "manager" and m.seq <= (view.record.branched_from_seq or 0))
    st.info(f"A replay of an earlier session, from your reply {from_reply} on.", icon=":material/alt_route:")
    st.page_link(PAGES["debrief"], label="Debrief of the original", icon=":material/undo:",
                 query_params={"session": view.record.parent_session_id})
branches: dict[int | None, list[str]] = {}
with user_errors():
    for record in service().branches(view.id):
        branches.setdefault(record.branched_from_seq, []).append(record.id)
# Scores, verdict, pictures, goals, concerns, moments, next steps and the annotated conversation: one HTML element
# (everything in it HTML-escaped), which the browser draws at once; as some forty Streamlit elements it took half a second.
st.html(debrief_page_html(view, debrief, replays={seq: len(ids) for seq, ids in branches.items() if seq}))


# ---------------------------------------------------------------- one reply up close, and replays from it
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


def opened(name: str, label: str, icon: str) -> bool:
    """Whether the section `name` is open: drawn once the manager asks for it (a button), then kept open in this tab.
    A browser loads a control's code the first time a page shows it (some twenty scripts for these), and the
    debrief showed only once they had loaded: asked for, they no longer delay it after "End"."""
    assert view is not None  # the page stopped above otherwise
    key = f"{name}-open-{view.id}"
    if not st.session_state.get(key):
        st.button(label, icon=icon, key=f"{name}-ask-{view.id}", on_click=st.session_state.__setitem__, args=(key, True))
    return bool(st.session_state.get(key))


if debrief.replies:
    closer_key = f"closer-{view.id}"
    replayed = st.session_state.pop(f"replayed-{view.id}", None)
    if replayed in numbers:
        st.session_state[closer_key] = replayed  # just replayed: show the comparison
        st.session_state[f"closer-open-{view.id}"] = True
    if opened("closer", "Look closer: why each part of a reply scored, and replay from there", ":material/zoom_in:"):
        st.subheader("Look closer at one reply")
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
if opened("exports", "Take it with you: a printable page, Markdown or JSON", ":material/download:"):
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

if st.button("Practise again", icon=":material/replay:"):  # a button, not a link: its code is loaded already
    st.switch_page(PAGES["library"])
