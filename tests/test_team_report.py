"""The team comparison: like with like only, distributions, progress, weakest skills, exports;
and the `simulator team ...` / `simulator data ...` / `simulator play --user` commands."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import update

from simulator import team_report
from simulator.cli import main
from simulator.errors import AccessDenied
from simulator.store.access import Access, Actor
from simulator.store.db import open_store
from simulator.store.schema import sessions
from simulator.store.teams import load_team_config, sync

TEAM_FILE = """
[teams]
red = "Red team"
blue = "Blue team"

[[people]]
email = "ana@example.com"
name = "Ana"
roles = { red = "manager" }

[[people]]
email = "bob@example.com"
roles = { red = "manager" }

[[people]]
email = "lea@example.com"
roles = { red = "team_lead" }

[[people]]
email = "lou@example.com"
roles = { blue = "team_lead" }
"""
COHORT = team_report.Cohort("lateness", "abc", 1, "easy", "offline", "offline scorer")
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def entry(user, n, overall, cohort=COHORT, **skills):
    scores = {"overall": overall, "empathy": overall, "evidence": overall, **{s: skills.get(s, 50.0) for s in team_report.SKILLS}}
    return team_report.Entry(f"{user}-{n}-{cohort.mode}", user, "Lateness", START + dt.timedelta(days=n), cohort, scores)


def test_sessions_of_different_versions_difficulties_modes_or_judges_are_never_compared():
    others = [
        team_report.Cohort("lateness", "def", 2, "easy", "offline", "offline scorer"),  # another scenario version
        team_report.Cohort("lateness", "abc", 1, "hard", "offline", "offline scorer"),
        team_report.Cohort("lateness", "abc", 1, "easy", "model:gpt-4o-mini", "offline scorer"),
        team_report.Cohort("lateness", "abc", 1, "easy", "offline", "judge:gpt-4o-mini"),
    ]
    entries = [entry("ana", 1, 80), entry("bob", 2, 40)] + [entry("ana", 3 + i, 10, cohort=c) for i, c in enumerate(others)]
    report = team_report.build(entries, "red")
    assert [len(c.entries) for c in report.cohorts] == [2, 1, 1, 1, 1]
    assert report.cohorts[0].cohort == COHORT and report.cohorts[0].spreads["overall"].mean == 60.0
    assert all({e.cohort for e in c.entries} == {c.cohort} for c in report.cohorts)
    assert "same scenario version, difficulty, mode and judge" in report.note
    assert team_report.build(entries, "red", scenario_id="other").cohorts == []


def test_progress_is_the_last_five_against_the_five_before_and_weakest_skills_are_the_lowest():
    entries = [entry("ana", n, 40 if n < 5 else 70, exploration=10.0, data=20.0, impact=30.0) for n in range(12)]
    entries += [entry("bob", n, 50, exploration=30.0) for n in range(3)]
    cohort = team_report.build(entries, "red").cohorts[0]
    ana, bob = cohort.progress
    # ana's sessions 7-11 (all 70) against 2-6 (40, 40, 40, 70, 70)
    assert (ana.user, ana.sessions, ana.last, ana.previous, ana.change) == ("ana", 12, 70.0, 52.0, 18.0)
    assert (bob.previous, bob.change) == (None, None)  # three sessions: nothing to compare yet
    assert [s for s, _ in cohort.weakest] == ["exploration", "data", "impact"]
    spread = cohort.spreads["exploration"]
    assert (spread.n, spread.minimum, spread.maximum) == (15, 10.0, 30.0)


def test_exports_csv_json_and_xapi_statements():
    report = team_report.build([entry("ana@example.com", 1, 80), entry("bob", 2, 40)], "red")
    rows = team_report.to_csv(report).splitlines()
    assert rows[0].startswith("cohort,session_id,user,started_at,scenario,scenario_hash,difficulty,mode,judge,overall")
    assert len(rows) == 3
    data = team_report.to_json(report)
    assert data["cohorts"][0]["distributions"]["overall"]["median"] == 60.0
    statements = team_report.xapi_statements(report)
    first = statements[0]
    assert first["actor"] == {"objectType": "Agent", "mbox": "mailto:ana@example.com"}
    assert statements[1]["actor"]["account"]["name"] == "bob"
    assert first["verb"]["id"] == "http://adlnet.gov/expapi/verbs/completed"
    assert first["result"]["score"] == {"scaled": 0.8, "raw": 80, "min": 0, "max": 100}
    assert first["object"]["id"] == "urn:conversation-simulator:scenario:lateness"
    assert first["id"] == team_report.xapi_statements(report)[0]["id"]  # stable: re-sending the same statement is idempotent


def test_the_report_reads_only_shared_scores_and_only_for_the_teams_lead(store, library, tmp_path):
    from .test_data_rights import play

    path = tmp_path / "teams.toml"
    path.write_text(TEAM_FILE)
    sync(store, load_team_config(path))
    shared = play(store, library, "ana@example.com", "lateness")
    private = play(store, library, "bob@example.com", "lateness")
    access = Access(store)
    access.share(access.actor("ana@example.com"), shared, scores=True, transcript=False)
    report = team_report.team_report(store, access.actor("lea@example.com"), "red")
    assert [e.session_id for c in report.cohorts for e in c.entries] == [shared]
    assert private not in json.dumps(team_report.to_json(report))
    for outsider in ("lou@example.com", "ana@example.com", "bob@example.com"):
        with pytest.raises(AccessDenied):
            team_report.team_report(store, access.actor(outsider), "red")
    # a model-played session of the same scenario is a separate cohort
    again = play(store, library, "ana@example.com", "lateness")
    with store.engine.begin() as conn:
        conn.execute(update(sessions).where(sessions.c.id == again).values(voice="model:gpt-4o-mini", scores_shared=True))
    report = team_report.team_report(store, Actor.operator(), "red")
    assert sorted(len(c.entries) for c in report.cohorts) == [1, 1]


def test_a_broken_team_file_says_what_to_fix(tmp_path):
    from simulator.errors import SimulatorError

    path = tmp_path / "teams.toml"
    path.write_text('[teams]\nred = "Red"\n[[people]]\nemail = "ana@example.com"\nroles = { red = "boss" }\n')
    with pytest.raises(SimulatorError, match="role 'boss' in team 'red' is not one of manager, trainer, team_lead, admin"):
        load_team_config(path)
    path.write_text('[teams]\nred = "Red"\n[[people]]\nemail = "ana@example.com"\nroles = { green = "manager" }\n')
    with pytest.raises(SimulatorError, match="not under \\[teams\\]"):
        load_team_config(path)
    assert load_team_config(tmp_path / "absent.toml") is None


def test_cli_sync_play_as_users_share_report_export_and_delete(database_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SIMULATOR_DATABASE_URL", database_url)
    team_file = tmp_path / "teams.toml"
    team_file.write_text(TEAM_FILE)
    monkeypatch.setenv("SIMULATOR_TEAMS_FILE", str(team_file))
    script = tmp_path / "script.txt"
    script.write_text("On 3 March you arrived at 10:40. What is going on?\n")

    assert main(["team", "sync"]) == 0
    assert "2 team(s), 4 person(s)" in capsys.readouterr().out
    for user in ("ana@example.com", "ana@example.com", "bob@example.com"):
        assert main(["play", "lateness", "--script", str(script), "--json", "--user", user, "--seed", "3"]) == 0
    capsys.readouterr()
    assert main(["play", "lateness", "--script", str(script), "--json", "--user", "bob@example.com", "--no-save"]) == 0
    capsys.readouterr()

    store = open_store(database_url)
    try:
        ana_ids = [r.id for r in store.list_sessions("ana@example.com")]
        bob_ids = [r.id for r in store.list_sessions("bob@example.com")]
        assert len(ana_ids) == 2 and len(bob_ids) == 1  # --no-save stored nothing
        access = Access(store)
        access.share(access.actor("ana@example.com"), ana_ids[0], scores=True, transcript=False)
        bob_rows = (store.get_session(bob_ids[0]), store.messages(bob_ids[0]), store.get_debrief(bob_ids[0]))
    finally:
        store.engine.dispose()

    assert main(["team", "report", "--team", "red", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [e["session_id"] for c in report["cohorts"] for e in c["entries"]] == [ana_ids[0]]
    assert main(["team", "report", "--team", "red", "--user", "lou@example.com"]) == 1  # another team's lead
    assert "do not lead team 'red'" in capsys.readouterr().err
    assert main(["team", "report", "--team", "red", "--scenario", "lateness"]) == 0
    assert "same scenario version, difficulty, mode and judge" in capsys.readouterr().out

    assert main(["data", "export", "--user", "ana@example.com"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert sorted(s["id"] for s in exported["sessions"]) == sorted(ana_ids)
    assert exported["memberships"] == [{"team_id": "red", "user_id": "ana@example.com", "role": "manager"}]

    assert main(["data", "delete", "--user", "ana@example.com"]) == 1  # no --yes: nothing happens
    assert "has 2 stored session(s). Nothing was deleted" in capsys.readouterr().err
    assert main(["data", "delete", "--user", "ana@example.com", "--yes"]) == 0
    store = open_store(database_url)
    try:
        assert store.list_sessions("ana@example.com") == []
        assert (store.get_session(bob_ids[0]), store.messages(bob_ids[0]), store.get_debrief(bob_ids[0])) == bob_rows
        assert {m.user_id for m in store.memberships()} == {"bob@example.com", "lea@example.com", "lou@example.com"}
    finally:
        store.engine.dispose()

    assert main(["data", "purge"]) == 1  # no retention set
    assert "SIMULATOR_RETENTION_DAYS" in capsys.readouterr().err


def test_several_servers_loading_the_team_file_at_once_agree(store, tmp_path):
    import threading

    path = tmp_path / "teams.toml"
    path.write_text(TEAM_FILE)
    config = load_team_config(path)
    errors: list[BaseException] = []

    def load() -> None:
        try:
            for _ in range(3):
                sync(store, config)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted((m.team_id, m.user_id, m.role) for m in store.memberships()) == [
        ("blue", "lou@example.com", "team_lead"), ("red", "ana@example.com", "manager"),
        ("red", "bob@example.com", "manager"), ("red", "lea@example.com", "team_lead"),
    ]
