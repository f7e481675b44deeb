"""Difficulty presets: the engine's numbers come from the kind, the scenario's overrides and the preset."""

import json

import pytest
import yaml

from simulator.authoring.migrate import migrate_text
from simulator.cli import main
from simulator.domain.difficulty import KIND_EFFECTS, PRESETS, Difficulty
from simulator.domain.moves import Move
from simulator.domain.scenario import parse_scenario
from simulator.engine.prompts import persona_system
from simulator.practice import PracticeService

from .conftest import ROOT
from .conversation import Conversation

# Polite, specific, and empathic from the third message on: enough for a supportive Priya, not a tough one.
SCRIPT = [
    "Thanks for coming in. I wanted to talk about the last couple of months. How have things been?",
    "On 14 April you wrote 'This is wrong. Redo it.' on Tomás's pull request, with no explanation.",
    "I can see this has been a hard stretch for you. What has been going on?",
    "That sounds like a lot. How are you doing, honestly?",
    "What would help?",
]


@pytest.fixture
def pf(library):
    return library["performance-feedback"]


def test_presets_order_start_trust_stress_and_reveal_threshold(pf):
    supportive, realistic, tough = (pf.table(d) for d in (Difficulty.supportive, Difficulty.realistic, Difficulty.tough))
    assert supportive.trust_start > realistic.trust_start > tough.trust_start
    assert supportive.stress_start < realistic.stress_start < tough.stress_start
    assert supportive.open_at_trust < realistic.open_at_trust < tough.open_at_trust
    blame = Move.blame
    assert supportive.deltas[blame].stress < realistic.deltas[blame].stress < tough.deltas[blame].stress
    # stress falls (an acknowledgement calming them) stay as tuned: sensitivity is about what hurts
    assert supportive.deltas[Move.acknowledges_feelings] == tough.deltas[Move.acknowledges_feelings]
    # realistic is the kind's table as the trainer left it
    assert {m: (d.trust, d.stress) for m, d in realistic.deltas.items()} == KIND_EFFECTS[pf.kind]


def test_reveal_conditions_move_with_the_preset(pf):
    concern = pf.persona.hidden_concerns[0]
    base = concern.reveal_when.min_trust
    assert pf.at_difficulty("supportive").reveal_condition(concern).min_trust == base + PRESETS[Difficulty.supportive].reveal_shift
    assert pf.at_difficulty("tough").reveal_condition(concern).min_trust == base + PRESETS[Difficulty.tough].reveal_shift
    assert pf.reveal_condition(concern) == concern.reveal_when


def test_the_same_script_opens_the_persona_on_supportive_and_not_on_tough(sqlite_store, library, pf):
    service = PracticeService(sqlite_store, library)
    ends = {}
    for difficulty in ("supportive", "tough"):
        conv = Conversation.start(service, pf, difficulty=difficulty, seed=1)
        for text in SCRIPT:
            if not conv.view.ended:
                conv.send(text)
        ends[difficulty] = conv.view
    assert ends["supportive"].state.revealed == ["caring-for-father"]
    assert ends["tough"].state.revealed == []
    assert ends["supportive"].state.trust > ends["tough"].state.trust
    # the session keeps its difficulty (in its scenario snapshot), and the debrief records it
    assert service.resume(ends["tough"].id).scenario.difficulty == Difficulty.tough
    assert service.finish(ends["tough"].id).difficulty == "tough"


def test_play_takes_a_difficulty(tmp_path, capsys):
    script = tmp_path / "script.txt"
    script.write_text("\n".join(SCRIPT), encoding="utf-8")
    revealed = {}
    for difficulty in ("supportive", "tough"):
        code = main(["play", "performance-feedback", "--difficulty", difficulty, "--script", str(script), "--json",
                     "--no-save", "--seed", "1"])
        assert code == 0
        revealed[difficulty] = json.loads(capsys.readouterr().out)["final_state"]["revealed"]
    assert revealed == {"supportive": ["caring-for-father"], "tough": []}


def test_the_model_persona_is_told_the_preset_style(pf):
    assert PRESETS[Difficulty.tough].style in persona_system(pf.at_difficulty("tough"))
    assert PRESETS[Difficulty.supportive].style in persona_system(pf.at_difficulty("supportive"))


def test_migration_keeps_the_engine_numbers_and_the_persona_lines():
    text = (ROOT / "scenarios" / "lateness.yaml").read_text(encoding="utf-8")
    scenario = parse_scenario(text)
    table = scenario.state
    # the old format: every number restated under state:, and easy/medium/hard
    old_state = {name: getattr(table, name) for name in ("trust_start", "stress_start", "open_at_trust", "guarded_below_trust",
                                                        "close_up_stress", "max_change_per_turn", "turn_cap")}
    old_state["deltas"] = {m.value: {"trust": d.trust, "stress": d.stress} for m, d in table.deltas.items()}
    old_state["end_when"] = scenario.end_when.model_dump(mode="json", exclude_defaults=True)
    data = yaml.safe_load(text)
    start, end = text.index("tuning:"), text.index("\ntopics:")
    old = text[:start] + yaml.safe_dump({"state": old_state}, sort_keys=False) + text[end:]
    old = old.replace("difficulty: realistic", "difficulty: medium")
    migrated = migrate_text(old)
    again = parse_scenario(migrated)
    assert again.state == table
    assert again.lines == scenario.lines and yaml.safe_load(migrated)["lines"] == data["lines"]
    assert "deltas:\n    label_judgment" not in migrated  # a number equal to the kind's is not restated


def test_a_session_stored_before_presets_reopens_with_its_old_numbers(library):
    from simulator.domain.scenario import from_snapshot

    scenario = library["lateness"]
    old = scenario.model_dump(mode="json", exclude={"tuning", "end_when", "difficulty"})
    table = scenario.state
    old["difficulty"] = "medium"
    old["state"] = {**table.model_dump(mode="json", exclude={"reveal_shift", "end_when"}),
                    "end_when": scenario.end_when.model_dump(mode="json", exclude_defaults=True)}
    again = from_snapshot(old)
    assert again.state == table and again.difficulty == Difficulty.realistic
