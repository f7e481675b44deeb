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

# Tuned on our own development messages, eval/voice-dev/messages.jsonl (91 % right there, general
# remarks included); never on eval/responsiveness/, which measures the voice.
THRESHOLD = 0.20
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
        owners: list[int] = []
        line_texts: list[str] = []
        for line in lines:
            for topic in line.topics:
                owners.append(self.topic_ids.index(topic))
                line_texts.append(line.text)
        vectors = self.encoder.encode([scenario.topics[t] for t in self.topic_ids] + line_texts)
        self._descriptions = vectors[: len(self.topic_ids)]
        self._lines = vectors[len(self.topic_ids):]
        # (topics, lines) mask: which lines speak to which topic
        self._owns = np.zeros((len(self.topic_ids), len(line_texts)), dtype=bool)
        self._owns[owners, np.arange(len(line_texts))] = True

    def match(self, text: str) -> TopicMatch:
        return self.match_many([text])[0]

    def match_many(self, texts: list[str]) -> list[TopicMatch]:
        """The topic of each text, encoded in one batch (faster per text than one call each)."""
        wanted = [t for t in texts if self.topic_ids and t.strip()]
        vectors = dict(zip(wanted, self.encoder.encode(wanted), strict=True)) if wanted else {}
        return [self._match_vector(vectors[t]) if t in vectors else TopicMatch(None, 0.0, {}) for t in texts]

    def _match_vector(self, vector: np.ndarray) -> TopicMatch:
        by_description = self._descriptions @ vector
        by_line = np.where(self._owns, self._lines @ vector, -np.inf)
        closest = by_line.max(axis=1, initial=-np.inf)
        closest = np.where(np.isfinite(closest), closest, by_description)  # a topic with no line yet: its description only
        combined = DESCRIPTION_WEIGHT * by_description + (1 - DESCRIPTION_WEIGHT) * closest
        scores = {topic: float(combined[i]) for i, topic in enumerate(self.topic_ids)}
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
    with _lock:  # built under the lock: sixteen users starting at once build it once, not sixteen times
        index = _cache.get(key)
        if index is None:
            index = _cache[key] = TopicIndex(scenario)
    return index
