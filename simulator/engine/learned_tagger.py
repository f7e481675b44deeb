"""The learned offline tagger: which moves each sentence of a manager's message makes.

Each sentence is read four ways, and one logistic-regression layer per move weighs them:
- its words: TF-IDF over word 1-2-grams and character 3-5-grams;
- its meaning: the sentence encoder (`simulator.engine.encoder`, USE v3, offline);
- the transparent rules (`RuleTagger`): which moves the rules see in this sentence and
  anywhere in the message;
- the whole message's words and meaning, at half weight (a threat can span two sentences).
The weights were fitted on the project's own labelled corpus (`eval/corpus/train-*.jsonl`,
`eval/train_tagger.py`) and ship in `tagger_model/`; the held-out corpus is never used to fit.

A move's span is the rules' span inside the sentence when the rules saw that move there
(the exact words), else the sentence itself. Where trusting the rules of a move raised
its cross-validated F1 on the training corpus (listed in the model's meta.json as
`trust_rules`), a rule match stands even when the model disagrees. The rules' exclusions
(`resolve_conflicts`) hold whatever the weights say: a sentence that threatens offers no
support, a question that blames explores nothing, a correction is not the absolute it
withdraws.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from simulator.domain.lexicon import fold, scorer_directed_spans, sentences
from simulator.domain.moves import PENALTY_MOVES, Move
from simulator.engine.encoder import SentenceEncoder, shared_encoder
from simulator.engine.tagger import RuleTagger, Span, Tagging, resolve_conflicts
from simulator.errors import SimulatorError

MODEL_DIR = Path(__file__).resolve().parent / "tagger_model"

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|[?!]")
MESSAGE_WEIGHT = 0.5  # the whole message's features, beside each sentence's own
_WORD_CACHE = 20_000  # distinct words whose character n-gram indices are kept (about 240 bytes each: under 5 MB)


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, trimmed of surrounding spaces."""
    out = []
    for a, b in sentences(text):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        if b > a:
            out.append((a, b))
    return out


def words_of(sentence: str) -> list[str]:
    """The words of a sentence as the lexical features see them (lower case, ASCII apostrophes)."""
    return _WORD.findall(sentence.lower().replace("\u2019", "'").replace("\u2018", "'"))


def terms(sentence: str) -> list[str]:
    """The lexical features of a sentence: word 1-2-grams ("w:") and character 3-5-grams ("c:"), in that order."""
    words = words_of(sentence)
    out = [f"w:{w}" for w in words] + [f"w:{a} {b}" for a, b in zip(words, words[1:])]
    for word in words:
        out.extend(char_grams(word))
    return out


def char_grams(word: str) -> list[str]:
    """The character 3-5-grams of one word, padded with a space each side ("c: yo", "c:you", ...)."""
    padded = f" {word} "
    return [f"c:{padded[i:i + n]}" for n in (3, 4, 5) for i in range(len(padded) - n + 1)]


def rule_features(rules: Tagging, start: int, end: int, moves: list[Move]) -> np.ndarray:
    """For each move: does a rule see it in this sentence, and anywhere in the message."""
    inside = {s.move for s in rules.spans if s.start < end and start < s.end}
    anywhere = rules.moves
    return np.array([m in inside for m in moves] + [m in anywhere for m in moves], dtype=np.float32)


@dataclass(frozen=True)
class Weights:
    moves: list[Move]
    vocabulary: dict[str, int]
    idf: np.ndarray  # (V,)
    lexical: np.ndarray  # (V, M)
    semantic: np.ndarray  # (512, M)
    rules: np.ndarray  # (2M, M)
    message_lexical: np.ndarray  # (V, M)
    message_semantic: np.ndarray  # (512, M)
    bias: np.ndarray  # (M,)
    thresholds: np.ndarray  # (M,)
    trust_rules: frozenset[Move]
    # each word seen, and the vocabulary indices of its character n-grams (words recur far more than sentences)
    _word_grams: dict[str, tuple[int, ...]] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def load(cls, folder: Path = MODEL_DIR) -> Weights:
        try:
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
            vocabulary = {t: i for i, t in enumerate(json.loads((folder / "vocabulary.json").read_text(encoding="utf-8")))}
            arrays = np.load(folder / "weights.npz")
        except (OSError, ValueError) as exc:
            raise SimulatorError(
                f"The learned tagger's model in {folder} cannot be read ({exc}). Reinstall the project, or retrain it "
                "with `python eval/train_tagger.py`."
            ) from None
        return cls(
            moves=[Move(m) for m in meta["moves"]], vocabulary=vocabulary, idf=arrays["idf"], lexical=arrays["lexical"],
            semantic=arrays["semantic"], rules=arrays["rules"], message_lexical=arrays["message_lexical"],
            message_semantic=arrays["message_semantic"], bias=arrays["bias"], thresholds=arrays["thresholds"],
            trust_rules=frozenset(Move(m) for m in meta.get("trust_rules", [])),
        )

    def lexical_score(self, text: str, matrix: np.ndarray) -> np.ndarray:
        return _lexical(self.tfidf(text), matrix)

    def tfidf(self, sentence: str) -> tuple[np.ndarray, np.ndarray]:
        """Sparse TF-IDF of one sentence: (indices, values), sublinear tf, unit length.
        The terms are those of `terms()`, counted in the same order (so the sums are the same, to the bit)."""
        vocabulary = self.vocabulary
        words = words_of(sentence)
        found = [i for i in map(vocabulary.get, [f"w:{w}" for w in words] + [f"w:{a} {b}" for a, b in zip(words, words[1:])]) if i is not None]
        cache = self._word_grams
        for word in words:
            grams = cache.get(word)
            if grams is None:
                if len(cache) >= _WORD_CACHE:
                    cache.clear()
                grams = cache[word] = tuple(i for i in map(vocabulary.get, char_grams(word)) if i is not None)
            found.extend(grams)
        counts = Counter(found)  # in the order each index first appears, as `terms()` gives them
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        indices = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
        values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float32, count=len(counts)))) * self.idf[indices]
        return indices, (values / np.linalg.norm(values)).astype(np.float32)


def _lexical(tfidf: tuple[np.ndarray, np.ndarray], matrix: np.ndarray) -> np.ndarray:
    indices, values = tfidf
    return values @ matrix[indices] if len(indices) else np.zeros(matrix.shape[1], dtype=np.float32)


@lru_cache(maxsize=4)
def _load_weights(folder: Path) -> Weights:
    """Read once per process and folder (about 3 MB); shared by every tagger, read-only."""
    return Weights.load(folder)


class LearnedTagger:
    """Offline tagger v2: learned per-sentence move detection, with the rules' spans where they agree."""

    name = "learned"

    def __init__(self, *, folder: Path = MODEL_DIR, encoder: SentenceEncoder | None = None):
        self.folder = folder
        self._encoder = encoder
        self.rules = RuleTagger()

    @property
    def weights(self) -> Weights:
        return _load_weights(self.folder)

    @property
    def encoder(self) -> SentenceEncoder:
        if self._encoder is None:
            self._encoder = shared_encoder()
        return self._encoder

    def tag(self, text: str) -> Tagging:
        return self.tag_many([text])[0]

    def probabilities(self, texts: Sequence[str], *, rules: Sequence[Tagging] | None = None,
                      ) -> tuple[list[tuple[int, int, int]], np.ndarray, list[Tagging]]:
        """Per sentence of each text: (text index, start, end), the probability of each move, and the rules' taggings
        (`rules`: the rules' taggings of `texts` when the caller has them already)."""
        w = self.weights
        rule_taggings = list(rules) if rules is not None else [self.rules.tag(t) for t in texts]
        rows = [(i, a, b) for i, t in enumerate(texts) for a, b in sentence_spans(t)]
        if not rows:
            return rows, np.zeros((0, len(w.moves)), dtype=np.float32), rule_taggings
        per_text = Counter(i for i, _, _ in rows)
        multi = sorted(i for i, n in per_text.items() if n > 1)
        # the whole message as context, minus any words addressed to the scorer or about the exercise
        context = {i: _without_scorer_directed(texts[i]) for i in multi}
        # each message's sentences, then the message: encoded together, they share most of their token windows
        inputs: list[str] = []
        sentence_at: list[int] = []
        message_at: dict[int, int] = {}
        for row, (i, a, b) in enumerate(rows):
            sentence_at.append(len(inputs))
            inputs.append(texts[i][a:b])
            if i in context and (row + 1 == len(rows) or rows[row + 1][0] != i):
                message_at[i] = len(inputs)
                inputs.append(context[i])
        embedded = self.encoder.encode(inputs)
        sentence_vectors = embedded[sentence_at]
        message_vector = {i: embedded[k] for i, k in message_at.items()}
        scores = sentence_vectors @ w.semantic + w.bias
        message_scores: dict[int, np.ndarray] = {}
        for row, (i, a, b) in enumerate(rows):
            sentence = w.tfidf(texts[i][a:b])
            if i not in message_scores:
                # a one-sentence message is its own context
                vector, message = (message_vector[i], w.tfidf(context[i])) if i in message_vector else (sentence_vectors[row], sentence)
                message_scores[i] = MESSAGE_WEIGHT * (vector @ w.message_semantic + _lexical(message, w.message_lexical))
            scores[row] += _lexical(sentence, w.lexical) + message_scores[i]
            scores[row] += rule_features(rule_taggings[i], a, b, w.moves) @ w.rules
        return rows, 1.0 / (1.0 + np.exp(-scores)), rule_taggings

    def tag_many(self, texts: Sequence[str], *, rules: Sequence[Tagging] | None = None) -> list[Tagging]:
        """Tag several messages with one encoder call (much faster per message than one at a time).
        `rules`: the rules' taggings of `texts`, when the caller has them (the rules then run once)."""
        w = self.weights
        rows, probability, rule_taggings = self.probabilities(texts, rules=rules)
        present = probability >= w.thresholds
        spans: list[list[Span]] = [[] for _ in texts]
        for row, (i, a, b) in enumerate(rows):
            found = {w.moves[k] for k in np.flatnonzero(present[row])}
            found |= {s.move for s in rule_taggings[i].spans if s.move in w.trust_rules and a <= s.start < b}
            spans[i].extend(_spans_for(texts[i], rule_taggings[i], a, b, found))
        for text, found_spans in zip(texts, spans):
            resolve_conflicts(found_spans, text)  # the same exclusions as the rules: a threat is never support...
            # words addressed to the scorer or about the exercise earn nothing (penalties still count), as with the rules
            ignored = scorer_directed_spans(fold(text))
            found_spans[:] = [s for s in found_spans if s.move in PENALTY_MOVES or not any(a <= s.start < b for a, b in ignored)]
        return [Tagging(text=t, spans=sorted(s, key=lambda x: (x.start, x.end)), source=self.name) for t, s in zip(texts, spans)]


def _without_scorer_directed(text: str) -> str:
    """The text with the regions that address the scorer blanked out (same length, so offsets hold)."""
    out = list(text)
    for a, b in scorer_directed_spans(fold(text)):
        out[a:b] = " " * (b - a)
    return "".join(out)


def _spans_for(text: str, rules: Tagging, start: int, end: int, moves: set[Move]) -> list[Span]:
    out = []
    for move in moves:
        inside = [s for s in rules.spans_of(move) if start <= s.start and s.end <= end]
        out.extend(inside or [Span(move, start, end, text[start:end])])
    return out
