"""`simulator eval --responsiveness`: does the offline persona answer what was asked?

Each item of eval/responsiveness/messages.jsonl is a manager message written
independently of the persona lines, with the scenario topic an answer must
address. The message opens a fresh session (seeded, so the run is reproducible);
the reply is on topic when one of the lines the voice chose speaks to that topic.
The messages were never used to write lines or tune the topic threshold (that was
done on eval/voice-dev/).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from simulator.domain.scenario import Scenario
from simulator.domain.state import ConversationState, StateEngine
from simulator.engine.tagger import RuleTagger
from simulator.engine.voice import OfflineVoice, VoiceRequest

SEED = 7
TARGET = 0.90


def responsiveness_file() -> Path:
    return Path(__file__).resolve().parents[2] / "eval" / "responsiveness" / "messages.jsonl"


@dataclass
class ScenarioFigures:
    scenario: str
    total: int = 0
    on_topic: int = 0
    misses: list[dict] = field(default_factory=list)

    @property
    def share(self) -> float:
        return self.on_topic / self.total if self.total else 0.0


def load_messages(path: Path | None = None) -> list[dict]:
    path = path or responsiveness_file()
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def first_reply(scenario: Scenario, text: str, *, voice: OfflineVoice, seed: int = SEED):
    """The persona's reply when a session opens with this message."""
    engine = StateEngine(scenario)
    tagging = RuleTagger().tag(text)
    start = ConversationState.initial(scenario).model_copy(update={"seed": seed})
    state, outcome = engine.apply(start, tagging.moves, text=text)
    return voice.reply(VoiceRequest(scenario=scenario, state=state, note=engine.director_note(state, outcome), tagging=tagging))


def run(scenarios: Mapping[str, Scenario], messages: list[dict], *, voice: OfflineVoice | None = None) -> list[ScenarioFigures]:
    voice = voice or OfflineVoice()
    figures: dict[str, ScenarioFigures] = {}
    for item in messages:
        scenario = scenarios.get(item["scenario"])
        if scenario is None:
            continue
        row = figures.setdefault(scenario.id, ScenarioFigures(scenario.id))
        reply = first_reply(scenario, item["text"], voice=voice)
        row.total += 1
        # a general remark (topic null, in the development set) is answered well by a general line
        if item["topic"] in reply.topics if item["topic"] else reply.topic is None:
            row.on_topic += 1
        else:
            row.misses.append({"id": item.get("id"), "text": item["text"], "topic": item["topic"], "heard": reply.topic,
                               "reply": " ".join(reply.lines)})
    return sorted(figures.values(), key=lambda f: f.scenario)


def render(rows: list[ScenarioFigures]) -> str:
    total = sum(r.total for r in rows)
    on_topic = sum(r.on_topic for r in rows)
    lines = ["Responsiveness (offline voice, first reply on topic)", f"{'scenario':24} {'messages':>8} {'on topic':>9}"]
    lines += [f"{r.scenario:24} {r.total:>8} {r.share:>8.0%}" for r in rows]
    share = on_topic / total if total else 0.0
    lines.append(f"{'all':24} {total:>8} {share:>8.0%}   (target {TARGET:.0%})")
    return "\n".join(lines)
