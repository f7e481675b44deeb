"""The debrief page through AppTest: headline, annotated transcript, better replies, moments,
goals and concerns, replay, progress, exports, navigation; everything rendered inert."""

import html
import re
from pathlib import Path

import yaml

from simulator.config import load_settings
from simulator.domain.scenario import load_library
from simulator.practice import PracticeService
from simulator.store.db import open_store
from simulator.ui.common import current_user

from .conftest import ROOT
from .conversation import Conversation
from .scripts import EMPATHIC_SPECIFIC
from .test_app import TIMEOUT, page, run, texts

EVIL = "[click](javascript:alert(1)) ![x](http://evil.example/x.png) <img src=x onerror=alert(1)> www.evil.example :red[boo]"


def plain(text: str) -> str:
    """Rendered markdown without its escapes: what the reader sees."""
    return re.sub(r"\\(.)", r"\1", text)


def played(lines, scenario_id="performance-feedback", finish=True, scenarios_dir=None):
    scenarios, _ = load_library(scenarios_dir or ROOT / "scenarios")
    store = open_store(load_settings().database_url)
    conv = Conversation.start(PracticeService(store, scenarios), scenarios[scenario_id], user=current_user())
    for text in lines:
        if not conv.ended:
            conv.send(text)
    if finish:
        conv.finish()
    return conv, store


def page_html(at) -> str:
    """The debrief page but for its controls (scores, pictures, goals, ..., the conversation): one HTML element."""
    (element,) = at.get("html")
    return element.proto.body


def seen(at) -> str:
    """What the reader sees of that element: its text, without tags."""
    return html.unescape(re.sub(r"<[^>]+>", "", page_html(at)))


def conversation(at) -> str:
    """The debrief's conversation, the end of that element."""
    return page_html(at).split("The whole conversation</h3>", 1)[1]


def debrief_page(session_id):
    at = page("debrief")
    at.query_params["session"] = session_id
    return run(at)


def open_section(at, name: str, session_id: str):
    """Press the button that opens a section of the page's controls ("closer" or "exports"): drawn on demand."""
    at.button(key=f"{name}-ask-{session_id}").click()
    return run(at)


def test_headline_reads_the_session_against_its_kind():
    conv, _ = played(["How have your first two weeks been? What has surprised you so far?"], "first-one-on-one")
    at = debrief_page(conv.id)
    scores = dict(re.findall(r">(Empathy|Evidence|Overall|They ended)</div><div [^>]*>([^<]+)</div>", page_html(at)))
    assert set(scores) == {"Empathy", "Evidence", "Overall", "They ended"} and re.fullmatch(r"\d+/100", scores["Empathy"])
    assert "Read as a first 1:1, on listening alone" in seen(at)
    assert page_html(at).count("<img ") == 1  # trust and stress; no candor picture for a first 1:1
    assert "no care × challenge picture" in seen(at)


def test_the_whole_transcript_both_sides_annotated_in_place():
    conv, _ = played([
        "You're always late and it's your fault the queue was unanswered.",
        "On 2 February you arrived at 08:50. What happened that morning?",  # 2 February is not on the record
    ], "lateness")
    at = debrief_page(conv.id)
    transcript = conv.transcript()
    # the whole exchange is one HTML element (the browser draws it at once): both sides, in order
    exchange = conversation(at)
    words = html.unescape(re.sub(r"<[^>]+>", "", exchange))  # what the reader sees
    said = [words.index(m.text[:30]) for m in transcript]
    assert said == sorted(said)
    assert re.findall(r"(\d)\. Empathy \d+ · Evidence \d+ · trust", words) == ["1", "2"]
    assert "<mark style=\"background: #f6d5d5" in exchange and "<mark style=\"background: #dcefdc" in exchange
    assert "Not on the record: 2 February" in words
    # the reasons, for the reply picked below the conversation: each span with its move and why
    first, second = (m.seq for m in transcript if m.role == "manager")
    assert not at.selectbox  # the picker is drawn when asked for
    open_section(at, "closer", conv.id)
    at.selectbox(key=f"closer-{conv.id}").set_value(first)
    run(at)
    reasons = plain(next(m.value for m in at.markdown if m.value.startswith("**What each part did**")))
    assert "absolute" in reasons and "blame" in reasons
    at.selectbox(key=f"closer-{conv.id}").set_value(second)
    run(at)
    reasons = plain(next(m.value for m in at.markdown if m.value.startswith("**What each part did**")))
    assert "open question" in reasons and "blame" not in reasons


def test_a_weak_reply_shows_a_better_one_with_its_scores():
    conv, _ = played(["You've been missing deadlines and everyone says your attitude is a problem."])
    at = debrief_page(conv.id)
    better = re.findall(r"A better reply</strong> · empathy (\d+) → (\d+)", conversation(at))
    assert len(better) == 1 and int(better[0][1]) > int(better[0][0])
    assert re.search(r"What changed: [^<]+</span>", conversation(at))


def test_moments_goals_and_concerns_name_the_reply():
    conv, _ = played(EMPATHIC_SPECIFIC)
    at = debrief_page(conv.id)
    body, words = page_html(at), seen(at)
    assert re.search(r">The moments that moved trust</h3>", body)
    assert re.search(r"<strong>Reply \d+</strong> · trust \d+ → \d+", body)
    assert re.search(r"met by reply \d+", words)
    assert re.search(r"came out after reply \d+ \(opened by: [a-z ,]+\)", words)
    assert re.search(r">What to try next</h3><ul [^>]+><li>", body)


def test_model_and_scenario_text_is_inert(tmp_path, monkeypatch):
    folder = tmp_path / "scen"
    folder.mkdir()
    data = yaml.safe_load((ROOT / "scenarios" / "lateness.yaml").read_text())
    data["lines"]["opening"] = [EVIL]
    data["persona"]["hidden_concerns"][0]["summary"] = EVIL
    Path(folder / "lateness.yaml").write_text(yaml.safe_dump(data, allow_unicode=True))
    monkeypatch.setenv("SIMULATOR_SCENARIOS_DIR", str(folder))
    conv, _ = played([EVIL], "lateness", scenarios_dir=folder)
    at = debrief_page(conv.id)
    assert not any("javascript" in m.value for m in at.markdown)  # Markdown shows our words only (here)
    # the page is HTML: the text is escaped, so no tag or link can form; the only images are our pictures
    body = page_html(at)
    assert body.count("&lt;img src=x onerror=alert(1)&gt;") >= 3 and body.count("[click](javascript:alert(1))") >= 3  # concern, both sides
    assert re.findall(r"<img [^>]*>", body) == re.findall(r'<img [^>]*src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+">', body)
    assert "href" not in body and "<a " not in body


def test_replay_from_a_turn_shows_both_replies_side_by_side():
    conv, store = played(["You've been missing deadlines and everyone says your attitude is a problem.", "Okay."])
    at = debrief_page(conv.id)
    first_seq = next(m.seq for m in conv.transcript() if m.role == "manager")
    assert not at.text_area  # no replay form until the manager asks to look closer...
    open_section(at, "closer", conv.id)
    assert len(at.text_area) == 1  # ...then one: for the reply picked under "Look closer", not one per reply
    at.selectbox(key=f"closer-{conv.id}").set_value(first_seq)
    run(at)
    at.text_area(key=f"replay-text-{first_seq}").input(
        "I can see this has been a hard stretch. The ledger migration was due on 3 March and shipped on 17 March. What got in the way?"
    )
    next(b for b in at.button if b.label == "Replay from here").click()
    run(at)
    branches = [r for r in store.list_sessions(current_user()) if r.parent_session_id == conv.id]
    assert len(branches) == 1 and branches[0].branched_from_seq == first_seq
    run(at)
    body = texts(at)
    assert not at.error, [e.value for e in at.error]
    original = re.search(r"\*\*Original\*\* · empathy \*\*(\d+)\*\*", body)
    replayed = re.search(r"\*\*Replay\*\* · empathy \*\*(\d+)\*\*", body)
    assert original and replayed and int(replayed.group(1)) > int(original.group(1))
    assert any("Open this replay" in link.label for link in at.get("page_link"))
    # the original is unchanged
    assert [m.text for m in store.messages(conv.id)] == [m.text for m in conv.transcript()]


def test_a_replay_has_its_own_debrief_that_points_to_the_original():
    conv, _ = played(["You always miss deadlines.", "Okay."])
    first_seq = next(m.seq for m in conv.transcript() if m.role == "manager")
    turn = conv.service.replay(conv.id, first_seq, "What has been going on for you since February?", current_user())
    "".join(turn)
    turn.close()
    conv.service.finish(turn.result.session_id)
    at = debrief_page(turn.result.session_id)
    assert any("A replay of an earlier session, from your reply 1 on" in i.value for i in at.info)
    links = [link for link in at.get("page_link") if link.proto.label == "Debrief of the original"]
    assert len(links) == 1


def test_exports_are_offered_as_downloads():
    conv, _ = played(["How are things going?"])
    at = debrief_page(conv.id)
    assert not at.get("download_button")  # made and loaded when asked for
    open_section(at, "exports", conv.id)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Printable page", "Download Markdown", "Download JSON"]


def test_progress_over_attempts_at_the_same_scenario_version():
    played(["You always miss deadlines."])
    conv, _ = played(EMPATHIC_SPECIFIC[:3])
    at = debrief_page(conv.id)
    assert "Progress on this scenario" in [h.value for h in at.subheader]
    assert any(m.value.startswith("Compared with your attempt before: better at") for m in at.markdown)
    assert page_html(at).count("<img ") == 2  # trust and stress, candor
    assert len(at.get("vega_lite_chart")) == 2  # scores over attempts, skills over attempts
    assert any("Best level reached on each skill" in m.value for m in at.markdown)


def test_sidebar_navigation_keeps_the_open_session():
    conv, _ = played(["How are things going?"], finish=False)
    at = page("practice")
    at.query_params["session"] = conv.id
    run(at)
    # the sidebar's links carry no query: the tab remembers the open session
    at.query_params.clear()
    at.switch_page("simulator/ui/pages/debrief.py")
    run(at)
    assert not any("Open a debrief" in i.value for i in at.info)
    assert any("still open" in i.value for i in at.info)
    at.query_params.clear()
    at.switch_page("simulator/ui/pages/practice.py")
    run(at)
    assert at.chat_input and not any("No conversation is open" in i.value for i in at.info)


def test_history_lists_replays_under_their_session_and_reopens_any():
    conv, store = played(["You always miss deadlines.", "Okay."])
    first_seq = next(m.seq for m in conv.transcript() if m.role == "manager")
    turn = conv.service.replay(conv.id, first_seq, "What has been going on for you since February?", current_user())
    "".join(turn)
    turn.close()
    at = run(page("history"))
    assert any("Replay from your reply 1" in m.value for m in at.markdown)
    buttons = [b for b in at.button if b.key == f"open-{turn.result.session_id}"]
    assert len(buttons) == 1 and buttons[0].label == "Resume"
    buttons[0].click()
    at.run(timeout=TIMEOUT)
    assert not at.exception


def test_when_harsh_words_make_a_low_scoring_talk_aggression_the_picture_says_why():
    """The review saw the diamond in "manipulative insincerity" while the verdict said "obnoxious aggression"."""
    from simulator.domain.rubric import Kind
    from simulator.scoring.debrief import quadrant

    conv, store = played(["Whatever. You keep missing deadlines and everyone finds you difficult.", "You're lazy, frankly."])
    stored = store.get_debrief(conv.id)[1]
    assert stored["quadrant"] == "obnoxious aggression"
    assert quadrant(stored["empathy"], stored["evidence"], Kind(stored["kind"])) == "manipulative insincerity"
    at = debrief_page(conv.id)
    assert "by the numbers" in seen(at) and "reads as obnoxious aggression" in seen(at)


def test_a_session_one_point_under_the_empathy_line_is_shown_between_two_readings():
    """The lead, playing a good manager (empathy 49, evidence 65), saw "obnoxious aggression" in bold: a near miss reads
    as the edge between two readings, in the headline and under the picture."""
    from .test_debrief_lessons import NEAR_MISS

    conv, store = played(NEAR_MISS)
    stored = store.get_debrief(conv.id)[1]
    assert (stored["empathy"], stored["quadrant"], stored["quadrant_edge"]) == (49, "obnoxious aggression", "radical candor")
    at = debrief_page(conv.id)
    words = "between radical candor and obnoxious aggression"
    assert f"<strong>{words}</strong> (empathy 49, 1 point under the line at 50)" in page_html(at)
    assert re.search(f"The diamond sits on the edge, {words} [^<]*</p>", page_html(at))


def test_the_printable_page_says_how_the_meeting_ended_and_concerns_read_cleanly():
    from simulator.export import session_html, session_markdown
    from simulator.scoring.debrief import Debrief

    conv, store = played(["The ledger migration shipped two weeks late. Fix it or you'll be looking for another job."])
    view = PracticeService(store, load_library(ROOT / "scenarios")[0]).resume(conv.id)
    debrief = Debrief.model_validate(store.get_debrief(conv.id)[1])
    assert debrief.ending and "threatened" in debrief.ending
    page, markdown = session_html(view, debrief), session_markdown(view, debrief)
    assert "<p>How it ended: " in page and "How it ended: " in markdown
    assert ".:" not in markdown and ". —" not in markdown
    assert re.search(r"^- .+ — stayed hidden$", markdown, re.MULTILINE)


def test_the_reply_picked_stays_picked_across_reruns():
    conv, _ = played(["You always miss deadlines.", "How are things going for you?", "Okay."])
    at = debrief_page(conv.id)
    seqs = [m.seq for m in conv.transcript() if m.role == "manager"]
    open_section(at, "closer", conv.id)
    closer = at.selectbox(key=f"closer-{conv.id}")
    assert closer.value == seqs[0]  # the weakest reply first: it holds the absolute
    closer.set_value(seqs[1])
    run(at)
    run(at)  # a rerun for any other reason (a download, a chart) keeps the pick
    assert at.selectbox(key=f"closer-{conv.id}").value == seqs[1]
    assert not at.warning and not at.exception


def test_ending_an_open_conversation_from_the_debrief_page_shows_it_ended():
    conv, _ = played(["How are things going for you?"], finish=False)
    at = debrief_page(conv.id)
    assert any("still open" in i.value for i in at.info)
    next(b for b in at.button if b.label == "End it and score it now").click()
    run(at)
    assert not any("still open" in i.value for i in at.info)  # drawn again as ended, the notice gone
    assert re.search(r">Empathy</div><div [^>]*>\d+/100<", page_html(at))
    assert not at.exception


def test_practise_again_leads_to_the_library():
    conv, _ = played(["How are things going?"])
    at = debrief_page(conv.id)
    next(b for b in at.button if b.label == "Practise again").click()
    run(at)
    assert not at.exception
    assert any(t.value == "Practise a difficult conversation" for t in at.title), [t.value for t in at.title]


def test_how_scoring_works_is_on_the_page_and_folded():
    conv, _ = played(["How are things going?"])
    at = debrief_page(conv.id)
    details = re.search(r"<details [^>]*><summary>How scoring works</summary>(.*?)</details>", page_html(at), re.S)
    assert details and "emotional reaction</strong> (0–2)" in details.group(1) and "Penalties:" in details.group(1)
