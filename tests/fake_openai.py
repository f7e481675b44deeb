"""The loopback fake OpenAI server (simulator/bench/fake_openai.py) and its pytest fixture.

    from tests.fake_openai import fake_openai  # noqa: F401

    def test_x(fake_openai): ...
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from simulator.bench.fake_openai import DEFAULT_TEXT, Behaviour, FakeOpenAI, RecordedRequest, fake_usage, split_words

__all__ = ["DEFAULT_TEXT", "Behaviour", "FakeOpenAI", "RecordedRequest", "fake_openai", "fake_usage", "split_words"]


@pytest.fixture
def fake_openai() -> Iterator[FakeOpenAI]:
    """A running FakeOpenAI for one test."""
    with FakeOpenAI() as server:
        yield server
