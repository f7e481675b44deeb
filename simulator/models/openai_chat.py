"""A ChatModel for any OpenAI-compatible chat completions endpoint.

Works with api.openai.com and local servers (Ollama, vLLM, llama.cpp, LM Studio...).

Design notes
------------
* Every call returns its own result: `stream` a `StreamResponse` (iterate it for the
  text), `parse` a `Response` whose `output` is the parsed object. Each carries its
  usage, finish reason and the number of requests sent. The model object keeps nothing
  per call, so one instance can serve every user of the app at once.
* Usage is the endpoint's own report: streams ask for it with
  `stream_options={"include_usage": True}` (the last chunk then carries it). Only when
  no report arrives (a stream that broke or was closed early, a server that ignores the
  option) is it estimated with the model's tokenizer, and `usage.source` says so.
* Retries: see simulator.models.retry (one policy, tenacity; the SDK client is built
  with `max_retries=0`). Streams are retried only before their first piece of text.
  Once text has been yielded, any break (connection drop, malformed chunk, an error
  event, or no chunk for `stall_timeout` seconds) raises `StreamInterrupted(partial)`;
  the caller keeps the partial reply. The wait for the *first* piece is bounded by
  `read_timeout` instead, because a model may think for a while before it says anything.
* Stall detection: the consumer reads the SDK stream in its own thread (as the raw SDK
  does); a client's stall guard, a daemon thread alive while any of its streams is read,
  shuts down the socket of a stream that sent nothing for `stall_timeout`. The blocked
  read then fails in the consumer's thread, which closes the response itself, so the
  response is never closed from two threads at once. A consumer that stops early (e.g.
  Streamlit stopping a script run) closes the stream in its own thread.
* Explicit timeouts (the SDK default is 600 s): `connect_timeout` and `read_timeout`
  (per socket read).
* The client is built lazily: constructing an `OpenAIChatModel` touches no network and
  no environment. `api_key=None` sends a dummy key (local servers need *a* key for the
  SDK to start); the caller reads `OPENAI_API_KEY` (see simulator.config). With
  `base_url=None` the SDK uses `OPENAI_BASE_URL` or https://api.openai.com/v1.
* Reasoning models (o1/o3/o4..., gpt-5...) reject `max_tokens`; for them the limit is
  sent as `max_completion_tokens`.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Callable, Generator, Iterator
from typing import Any, TypedDict, TypeVar, cast
from urllib.parse import urlsplit, urlunsplit

import httpx2
import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from pydantic import BaseModel, ValidationError

from simulator.models.base import (
    NO_USAGE,
    Message,
    ModelAuthError,
    ModelBadRequest,
    ModelError,
    ModelOutputInvalid,
    ModelRefused,
    ModelUnavailable,
    Response,
    StreamInterrupted,
    StreamResponse,
    Usage,
)
from simulator.models.retry import RetryPolicy, Stalled, is_retryable

T = TypeVar("T", bound=BaseModel)

DEFAULT_ENDPOINT = "https://api.openai.com/v1"
OFFLINE_HINT = "You can keep practising with the offline engine meanwhile (choose it in Settings)."
_REASONING_MODEL = re.compile(r"^(?:.*/)?(?:o\d|gpt-5)", re.IGNORECASE)


_END = object()


class _Call:
    """What one call has done so far (lives only as long as the call)."""

    __slots__ = ("requests",)

    def __init__(self) -> None:
        self.requests = 0


class _Watched:
    """One stream being read, as the stall guard sees it."""

    __slots__ = ("stream", "since", "reading", "stalled", "done", "lock")

    def __init__(self, stream: openai.Stream[Any]):
        self.stream = stream
        self.since = time.monotonic()  # since when the reader has been waiting for this chunk
        self.reading = False  # a slow consumer between chunks is not a stalled server
        self.stalled = False
        self.done = False
        self.lock = threading.Lock()

    def cut(self) -> None:
        """Shut the stream's socket down: the read blocked on it fails in the reader's own thread,
        which closes the response (never two threads closing it at once)."""
        with self.lock:
            if self.done:
                return
            self.stalled = True
            response = self.stream.response
            if response.is_closed:  # finished a moment ago: its connection may be back in the pool
                return
            try:
                network_stream = response.extensions.get("network_stream")
                sock = network_stream.get_extra_info("socket") if network_stream is not None else None
                if sock is not None:
                    sock.shutdown(socket.SHUT_RDWR)
            except Exception:  # noqa: BLE001 - the socket may already be gone
                pass

    def finish(self) -> None:
        with self.lock:
            self.done = True


class _StallGuard:
    """Cuts streams that stop sending: while any stream of this client is being read, one daemon
    thread wakes at the earliest moment one of them could have been silent for `seconds` and cuts
    those that have. The chunks themselves are read in the consumer's thread, as the raw SDK reads
    them: handing every chunk over from a reader thread cost 3 to 7 ms of CPU per reply here."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._lock = threading.Lock()
        self._watched: set[_Watched] = set()
        self._thread: threading.Thread | None = None

    def watch(self, stream: openai.Stream[Any]) -> _Watched:
        watched = _Watched(stream)
        with self._lock:
            self._watched.add(watched)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="chat-stall-guard", daemon=True)
                self._thread.start()
        return watched

    def release(self, watched: _Watched) -> None:
        watched.finish()
        with self._lock:
            self._watched.discard(watched)

    def _run(self) -> None:
        # Never sleeps longer than `seconds`: a stream added during a sleep cannot have been silent
        # that long before the next look.
        while True:
            with self._lock:
                if not self._watched:
                    self._thread = None  # decided under the lock: `watch` starts a new thread
                    return
                watched = list(self._watched)
            now = time.monotonic()
            wait = self.seconds
            for w in watched:
                silent = now - w.since if w.reading else 0.0
                if silent >= self.seconds:
                    w.cut()
                    self.release(w)
                else:
                    wait = min(wait, self.seconds - silent)
            time.sleep(wait)


class _StreamReader:
    """Reads the rest of an SDK stream in the consumer's thread, watched by the client's stall guard.

    `rest`: the stream's chunks still to read (the first ones were read to find the first text).
    """

    def __init__(self, stream: openai.Stream[Any], rest: Iterator[Any], guard: _StallGuard):
        self._stream = stream
        self._rest = rest
        self._guard = guard
        self._watched: _Watched | None = None

    def next(self) -> Any:
        """The next chunk, `_END`, or the read's exception / `Stalled` (the guard cut the stream)."""
        watched = self._watched
        if watched is None:
            watched = self._watched = self._guard.watch(self._stream)
        watched.since = time.monotonic()
        watched.reading = True
        try:
            chunk = next(self._rest, _END)
        except Exception:
            if watched.stalled:
                raise Stalled(self._guard.seconds) from None
            raise
        finally:
            watched.reading = False
        if watched.stalled:  # a cut socket may read as an ordinary end of the body
            raise Stalled(self._guard.seconds)
        return chunk

    def abort(self) -> None:
        """Stop reading and close the stream (in the thread that read it). Safe to call more than once."""
        if self._watched is not None:
            self._guard.release(self._watched)
        try:
            self._stream.close()
        except Exception:  # noqa: BLE001 - best effort cleanup
            pass


def _server_message(exc: BaseException, limit: int = 300) -> str:
    body = getattr(exc, "body", None)
    message = body.get("message") if isinstance(body, dict) else body
    if not isinstance(message, str) or not message.strip():
        message = getattr(exc, "message", "") or ""
    message = " ".join(str(message).split())
    return message if len(message) <= limit else message[: limit - 1] + "…"


def _safe_url(url: str) -> str:
    """The URL without user info, query or fragment (never show credentials)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "the configured endpoint"
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path.rstrip("/"), "", "")) or url


class _TokenLimit(TypedDict, total=False):
    """The reply-length argument (reasoning models take `max_completion_tokens`, the others `max_tokens`), and a seed if asked."""

    max_tokens: int
    max_completion_tokens: int
    seed: int


def _sdk(messages: list[Message]) -> list[ChatCompletionMessageParam]:
    """Our plain role/content dicts, typed as the SDK's message union they already match at run time."""
    return cast("list[ChatCompletionMessageParam]", messages)


class OpenAIChatModel:
    """Chat with a model behind an OpenAI-compatible `/chat/completions` endpoint."""

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None,
        api_key: str | None,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        stall_timeout: float = 20.0,
        max_attempts: int = 4,
        max_retry_seconds: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        if not isinstance(model, str) or not model.strip():
            raise ValueError(f"model must be a non-empty model name, got {model!r}")
        for label, value in (
            ("connect_timeout", connect_timeout),
            ("read_timeout", read_timeout),
            ("stall_timeout", stall_timeout),
        ):
            if not value > 0:
                raise ValueError(f"{label} must be a positive number of seconds, got {value!r}")
        self.retry = RetryPolicy(max_attempts=max_attempts, max_seconds=float(max_retry_seconds), sleep=sleep)
        self.name = model
        self.model = model
        self.base_url = base_url or None
        self._api_key = api_key
        self.connect_timeout = float(connect_timeout)
        self.read_timeout = float(read_timeout)
        self.stall_timeout = float(stall_timeout)
        self._stall_guard = _StallGuard(self.stall_timeout)
        self._client: openai.OpenAI | None = None
        self._client_lock = threading.Lock()

    def __repr__(self) -> str:  # never shows the key
        return f"OpenAIChatModel(model={self.model!r}, endpoint={self.endpoint!r})"

    # ---- client ------------------------------------------------------------------------

    @property
    def client(self) -> openai.OpenAI:
        with self._client_lock:
            if self._client is None:
                self._client = openai.OpenAI(
                    base_url=self.base_url,
                    api_key=self._api_key or "not-needed",
                    max_retries=0,  # one retry layer: ours
                    timeout=httpx2.Timeout(
                        connect=self.connect_timeout,
                        read=self.read_timeout,
                        write=self.read_timeout,
                        pool=self.connect_timeout,
                    ),
                )
            return self._client

    @property
    def endpoint(self) -> str:
        """The base URL for messages (no credentials)."""
        if self._client is not None:
            return _safe_url(str(self._client.base_url))
        return _safe_url(self.base_url or DEFAULT_ENDPOINT)

    def close(self) -> None:
        with self._client_lock:
            if self._client is not None:
                self._client.close()
                self._client = None

    def __enter__(self) -> OpenAIChatModel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _limit(self, max_tokens: int) -> _TokenLimit:
        if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
            raise ValueError(f"max_tokens must be a whole number of at least 1, got {max_tokens!r}")
        if _REASONING_MODEL.match(self.model):
            return {"max_completion_tokens": max_tokens}
        return {"max_tokens": max_tokens}

    # ---- retries and errors --------------------------------------------------------------

    def _with_retries(self, fn: Callable[[], Any], call: _Call, *, purpose: str) -> Any:
        """`fn` under the retry policy; a final failure becomes a ModelError that says what to do."""

        def attempt() -> Any:
            call.requests += 1
            return fn()

        try:
            return self.retry.call(attempt, where=self.endpoint)
        except (openai.APIError, Stalled, json.JSONDecodeError) as exc:
            raise self._map_error(exc, attempts=call.requests, purpose=purpose) from exc

    def _map_error(self, exc: BaseException, *, attempts: int, purpose: str) -> ModelError:
        where = self.endpoint
        info: dict[str, Any] = {"endpoint": where, "model": self.model, "attempts": attempts}
        tries = f"after {attempts} attempt{'s' if attempts != 1 else ''}"
        if isinstance(exc, openai.APIStatusError):
            code = exc.status_code
            info["status_code"] = code
            if code == 401:
                return ModelAuthError(
                    f"{where} refused the API key (HTTP 401). Check that OPENAI_API_KEY is set to a valid key "
                    f"for this endpoint (local servers accept any key), then try again.",
                    **info,
                )
            if code == 403:
                return ModelAuthError(
                    f"{where} refused access (HTTP 403). Check that OPENAI_API_KEY is valid for this endpoint and "
                    f"that its account may use the model '{self.model}'.",
                    **info,
                )
            if is_retryable(exc):
                busy = "is rate-limiting requests" if code == 429 else "is failing or overloaded"
                return ModelUnavailable(
                    f"{where} {busy} (HTTP {code}) {tries}. Wait a minute and try again. {OFFLINE_HINT}",
                    **info,
                )
            said = _server_message(exc)
            said = f" The server said: {said}" if said else ""
            if code == 404:
                return ModelBadRequest(
                    f"{where} answered 404 Not Found for model '{self.model}'. Check the model name and that the "
                    f"endpoint URL is the API root (it usually ends in /v1).{said}",
                    **info,
                )
            if getattr(exc, "code", None) == "context_length_exceeded" or "context length" in said.lower():
                return ModelBadRequest(
                    f"The conversation is too long for the model '{self.model}' at {where}. Start a new practice "
                    f"session, or choose a model with a longer context.{said}",
                    **info,
                )
            extra = (
                " If the server does not support structured output (response_format json_schema), choose a model "
                "or server that does."
                if purpose == "structured"
                else ""
            )
            return ModelBadRequest(
                f"{where} rejected the request (HTTP {code}). Check the model name '{self.model}' and the endpoint "
                f"settings.{extra}{said}",
                **info,
            )
        if isinstance(exc, openai.APITimeoutError | Stalled):
            return ModelUnavailable(
                f"{where} did not answer within {self.read_timeout:g} s ({tries}). Check that the server is running "
                f"and not overloaded, then try again. {OFFLINE_HINT}",
                **info,
            )
        if isinstance(exc, openai.APIConnectionError):
            return ModelUnavailable(
                f"Could not reach {where} ({tries}). Check the endpoint URL and that the server is running. {OFFLINE_HINT}",
                **info,
            )
        if isinstance(exc, json.JSONDecodeError):
            return ModelOutputInvalid(
                f"{where} sent a reply that is not valid JSON. Check that the endpoint is OpenAI-compatible "
                f"(its URL usually ends in /v1). {OFFLINE_HINT}",
                **info,
            )
        said = _server_message(exc)
        return ModelUnavailable(
            f"{where} reported an error{': ' + said if said else ''}. Try again in a moment. {OFFLINE_HINT}",
            **info,
        )

    # ---- streaming -------------------------------------------------------------------------

    def stream(self, messages: list[Message], *, max_tokens: int, seed: int | None = None) -> StreamResponse:
        """The reply as a StreamResponse; iterate it for the pieces. Nothing is sent until the first `next()`."""
        limit = self._limit(max_tokens)
        if seed is not None:
            limit["seed"] = seed
        response = StreamResponse(self.model)
        return response.attach(self._generate(messages, limit, response))

    def _generate(self, messages: list[Message], limit: _TokenLimit, response: StreamResponse) -> Generator[str, None, None]:
        call = _Call()
        state: dict[str, Any] = {"refusal": [], "finish_reason": None, "usage": None, "opened": False}
        parts: list[str] = []
        reader: _StreamReader | None = None
        try:
            reader, first = self._with_retries(lambda: self._open_stream(messages, limit, state), call, purpose="stream")
            if first:  # else the stream has already ended, without text
                parts.append(first)
                yield first
            while first:
                chunk = reader.next()
                if chunk is _END:
                    break
                text = self._absorb(chunk, state)
                if text:
                    parts.append(text)
                    yield text
            response.done = True
        except Stalled as exc:
            response.interrupted = True
            raise self._interrupted(parts, f"stopped for more than {exc.seconds:g} s and was cut off") from None
        except ModelError:
            raise
        except Exception as exc:  # noqa: BLE001 - any break after text has arrived
            response.interrupted = True
            raise self._interrupted(parts, f"broke off part-way through ({_describe(exc)})") from exc
        finally:
            # Runs on success, on an error, and when the reader stops early (GeneratorExit).
            if reader is not None:
                reader.abort()
            response.text = "".join(parts)
            response.finish_reason = state["finish_reason"]
            response.requests = call.requests
            response.interrupted = response.interrupted or not response.done
            response.usage = self._usage(state["usage"], messages, response.text) if state["opened"] else NO_USAGE

    def _usage(self, reported: Any, messages: list[Message], text: str) -> Usage:
        """The endpoint's own usage report (a stream's JSON object or the SDK's typed one), else an
        estimate with the model's tokenizer."""
        prompt = _field(reported, "prompt_tokens")
        completion = _field(reported, "completion_tokens")
        if isinstance(prompt, int) and isinstance(completion, int):
            return Usage(prompt, completion, "api")
        from simulator.models.tokens import count_messages, count_tokens

        return Usage(count_messages(messages, self.model), count_tokens(text, self.model), "estimate")

    def _interrupted(self, parts: list[str], what: str) -> StreamInterrupted:
        return StreamInterrupted(
            "".join(parts),
            f"The reply from {self.endpoint} {what}. The text received so far has been kept; retry for a full reply. " + OFFLINE_HINT,
            endpoint=self.endpoint, model=self.model, attempts=1,
        )

    def _open_stream(self, messages: list[Message], limit: _TokenLimit, state: dict[str, Any]) -> tuple[_StreamReader, str]:
        """Send one request and wait for the first piece of text (retried as a whole by the caller).

        Returns the reader and that text; "" means the stream has already ended without text.
        """
        state["refusal"].clear()
        state["finish_reason"] = None
        state["usage"] = None
        # The body is posted as it is: `chat.completions.create` would first walk every message through the
        # SDK's type-directed transform (about 10 ms for a 40-message conversation here, before anything is
        # sent), which has nothing to change in plain role/content strings. Same JSON, same headers and auth.
        # The chunks come back as the JSON objects they are (`Stream[object]`): building a typed
        # ChatCompletionChunk for each cost more than everything else done per chunk, for four fields.
        body = {"model": self.model, "messages": messages, "stream": True, "stream_options": {"include_usage": True}, **limit}
        sdk_stream = self.client.post(
            "/chat/completions", body=body, options={"security": {"bearer_auth": True}},
            cast_to=ChatCompletion, stream=True, stream_cls=openai.Stream[object],
        )
        state["opened"] = True
        chunks = iter(sdk_stream)
        try:
            # The first text is read here, in the caller's thread (the SDK's read timeout bounds the
            # wait): handing it over from the reader thread cost about 10 ms of the first character.
            for chunk in chunks:
                text = self._absorb(chunk, state)
                if text:
                    return _StreamReader(sdk_stream, chunks, self._stall_guard), text
            if state["refusal"]:
                raise self._refused("".join(state["refusal"]))
            if state["finish_reason"] == "content_filter":
                raise self._refused(None)
            return _StreamReader(sdk_stream, iter(()), self._stall_guard), ""
        except BaseException:
            sdk_stream.close()
            raise

    @staticmethod
    def _absorb(chunk: Any, state: dict[str, Any]) -> str:
        """The text in one chunk (its JSON object; choice 0); notes refusals, the finish reason and the usage report."""
        usage = _field(chunk, "usage")
        if usage is not None:
            state["usage"] = usage
        text = ""
        choices = _field(chunk, "choices")
        for choice in choices if isinstance(choices, list) else []:
            if _field(choice, "index") not in (0, None):
                continue
            delta = _field(choice, "delta")
            refusal = _field(delta, "refusal")
            if isinstance(refusal, str) and refusal:
                state["refusal"].append(refusal)
            content = _field(delta, "content")
            if isinstance(content, str):
                text += content
            finish_reason = _field(choice, "finish_reason")
            if finish_reason:
                state["finish_reason"] = finish_reason
        return text

    def _refused(self, refusal: str | None) -> ModelRefused:
        quoted = f' It said: "{" ".join(refusal.split())[:300]}"' if refusal else ""
        return ModelRefused(
            f"The model '{self.model}' declined to answer.{quoted} Rephrase your message, or switch to the "
            "offline engine in Settings.",
            refusal=refusal, endpoint=self.endpoint, model=self.model,
        )

    # ---- structured output -----------------------------------------------------------------

    def parse(self, messages: list[Message], schema: type[T], *, max_tokens: int) -> Response[T]:
        """Ask for a reply that fits `schema` (sent as a strict json_schema); `output` holds it parsed."""
        limit = self._limit(max_tokens)
        call = _Call()

        def send() -> Any:
            return self.client.chat.completions.parse(model=self.model, messages=_sdk(messages), response_format=schema, **limit)

        what = f"The model '{self.model}' at {self.endpoint}"
        try:
            completion = self._with_retries(send, call, purpose="structured")
        except ValidationError as exc:
            raise ModelOutputInvalid(
                f"{what} answered with something that does not fit the expected {schema.__name__} format "
                f"({exc.error_count()} problem{'s' if exc.error_count() != 1 else ''}). Try again, or choose a model "
                f"that supports structured output. {OFFLINE_HINT}",
                endpoint=self.endpoint, model=self.model, attempts=call.requests,
            ) from exc
        except openai.LengthFinishReasonError as exc:
            raise ModelOutputInvalid(
                f"{what} ran out of room (max_tokens={max_tokens}) before finishing its {schema.__name__} answer. "
                "Raise the token limit, or shorten the conversation.",
                endpoint=self.endpoint, model=self.model, attempts=call.requests,
            ) from exc
        except openai.ContentFilterFinishReasonError as exc:
            raise self._refused(None) from exc
        choices = getattr(completion, "choices", None) or []
        if not choices:
            raise ModelOutputInvalid(
                f"{what} sent an empty answer. Try again. {OFFLINE_HINT}", endpoint=self.endpoint, model=self.model
            )
        choice = choices[0]
        message = choice.message
        if getattr(message, "refusal", None):
            raise self._refused(message.refusal)
        parsed = getattr(message, "parsed", None)
        if parsed is None:
            raise ModelOutputInvalid(
                f"{what} sent no {schema.__name__} answer (empty content). Try again, or choose a model that "
                f"supports structured output. {OFFLINE_HINT}",
                endpoint=self.endpoint, model=self.model, attempts=call.requests,
            )
        text = getattr(message, "content", None) or ""
        return Response(
            model=self.model, text=text, output=parsed, usage=self._usage(getattr(completion, "usage", None), messages, text),
            finish_reason=choice.finish_reason, requests=call.requests,
        )

    # ---- settings page ---------------------------------------------------------------------

    def check_connection(self) -> str:
        """Send one tiny request (no retries) and describe the result, or raise the mapped error."""
        started = time.monotonic()
        try:
            completion = self.client.chat.completions.create(
                model=self.model,
                messages=[{"role": "user", "content": "Reply with the single word: OK"}],
                **self._limit(16),
            )
        except (openai.APIError, json.JSONDecodeError) as exc:
            raise self._map_error(exc, attempts=1, purpose="check") from exc
        elapsed = time.monotonic() - started
        served_by = getattr(completion, "model", None) or self.model
        return f"Connected to {self.endpoint}: model '{served_by}' answered in {elapsed:.1f} s."


def _field(obj: Any, name: str) -> Any:
    """A field of a JSON object (a dict) or of the SDK's typed object; None when absent or not an object."""
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None) if isinstance(obj, BaseModel) else None


def _describe(exc: BaseException | None) -> str:
    if exc is None:
        return "unknown error"
    if isinstance(exc, openai.APIStatusError):
        return f"HTTP {exc.status_code}"
    if isinstance(exc, openai.APITimeoutError):
        return "timed out"
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__
        return f"connection error: {type(cause).__name__}" if cause else "connection error"
    if isinstance(exc, json.JSONDecodeError):
        return "a malformed chunk"
    if isinstance(exc, Stalled):
        return str(exc)
    return type(exc).__name__


__all__ = ["OpenAIChatModel"]
