"""The whole app through Streamlit's AppTest; every run is checked for exceptions."""

from streamlit.testing.v1 import AppTest

from simulator.config import load_settings
from simulator.domain.scenario import default_scenarios_dir, load_library
from simulator.practice import PracticeService
from simulator.store.db import open_store
from simulator.ui.common import current_user

from .conftest import ROOT
from .conversation import Conversation

TIMEOUT = 30


def run(at: AppTest) -> AppTest:
    at.run(timeout=TIMEOUT)
    assert not at.exception, [e.value for e in at.exception]
    return at


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)


def page(name: str) -> AppTest:
    at = app()
    run(at)
    at.switch_page(f"simulator/ui/pages/{name}.py")
    return at


def new_session(scenario_id="performance-feedback"):
    scenarios, _ = load_library(default_scenarios_dir())
    store = open_store(load_settings().database_url)
    return Conversation.start(PracticeService(store, scenarios), scenarios[scenario_id], user=current_user()), store


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown) + "\n".join(c.value for c in at.caption)


def test_library_shows_every_scenario_and_its_briefing():
    at = run(app())
    box = at.selectbox[0]
    assert len(box.options) == 6
    box.select("lateness")
    run(at)
    body = texts(at)
    assert "Facts on record" in body and "Goals checklist" in body and "Carla" in body


def test_start_button_opens_the_conversation():
    at = run(app())
    at.selectbox[0].select("performance-feedback")
    run(at)
    at.button[0].click()
    run(at)
    session_id = at.query_params["session"]
    assert session_id
    assert any("Priya" in m.value for m in at.markdown)
    assert at.chat_input


def test_practice_turn_stores_and_updates_mood():
    session, store = new_session()
    at = page("practice")
    at.query_params["session"] = session.id
    run(at)
    assert "guarded" in texts(at)
    at.chat_input[0].set_value("I can see this has been a stressful stretch. What has been going on since February?").run(timeout=TIMEOUT)
    assert not at.exception
    msgs = store.messages(session.id)
    assert [m.role for m in msgs] == ["persona", "manager", "persona"]
    run(at)
    assert len(at.chat_message) == 3


def test_empty_and_huge_messages_get_clear_errors_and_lose_nothing(monkeypatch):
    monkeypatch.setenv("SIMULATOR_MAX_MESSAGE_CHARS", "100")
    session, store = new_session()
    at = page("practice")
    at.query_params["session"] = session.id
    run(at)
    huge = "You said this. " * 20
    at.chat_input[0].set_value(huge).run(timeout=TIMEOUT)
    assert not at.exception
    assert any("the limit is 100" in e.value for e in at.error)
    assert any(huge.strip() in c.value for c in at.code), "the refused text must be shown back"
    at.chat_input[0].set_value("   ").run(timeout=TIMEOUT)
    assert not at.exception
    assert any("empty" in e.value for e in at.error)
    assert len(store.messages(session.id)) == 1


def test_second_tab_sees_a_conflict_not_a_lost_message():
    session, store = new_session()
    tab_a, tab_b = page("practice"), page("practice")
    for tab in (tab_a, tab_b):
        tab.query_params["session"] = session.id
        run(tab)
    tab_a.chat_input[0].set_value("How are things?").run(timeout=TIMEOUT)
    tab_b.chat_input[0].set_value("Let's talk about March.").run(timeout=TIMEOUT)
    assert not tab_b.exception
    assert any("another tab" in w.value for w in tab_b.warning)
    assert any("Let's talk about March." in c.value for c in tab_b.code)
    assert [m.text for m in store.messages(session.id) if m.role == "manager"] == ["How are things?"]


def test_end_button_leads_to_the_debrief():
    session, store = new_session()
    session.send("On 14 April you commented 'This is wrong. Redo it.' on PR #482. How did that feel?")
    at = page("practice")
    at.query_params["session"] = session.id
    run(at)
    next(b for b in at.button if b.label.startswith("End")).click()
    run(at)
    assert store.get_debrief(session.id) is not None
    (debrief,) = at.get("html")  # the debrief but for its controls: one HTML element
    body = debrief.proto.body
    assert all(f">{name}</div>" in body for name in ("Empathy", "Evidence", "Overall"))
    assert '<mark style="background: #dcefdc' in body  # words that earned points, marked
    assert "Radical Candor" in body
    assert body.count("<img ") == 2  # trust-over-time and the candor picture


def test_debrief_page_for_an_ended_session_and_without_one():
    session, _ = new_session("lateness")
    session.send("You're always late. It's your fault the queue was unanswered.")
    session.finish()
    at = page("debrief")
    at.query_params["session"] = session.id
    run(at)
    (conversation,) = at.get("html")
    assert '<mark style="background: #f6d5d5' in conversation.proto.body  # words that cost points, marked
    bare = page("debrief")
    run(bare)
    assert any("Open a debrief" in i.value for i in bare.info)


def test_history_lists_sessions_and_reopens_them():
    at = page("history")
    run(at)
    assert any("No sessions yet" in i.value for i in at.info)
    open_one, _ = new_session("no-promotion")
    done, _ = new_session("letting-go")
    done.finish()
    at = page("history")
    run(at)
    labels = [b.label for b in at.button]
    assert labels.count("Resume") == 1 and labels.count("Debrief") == 1


def test_practice_without_a_session_explains_what_to_do():
    at = page("practice")
    run(at)
    assert any("No conversation is open" in i.value for i in at.info)


def test_unknown_session_id_is_a_clear_error():
    at = page("practice")
    at.query_params["session"] = "doesnotexist"
    run(at)
    assert any("No practice session" in e.value for e in at.error)


def test_broken_scenario_file_is_shown_and_the_rest_still_work(tmp_path, monkeypatch):
    folder = tmp_path / "scen"
    folder.mkdir()
    (folder / "ok.yaml").write_text((ROOT / "scenarios" / "lateness.yaml").read_text())
    (folder / "broken.yaml").write_text("id: broken\ntitle: [oops\n")
    monkeypatch.setenv("SIMULATOR_SCENARIOS_DIR", str(folder))
    at = run(app())
    assert at.selectbox[0].options == ["lateness"] or len(at.selectbox[0].options) == 1
    assert any("broken.yaml" in c.value for c in at.code)


def test_unwritable_data_folder_shows_the_fix(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("SIMULATOR_DATA_DIR", str(blocker / "data"))
    at = run(app())
    at.button[0].click()
    run(at)
    assert any("SIMULATOR_DATA_DIR" in e.value for e in at.error)


def highlighted(text, highlights):
    """Marked words as Streamlit Markdown, through the exports' span merging."""
    from simulator.export import marked

    return marked(text, highlights, lambda span, sign: f":{'green' if sign > 0 else 'red'}-background[{span}]")


def test_model_text_cannot_inject_links_or_html():
    from simulator.ui.common import md_escape

    evil = "[click](javascript:alert(1)) ![x](http://evil/x.png) <img src=x> **bold**"
    safe = md_escape(evil)
    assert "](" not in safe.replace("\\](", "").replace("\\]\\(", "")
    assert "\\[" in safe and "\\<" in safe and "javascript\\:" in safe
    marked = highlighted("you are lazy [x](y)", [{"start": 8, "end": 12, "sign": -1}])
    assert marked.startswith("you are :red-background[lazy]") and "\\[x\\](y)" in marked  # an escaped bracket: no link


def test_overlapping_highlights_merge_without_splitting_words():
    text = "It shipped on 17 March, which was late."
    marked = highlighted(text, [
        {"start": 3, "end": 16, "sign": 1},  # "shipped on 17"
        {"start": 14, "end": 22, "sign": 1},  # "17 March"
        {"start": 35, "end": 39, "sign": -1},
    ])
    # the mark takes the comma right after it: a padded mark before a bare "," would show a gap
    assert ":green-background[shipped on 17 March,]" in marked
    assert marked.count("background[") == 2
