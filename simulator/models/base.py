"""The ChatModel protocol and the errors a model can raise.

A chat model does two things for the simulator: it streams a persona's reply as text
(`stream`), and it answers with a structured object that fits a pydantic schema
(`parse`, used by the tagger and the judge). Everything else (state, scores, what the
persona may reveal) lives in plain code.

Every error here is a `SimulatorError`: its message is safe to show to a user (it
never contains the API key or the conversation) and says how to fix the problem.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

from simulator.errors import SimulatorError

Message = dict[str, str]
"""One chat message: {"role": "system" | "user" | "assistant", "content": "..."}."""

T = TypeVar("T", bound=BaseModel)


@runtime_checkable
class ChatModel(Protocol):
    """What the engine needs from a language model."""

    name: str

    def stream(self, messages: list[Message], *, max_tokens: int) -> Iterator[str]:
        """Yield the reply as pieces of text.

        If the stream breaks after some text has been yielded, raise
        `StreamInterrupted(partial)`; the caller keeps what it has received.
        """
        ...

    def parse(self, messages: list[Message], schema: type[T], *, max_tokens: int) -> T:
        """Return the reply as an instance of `schema` (a pydantic model).

        Raise `ModelOutputInvalid` when the reply does not fit, `ModelRefused` when the
        model declines to answer.
        """
        ...


class ModelError(SimulatorError):
    """A language-model call failed. The message says what to do about it.

    Attributes (all optional) help logging and the UI: `endpoint` (the base URL, never
    the key), `model`, `status_code` (HTTP status, when there was one) and `attempts`
    (requests sent for this call).
    """

    def __init__(
        self,
        message: str,
        *,
        endpoint: str | None = None,
        model: str | None = None,
        status_code: int | None = None,
        attempts: int | None = None,
    ):
        super().__init__(message)
        self.endpoint = endpoint
        self.model = model
        self.status_code = status_code
        self.attempts = attempts


class ModelAuthError(ModelError):
    """401/403: the endpoint did not accept the API key."""


class ModelBadRequest(ModelError):
    """400/404/422 (and other 4xx): the request was refused as it is; retrying won't help."""


class ModelUnavailable(ModelError):
    """The endpoint could not be reached or stayed busy (429/5xx/connection/timeout) after retries."""


class StreamInterrupted(ModelError):
    """The reply stream broke or stalled after some text had arrived.

    `partial` is the text received before the break; keep it and mark it as interrupted.
    """

    def __init__(self, partial: str, message: str | None = None, **kwargs):
        self.partial = partial
        super().__init__(
            message
            or "The reply was cut off part-way through. The text received so far has been kept; "
            "send your message again to get a full reply, or switch to the offline engine in Settings.",
            **kwargs,
        )


class ModelOutputInvalid(ModelError):
    """A structured reply did not fit the expected schema (or was not JSON at all)."""


class ModelRefused(ModelError):
    """The model declined to answer. `refusal` holds its explanation, if it gave one."""

    def __init__(self, message: str, *, refusal: str | None = None, **kwargs):
        self.refusal = refusal
        super().__init__(message, **kwargs)


__all__ = [
    "ChatModel",
    "Message",
    "ModelAuthError",
    "ModelBadRequest",
    "ModelError",
    "ModelOutputInvalid",
    "ModelRefused",
    "ModelUnavailable",
    "StreamInterrupted",
    "T",
]
