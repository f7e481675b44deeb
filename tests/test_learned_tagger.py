"""The learned offline tagger: the moments the issue quotes, spans, batching, and its shipped model."""

import json

import pytest

from simulator.domain.moves import Move
from simulator.engine import encoder as encoder_module
from simulator.engine.learned_tagger import MODEL_DIR, LearnedTagger, sentence_spans
from simulator.errors import SimulatorError
from simulator.evaluation.corpus import load_corpus

tagger = LearnedTagger()

THREATS = [
    "You need to sort your life out, Carla, or I'll find someone who can open the queue.",
    "Sign the paperwork with HR today or you'll lose the severance.",
    "One more late morning and you lose the lead role.",
    "Keep missing the deadlines or you'll be looking for another job.",
]


@pytest.mark.parametrize("text", THREATS)
def test_a_threat_is_pressure_and_never_support(text):
    moves = tagger.tag(text).moves
    assert Move.pressures in moves
    assert Move.offers_support not in moves


def test_a_rhetorical_blaming_question_is_not_an_open_question():
    moves = tagger.tag("So what's your excuse this time?").moves
    assert Move.open_question not in moves
    assert moves & {Move.blame, Move.contempt}


def test_a_guilt_trip_is_found():
    assert Move.guilt_trip in tagger.tag("That would be really disloyal after everything I've done for you.").moves


def test_plain_bad_news_is_a_clear_message():
    assert Move.clear_message in tagger.tag("The committee did not approve your promotion to Senior this cycle.").moves


def test_a_question_about_barriers_is_not_blame():
    moves = tagger.tag("Why didn't you feel you could tell me sooner?").moves
    assert Move.blame not in moves and Move.open_question in moves


def test_a_correction_is_not_an_absolute():
    assert Move.absolute not in tagger.tag("I wasn't saying you're late every day.").moves


def test_markup_is_not_data():
    assert Move.data not in tagger.tag("<script>alert(1)</script>").moves


def test_empathy_without_feeling_words_is_recognised():
    assert tagger.tag("Of course you hoped. Anyone would.").moves & {Move.validates, Move.acknowledges_feelings}


def test_spans_index_the_text_and_batches_match_single_calls():
    texts = [THREATS[0], "How have the mornings been since February? I know it's been a lot.", "", "Thanks."]
    batch = tagger.tag_many(texts)
    for text, tagging in zip(texts, batch):
        assert tagging.text == text and tagging.source == "learned"
        assert all(text[s.start : s.end] == s.text and s.text for s in tagging.spans)
        assert tagging.spans == tagger.tag(text).spans


def test_sentences_are_trimmed_and_cover_the_words():
    text = "  First one.  Second one?\nThird  "
    assert [text[a:b] for a, b in sentence_spans(text)] == ["First one.", "Second one?", "Third"]


def test_the_shipped_model_was_fitted_on_the_training_part_only():
    meta = json.loads((MODEL_DIR / "meta.json").read_text())
    assert meta["train_utterances"] == len(load_corpus("train"))
    assert set(meta["moves"]) == {m.value for m in Move}
    assert not ({u.id for u in load_corpus("heldout")} & {u.id for u in load_corpus("train")})


def test_an_encoder_with_other_weights_is_refused(monkeypatch):
    monkeypatch.setattr(encoder_module, "WEIGHTS_SHA256", "0" * 64)
    with pytest.raises(SimulatorError, match="not the expected file"):
        encoder_module.SentenceEncoder().encode(["hello"])


# Misreads seen in the browser (issue 9): set phrases read the same way by the rules and the learned tagger.
TOPIC_OPENER_IS_NOT = {Move.contempt, Move.pressures, Move.blame, Move.guilt_trip, Move.minimises, Move.hearsay, Move.absolute,
                       Move.reflects}
SET_PHRASES = [
    # a closing check is a question, not sarcasm
    ("So, are we clear?", {Move.closed_question}, {Move.contempt, Move.pressures}),
    ("Is that clear?", {Move.closed_question}, {Move.contempt}),
    # refusing to hear their side is dismissive: not a report from unnamed others, not a threat of consequences
    ("I don't want to hear excuses.", {Move.contempt}, {Move.hearsay, Move.pressures}),
    ("I don't want to hear excuses, Priya. Fix the reviews.", {Move.contempt}, {Move.hearsay, Move.pressures}),
    ("Look, I don't want to hear your excuses.", {Move.contempt}, {Move.hearsay, Move.pressures}),
    # a verdict with no evidence is a label, not a specific behaviour
    ("Your performance has been unacceptable.", {Move.label_judgment}, {Move.specific_behaviour}),
    ("Your work this quarter has been unacceptable.", {Move.label_judgment}, {Move.specific_behaviour}),
    ("Frankly, your attitude is not good enough.", {Move.label_judgment}, {Move.specific_behaviour}),
    # review 2: disowning the decision passes the blame; it is not a clear message
    ("Look, I did what I could. It's not my fault the committee didn't see it.", {Move.blame}, {Move.clear_message}),
    ("The committee made the call, not me.", {Move.blame}, {Move.clear_message}),
    # hearsay from unnamed others, in the past tense too
    ("Some people felt you weren't quite there yet.", {Move.hearsay}, {Move.clear_message}),
    # an apology owns the fault: no blame
    ("I'm sorry, that was out of line. Can we start again next week with HR present?", set(), {Move.blame}),
    ("I was out of line. I'm sorry.", set(), {Move.blame}),
    # a cold procedural reply is not support
    ("Fine. I'll put it in writing then.", set(), {Move.offers_support}),
    # issue 10: a plain topic opener is not a penalty move (Nadia answered "So, about the promotion." with
    # "I don't think that was called for"), nor a reflection; a label inside one is still a label
    ("So, about the promotion.", set(), TOPIC_OPENER_IS_NOT),
    ("Hi Nadia. So, about the promotion.", set(), TOPIC_OPENER_IS_NOT),
    ("So, about your code reviews.", set(), TOPIC_OPENER_IS_NOT),
    ("Now, about the on-call rota.", set(), TOPIC_OPENER_IS_NOT),
    ("Right. Let's talk about the mornings.", set(), TOPIC_OPENER_IS_NOT),
    ("Right, about your attitude problem.", {Move.label_judgment}, set()),
    # issue 9: a short follow-up asks for more of what they just said (the learned tagger read "How so?" and
    # "Really?" as contempt and "Why was that?" as blame, so a polite follow-up cost trust)
    ("How so?", {Move.open_question}, {Move.contempt, Move.blame}),
    ("And why was that?", {Move.open_question}, {Move.contempt, Move.blame, Move.validates}),
    ("Why was that?", {Move.open_question}, {Move.contempt, Move.blame}),
    ("Go on.", {Move.open_question}, {Move.contempt}),
    ("Like what?", {Move.open_question}, {Move.contempt}),
    ("Really?", set(), {Move.contempt, Move.blame}),
    # the browser review of the merged app (session 3): a kind closing line read as a guilt trip wrecked a good
    # debrief; a dismissive reply was badged strongest with no penalty; passing the decision to a committee
    # counted as saying it plainly
    ("Thanks Priya, I really appreciated your honesty today.", set(), {Move.guilt_trip, Move.contempt, Move.blame}),
    ("Whatever. You keep missing deadlines and everyone finds you difficult.",
     {Move.contempt, Move.label_judgment, Move.hearsay}, set()),
    ("Whatever you need, tell me.", set(), {Move.contempt}),
    ("Honestly it was the committee's decision, not mine. You should have done more visible work I guess.",
     {Move.blame}, {Move.clear_message}),
    ("I don't care about your reasons.", {Move.contempt}, set()),
    ("Thanks for nothing, you've made this impossible.", {Move.contempt}, set()),
    ("I appreciate you coming in, but if this happens again you're out.", {Move.pressures}, set()),
]


@pytest.mark.parametrize("which", ["rules", "learned"])
@pytest.mark.parametrize(("text", "wanted", "unwanted"), SET_PHRASES)
def test_set_phrases_are_read_alike_by_both_taggers(which, text, wanted, unwanted):
    from simulator.engine.tagger import RuleTagger

    moves = (RuleTagger() if which == "rules" else tagger).tag(text).moves
    assert wanted <= moves, moves
    assert not (unwanted & moves), moves


@pytest.mark.parametrize("which", ["rules", "learned"])
def test_out_of_line_about_them_is_still_blame_and_a_real_offer_still_support(which):
    from simulator.engine.tagger import RuleTagger

    chosen = RuleTagger() if which == "rules" else tagger
    assert Move.blame in chosen.tag("That was out of line, and it cannot happen again.").moves
    assert Move.blame in chosen.tag("I'm sorry, but that was out of line.").moves
    assert Move.offers_support in chosen.tag("I'll put you forward for the leadership course in March.").moves


def test_a_verdict_with_its_evidence_keeps_the_evidence():
    """The label is penalised; a dated behaviour in the same message still counts."""
    moves = tagger.tag("Your performance has been unacceptable: the refunds API shipped on 6 May, eight days late.").moves
    assert Move.label_judgment in moves
    assert moves & {Move.data, Move.situation, Move.specific_behaviour}


# Misreads of plain evidence seen in play (the rules read all three right): an undated behaviour is still a
# specific behaviour, and a consequence said neutrally is impact, not blame.
PLAIN_EVIDENCE = [
    ("You left the meeting before the end.", Move.specific_behaviour),
    ("You interrupted Sam twice while he was presenting.", Move.specific_behaviour),
    ("As a result, the team had to redo the work.", Move.impact),
]


@pytest.mark.xfail(strict=True, reason="the shipped model still misreads these; eval/corpus/candidate-4.jsonl fixes them "
                   "but is not fitted yet (eval/corpus/README.md)")
@pytest.mark.parametrize(("text", "wanted"), PLAIN_EVIDENCE)
def test_plain_behaviour_and_impact_are_evidence_not_blame(text, wanted):
    moves = tagger.tag(text).moves
    assert wanted in moves, moves
    assert not (moves & {Move.blame, Move.label_judgment, Move.contempt}), moves


def test_tfidf_counts_the_terms_of_terms_in_their_order():
    """`Weights.tfidf` keeps each word's character n-grams; its features and their order are still `terms()`'s,
    so the sums (and the probabilities) are the same to the bit."""
    import numpy as np

    from simulator.engine.learned_tagger import terms

    w = tagger.weights
    texts = [row.text for row in load_corpus("heldout")][:300] + ["", "?!", "Don\u2019t \u2018quote\u2019 me, it's 3.5 pts", "a a a a"]
    assert len(texts) > 300
    for text in texts:
        counts: dict[int, int] = {}
        for term in terms(text):
            if (index := w.vocabulary.get(term)) is not None:
                counts[index] = counts.get(index, 0) + 1
        indices, values = w.tfidf(text)
        assert indices.tolist() == list(counts), text
        if counts:
            expected = (1.0 + np.log(np.array(list(counts.values()), dtype=np.float32))) * w.idf[indices]
            assert values.tolist() == (expected / np.linalg.norm(expected)).astype(np.float32).tolist()
        else:
            assert values.size == 0
