"""The ChatModel protocol, the Response every call returns, and the errors a model can raise.

A chat model does two things for the simulator: it streams a persona's reply as text
(`stream`), and it answers with a structured object that fits a pydantic schema
(`parse`, used by the tagger and the judge). Everything else (state, scores, what the
persona may reveal) lives in plain code.

Every call returns its own `Response` (text, usage, finish reason, requests sent), in
the manner of simonw/llm's Response and pydantic-ai's run result: nothing about one call
is kept on the model object, which is shared by every user of the app.

Every error here is a `SimulatorError`: its message is safe to show to a user (it
never contains the API key or the conversation) and says how to fix the problem.
"""

from __future__ import annotations

from collections.abc import Generator, Iterator
from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel

from simulator.errors import SimulatorError

Message = dict[str, str]
"""One chat message: {"role": "system" | "user" | "assistant", "content": "..."}."""

T = TypeVar("T", bound=BaseModel)


@dataclass(frozen=True)
class Usage:
    """Tokens one call (or several, added up) used.

    `source` says where the numbers come from: "api" (the endpoint reported them),
    "estimate" (counted locally with the model's tokenizer because the endpoint sent
    none, e.g. a stream that broke before its usage chunk), "mixed" (a sum of both),
    or "none" (no tokens at all, e.g. the offline engine).
    """

    input_tokens: int = 0
    output_tokens: int = 0
    source: Literal["api", "estimate", "mixed", "none"] = "none"

    @property
    def total(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def estimated(self) -> bool:
        return self.source in ("estimate", "mixed")

    def __add__(self, other: Usage) -> Usage:
        sources = {u.source for u in (self, other) if u.source != "none"}
        source = "none" if not sources else sources.pop() if len(sources) == 1 else "mixed"
        return Usage(self.input_tokens + other.input_tokens, self.output_tokens + other.output_tokens, source)  # type: ignore[arg-type]


NO_USAGE = Usage()


@dataclass
class Response(Generic[T]):
    """The result of one model call: its own text, parsed output, usage, finish reason and request count.

    `requests` counts the HTTP requests sent for this call (retries included).
    `output` is the parsed object of a `parse` call (None for a stream).
    """

    model: str
    text: str = ""
    output: T | None = None
    usage: Usage = NO_USAGE
    finish_reason: str | None = None
    requests: int = 0
    interrupted: bool = False


class StreamResponse(Response[BaseModel]):
    """A streamed reply: iterate it (once) for the text; afterwards its fields describe the call.

    It behaves like the generator it wraps (`next`, `close`). Its fields are filled
    when the stream ends, breaks or is closed by its reader, so a caller that holds the
    object still learns the text and usage of an interrupted reply.
    """

    def __init__(self, model: str):
        super().__init__(model=model)
        self._chunks: Generator[str, None, None] | None = None
        self.done = False  # True once the reply arrived complete

    def attach(self, chunks: Generator[str, None, None]) -> StreamResponse:
        self._chunks = chunks
        return self

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        if self._chunks is None:
            raise StopIteration
        return next(self._chunks)

    def close(self) -> None:
        if self._chunks is not None:
            self._chunks.close()


@runtime_checkable
class ChatModel(Protocol):
    """What the engine needs from a language model."""

    name: str

    def stream(self, messages: list[Message], *, max_tokens: int, seed: int | None = None) -> StreamResponse:
        """The reply as a `StreamResponse`: iterating it yields pieces of text.

        `seed` asks for reproducible sampling where the endpoint supports it.

        Nothing is sent before the first `next()`. If the stream breaks after some text
        has been yielded, raise `StreamInterrupted(partial)`; the caller keeps what it
        has received, and the response's usage still counts it.
        """
        ...

    def parse(self, messages: list[Message], schema: type[T], *, max_tokens: int) -> Response[T]:
        """The reply as a `Response` whose `output` is an instance of `schema` (a pydantic model).

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
    "NO_USAGE",
    "ChatModel",
    "Response",
    "StreamResponse",
    "Usage",
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
