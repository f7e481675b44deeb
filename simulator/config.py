"""Settings, read from the environment (and the settings page's file) when asked for.

`Environment` (pydantic-settings) declares every environment variable once: its name,
type, default and help text. Nothing is read at import time: `load_settings()` reads
the environment when called, and resolves it with the settings page's file into
`Settings`. A test checks that every variable is documented in the README.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from simulator.errors import SimulatorError

DEFAULT_MAX_MESSAGE_CHARS = 2000
DEFAULT_SESSION_TOKEN_CAP = 200_000
DEFAULT_HISTORY_TOKENS = 6000


def _var(help_text: str, default: Any = None, **constraints: Any) -> Any:
    return Field(default=default, description=help_text, **constraints)


class Environment(BaseSettings):
    """The environment variables of the simulator, as typed values (empty means unset)."""

    model_config = SettingsConfigDict(case_sensitive=True, env_ignore_empty=True, extra="ignore", frozen=True)

    SIMULATOR_DATA_DIR: str | None = _var(
        "folder for the database, settings and caches (default: $XDG_DATA_HOME/conversation-simulator, else ~/.local/share/conversation-simulator)"
    )
    SIMULATOR_DATABASE_URL: str | None = _var("SQLAlchemy URL of the database (default: sqlite:///<data dir>/simulator.db)")
    SIMULATOR_SCENARIOS_DIR: str | None = _var("folder of scenario .yaml files (default: the scenarios shipped with the package)")
    SIMULATOR_LIBRARY_DIR: str | None = _var("folder where trainers publish scenarios from the authoring page (default: <data dir>/scenarios)")
    SIMULATOR_MAX_MESSAGE_CHARS: int = _var(
        f"longest manager message accepted, in characters (default: {DEFAULT_MAX_MESSAGE_CHARS})", DEFAULT_MAX_MESSAGE_CHARS, gt=0
    )
    OPENAI_API_KEY: str | None = _var("API key of the OpenAI-compatible endpoint; with no key and no persona model the app runs offline")
    OPENAI_BASE_URL: str | None = _var("base URL of an OpenAI-compatible endpoint (Azure, Ollama, vLLM, llama.cpp...); local servers need no key")
    SIMULATOR_PERSONA_MODEL: str | None = _var("model that plays the persona (default: gpt-4o-mini when OPENAI_API_KEY is set; empty: offline voice)")
    SIMULATOR_JUDGE_MODEL: str | None = _var("model that writes the debrief (default: the persona model; 'offline' for the offline scorer)")
    SIMULATOR_TAGGER_MODEL: str | None = _var("model that tags the manager's moves (default: none, the offline rules)")
    SIMULATOR_OFFLINE: str | None = _var("set to 1 to force the offline engine even when a model is configured")
    SIMULATOR_SESSION_TOKEN_CAP: int = _var(
        f"tokens one practice session may use before it is stopped (default: {DEFAULT_SESSION_TOKEN_CAP})", DEFAULT_SESSION_TOKEN_CAP, gt=0
    )
    SIMULATOR_HISTORY_TOKENS: int = _var(
        f"tokens of conversation history sent to the persona model per turn (default: {DEFAULT_HISTORY_TOKENS})", DEFAULT_HISTORY_TOKENS, gt=0
    )
    SIMULATOR_PRICES_FILE: str | None = _var("JSON price table for cost estimates (default: <data dir>/prices.json, built-in prices if absent)")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings)  # no .env file, no secrets folder: only what the process was given

    @model_validator(mode="before")
    @classmethod
    def _blank_is_unset(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            cleaned = {name: value.strip() if isinstance(value, str) else value for name, value in data.items()}
            return {name: value for name, value in cleaned.items() if value != ""}
        return data

    @classmethod
    def read(cls, env: Mapping[str, str] | None = None) -> Environment:
        """The process environment, or (tests, tools) exactly the given mapping; a bad value is a SimulatorError."""
        try:
            if env is None:
                return cls()  # pydantic-settings reads os.environ now
            # Every field given as an init value, so nothing falls through to os.environ.
            return cls(**{name: env.get(name, field.default) for name, field in cls.model_fields.items()})
        except ValidationError as exc:
            raise SimulatorError(_describe(exc)) from None


SETTINGS_HELP = {name: field.description or "" for name, field in Environment.model_fields.items()}
POSITIVE_INTS = {name: field.default for name, field in Environment.model_fields.items() if field.annotation is int}  # all gt=0


def _describe(exc: ValidationError) -> str:
    error = exc.errors()[0]
    name, raw = str(error["loc"][0]), error.get("input")
    if name in POSITIVE_INTS:
        return f"{name}={raw!r} is not a positive whole number. Set it to e.g. {POSITIVE_INTS[name]}."
    return f"{name}={raw!r} is not valid ({error['msg']}). {SETTINGS_HELP.get(name, '')}"


DEFAULT_PERSONA_MODEL = "gpt-4o-mini"
SETTINGS_FILE = "settings.json"
PAGE_KEYS = ("base_url", "api_key", "persona_model", "judge_model", "tagger_model")


@dataclass(frozen=True)
class ModelSettings:
    """Where the language models are; None fields mean 'not used'."""

    base_url: str | None
    api_key: str | None
    persona_model: str | None
    judge_model: str | None
    tagger_model: str | None

    @property
    def online(self) -> bool:
        return bool(self.persona_model)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    scenarios_dir: Path | None
    max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS
    models: ModelSettings = ModelSettings(None, None, None, None, None)
    session_token_cap: int = DEFAULT_SESSION_TOKEN_CAP
    history_tokens: int = DEFAULT_HISTORY_TOKENS
    prices_file: Path | None = None
    library_dir: Path | None = None  # trainers' published scenarios, listed beside the shipped ones


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "conversation-simulator"


def read_page_settings(data_dir: Path) -> dict[str, str]:
    """What the settings page saved (empty if nothing was saved)."""
    path = data_dir / SETTINGS_FILE
    if not path.exists():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SimulatorError(f"{path} cannot be read ({exc}). Fix or delete the file, then save the settings page again.") from None
    if not isinstance(raw, dict):
        raise SimulatorError(f"{path} must hold a JSON object. Delete it and save the settings page again.")
    return {k: str(v) for k, v in raw.items() if k in PAGE_KEYS and v is not None}


def save_page_settings(data_dir: Path, values: dict[str, str]) -> Path:
    """Store the settings page's values; the file is readable by its owner only (it may hold a key)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / SETTINGS_FILE
    clean = {k: v.strip() for k, v in values.items() if k in PAGE_KEYS and v and v.strip()}
    path.write_text(json.dumps(clean, indent=2), encoding="utf-8")
    path.chmod(0o600)
    return path


def _models(env: Environment, page: dict[str, str]) -> ModelSettings:
    def pick(page_key: str, env_value: str | None) -> str | None:
        return (page.get(page_key) or env_value or "").strip() or None

    base_url, api_key = pick("base_url", env.OPENAI_BASE_URL), pick("api_key", env.OPENAI_API_KEY)
    persona = pick("persona_model", env.SIMULATOR_PERSONA_MODEL)
    if persona is None and api_key:
        persona = DEFAULT_PERSONA_MODEL
    if (env.SIMULATOR_OFFLINE or "").strip() in ("1", "true", "yes") or (persona or "").lower() == "offline":
        persona = None
    judge = pick("judge_model", env.SIMULATOR_JUDGE_MODEL) or persona
    if (judge or "").lower() == "offline":
        judge = None
    tagger = pick("tagger_model", env.SIMULATOR_TAGGER_MODEL)
    if (tagger or "").lower() == "offline" or persona is None:
        tagger = None
    if persona is None:
        judge = None
    return ModelSettings(base_url=base_url, api_key=api_key, persona_model=persona, judge_model=judge, tagger_model=tagger)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """The settings now: the process environment (or exactly `env`), then the settings page's file for the models."""
    values = Environment.read(env)
    data_dir = Path(values.SIMULATOR_DATA_DIR or default_data_dir()).expanduser()
    return Settings(
        data_dir=data_dir,
        database_url=values.SIMULATOR_DATABASE_URL or f"sqlite:///{data_dir / 'simulator.db'}",
        scenarios_dir=Path(values.SIMULATOR_SCENARIOS_DIR).expanduser() if values.SIMULATOR_SCENARIOS_DIR else None,
        max_message_chars=values.SIMULATOR_MAX_MESSAGE_CHARS,
        models=_models(values, read_page_settings(data_dir)),
        session_token_cap=values.SIMULATOR_SESSION_TOKEN_CAP,
        history_tokens=values.SIMULATOR_HISTORY_TOKENS,
        prices_file=Path(values.SIMULATOR_PRICES_FILE).expanduser() if values.SIMULATOR_PRICES_FILE else data_dir / "prices.json",
        library_dir=Path(values.SIMULATOR_LIBRARY_DIR).expanduser() if values.SIMULATOR_LIBRARY_DIR else data_dir / "scenarios",
    )


def offline(settings: Settings) -> Settings:
    """The same settings with every model switched off."""
    return replace(settings, models=ModelSettings(settings.models.base_url, settings.models.api_key, None, None, None))
