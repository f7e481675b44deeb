"""Settings, read from the environment (and the settings page's file) when asked for.

Nothing is read at import time. Every setting has help text; a test checks that
each one is documented in the README.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

from simulator.errors import SimulatorError

SETTINGS_HELP = {
    "SIMULATOR_DATA_DIR": "folder for the database, settings and caches (default: $XDG_DATA_HOME/conversation-simulator, else ~/.local/share/conversation-simulator)",
    "SIMULATOR_DATABASE_URL": "SQLAlchemy URL of the database (default: sqlite:///<data dir>/simulator.db)",
    "SIMULATOR_SCENARIOS_DIR": "folder of scenario .yaml files (default: the scenarios/ folder of this project)",
    "SIMULATOR_MAX_MESSAGE_CHARS": "longest manager message accepted, in characters (default: 2000)",
    "OPENAI_API_KEY": "API key of the OpenAI-compatible endpoint; with no key and no persona model the app runs offline",
    "OPENAI_BASE_URL": "base URL of an OpenAI-compatible endpoint (Azure, Ollama, vLLM, llama.cpp...); local servers need no key",
    "SIMULATOR_PERSONA_MODEL": "model that plays the persona (default: gpt-4o-mini when OPENAI_API_KEY is set; empty: offline voice)",
    "SIMULATOR_JUDGE_MODEL": "model that writes the debrief (default: the persona model; 'offline' for the offline scorer)",
    "SIMULATOR_TAGGER_MODEL": "model that tags the manager's moves (default: none, the offline rules)",
    "SIMULATOR_OFFLINE": "set to 1 to force the offline engine even when a model is configured",
    "SIMULATOR_SESSION_TOKEN_CAP": "tokens one practice session may use before it is stopped (default: 200000)",
    "SIMULATOR_HISTORY_TOKENS": "tokens of conversation history sent to the persona model per turn (default: 6000)",
    "SIMULATOR_PRICES_FILE": "JSON price table for cost estimates (default: <data dir>/prices.json, built-in prices if absent)",
}

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
    max_message_chars: int = 2000
    models: ModelSettings = ModelSettings(None, None, None, None, None)
    session_token_cap: int = 200_000
    history_tokens: int = 6000
    prices_file: Path | None = None


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "conversation-simulator"


def _positive_int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip() or str(default)
    try:
        value = int(raw)
        if value < 1:
            raise ValueError
    except ValueError:
        raise SimulatorError(f"{name}={raw!r} is not a positive whole number. Set it to e.g. {default}.") from None
    return value


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


def _models(env: dict[str, str], page: dict[str, str]) -> ModelSettings:
    def pick(page_key: str, env_key: str) -> str | None:
        return (page.get(page_key) or env.get(env_key) or "").strip() or None

    base_url, api_key = pick("base_url", "OPENAI_BASE_URL"), pick("api_key", "OPENAI_API_KEY")
    persona = pick("persona_model", "SIMULATOR_PERSONA_MODEL")
    if persona is None and api_key:
        persona = DEFAULT_PERSONA_MODEL
    if env.get("SIMULATOR_OFFLINE", "").strip() in ("1", "true", "yes") or (persona or "").lower() == "offline":
        persona = None
    judge = pick("judge_model", "SIMULATOR_JUDGE_MODEL") or persona
    if (judge or "").lower() == "offline":
        judge = None
    tagger = pick("tagger_model", "SIMULATOR_TAGGER_MODEL")
    if (tagger or "").lower() == "offline" or persona is None:
        tagger = None
    if persona is None:
        judge = None
    return ModelSettings(base_url=base_url, api_key=api_key, persona_model=persona, judge_model=judge, tagger_model=tagger)


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("SIMULATOR_DATA_DIR") or default_data_dir()).expanduser()
    url = env.get("SIMULATOR_DATABASE_URL") or f"sqlite:///{data_dir / 'simulator.db'}"
    scenarios = env.get("SIMULATOR_SCENARIOS_DIR")
    prices = env.get("SIMULATOR_PRICES_FILE")
    return Settings(
        data_dir=data_dir,
        database_url=url,
        scenarios_dir=Path(scenarios).expanduser() if scenarios else None,
        max_message_chars=_positive_int(env, "SIMULATOR_MAX_MESSAGE_CHARS", 2000),
        models=_models(env, read_page_settings(data_dir)),
        session_token_cap=_positive_int(env, "SIMULATOR_SESSION_TOKEN_CAP", 200_000),
        history_tokens=_positive_int(env, "SIMULATOR_HISTORY_TOKENS", 6000),
        prices_file=Path(prices).expanduser() if prices else data_dir / "prices.json",
    )


def offline(settings: Settings) -> Settings:
    """The same settings with every model switched off."""
    return replace(settings, models=ModelSettings(settings.models.base_url, settings.models.api_key, None, None, None))
