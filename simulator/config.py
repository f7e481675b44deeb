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
    SIMULATOR_AUTH: str | None = _var("'oidc' for team mode: sign-in through the organisation's identity provider (default: local mode, no login)")
    SIMULATOR_TEAMS_FILE: str | None = _var("TOML file mapping people (by login email) to teams and roles (default: <data dir>/teams.toml)")
    SIMULATOR_OIDC_METADATA_URL: str | None = _var("team mode: the identity provider's .well-known/openid-configuration URL")
    SIMULATOR_OIDC_CLIENT_ID: str | None = _var("team mode: the app's client id at the identity provider")
    SIMULATOR_OIDC_CLIENT_SECRET: str | None = _var("team mode: the app's client secret at the identity provider")
    SIMULATOR_OIDC_REDIRECT_URI: str | None = _var("team mode: the app's public URL + /oauth2callback, as registered at the provider")
    SIMULATOR_COOKIE_SECRET: str | None = _var("team mode: a long random string that signs the login cookie (the same on every app server)")
    SIMULATOR_RETENTION_DAYS: int | None = _var("delete sessions untouched for this many days (at app start, `simulator data purge`; default: keep)", gt=0)
    SIMULATOR_REDACT: str | None = _var("set to 1 to replace emails, phone numbers and known names before text is sent to a model API")
    SIMULATOR_REDACT_NAMES: str | None = _var("comma-separated names to redact as well (the team file's names are always included)")

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
POSITIVE_INTS["SIMULATOR_RETENTION_DAYS"] = 90  # optional, gt=0 too


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
class OidcSettings:
    """Team mode's sign-in: what Streamlit's `st.login` needs (written to .streamlit/secrets.toml)."""

    metadata_url: str
    client_id: str
    client_secret: str
    redirect_uri: str
    cookie_secret: str


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
    oidc: OidcSettings | None = None  # set: team mode, people sign in; None: local mode, no login
    teams_file: Path | None = None
    retention_days: int | None = None
    redact: bool = False
    redact_names: tuple[str, ...] = ()

    @property
    def team_mode(self) -> bool:
        return self.oidc is not None
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


def _oidc(env: Environment) -> OidcSettings | None:
    mode = (env.SIMULATOR_AUTH or "none").lower()
    if mode in ("none", "local"):
        return None
    if mode != "oidc":
        raise SimulatorError(f"SIMULATOR_AUTH={env.SIMULATOR_AUTH!r} is not known. Set it to 'oidc' (team mode) or leave it empty (local mode).")
    values = {
        "SIMULATOR_OIDC_METADATA_URL": env.SIMULATOR_OIDC_METADATA_URL, "SIMULATOR_OIDC_CLIENT_ID": env.SIMULATOR_OIDC_CLIENT_ID,
        "SIMULATOR_OIDC_CLIENT_SECRET": env.SIMULATOR_OIDC_CLIENT_SECRET, "SIMULATOR_OIDC_REDIRECT_URI": env.SIMULATOR_OIDC_REDIRECT_URI,
        "SIMULATOR_COOKIE_SECRET": env.SIMULATOR_COOKIE_SECRET,
    }
    missing = [name for name, value in values.items() if not value]
    if missing:
        raise SimulatorError(f"SIMULATOR_AUTH=oidc (team mode) needs {', '.join(missing)} as well. Set them (see docs/deploy.md).")
    metadata_url, client_id, client_secret, redirect_uri, cookie_secret = (str(v) for v in values.values())
    return OidcSettings(metadata_url, client_id, client_secret, redirect_uri, cookie_secret)


def streamlit_secrets(oidc: OidcSettings) -> str:
    """The `[auth]` section Streamlit's `st.login` reads from .streamlit/secrets.toml, from team mode's settings."""
    values = {
        "redirect_uri": oidc.redirect_uri, "cookie_secret": oidc.cookie_secret, "client_id": oidc.client_id,
        "client_secret": oidc.client_secret, "server_metadata_url": oidc.metadata_url,
    }
    # TOML basic strings take JSON's escapes
    lines = ["# Written by `simulator team secrets` from SIMULATOR_OIDC_* settings; do not commit.", "[auth]"]
    lines += [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    return "\n".join(lines) + "\n"


def write_streamlit_secrets(settings: Settings, path: Path) -> Path:
    """Write the secrets file for team mode (readable by its owner only)."""
    if settings.oidc is None:
        raise SimulatorError("Team mode is off (SIMULATOR_AUTH is not 'oidc'): no sign-in secrets to write.")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(streamlit_secrets(settings.oidc), encoding="utf-8")
    path.chmod(0o600)
    return path


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
        oidc=_oidc(values),
        teams_file=Path(values.SIMULATOR_TEAMS_FILE).expanduser() if values.SIMULATOR_TEAMS_FILE else data_dir / "teams.toml",
        retention_days=values.SIMULATOR_RETENTION_DAYS,
        redact=(values.SIMULATOR_REDACT or "").strip().lower() in ("1", "true", "yes"),
        redact_names=tuple(n.strip() for n in (values.SIMULATOR_REDACT_NAMES or "").split(",") if n.strip()),
        library_dir=Path(values.SIMULATOR_LIBRARY_DIR).expanduser() if values.SIMULATOR_LIBRARY_DIR else data_dir / "scenarios",
    )


_current: dict[tuple, Settings] = {}


def current_settings() -> Settings:
    """`load_settings()`, read again only when the environment or the settings page's file has changed: a page of
    the app asks for the settings many times per run, and reading them costs several milliseconds each time."""
    data_dir = Path(os.environ.get("SIMULATOR_DATA_DIR") or default_data_dir()).expanduser()
    try:
        stat = (data_dir / SETTINGS_FILE).stat()
        saved: tuple = (stat.st_mtime_ns, stat.st_size)
    except OSError:
        saved = ()
    key = (tuple(os.environ.get(name) for name in Environment.model_fields), str(data_dir), saved)
    found = _current.get(key)
    if found is None:
        found = load_settings()
        _current.clear()  # one entry: the settings as they are now
        _current[key] = found
    return found


def offline(settings: Settings) -> Settings:
    """The same settings with every model switched off."""
    return replace(settings, models=ModelSettings(settings.models.base_url, settings.models.api_key, None, None, None))
