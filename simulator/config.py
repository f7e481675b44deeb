"""Settings, read from the environment when asked for (never at import time).

Every setting has help text; `tests/test_config.py` checks each is documented in
the README.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

SETTINGS_HELP = {
    "SIMULATOR_DATA_DIR": "folder for the database and exports (default: $XDG_DATA_HOME/conversation-simulator, else ~/.local/share/conversation-simulator)",
    "SIMULATOR_DATABASE_URL": "SQLAlchemy URL of the database (default: sqlite:///<data dir>/simulator.db)",
    "SIMULATOR_SCENARIOS_DIR": "folder of scenario .yaml files (default: the scenarios/ folder of this project)",
    "SIMULATOR_MAX_MESSAGE_CHARS": "longest manager message accepted, in characters (default: 2000)",
}


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    scenarios_dir: Path | None
    max_message_chars: int = 2000


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "conversation-simulator"


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("SIMULATOR_DATA_DIR") or default_data_dir()).expanduser()
    url = env.get("SIMULATOR_DATABASE_URL") or f"sqlite:///{data_dir / 'simulator.db'}"
    scenarios = env.get("SIMULATOR_SCENARIOS_DIR")
    raw_max = env.get("SIMULATOR_MAX_MESSAGE_CHARS", "2000")
    try:
        max_chars = int(raw_max)
        if max_chars < 1:
            raise ValueError
    except ValueError:
        from simulator.errors import SimulatorError

        raise SimulatorError(f"SIMULATOR_MAX_MESSAGE_CHARS={raw_max!r} is not a positive whole number. Set it to e.g. 2000.") from None
    return Settings(
        data_dir=data_dir,
        database_url=url,
        scenarios_dir=Path(scenarios).expanduser() if scenarios else None,
        max_message_chars=max_chars,
    )
