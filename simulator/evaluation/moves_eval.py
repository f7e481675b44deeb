"""How well a tagger finds each move, on the held-out part of the project's move corpus.

The held-out utterances (`eval/corpus/heldout-*.jsonl`) were written and labelled by a
different writer than the training part and are never used to fit or tune anything. A
second writer labelled them again, blind (`eval/corpus/second-pass/`): how far two
people agree is the ceiling for any tagger, and is shown beside it.

Figures are per message: a move counts as found when the tagger finds it anywhere in
the message. The scoring rows apply the offline scorer to each held-out utterance and
compare its empathy and evidence headlines with the writer's (Spearman's ρ).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

from simulator.domain.moves import PENALTY_MOVES, Move
from simulator.engine.tagger import Tagging
from simulator.evaluation.agreement import spearman
from simulator.evaluation.corpus import Utterance, corpus_dir, load_corpus

TagMany = Callable[[Sequence[str]], list[Tagging]]


def f1_parts(gold: Sequence[bool], pred: Sequence[bool]) -> tuple[float, float, float]:
    tp = sum(g and p for g, p in zip(gold, pred))
    predicted, actual = sum(pred), sum(gold)
    precision = tp / predicted if predicted else float("nan")
    recall = tp / actual if actual else float("nan")
    f1 = 2 * tp / (predicted + actual) if predicted + actual else float("nan")
    return precision, recall, f1


def second_pass(items: list[Utterance], directory: Path | None = None) -> dict[str, set[str]] | None:
    """The blind second labelling of the held-out utterances: id -> moves (None when absent)."""
    path = (directory or corpus_dir()) / "second-pass" / "heldout-1.jsonl"
    if not path.exists():
        return None
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            labels[raw["id"]] = {m["move"] for m in raw["moves"]}
    return labels if all(u.id in labels for u in items) else None


def move_table(items: list[Utterance], found: dict[str, list[set[str]]]) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Per column (tagger) and move: (precision, recall, F1)."""
    table: dict[str, dict[str, tuple[float, float, float]]] = {}
    for column, predicted in found.items():
        table[column] = {}
        for move in Move:
            gold = [move.value in u.moves for u in items]
            table[column][move.value] = f1_parts(gold, [move.value in p for p in predicted])
    return table


def evaluate(taggers: dict[str, TagMany], scorer_for: Callable[[str], Callable[[Utterance, Tagging], tuple[int, int]]] | None = None,
             directory: Path | None = None) -> list:
    """Rows for `simulator eval`: per-move P/R/F1 per tagger, macro-F1, penalties, and the headline agreement."""
    from simulator.evaluation.evaluate import Row, _fmt

    items = load_corpus("heldout", directory)
    if not items:
        return [Row("move corpus", f"no held-out corpus in {directory or corpus_dir()}: skipped", 0, {})]
    texts = [u.text for u in items]
    taggings = {name: tag_many(texts) for name, tag_many in taggers.items()}
    found = {name: [{m.value for m in t.moves} for t in ts] for name, ts in taggings.items()}
    human = second_pass(items, directory)
    if human is not None:
        found["second labeller"] = [human[u.id] for u in items]
    table = move_table(items, found)
    source = f"move corpus, held-out ({len(items)})"
    rows = []
    for move in Move:
        n = sum(move.value in u.moves for u in items)
        values = {c: f"P {_fmt(p)} / R {_fmt(r)} / F1 {_fmt(f)}" for c, (p, r, f) in ((c, table[c][move.value]) for c in table)}
        figures = {c: {f"moves.{move.value}.f1": table[c][move.value][2]} for c in taggers}
        if move in PENALTY_MOVES:
            for c in taggers:
                figures[c][f"moves.{move.value}.precision"] = table[c][move.value][0]
                figures[c][f"moves.{move.value}.recall"] = table[c][move.value][1]
        target = "target P, R ≥ 0.85" if move in PENALTY_MOVES else ""
        rows.append(Row(source, f"{move.value} ({n} gold)", len(items), values, target, figures))
    macro = {c: sum(v[2] for v in table[c].values()) / len(table[c]) for c in table}
    rows.append(Row(source, "macro-F1 over moves", len(items), {c: _fmt(v) for c, v in macro.items()}, "target ≥ 0.85",
                    {c: {"moves.macro_f1": macro[c]} for c in taggers}))
    supported_threats = {c: sum(Move.pressures in t.moves and Move.offers_support in t.moves for t in ts) for c, ts in taggings.items()}
    rows.append(Row(source, "threats read as support (pressures with offers_support)", len(items),
                    {c: str(v) for c, v in supported_threats.items()}, "target 0"))
    if scorer_for is not None:
        for column, ts in taggings.items():
            score = scorer_for(column)
            pairs = [score(u, t) for u, t in zip(items, ts)]
            for k, headline in enumerate(("empathy", "evidence")):
                rho = spearman([getattr(u, headline) for u in items], [p[k] for p in pairs])
                rows.append(Row(source, f"Spearman ρ, {headline} (offline scorer on this tagging)", len(items),
                                {column: _fmt(rho)}, "target ≥ 0.80", {column: {f"moves.{headline}.spearman": rho}}))
    return rows
