"""Build the engine's parts from settings: offline by default, a model where configured."""

from __future__ import annotations

from dataclasses import dataclass

from simulator.config import Settings
from simulator.engine.tagger import RuleTagger, Tagger
from simulator.engine.voice import OfflineVoice, Voice
from simulator.errors import SimulatorError


@dataclass
class Components:
    voice: Voice
    tagger: Tagger
    judge: object | None  # LLMJudge
    mode: str  # what to tell the user


def chat_model(settings: Settings, model: str, **kwargs):
    from simulator.models.openai_chat import OpenAIChatModel

    return OpenAIChatModel(model=model, base_url=settings.models.base_url, api_key=settings.models.api_key, **kwargs)


def components(settings: Settings) -> Components:
    m = settings.models
    if not m.online:
        return Components(voice=OfflineVoice(), tagger=RuleTagger(), judge=None, mode="Offline: the built-in engine plays the persona (no model configured).")
    if not (m.base_url or m.api_key):
        raise SimulatorError(
            f"Model '{m.persona_model}' is set but no endpoint is: set OPENAI_API_KEY (for the OpenAI API) or "
            "OPENAI_BASE_URL (for a local server such as Ollama), or use the offline engine."
        )
    from simulator.engine.llm_tagger import ModelTagger
    from simulator.engine.voice import ModelVoice
    from simulator.scoring.judge import LLMJudge

    voice = ModelVoice(chat_model(settings, m.persona_model), history_tokens=settings.history_tokens)
    tagger = ModelTagger(chat_model(settings, m.tagger_model)) if m.tagger_model else RuleTagger()
    judge = LLMJudge(chat_model(settings, m.judge_model, read_timeout=120.0)) if m.judge_model else None
    where = m.base_url or "the OpenAI API"
    return Components(voice=voice, tagger=tagger, judge=judge, mode=f"Model: {m.persona_model} at {where} plays the persona; judge: {m.judge_model or 'offline scorer'}.")
