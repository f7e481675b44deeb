"""Replay from any turn: a branch session from the stored state, the original untouched; and the CLI."""

import json

import pytest

from simulator.cli import main
from simulator.errors import InputError, StoreError
from simulator.practice import PracticeService, local_user
from simulator.scoring.offline import OfflineScorer

from .conversation import Conversation
from .scripts import BLAMING_VAGUE

BETTER = "I can see this has been a hard stretch. The ledger migration was due on 3 March and shipped on 17 March. What got in the way?"


@pytest.fixture
def service(store, library):
    return PracticeService(store, library)


def played(service, library, lines, user="ana"):
    conv = Conversation.start(service, library["performance-feedback"], user=user)
    for text in lines:
        conv.send(text)
    return conv


def test_a_branch_holds_the_conversation_up_to_that_turn_and_its_state(service, store, library):
    conv = played(service, library, BLAMING_VAGUE[:3])
    original = conv.transcript()
    second = [m for m in original if m.role == "manager"][1]
    turn = service.replay(conv.id, second.seq, BETTER, user="ana")
    reaction = "".join(turn)
    turn.close()
    branch = service.resume(turn.result.session_id)
    assert branch.record.parent_session_id == conv.id and branch.record.branched_from_seq == second.seq
    assert branch.record.scenario_hash == conv.view.record.scenario_hash
    before = [m for m in original if m.seq < second.seq]
    assert [(m.seq, m.role, m.text) for m in branch.messages[: len(before)]] == [(m.seq, m.role, m.text) for m in before]
    assert [m.text for m in branch.messages[len(before):]] == [BETTER, reaction.strip()]
    # the state it continued from is the one stored at that turn
    stored = before[-1].state
    assert branch.state.turn == stored["turn"] + 1
    comparison = service.compare_replay(branch.id)
    assert comparison.original.trust_before == stored["trust"] == comparison.replayed.trust_before
    assert comparison.replayed.reaction == reaction.strip()
    assert comparison.replayed.overall > comparison.original.overall
    scored = OfflineScorer().score(BETTER, scenario=library["performance-feedback"], said=[m.text for m in before if m.role == "persona"])
    assert (comparison.replayed.empathy, comparison.replayed.evidence) == (scored.empathy, scored.evidence)
    # the original is unchanged, and lists its branch
    assert [m.text for m in store.messages(conv.id)] == [m.text for m in original]
    assert [r.id for r in service.branches(conv.id)] == [branch.id]
    # the branch continues like any session, without repeating a line the persona already used
    conv_b = Conversation(service, branch)
    conv_b.send("What would help you most right now?")
    persona_lines = [m.text for m in conv_b.transcript() if m.role == "persona"]
    assert len(persona_lines) == len(set(persona_lines))


def test_an_ended_session_can_be_replayed_from_its_first_turn(service, library):
    conv = played(service, library, BLAMING_VAGUE[:2])
    conv.finish()
    first = next(m for m in conv.transcript() if m.role == "manager")
    turn = service.replay(conv.id, first.seq, BETTER, user="ana")
    "".join(turn)
    turn.close()
    branch = service.resume(turn.result.session_id)
    assert not branch.ended and [m.role for m in branch.messages] == ["persona", "manager", "persona"]


def test_replay_refuses_what_it_cannot_do_and_stores_nothing(service, store, library):
    conv = played(service, library, BLAMING_VAGUE[:1])
    manager_seq = next(m.seq for m in conv.transcript() if m.role == "manager")
    with pytest.raises(InputError, match="not one of your replies"):
        service.replay(conv.id, 0, BETTER, user="ana")
    with pytest.raises(InputError, match="empty"):
        service.replay(conv.id, manager_seq, "   ", user="ana")
    with pytest.raises(StoreError, match="another user"):
        service.replay(conv.id, manager_seq, BETTER, user="someone-else")
    assert [r.id for r in store.list_sessions()] == [conv.id]  # no branch was stored
    with pytest.raises(StoreError, match="not a replay"):
        service.compare_replay(conv.id)


def test_cli_replay_sessions_list_and_export(tmp_path, capsys):
    script = tmp_path / "lines.txt"
    script.write_text("\n".join(BLAMING_VAGUE[:2]) + "\n")
    assert main(["play", "performance-feedback", "--script", str(script), "--json"]) == 0
    played_out = json.loads(capsys.readouterr().out)
    weak = [r for r in played_out["debrief"]["replies"] if r["rewrite"]]
    assert weak and all(r["rewrite"]["overall"] > r["overall"] for r in weak)  # play --json carries the rewrites
    assert all({"text", "empathy", "evidence", "overall", "changes"} <= set(r["rewrite"]) for r in weak)  # with their scores

    assert main(["sessions", "list", "--json"]) == 0
    sessions = json.loads(capsys.readouterr().out)
    assert len(sessions) == 1 and sessions[0]["empathy"] is not None
    parent = sessions[0]["id"]

    assert main(["replay", parent, "--turn", "1", "--reply", BETTER, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["parent"] == parent and result["turn"] == 1
    assert result["original"]["text"] == BLAMING_VAGUE[0] and result["replayed"]["text"] == BETTER
    assert result["replayed"]["overall"] > result["original"]["overall"] and result["replayed"]["reaction"]

    assert main(["sessions", "list", "--json"]) == 0
    listed = {s["id"]: s for s in json.loads(capsys.readouterr().out)}
    assert listed[parent]["branches"] == [result["branch"]]
    assert listed[result["branch"]]["parent_session_id"] == parent
    assert main(["sessions", "list"]) == 0
    assert "1 replay(s)" in capsys.readouterr().out

    assert main(["replay", parent, "--turn", "9", "--reply", BETTER]) == 1
    assert "--turn must be between 1 and 2" in capsys.readouterr().err

    assert main(["sessions", "export", parent, "--format", "json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert [m["role"] for m in exported["transcript"]][:3] == ["persona", "manager", "persona"]
    assert exported["debrief"]["empathy"] == sessions[0]["empathy"]
    assert main(["sessions", "export", parent]) == 0
    markdown = capsys.readouterr().out
    assert markdown.startswith("# Debrief: ") and "## The conversation" in markdown
    assert main(["sessions", "export", parent, "--format", "html"]) == 0
    printable = capsys.readouterr().out
    assert printable.startswith("<!doctype html>") and "<h2>The conversation</h2>" in printable and "<script" not in printable
    assert main(["sessions", "export", "nope"]) == 1
    assert "No practice session with id nope" in capsys.readouterr().err
    assert local_user()  # the CLI's user is the app's: the login name
