import pytest

from simulator.scoring.debrief import quadrant
from simulator.scoring.offline import OfflineScorer
from simulator.scoring.rubric import Skills, empathy_score, evidence_score

scorer = OfflineScorer()

BLAMING = "You're always so careless. It's your fault the release slipped and everyone says so."
EMPATHIC_SPECIFIC = (
    "I can see the last month has been stressful for you. On 14 April you wrote 'Redo it' on PR #482 "
    "without an explanation, which left Tomás stuck for two days. How do you see it?"
)


def test_empathic_specific_beats_blaming_on_both_scores():
    good, bad = scorer.score(EMPATHIC_SPECIFIC), scorer.score(BLAMING)
    assert good.empathy >= 40 and good.evidence >= 60
    assert bad.empathy == 0 and bad.evidence == 0
    assert set(bad.skills.penalties) >= {"absolute", "blame", "hearsay", "label_judgment"}


@pytest.mark.parametrize(
    "text, skill",
    [
        ("That sounds really frustrating.", "emotional_reaction"),
        ("So it sounds like the on-call weeks have left you with no slack at all.", "interpretation"),
        ("What has the last month been like for you?", "exploration"),
        ("That makes total sense.", "validation"),
        ("In yesterday's stand-up it came up.", "situation"),
        ("You interrupted Marcus twice.", "behaviour"),
        ("That meant the team had to stay late.", "impact"),
        ("It was 45 minutes.", "data"),
    ],
)
def test_each_skill_is_detected(text, skill):
    assert getattr(scorer.score(text).skills, skill) >= 1


def test_keyword_stuffing_does_not_raise_scores():
    once = scorer.score("I hear that this is frustrating for you.")
    stuffed = scorer.score(" ".join(["I hear that this is frustrating for you."] * 8))
    assert stuffed.empathy == once.empathy


def test_totals_are_computed_from_clamped_subscores():
    top = Skills.clamped(emotional_reaction=9, interpretation=2, exploration=2, validation=2, support=True)
    assert top.emotional_reaction == 2 and empathy_score(top) == 100
    assert evidence_score(Skills.clamped(situation=2, behaviour=2, impact=2, data=2)) == 100
    assert evidence_score(Skills.clamped(penalties=["hearsay", "label_judgment"])) == 0


def test_quadrants():
    assert quadrant(80, 80) == "radical candor"
    assert quadrant(80, 10) == "ruinous empathy"
    assert quadrant(10, 80) == "obnoxious aggression"
    assert quadrant(10, 10) == "manipulative insincerity"
