"""Team: share your sessions with your team; team leads compare the shared scores, like with like."""

import json

import streamlit as st

from simulator import team_report
from simulator.store.access import Access, Role
from simulator.ui.charts import change_bars, skills_boxplot
from simulator.ui.common import PRIVATE, current_actor, md_escape, shared_store, user_errors

st.title("Team")

with user_errors():
    actor = current_actor()
    access = Access(shared_store())
    team_names = shared_store().teams()

    st.subheader("Share your sessions")
    if actor.roles:
        teams = ", ".join(md_escape(team_names.get(t, t)) for t in sorted(actor.roles))
        st.caption(f"Shared sessions are seen by the team leads of your teams ({teams}), nobody else. "
                   "Scores and the conversation itself are shared separately; you can stop sharing at any time.")
    else:
        st.caption("You are in no team, so sharing reaches nobody yet. Your sessions stay yours alone.")
    if st.session_state.get(PRIVATE):
        st.caption("\"Don't store my sessions\" is on: the sessions of this tab are not stored, so they cannot be shared.")
    finished = [r for r in access.sessions(actor, limit=50) if r.ended_at is not None]
    if not finished:
        st.info("No finished sessions to share yet.")
    for record in finished:
        title, scores_col, transcript_col = st.columns([4, 1, 1], vertical_alignment="center")
        title.markdown(f"**{md_escape(record.scenario_title)}** · {record.started_at:%d %b %Y, %H:%M}")
        scores = scores_col.toggle("Share scores", value=record.scores_shared, key=f"share-scores-{record.id}")
        transcript = transcript_col.toggle("Share transcript", value=record.transcript_shared, key=f"share-transcript-{record.id}")
        if (scores, transcript) != (record.scores_shared, record.transcript_shared):
            access.share(actor, record.id, scores=scores, transcript=transcript)

    led = sorted(actor.teams_as(Role.team_lead))
    if led:
        st.subheader("Compare your team")
        team = st.selectbox("Team", led, format_func=lambda t: team_names.get(t, t))
        report = team_report.team_report(shared_store(), actor, team)
        st.info(report.note, icon=":material/balance:")
        if not report.cohorts:
            st.caption("No shared, finished sessions in this team yet.")
        else:
            index = st.selectbox(
                "Sessions compared", range(len(report.cohorts)),
                format_func=lambda i: f"{report.cohorts[i].cohort.label()} · {len(report.cohorts[i].entries)} session(s)",
            )
            cohort = report.cohorts[index]
            skill_names = [name.replace("_", " ") for name in team_report.SKILLS]
            rows = [{"user": e.user, "skill": name.replace("_", " "), "score": e.scores[name]} for e in cohort.entries for name in team_report.SKILLS]
            st.markdown("**Skills across the team** (per session, 0–100)")
            st.vega_lite_chart(skills_boxplot(rows, skill_names), width="stretch")
            st.markdown("**Weakest team skills:** " + ", ".join(f"{s.replace('_', ' ')} ({m:.0f})" for s, m in cohort.weakest))
            st.markdown("**Progress:** overall score, each person's last five sessions against the five before")
            st.table([{"person": p.user, "sessions": p.sessions, "five before": "—" if p.previous is None else p.previous,
                       "last five": p.last, "change": "—" if p.change is None else f"{p.change:+}"} for p in cohort.progress])
            st.caption("— : not enough sessions yet (a comparison needs six, the last five and at least one before).")
            changes = [{"person": p.user, "change": p.change} for p in cohort.progress if p.change is not None]
            if changes:
                st.vega_lite_chart(change_bars(changes), width="stretch")
            left, middle, right = st.columns(3)
            left.download_button("CSV", team_report.to_csv(report), file_name=f"team-{team}.csv", mime="text/csv", icon=":material/download:")
            middle.download_button("JSON", json.dumps(team_report.to_json(report), indent=2), file_name=f"team-{team}.json",
                                   mime="application/json", icon=":material/download:")
            right.download_button("xAPI statements", json.dumps(team_report.xapi_statements(report), indent=2),
                                  file_name=f"team-{team}-xapi.json", mime="application/json", icon=":material/download:",
                                  help="JSON statements for a learning record store (xAPI 1.0.3)")
        transcripts = access.shared_with_team(actor, team, "transcript")
        if transcripts:
            st.markdown("**Conversations shared with you**")
            for record in transcripts:
                with st.expander(f"{record.user} · {record.scenario_title} · {record.started_at:%d %b %Y}"):
                    for m in access.messages(actor, record.id):
                        st.markdown(f"**{'Manager' if m.role == 'manager' else 'Persona'}:** {md_escape(m.text)}")

    if actor.is_admin and team_names:
        st.subheader("Teams")
        st.caption("Teams and roles come from the team file (SIMULATOR_TEAMS_FILE); edit it to change them.")
        members = shared_store().memberships()
        for team_id, name in team_names.items():
            people = ", ".join(f"{m.user_id} ({m.role.replace('_', ' ')})" for m in members if m.team_id == team_id) or "nobody yet"
            st.markdown(f"**{md_escape(name)}** · {md_escape(people)}")
