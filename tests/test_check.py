"""`simulator scenarios check`: scripted managers play a scenario offline before it is published."""

from simulator.authoring.check import MOVE_SENTENCES, check_files, check_scenario
from simulator.cli import main
from simulator.domain.scenario import parse_scenario
from simulator.engine.learned_tagger import LearnedTagger
from simulator.engine.tagger import RuleTagger

from .conftest import ROOT

PF = ROOT / "scenarios" / "performance-feedback.yaml"
REVEAL = "reveal_when: {min_trust: 65, any_move: [open_question, acknowledges_feelings, reflects, validates]}"


def test_each_move_sentence_makes_its_move_alone_for_the_learned_tagger_and_the_rules():
    for tagger in (LearnedTagger(), RuleTagger()):
        for move, sentence in MOVE_SENTENCES.items():
            assert tagger.tag(sentence).moves == {move}, (tagger.name, sentence)


def test_every_shipped_scenario_passes_its_checks():
    reports = check_files(sorted((ROOT / "scenarios").glob("*.yaml")))
    assert len(reports) == 6
    for report in reports:
        assert report.ok, "\n".join(report.lines())
        assert "empathic manager" in report.notes[0]


def test_a_hidden_concern_no_manager_can_reveal_fails_and_says_how_to_fix(tmp_path, capsys):
    text = PF.read_text(encoding="utf-8")
    assert REVEAL in text
    # a trust window that cannot exist: at least 65 and at most 50
    broken = tmp_path / "broken.yaml"
    broken.write_text(text.replace(REVEAL, "reveal_when: {min_trust: 65, max_trust: 50}"), encoding="utf-8")
    report = check_scenario(parse_scenario(broken.read_text(encoding="utf-8")), source=str(broken))
    assert not report.ok
    reach = [f for f in report.failures if f.check == "reachability"]
    assert any("caring-for-father" in f.what for f in reach), report.lines()
    assert any("understand-her-side" in f.what for f in reach)  # the goal that waits for it
    assert all(f.fix for f in report.failures)
    assert any(f.check == "empathic manager" and "no hidden concern" in f.what for f in report.failures)
    # the command names the file, says what failed and how to fix it, and exits non-zero
    assert main(["scenarios", "check", str(broken)]) == 1
    err = capsys.readouterr().err
    assert str(broken) in err and "caring-for-father" in err and "fix:" in err


def test_a_persona_that_opens_up_to_blame_fails(library):
    text = PF.read_text(encoding="utf-8").replace(REVEAL, "reveal_when: {any_move: [blame, label_judgment, absolute]}")
    report = check_scenario(parse_scenario(text))
    assert any(f.check == "blaming manager" and "caring-for-father" in f.what for f in report.failures), report.lines()


def test_an_example_heard_as_another_topic_fails_and_names_both():
    ask = '    - "Why wasn\'t the refunds endpoint in the release notes?"\n'
    text = PF.read_text(encoding="utf-8")
    assert ask in text
    # an on-call question filed under the refunds API: the two topics overlap there
    moved = text.replace(ask, '    - "How many extra on-call weeks have you carried since February?"\n')
    report = check_scenario(parse_scenario(moved))
    topics = [f for f in report.failures if f.check == "topics"]
    assert len(topics) == 1, report.lines()
    assert "refunds_api" in topics[0].what and "'on_call'" in topics[0].what and topics[0].fix
