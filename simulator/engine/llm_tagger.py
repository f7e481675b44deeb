"""A language model tags the manager's moves; the offline rules are the fallback.

The model returns each move with a verbatim quote; code keeps only quotes found
in the message (so spans point at real words). Any failure — network, refusal,
a reply that does not fit the schema — falls back to the rule tagger, so a turn
never dies because tagging failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from simulator.domain.moves import Move
from simulator.engine.learned_tagger import LearnedTagger
from simulator.engine.prompts import tagger_messages
from simulator.engine.tagger import Span, Tagging
from simulator.models.base import NO_USAGE, ModelError, Usage


class TaggedMove(BaseModel):
    move: Move
    quote: str


class TaggerVerdict(BaseModel):
    moves: list[TaggedMove]


@dataclass(frozen=True)
class TaggerRun:
    """One tagging by the model: the tagging (the rules' when the model failed), its usage, and why it fell back."""

    tagging: Tagging
    usage: Usage = NO_USAGE
    error: ModelError | None = None

    @property
    def tagger(self) -> str:
        """Which tagger tagged: "model:<name>" or "rules"."""
        return self.tagging.source


class ModelTagger:
    def __init__(self, model, *, max_tokens: int = 600):
        self.model = model
        self.name = f"model:{model.name}"
        self.fallback = LearnedTagger()  # the offline tagger, when the model fails
        self.max_tokens = max_tokens

    def tag(self, text: str) -> Tagging:
        return self.run(text).tagging

    def tag_many(self, texts: Sequence[str]) -> list[Tagging]:
        return [self.tag(t) for t in texts]

    def run(self, text: str) -> TaggerRun:
        try:
            response = self.model.parse(tagger_messages(text), TaggerVerdict, max_tokens=self.max_tokens)
        except ModelError as exc:
            return TaggerRun(self.fallback.tag(text), error=exc)
        spans = []
        lowered = text.lower()
        for item in response.output.moves:
            quote = item.quote.strip()
            start = lowered.find(quote.lower()) if quote else -1
            if start >= 0:
                spans.append(Span(item.move, start, start + len(quote), text[start : start + len(quote)]))
        spans.sort(key=lambda s: (s.start, s.end))
        return TaggerRun(Tagging(text=text, spans=spans, source=self.name), usage=response.usage)
