"""A language model tags the manager's moves; the offline rules are the fallback.

The model returns each move with a verbatim quote; code keeps only quotes found
in the message (so spans point at real words). Any failure — network, refusal,
a reply that does not fit the schema — falls back to the rule tagger, so a turn
never dies because tagging failed.
"""

from __future__ import annotations

from pydantic import BaseModel

from simulator.engine.prompts import tagger_messages
from simulator.engine.tagger import RuleTagger, Span, Tagging
from simulator.models.base import ModelError
from simulator.domain.moves import Move


class TaggedMove(BaseModel):
    move: Move
    quote: str


class TaggerVerdict(BaseModel):
    moves: list[TaggedMove]


class ModelTagger:
    def __init__(self, model, *, max_tokens: int = 600):
        self.model = model
        self.fallback = RuleTagger()
        self.max_tokens = max_tokens
        self.failures = 0

    def tag(self, text: str) -> Tagging:
        try:
            verdict = self.model.parse(tagger_messages(text), TaggerVerdict, max_tokens=self.max_tokens)
        except ModelError:
            self.failures += 1
            return self.fallback.tag(text)
        spans = []
        lowered = text.lower()
        for item in verdict.moves:
            quote = item.quote.strip()
            start = lowered.find(quote.lower()) if quote else -1
            if start >= 0:
                spans.append(Span(item.move, start, start + len(quote), text[start : start + len(quote)]))
        spans.sort(key=lambda s: (s.start, s.end))
        return Tagging(text=text, spans=spans, source=f"model:{self.model.name}")
