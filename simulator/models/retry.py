"""The retry policy for model calls, in one place (tenacity).

* One retry layer: the SDK client is built with `max_retries=0` (its own retries would
  multiply with these) and this policy retries 408/429/5xx, connection errors and
  timeouts. 400/401/403/404/422 are never retried.
* `Retry-After` (or `retry-after-ms`) is honoured, capped by what is left of the time
  budget; otherwise exponential backoff (0.5 s, 1 s, 2 s... up to 8 s, a little jitter).
* Both the attempts (`max_attempts`) and the total time (`max_seconds`) are bounded.
  Time spent = real time outside `sleep` + the seconds asked of `sleep`, so a fake
  `sleep` in tests still spends the budget. A Retry-After longer than the budget left
  is cut to what is left, then one last try.
* A stream is retried only before its first piece of text: the caller wraps "send the
  request and wait for the first piece" as the retried function, never the rest.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TypeVar

import openai
import tenacity

log = logging.getLogger(__name__)

R = TypeVar("R")

RETRYABLE_STATUS = frozenset({408, 429})  # plus every 5xx
BACKOFF_FIRST = 0.5  # seconds before the 2nd attempt when the server gives no Retry-After
BACKOFF_MAX = 8.0


class Stalled(Exception):
    """No data arrived from the server within the allowed time (retryable before the first chunk)."""

    def __init__(self, seconds: float):
        super().__init__(f"no data for {seconds:g} s")
        self.seconds = seconds


def is_retryable(exc: BaseException) -> bool:
    if isinstance(exc, openai.APIStatusError):
        return exc.status_code in RETRYABLE_STATUS or exc.status_code >= 500
    return isinstance(exc, openai.APIConnectionError | Stalled)  # APITimeoutError is an APIConnectionError


def retry_after_seconds(exc: BaseException | None) -> float | None:
    """The wait a server asked for in `retry-after-ms` or `Retry-After` (seconds or an HTTP date)."""
    response = getattr(exc, "response", None)
    if response is None:
        return None
    headers = response.headers
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            return max(0.0, float(raw_ms) / 1000)
        except ValueError:
            pass
    raw = headers.get("retry-after")
    if not raw:
        return None
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def backoff(attempt_number: int) -> float:
    base = min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (attempt_number - 1))
    return base * random.uniform(1.0, 1.25)  # a little jitter


class _Budget:
    """The time left for the retries of one call (see the module notes)."""

    def __init__(self, seconds: float, sleep: Callable[[float], None]):
        self.seconds = seconds
        self._sleep = sleep
        self._start = time.monotonic()
        self._real_sleeping = 0.0
        self._asked = 0.0

    def remaining(self) -> float:
        spent = time.monotonic() - self._start - self._real_sleeping + self._asked
        return self.seconds - spent

    def sleep(self, seconds: float) -> None:
        started = time.monotonic()
        try:
            self._sleep(seconds)
        finally:
            self._real_sleeping += time.monotonic() - started
            self._asked += seconds


class _OutOfTime(tenacity.stop.stop_base):
    def __init__(self, budget: _Budget):
        self.budget = budget

    def __call__(self, retry_state: tenacity.RetryCallState) -> bool:
        return self.budget.remaining() <= 0


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long one model call may be retried. Immutable: safe to share between threads."""

    max_attempts: int = 4
    max_seconds: float = 30.0
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise ValueError(f"max_attempts must be a whole number of at least 1, got {self.max_attempts!r}")
        if not self.max_seconds >= 0:
            raise ValueError(f"max_retry_seconds must be zero or more seconds, got {self.max_seconds!r}")

    def call(self, fn: Callable[[], R], *, where: str = "the model endpoint") -> R:
        """Run `fn`, retrying retryable failures; the last failure is re-raised as it is."""
        budget = _Budget(self.max_seconds, self.sleep)

        def wait(state: tenacity.RetryCallState) -> float:
            exc = state.outcome.exception() if state.outcome else None
            asked = retry_after_seconds(exc)
            wanted = asked if asked is not None else backoff(state.attempt_number)
            return max(0.0, min(wanted, budget.remaining()))

        def before_sleep(state: tenacity.RetryCallState) -> None:
            exc = state.outcome.exception() if state.outcome else None
            log.warning(
                "%s: attempt %d of %d failed (%s); retrying in %.1f s", where, state.attempt_number,
                self.max_attempts, type(exc).__name__, state.next_action.sleep if state.next_action else 0.0,
            )

        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception(is_retryable),
            stop=tenacity.stop_after_attempt(self.max_attempts) | _OutOfTime(budget),
            wait=wait,
            sleep=budget.sleep,
            before_sleep=before_sleep,
            reraise=True,
        )
        return retrying(fn)


__all__ = ["RetryPolicy", "Stalled", "backoff", "is_retryable", "retry_after_seconds"]
