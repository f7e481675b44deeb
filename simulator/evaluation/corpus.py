"""The project's own move corpus: manager utterances with every move and the words that carry it.

Written for this project (see docs/codebook.md and eval/corpus/README.md): `train-*.jsonl`
fits the learned tagger; `heldout-*.jsonl`, written and labelled by other writers, is
only ever used to measure it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from simulator.errors import SimulatorError


def corpus_dir() -> Path:
    return Path(__file__).resolve().parents[2] / "eval" / "corpus"


@dataclass(frozen=True)
class Utterance:
    id: str
    scenario: str
    context: str
    text: str
    spans: tuple[tuple[str, int, int], ...]  # (move, start, end) in text
    empathy: int
    evidence: int
    case: str

    @property
    def moves(self) -> set[str]:
        return {m for m, _, _ in self.spans}


def _locate(text: str, labelled: list[dict], where: str) -> tuple[tuple[str, int, int], ...]:
    """Turn each labelled span's words into offsets (the n-th repeat of a phrase takes the n-th occurrence)."""
    out: list[tuple[str, int, int]] = []
    used: dict[tuple[str, str], int] = {}
    for item in labelled:
        words = item["text"]
        start = text.find(words, used.get((item["move"], words), 0))
        if start < 0:
            start = text.find(words)
        if start < 0 or not words:
            raise SimulatorError(f"{where}: the span {words!r} of move {item['move']} is not in the text. Fix the label.")
        used[(item["move"], words)] = start + 1
        out.append((item["move"], start, start + len(words)))
    return tuple(out)


def load_corpus(split: str, directory: Path | None = None) -> list[Utterance]:
    """Every utterance of one split ("train" or "heldout"), in file order."""
    directory = directory or corpus_dir()
    items = []
    for path in sorted(directory.glob(f"{split}-*.jsonl")):
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            raw = json.loads(line)
            where = f"{path.name}:{n}"
            items.append(Utterance(
                id=raw["id"], scenario=raw["scenario"], context=raw.get("context", ""), text=raw["text"],
                spans=_locate(raw["text"], raw["moves"], where), empathy=int(raw["empathy"]),
                evidence=int(raw["evidence"]), case=raw.get("case", ""),
            ))
    return items
