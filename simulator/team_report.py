"""The team comparison: shared debrief scores of a team, compared like with like.

Only sessions whose author shared their scores are read, and only by the team's leads
(`Access.shared_with_team`). Sessions are compared only within a *cohort*: the same
scenario version (its content hash), difficulty, mode (the voice that played the persona)
and judge (the scorer that wrote the debrief). Scores from different cohorts are never
mixed, since a harder scenario or another judge moves them for reasons that are not skill.

For each cohort: the distribution of each skill (per session, 0-100), each person's last
five sessions against the five before, and the team's weakest skills. `to_csv`, `to_json`
and `xapi_statements` (for learning record stores) export it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import statistics
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from simulator.domain.rubric import EMPATHY_SKILLS, EVIDENCE_SKILLS
from simulator.store.access import Access, Actor
from simulator.store.db import SessionRecord, Store

SKILLS = EMPATHY_SKILLS + EVIDENCE_SKILLS
TOTALS = ("overall", "empathy", "evidence")
PROGRESS_WINDOW = 5
LIKE_WITH_LIKE = (
    "Only sessions with the same scenario version, difficulty, mode and judge are compared: "
    "a harder scenario, another persona model or another judge moves scores for reasons that are not skill."
)
XAPI_COMPLETED = {"id": "http://adlnet.gov/expapi/verbs/completed", "display": {"en-US": "completed"}}
XAPI_SIMULATION = "http://adlnet.gov/expapi/activities/simulation"
_XAPI_NAMESPACE = uuid.UUID("5b1f3a4e-2c7d-4f0e-9a51-6d8e0c2b7f13")  # statement ids: uuid5 of the session id, stable across exports


@dataclass(frozen=True)
class Cohort:
    """What must be equal for two sessions' scores to be compared."""

    scenario_id: str
    scenario_hash: str | None
    scenario_version: int
    difficulty: str | None
    mode: str  # the voice: "offline" or "model:<name>"
    judge: str  # the debrief's scorer

    def label(self) -> str:
        version = (self.scenario_hash or "")[:8] or f"v{self.scenario_version}"
        return f"{self.scenario_id} ({version}) · {self.difficulty or 'unknown difficulty'} · {self.mode} · judged by {self.judge}"


@dataclass(frozen=True)
class Entry:
    """One shared session's scores."""

    session_id: str
    user: str
    scenario_title: str
    started_at: dt.datetime
    cohort: Cohort
    scores: dict[str, float]  # overall, empathy, evidence (0-100) and each skill (0-100: mean level over the replies)


@dataclass(frozen=True)
class Spread:
    n: int
    mean: float
    minimum: float
    q1: float
    median: float
    q3: float
    maximum: float

    @classmethod
    def of(cls, values: list[float]) -> Spread:
        ordered = sorted(values)
        q1, median, q3 = statistics.quantiles(ordered, n=4, method="inclusive") if len(ordered) > 1 else (ordered[0],) * 3
        return cls(len(ordered), round(statistics.fmean(ordered), 1), ordered[0], round(q1, 1), round(median, 1), round(q3, 1), ordered[-1])


@dataclass(frozen=True)
class Progress:
    """A person's last five sessions against the five before (overall score, mean)."""

    user: str
    sessions: int
    last: float
    previous: float | None  # None: fewer than six sessions, nothing to compare with yet

    @property
    def change(self) -> float | None:
        return None if self.previous is None else round(self.last - self.previous, 1)


@dataclass
class CohortReport:
    cohort: Cohort
    entries: list[Entry]
    spreads: dict[str, Spread] = field(default_factory=dict)  # per skill and total
    progress: list[Progress] = field(default_factory=list)
    weakest: list[tuple[str, float]] = field(default_factory=list)  # the three skills with the lowest team mean


@dataclass
class TeamReport:
    team: str
    cohorts: list[CohortReport]  # largest first
    note: str = LIKE_WITH_LIKE


def _entry(store: Store, record: SessionRecord, snapshots: dict[str, dict | None]) -> Entry | None:
    stored = store.get_debrief(record.id)
    if stored is None:
        return None
    scorer, data = stored
    difficulty = None
    if record.scenario_hash:
        if record.scenario_hash not in snapshots:
            snapshots[record.scenario_hash] = store.scenario_snapshot(record.scenario_hash)
        snapshot = snapshots[record.scenario_hash]
        difficulty = snapshot.get("difficulty") if snapshot else None
    replies = data.get("replies") or []
    scores = {name: float(data.get(name, 0)) for name in TOTALS}
    for skill in SKILLS:
        levels = [float((r.get("skills") or {}).get(skill, 0)) for r in replies]
        scores[skill] = round(50.0 * statistics.fmean(levels), 1) if levels else 0.0  # level 0-2 -> 0-100
    cohort = Cohort(record.scenario_id, record.scenario_hash, record.scenario_version, difficulty, record.voice, scorer)
    return Entry(record.id, record.user, record.scenario_title, record.started_at, cohort, scores)


def _cohort_report(cohort: Cohort, entries: list[Entry]) -> CohortReport:
    report = CohortReport(cohort, sorted(entries, key=lambda e: e.started_at))
    for name in TOTALS + SKILLS:
        report.spreads[name] = Spread.of([e.scores[name] for e in entries])
    by_user: dict[str, list[Entry]] = {}
    for e in report.entries:
        by_user.setdefault(e.user, []).append(e)
    for user, mine in sorted(by_user.items()):
        overall = [e.scores["overall"] for e in mine]
        last, before = overall[-PROGRESS_WINDOW:], overall[-2 * PROGRESS_WINDOW : -PROGRESS_WINDOW]
        report.progress.append(Progress(user, len(mine), round(statistics.fmean(last), 1), round(statistics.fmean(before), 1) if before else None))
    report.weakest = sorted(((s, report.spreads[s].mean) for s in SKILLS), key=lambda item: item[1])[:3]
    return report


def build(entries: Iterable[Entry], team: str, scenario_id: str | None = None) -> TeamReport:
    groups: dict[Cohort, list[Entry]] = {}
    for e in entries:
        if scenario_id is None or e.cohort.scenario_id == scenario_id:
            groups.setdefault(e.cohort, []).append(e)
    cohorts = [_cohort_report(c, es) for c, es in groups.items()]
    cohorts.sort(key=lambda r: (-len(r.entries), r.cohort.label()))
    return TeamReport(team, cohorts)


def team_report(store: Store, actor: Actor, team: str, scenario_id: str | None = None) -> TeamReport:
    """The comparison for `team`, as `actor` may see it (a team lead of it, or the operator)."""
    records = Access(store).shared_with_team(actor, team, "scores")
    snapshots: dict[str, dict | None] = {}
    entries = [e for r in records if r.ended_at is not None and (e := _entry(store, r, snapshots)) is not None]
    return build(entries, team, scenario_id)


# ---- exports ------------------------------------------------------------------------------------


def to_json(report: TeamReport) -> dict[str, Any]:
    def cohort_json(c: CohortReport) -> dict[str, Any]:
        return {
            "cohort": asdict(c.cohort), "label": c.cohort.label(), "sessions": len(c.entries),
            "distributions": {name: asdict(s) for name, s in c.spreads.items()},
            "progress": [{**asdict(p), "change": p.change} for p in c.progress],
            "weakest_skills": [{"skill": s, "mean": m} for s, m in c.weakest],
            "entries": [_entry_row(e) for e in c.entries],
        }

    return {"team": report.team, "note": report.note, "cohorts": [cohort_json(c) for c in report.cohorts]}


def _entry_row(e: Entry) -> dict[str, Any]:
    return {"session_id": e.session_id, "user": e.user, "started_at": e.started_at.isoformat(), "scenario": e.cohort.scenario_id,
            "scenario_hash": e.cohort.scenario_hash, "difficulty": e.cohort.difficulty, "mode": e.cohort.mode, "judge": e.cohort.judge,
            **e.scores}


def to_csv(report: TeamReport) -> str:
    """One row per shared session, with its cohort's fields, so a spreadsheet can group like with like."""
    out = io.StringIO()
    columns = ["cohort", "session_id", "user", "started_at", "scenario", "scenario_hash", "difficulty", "mode", "judge", *TOTALS, *SKILLS]
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for n, c in enumerate(report.cohorts, 1):
        for e in c.entries:
            writer.writerow({"cohort": n, **_entry_row(e)})
    return out.getvalue()


def xapi_statements(report: TeamReport) -> list[dict[str, Any]]:
    """One xAPI 1.0.3 statement per shared session: actor completed the scenario, with its scores."""
    statements = []
    for c in report.cohorts:
        for e in c.entries:
            actor: dict[str, Any] = ({"objectType": "Agent", "mbox": f"mailto:{e.user}"} if "@" in e.user
                                     else {"objectType": "Agent", "account": {"homePage": "urn:conversation-simulator", "name": e.user}})
            statements.append({
                "id": str(uuid.uuid5(_XAPI_NAMESPACE, e.session_id)),
                "actor": actor,
                "verb": XAPI_COMPLETED,
                "object": {
                    "objectType": "Activity", "id": f"urn:conversation-simulator:scenario:{e.cohort.scenario_id}",
                    "definition": {"name": {"en-US": e.scenario_title}, "type": XAPI_SIMULATION},
                },
                "result": {
                    "completion": True,
                    "score": {"scaled": round(e.scores["overall"] / 100, 3), "raw": e.scores["overall"], "min": 0, "max": 100},
                    "extensions": {f"urn:conversation-simulator:score:{k}": v for k, v in e.scores.items() if k != "overall"},
                },
                "context": {
                    "contextActivities": {"grouping": [{"objectType": "Activity", "id": f"urn:conversation-simulator:team:{report.team}"}]},
                    "extensions": {
                        "urn:conversation-simulator:scenario-version": e.cohort.scenario_hash or str(e.cohort.scenario_version),
                        "urn:conversation-simulator:difficulty": e.cohort.difficulty, "urn:conversation-simulator:mode": e.cohort.mode,
                        "urn:conversation-simulator:judge": e.cohort.judge,
                    },
                },
                "timestamp": e.started_at.isoformat(),
            })
    return statements


def render(report: TeamReport) -> str:
    """The comparison as plain text (what `simulator team report` prints)."""
    lines = [f"Team {report.team}: shared scores", report.note, ""]
    if not report.cohorts:
        lines.append("No shared, finished sessions yet. Managers share a session's scores from its debrief.")
        return "\n".join(lines)
    for c in report.cohorts:
        lines.append(f"== {c.cohort.label()}: {len(c.entries)} session(s), {len(c.progress)} person(s)")
        lines.append(f"   {'skill':<20}{'n':>4}{'mean':>7}{'min':>6}{'q1':>6}{'median':>8}{'q3':>6}{'max':>6}")
        for name, s in c.spreads.items():
            lines.append(f"   {name:<20}{s.n:>4}{s.mean:>7}{s.minimum:>6}{s.q1:>6}{s.median:>8}{s.q3:>6}{s.maximum:>6}")
        lines.append("   Progress (overall, last five vs the five before):")
        for p in c.progress:
            before = f"{p.previous} → {p.last} ({p.change:+})" if p.previous is not None else f"{p.last} (fewer than six sessions: no comparison yet)"
            lines.append(f"     {p.user}: {before} over {p.sessions} session(s)")
        lines.append("   Weakest team skills: " + ", ".join(f"{s} ({m})" for s, m in c.weakest))
        lines.append("")
    return "\n".join(lines)
