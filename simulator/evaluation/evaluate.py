"""`simulator eval`: how well the scorers agree with human labels.

Three sources, each optional but the first:
- the project's own labelled replies (eval/labelled/, written for this
  project, labelled in two blind passes; see docs/codebook.md), evaluated on the
  held-out split;
- EPITOME Reddit (Sharma et al., 2020): emotional reactions, interpretations and
  explorations, 0/1/2 — evaluation only, never training (licence);
- AnnoMI (Wu et al., 2022): therapist utterances labelled question / reflection /
  other — evaluation only.
The public sets are read from ../shared/data/public (or SIMULATOR_PUBLIC_DATA) when
present; their absence is reported, not an error.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from simulator.domain.moves import PENALTY_MOVES
from simulator.domain.rubric import EMPATHY_SKILLS, EVIDENCE_SKILLS
from simulator.evaluation.agreement import accuracy, cohen_kappa, macro_f1, precision_recall, spearman

SUBSKILLS = EMPATHY_SKILLS + EVIDENCE_SKILLS
PENALTY_NAMES = tuple(sorted(m.value for m in PENALTY_MOVES))
HELDOUT_SHARE = 3  # in 10: ids whose hash falls in 0..2 are held out

# Published reference figures, shown beside ours.
ANCHORS = {
    "epitome_emotional_reaction": "RoBERTa trained on EPITOME: acc 79.4 / F1 74.5",
    "epitome_interpretation": "RoBERTa trained on EPITOME: acc 84.0 / F1 62.6",
    "epitome_exploration": "RoBERTa trained on EPITOME: acc 92.6 / F1 72.6",
    "annomi_question": "human raters (Fleiss κ) 0.87",
    "annomi_reflection": "human raters (Fleiss κ) 0.66",
    "own_headline": "LLM vs expert empathy in published work: weighted κ ≈ 0.60; target ρ ≥ 0.80",
}


def labelled_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "eval" / "labelled"


def public_dir() -> Path:
    env = os.environ.get("SIMULATOR_PUBLIC_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared" / "data" / "public"


def is_heldout(item_id: str) -> bool:
    return int(hashlib.sha1(item_id.encode()).hexdigest(), 16) % 10 < HELDOUT_SHARE


@dataclass
class LabelledReply:
    id: str
    scenario: str
    style: str
    context: str
    reply: str
    contradicts_ledger: bool
    passes: list[dict] = field(default_factory=list)

    @property
    def gold(self) -> dict:
        """Mean of the passes: headlines averaged, sub-skills rounded half down, penalties in every pass."""
        n = len(self.passes)
        gold = {"empathy": sum(p["empathy"] for p in self.passes) / n, "evidence": sum(p["evidence"] for p in self.passes) / n}
        for skill in SUBSKILLS:
            gold[skill] = math.ceil(sum(p[skill] for p in self.passes) / n - 0.5)
        gold["penalties"] = sorted(set.intersection(*(set(p["penalties"]) for p in self.passes)))
        return gold


def _jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def load_labelled(directory: Path | None = None) -> list[LabelledReply]:
    directory = directory or labelled_dir()
    items: dict[str, LabelledReply] = {}
    for path in sorted(directory.glob("replies-*.jsonl")):
        for row in _jsonl(path):
            items[row["id"]] = LabelledReply(
                id=row["id"], scenario=row["scenario"], style=row.get("style", ""), context=row.get("context", ""),
                reply=row["reply"], contradicts_ledger=bool(row.get("contradicts_ledger", False)),
            )
    for pass_no in (1, 2):
        for path in sorted(directory.glob(f"labels-pass{pass_no}-*.jsonl")):
            for row in _jsonl(path):
                if row["id"] in items:
                    items[row["id"]].passes.append(row)
    return [item for item in items.values() if item.passes]


@dataclass
class Row:
    source: str
    measure: str
    n: int
    values: dict[str, str]  # column -> formatted value
    anchor: str = ""
    figures: dict[str, dict[str, float]] = field(default_factory=dict)  # column -> {figure name: value}, for floors


def _fmt(x: float) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.2f}"


class Predictor(Protocol):
    """(reply, scenario id, what the other person said before) -> {"empathy", "evidence", skills..., "penalties", "disputed"}"""

    def __call__(self, reply: str, scenario_id: str = "", context: str = "", /) -> dict: ...


def offline_predictor() -> Predictor:
    from simulator.domain.scenario import load_library
    from simulator.engine.learned_tagger import LearnedTagger
    from simulator.scoring.facts import disputed_claims
    from simulator.scoring.offline import OfflineScorer

    scorer = OfflineScorer(tagger=LearnedTagger())  # the tagger the app uses
    scenarios, _ = load_library()

    def predict(reply: str, scenario_id: str = "", context: str = "") -> dict:
        # Human labels judge the wording (docs/codebook.md); the fact-ledger check is measured on its own.
        scored = scorer.score(reply)
        out = {"empathy": scored.empathy, "evidence": scored.evidence, **scored.skills.model_dump()}
        scenario = scenarios.get(scenario_id)
        out["disputed"] = bool(disputed_claims(scenario, reply, said=[context] if context else [])) if scenario else False
        return out

    return predict


def judge_predictor(judge) -> Predictor:
    """The LLM judge scoring one reply at a time (one request per reply)."""
    from types import SimpleNamespace

    from simulator.domain.scenario import load_library
    from simulator.store.db import MessageRecord

    scenarios, _ = load_library()
    generic = SimpleNamespace(title="A conversation where one person answers another", brief=SimpleNamespace(goal="respond well to the other person"))

    def predict(reply: str, scenario_id: str = "", context: str = "") -> dict:  # the judge reads the reply alone
        message = MessageRecord(seq=1, role="manager", text=reply, tagging=None, state=None, interrupted=False, created_at=None)
        result = judge.judge(scenarios.get(scenario_id) or generic, [message])
        scored = result.scores.get(1)
        if scored is None:
            return {"empathy": 0, "evidence": 0, **{k: 0 for k in SUBSKILLS}, "penalties": [], "disputed": False}
        return {"empathy": scored["empathy"], "evidence": scored["evidence"], **scored["skills"].model_dump(), "disputed": False}

    return predict


def evaluate_own(items: list[LabelledReply], predictors: dict[str, Predictor], *, limit: int | None = None) -> list[Row]:
    rows: list[Row] = []
    held = [i for i in items if is_heldout(i.id)][:limit]
    if not held:
        return [Row("own held-out", "no labelled replies found", 0, {})]
    preds = {name: [p(i.reply, i.scenario) for i in held] for name, p in predictors.items()}
    golds = [i.gold for i in held]
    source = f"own held-out ({len(held)} of {len(items)})"
    for headline in ("empathy", "evidence"):
        rho = {name: spearman([g[headline] for g in golds], [p[headline] for p in ps]) for name, ps in preds.items()}
        rows.append(Row(source, f"Spearman ρ, {headline}", len(held), {n: _fmt(v) for n, v in rho.items()}, ANCHORS["own_headline"],
                        figures={n: {f"own.{headline}.spearman": v} for n, v in rho.items()}))
    for skill in SUBSKILLS:
        kappa = {name: cohen_kappa([g[skill] for g in golds], [p[skill] for p in ps], weights="quadratic") for name, ps in preds.items()}
        rows.append(Row(source, f"weighted κ, {skill}", len(held), {n: _fmt(v) for n, v in kappa.items()},
                        figures={n: {f"own.{skill}.kappa": v} for n, v in kappa.items()}))
    for penalty in PENALTY_NAMES:
        gold = [penalty in g["penalties"] for g in golds]
        if not any(gold):
            continue
        values, figures = {}, {}
        for name, ps in preds.items():
            pr, rc = precision_recall(gold, [penalty in p["penalties"] for p in ps])
            values[name] = f"P {_fmt(pr)} / R {_fmt(rc)}"
            figures[name] = {f"own.penalty.{penalty}.precision": pr, f"own.penalty.{penalty}.recall": rc}
        rows.append(Row(source, f"penalty {penalty} ({sum(gold)} gold)", len(held), values, figures=figures))
    gold_facts = [i.contradicts_ledger for i in items]
    if any(gold_facts):
        values, figures = {}, {}
        for name, p in predictors.items():
            if name != "offline":
                continue
            pr, rc = precision_recall(gold_facts, [p(i.reply, i.scenario, i.context)["disputed"] for i in items])
            values[name] = f"P {_fmt(pr)} / R {_fmt(rc)}"
            figures[name] = {"own.facts.precision": pr, "own.facts.recall": rc}
        rows.append(Row(f"own, all {len(items)}", f"fact-ledger check ({sum(gold_facts)} contradicting)", len(items), values, figures=figures))
    return rows


def human_agreement(items: list[LabelledReply]) -> list[Row]:
    """Pass 1 against pass 2: how far the two labelling passes agree (a ceiling for any scorer)."""
    both = [i for i in items if len(i.passes) >= 2]
    if not both:
        return [Row("own, pass 1 vs pass 2", "second pass not available", 0, {})]
    source = f"own, pass 1 vs pass 2 (all {len(both)})"
    rows = []
    for headline in ("empathy", "evidence"):
        rho = spearman([i.passes[0][headline] for i in both], [i.passes[1][headline] for i in both])
        rows.append(Row(source, f"Spearman ρ, {headline}", len(both), {"pass 1 vs pass 2": _fmt(rho)}))
    for skill in SUBSKILLS:
        k = cohen_kappa([i.passes[0][skill] for i in both], [i.passes[1][skill] for i in both], weights="quadratic")
        rows.append(Row(source, f"weighted κ, {skill}", len(both), {"pass 1 vs pass 2": _fmt(k)}))
    return rows


EPITOME_FILES = {
    "emotional_reaction": "emotional-reactions-reddit.csv",
    "interpretation": "interpretations-reddit.csv",
    "exploration": "explorations-reddit.csv",
}


def evaluate_epitome(directory: Path, predictors: dict[str, Predictor], *, limit: int | None = None) -> list[Row]:
    rows = []
    folder = directory / "epitome"
    if not folder.is_dir():
        return [Row("EPITOME Reddit", f"not found at {folder}: skipped", 0, {})]
    for skill, filename in EPITOME_FILES.items():
        with (folder / filename).open(encoding="utf-8", newline="") as fh:
            data = [(r["response_post"], int(r["level"])) for r in csv.DictReader(fh)]
        if limit:
            data = data[:limit]
        gold = [level for _, level in data]
        values3, values2, figures3, figures2 = {}, {}, {}, {}
        for name, predict in predictors.items():
            pred = [predict(text, "")[skill] for text, _ in data]
            acc3, f1_3 = accuracy(gold, pred) * 100, macro_f1(gold, pred) * 100
            values3[name] = f"acc {acc3:.1f} / F1 {f1_3:.1f}"
            figures3[name] = {f"epitome.{skill}.levels.f1": f1_3}
            g2, p2 = [int(g > 0) for g in gold], [int(p > 0) for p in pred]
            acc2, f1_2 = accuracy(g2, p2) * 100, macro_f1(g2, p2) * 100
            values2[name] = f"acc {acc2:.1f} / F1 {f1_2:.1f}"
            figures2[name] = {f"epitome.{skill}.present.f1": f1_2}
        rows.append(Row("EPITOME Reddit", f"{skill}, 3 levels", len(data), values3, ANCHORS[f"epitome_{skill}"], figures=figures3))
        rows.append(Row("EPITOME Reddit", f"{skill}, present or not", len(data), values2, "target F1 ≥ 80", figures=figures2))
    return rows


def evaluate_annomi(directory: Path, predictors: dict[str, Predictor], *, limit: int | None = None) -> list[Row]:
    path = directory / "annomi" / "AnnoMI-simple.csv"
    if not path.exists():
        return [Row("AnnoMI", f"not found at {path}: skipped", 0, {})]
    with path.open(encoding="utf-8", newline="") as fh:
        data = [(r["utterance_text"], r["main_therapist_behaviour"]) for r in csv.DictReader(fh) if r["interlocutor"] == "therapist"]
    if limit:
        data = data[:limit]
    rows = []
    # a question is exploration (EPITOME), a reflection is interpretation
    predicted = {name: [predict(text, "") for text, _ in data] for name, predict in predictors.items()}
    for label, skill, anchor in (
        ("question", "exploration", ANCHORS["annomi_question"]),
        ("reflection", "interpretation", ANCHORS["annomi_reflection"]),
    ):
        gold = [int(b == label) for _, b in data]
        kappa = {name: cohen_kappa(gold, [int(p[skill] > 0) for p in preds]) for name, preds in predicted.items()}
        rows.append(Row("AnnoMI therapist", f"{label} vs not", len(data), {n: f"κ {v:.2f}" for n, v in kappa.items()},
                        anchor + "; target " + ("0.80" if label == "question" else "0.60"),
                        figures={n: {f"annomi.{label}.kappa": v} for n, v in kappa.items()}))
    return rows


def claims_path() -> Path:
    return labelled_dir().parent / "claims.jsonl"


def fact_check_agreement(path: Path | None = None) -> tuple[int, int, int]:
    """(true, false, missed) flags of the fact check on the labelled claims (eval/claims.jsonl).

    A flag is true when it overlaps a claim labelled as contradicting the record; every labelled
    claim no flag overlaps is missed. Each line gives the persona's words so far ("said").
    """
    from simulator.domain.scenario import load_library
    from simulator.scoring.facts import disputed_claims

    scenarios, _ = load_library()
    true = false = missed = 0
    for row in _jsonl(path or claims_path()):
        text = row["text"]
        flags = disputed_claims(scenarios[row["scenario"]], text, said=row.get("said", []))
        gold = [(text.index(g), text.index(g) + len(g)) for g in row["contradicts"]]
        for flag in flags:
            if any(a < flag.end and flag.start < b for a, b in gold):
                true += 1
            else:
                false += 1
        missed += sum(1 for a, b in gold if not any(a < f.end and f.start < b for f in flags))
    return true, false, missed


def evaluate_claims(path: Path | None = None) -> list[Row]:
    path = path or claims_path()
    if not path.exists():
        return [Row("own claims", f"not found at {path}: skipped", 0, {})]
    n = len(_jsonl(path))
    true, false, missed = fact_check_agreement(path)
    precision = true / (true + false) if true + false else float("nan")
    recall = true / (true + missed) if true + missed else float("nan")
    figure = {"offline": f"P {_fmt(precision)} / R {_fmt(recall)}"}
    return [Row(f"own claims ({n})", f"fact check ({true + missed} contradicting)", n, figure, "target P ≥ 0.95")]


def evaluate_move_corpus() -> list[Row]:
    """Per-move figures on the held-out move corpus: the offline tagger (learned) beside the rules alone."""
    from simulator.engine.learned_tagger import LearnedTagger
    from simulator.engine.tagger import RuleTagger
    from simulator.evaluation import moves_eval
    from simulator.scoring.offline import OfflineScorer

    rules = RuleTagger()
    taggers = {"offline": LearnedTagger().tag_many, "rules only": lambda texts: [rules.tag(t) for t in texts]}
    scorer = OfflineScorer(tagger=rules)

    def scorer_for(_column: str):
        # Human labels judge the wording (docs/codebook.md): no scenario, so no fact check and feedback weights.
        def score(u, tagging):
            scored = scorer.score(u.text, tagging=tagging)
            return scored.empathy, scored.evidence

        return score

    return moves_eval.evaluate(taggers, scorer_for)


def run(*, predictors: dict[str, Predictor] | None = None, public: Path | None = None, limit: int | None = None) -> list[Row]:
    """The agreement table. `limit` caps every set (the judge makes one request per item)."""
    predictors = predictors or {"offline": offline_predictor()}
    items = load_labelled()
    public = public or public_dir()
    return (
        evaluate_own(items, predictors, limit=limit)
        + evaluate_move_corpus()
        + evaluate_claims()
        + human_agreement(items)
        + evaluate_epitome(public, predictors, limit=limit)
        + evaluate_annomi(public, predictors, limit=limit)
    )


def figures(rows: list[Row], column: str = "offline") -> dict[str, float]:
    """Every named figure of one column (a scorer), for the floors check."""
    return {name: value for row in rows for name, value in row.figures.get(column, {}).items()}


def render(rows: list[Row]) -> str:
    columns = []
    for row in rows:
        for name in row.values:
            if name not in columns:
                columns.append(name)
    header = "| data | measure | n | " + " | ".join(columns) + " | reference |"
    lines = [header, "|" + "---|" * (4 + len(columns))]
    for row in rows:
        cells = [row.values.get(c, "") for c in columns]
        lines.append(f"| {row.source} | {row.measure} | {row.n} | " + " | ".join(cells) + f" | {row.anchor} |")
    return "\n".join(lines)
