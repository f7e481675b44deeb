"""What the manager's message is about: one of the scenario's declared topics, or none.

Each topic is represented by its description and by the authored lines that speak to
it (a topic's lines say, in the persona's words, what the topic sounds like in this
conversation). A message is embedded with the sentence encoder and compared with
both; the best topic counts only above a similarity threshold, so small talk and
general remarks get general lines. The vectors of a scenario are computed once per
process and cached by the scenario's content.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass

import numpy as np

from simulator.domain.scenario import Scenario
from simulator.engine.encoder import SentenceEncoder, shared_encoder

# Tuned on the development messages in tests/data/topic_dev.jsonl (never on eval/responsiveness/).
THRESHOLD = 0.30
DESCRIPTION_WEIGHT = 0.5  # a topic's score: this share from its description, the rest from its closest line


@dataclass(frozen=True)
class TopicMatch:
    topic: str | None  # None: no topic clears the threshold
    score: float
    scores: dict[str, float]


class TopicIndex:
    """The topic vectors of one scenario."""

    def __init__(self, scenario: Scenario, encoder: SentenceEncoder | None = None):
        self.encoder = encoder or shared_encoder()
        self.topic_ids = list(scenario.topics)
        lines = scenario.lines.all_lines() + [line for c in scenario.persona.hidden_concerns for line in c.reveal_lines]
        self._line_owner: list[str] = []
        line_texts: list[str] = []
        for line in lines:
            for topic in line.topics:
                self._line_owner.append(topic)
                line_texts.append(line.text)
        vectors = self.encoder.encode([scenario.topics[t] for t in self.topic_ids] + line_texts)
        self._descriptions = vectors[: len(self.topic_ids)]
        self._lines = vectors[len(self.topic_ids):]

    def match(self, text: str) -> TopicMatch:
        if not self.topic_ids or not text.strip():
            return TopicMatch(None, 0.0, {})
        vector = self.encoder.encode([text])[0]
        by_description = self._descriptions @ vector
        by_line = self._lines @ vector if len(self._lines) else np.zeros(0)
        scores: dict[str, float] = {}
        for i, topic in enumerate(self.topic_ids):
            closest = max((float(by_line[j]) for j, owner in enumerate(self._line_owner) if owner == topic), default=float(by_description[i]))
            scores[topic] = DESCRIPTION_WEIGHT * float(by_description[i]) + (1 - DESCRIPTION_WEIGHT) * closest
        best = max(scores, key=scores.__getitem__)
        return TopicMatch(best if scores[best] >= THRESHOLD else None, scores[best], scores)


_cache: dict[str, TopicIndex] = {}
_lock = threading.Lock()


def _content_key(scenario: Scenario) -> str:
    lines = scenario.lines.all_lines() + [line for c in scenario.persona.hidden_concerns for line in c.reveal_lines]
    content = [scenario.topics, [(line.text, line.topics) for line in lines]]
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def topic_index(scenario: Scenario) -> TopicIndex:
    """The scenario's index, built on first use and shared afterwards."""
    key = _content_key(scenario)
    with _lock:
        index = _cache.get(key)
    if index is None:
        index = TopicIndex(scenario)
        with _lock:
            _cache[key] = index
    return index
