"""Team mode in the app through AppTest with injected users (`at.user`): sign-in gate, private
transcripts, sharing, the team dashboard, export and delete my data, "don't store my sessions"."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from simulator.config import load_settings
from simulator.domain.scenario import default_scenarios_dir, load_library
from simulator.export import JOINER
from simulator.practice import PracticeService
from simulator.store.access import Access
from simulator.store.db import open_store

from .conftest import ROOT
from .test_team_report import TEAM_FILE

TIMEOUT = 30


@pytest.fixture
def team_mode(tmp_path, monkeypatch):
    """Team mode with a team file; the database is the test's own."""
    team_file = tmp_path / "teams.toml"
    team_file.write_text(TEAM_FILE)
    for name, value in {
        "SIMULATOR_AUTH": "oidc", "SIMULATOR_TEAMS_FILE": str(team_file),
        "SIMULATOR_OIDC_METADATA_URL": "http://127.0.0.1:9/.well-known/openid-configuration",
        "SIMULATOR_OIDC_CLIENT_ID": "simulator", "SIMULATOR_OIDC_CLIENT_SECRET": "secret",
        "SIMULATOR_OIDC_REDIRECT_URI": "http://127.0.0.1:8501/oauth2callback", "SIMULATOR_COOKIE_SECRET": "x" * 32,
    }.items():
        monkeypatch.setenv(name, value)
    store = open_store(load_settings().database_url)
    yield store
    store.engine.dispose()


def run(at: AppTest) -> AppTest:
    at.run(timeout=TIMEOUT)
    assert not at.exception, [e.value for e in at.exception]
    return at


def app_as(email: str | None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.user = {"is_logged_in": False} if email is None else {"is_logged_in": True, "email": email, "name": email.split("@")[0]}
    run(at)
    if page:
        at.switch_page(f"simulator/ui/pages/{page}.py")
        run(at)
    return at


def texts(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption] + [e.value for e in at.error] + [i.value for i in at.info])


def finished_session(store, user: str, scenario_id: str = "lateness") -> str:
    scenarios, _ = load_library(default_scenarios_dir())
    service = PracticeService(store, scenarios, actor=Access(store).actor(user))
    view = service.start(scenarios[scenario_id], user, seed=5)
    turn = service.take_turn(view.id, "On 3 March you came in at 10:40; I'd like to hear what is going on.", expected_revision=view.revision)
    for _ in turn:
        pass
    service.finish(view.id)
    return view.id


def test_team_mode_shows_nothing_but_sign_in_until_signed_in(team_mode):
    at = app_as(None)
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.selectbox and not at.chat_input
    assert "Sign in with your organisation account" in texts(at)


def test_a_signed_in_manager_practises_as_their_email(team_mode):
    at = app_as("Ana@Example.com")
    at.selectbox[0].select("lateness")
    run(at)
    next(b for b in at.button if b.label == "Start the conversation").click()
    run(at)
    session_id = at.query_params["session"]
    assert team_mode.get_session(session_id).user == "ana@example.com"
    assert f"Signed in as ana{JOINER}@example\\.com" in texts(at)  # (the address is made inert: a word joiner before the @, an escaped dot)


def test_someone_elses_session_is_refused_in_the_practice_and_debrief_pages(team_mode):
    session_id = finished_session(team_mode, "ana@example.com")
    secret = team_mode.messages(session_id)[1].text
    for page in ("practice", "debrief"):
        at = app_as("bob@example.com", page)
        at.query_params["session"] = session_id
        run(at)
        assert secret not in texts(at)
        assert any("that you may see" in e.value for e in at.error), page


def test_sharing_scores_puts_them_on_the_leads_dashboard_only(team_mode):
    session_id = finished_session(team_mode, "ana@example.com")
    at = app_as("ana@example.com", "team")
    scores = next(t for t in at.toggle if t.label == "Share scores")
    scores.set_value(True)
    run(at)
    record = team_mode.get_session(session_id)
    assert (record.scores_shared, record.transcript_shared) == (True, False)

    lead = app_as("lea@example.com", "team")
    assert "same scenario version, difficulty, mode and judge" in texts(lead)
    assert len(lead.get("vega_lite_chart")) >= 1  # the Altair skill distribution
    downloads = {d.label for d in lead.get("download_button")}
    assert {"CSV", "JSON", "xAPI statements"} <= downloads
    assert "Conversations shared with you" not in texts(lead)  # the transcript was not shared

    bob = app_as("bob@example.com", "team")  # same team, not its lead
    assert "Compare your team" not in [h.value for h in bob.subheader] and not bob.get("vega_lite_chart")
    lou = app_as("lou@example.com", "team")  # another team's lead
    assert [b.options for b in lou.selectbox] == [["Blue team"]]
    assert "No shared, finished sessions in this team yet." in texts(lou)


def test_export_and_delete_my_data_touch_only_mine(team_mode):
    mine = finished_session(team_mode, "ana@example.com")
    theirs = finished_session(team_mode, "bob@example.com")
    at = app_as("ana@example.com", "settings")
    assert [d.label for d in at.get("download_button")] == ["Export my data"]  # its content: test_data_rights, test_access
    delete = next(b for b in at.button if b.label == "Delete my data")
    assert delete.disabled  # not before the confirmation
    next(c for c in at.checkbox if "delete all my sessions" in c.label).check()
    run(at)
    next(b for b in at.button if b.label == "Delete my data").click()
    run(at)
    assert any("Deleted 1 session(s)" in s.value for s in at.success)
    assert team_mode.get_session(mine) is None
    assert team_mode.get_session(theirs) is not None and team_mode.get_debrief(theirs) is not None


def test_dont_store_my_sessions_keeps_the_conversation_out_of_the_database(tmp_path):
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    run(at)
    next(t for t in at.toggle if t.label == "Don't store my sessions").set_value(True)
    run(at)
    assert "memory only" in texts(at)
    at.selectbox[0].select("lateness")
    run(at)
    next(b for b in at.button if b.label == "Start the conversation").click()
    run(at)
    session_id = at.query_params["session"]
    at.chat_input[0].set_value("What has been happening in the mornings?").run(timeout=TIMEOUT)
    assert not at.exception
    store = open_store(load_settings().database_url)
    try:
        assert store.get_session(session_id) is None and store.list_sessions() == []
    finally:
        store.engine.dispose()
    assert any("mornings" in m.value for m in at.markdown)  # the conversation went on, in memory


def test_a_running_app_purges_sessions_past_retention_once_a_day(tmp_path, monkeypatch):
    """Retention is not only at start: a server that runs for weeks purges on the first page opened each day."""
    import datetime as dt

    from sqlalchemy import update

    from simulator.store.schema import sessions
    from simulator.ui import common

    monkeypatch.setenv("SIMULATOR_RETENTION_DAYS", "30")
    store = open_store(load_settings().database_url)

    def aged_session() -> str:
        session_id = finished_session(store, "ana@example.org")
        with store.engine.begin() as conn:
            conn.execute(update(sessions).where(sessions.c.id == session_id)
                         .values(updated_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=40)))
        return session_id

    first = aged_session()
    run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT))
    assert store.get_session(first) is None

    second = aged_session()  # aged while the server runs: kept until the next day's first page
    run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT))
    assert store.get_session(second) is not None

    class Tomorrow(dt.date):
        @classmethod
        def today(cls):
            return dt.date.today() + dt.timedelta(days=1)

    monkeypatch.setattr(common, "date", Tomorrow)
    run(AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT))
    assert store.get_session(second) is None
    store.engine.dispose()
