"""A fake OpenAI-compatible server on loopback, standard library only.

Tests and `simulator bench` talk to it: openai 3.x sends its requests through
`httpx2`, which respx and pytest-httpx do not intercept, so both use a real HTTP
server on 127.0.0.1 (a random free port). It never reaches the network.

    with FakeOpenAI() as server:
        server.rate_limit(retry_after=1).reply("Hello there")
        model = OpenAIChatModel(model="gpt-4o-mini", base_url=server.base_url, api_key="sk-test")
        ...
        assert len(server.chat_requests) == 2

or with the pytest fixture `fake_openai` of tests/fake_openai.py.

It speaks `POST /v1/chat/completions`, plain and streamed (SSE `data: {...}` chunks in
the real `chat.completion.chunk` shape, then `data: [DONE]`, over chunked transfer
encoding like real servers), and `GET /v1/models`. With `response_format` json_schema
the reply content is whatever JSON the test queued. Every request is recorded in
`server.requests` (method, path, lower-cased headers, parsed JSON body).

Tests queue behaviours; each request takes the next one. With an empty queue the server
answers with `responder(body)` if one is set, else with `default_text`. A responder gets
the parsed request body and returns the reply text, so a test can make the "model"
play a persona.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

DEFAULT_TEXT = "I hear you. Can you tell me more about what you mean?"

Responder = Callable[[dict[str, Any]], str]


class _QuietServer(ThreadingHTTPServer):
    """A client that hangs up (the SDK closing a kept-alive connection) is normal here, not an error to print."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


@dataclass
class RecordedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any

    @property
    def stream(self) -> bool:
        return bool(isinstance(self.body, dict) and self.body.get("stream"))


@dataclass
class Behaviour:
    """One scripted answer. `kind` is one of the names handled in `_Handler._act`."""

    kind: str
    text: str | Responder = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    message: str = ""
    after_words: int = 1
    seconds: float = 0.0


def split_words(text: str) -> list[str]:
    """Split text into word pieces that join back to exactly `text` ("Hi there" -> ["Hi", " there"])."""
    pieces = re.findall(r"\s*\S+", text)
    rest = text[len("".join(pieces)) :]
    if rest:
        if pieces:
            pieces[-1] += rest
        else:
            pieces = [rest]
    return pieces


def fake_usage(body: dict[str, Any], completion_text: str) -> dict[str, int]:
    """The usage this fake reports for a request and its reply: words, plus 4 per message of the prompt."""
    prompt_words = sum(len(str(m.get("content") or "").split()) + 4 for m in body.get("messages") or [])
    completion_words = len(completion_text.split())
    return {
        "prompt_tokens": prompt_words,
        "completion_tokens": completion_words,
        "total_tokens": prompt_words + completion_words,
    }


class FakeOpenAI:
    """A scripted OpenAI-compatible chat completions server on 127.0.0.1."""

    def __init__(
        self,
        *,
        default_text: str = DEFAULT_TEXT,
        responder: Responder | None = None,
        chunk_delay: float = 0.0,
        api_key: str | None = None,
        model_ids: tuple[str, ...] = ("gpt-4o-mini",),
        report_usage: bool = True,
    ):
        self.default_text = default_text
        self.responder = responder
        self.chunk_delay = chunk_delay
        self.api_key = api_key  # when set, requests without "Authorization: Bearer <api_key>" get 401
        self.model_ids = model_ids
        # Usage as real servers report it: in every plain completion, and in a last chunk
        # of a stream that asked with stream_options={"include_usage": true}. False plays a
        # server that reports none.
        self.report_usage = report_usage
        self.requests: list[RecordedRequest] = []
        self._queue: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle -------------------------------------------------------------------

    def start(self) -> FakeOpenAI:
        handler = type("BoundHandler", (_Handler,), {"fake": self})
        server = _QuietServer(("127.0.0.1", 0), handler)
        server.daemon_threads = True
        server.block_on_close = False  # don't wait for stalled handlers or idle keep-alive connections
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-openai", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "the fake server is not running; use it as a context manager"
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # ---- what happened ---------------------------------------------------------------

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path.rstrip("/").endswith("/chat/completions")]

    @property
    def pending(self) -> int:
        """Behaviours queued and not yet used."""
        with self._lock:
            return len(self._queue)

    # ---- scripting (each returns self, so calls chain) ---------------------------------

    def queue(self, behaviour: Behaviour) -> FakeOpenAI:
        with self._lock:
            self._queue.append(behaviour)
        return self

    def reply(self, text: str | Responder) -> FakeOpenAI:
        """A normal reply; streamed word by word when the request asks for a stream."""
        return self.queue(Behaviour("text", text=text))

    def reply_json(self, obj: Any) -> FakeOpenAI:
        """A structured reply: `obj` is serialised as JSON (a str is sent as it is)."""
        return self.queue(Behaviour("text", text=obj if isinstance(obj, str) else json.dumps(obj)))

    def invalid_json(self, text: str = "Sure! Here are the scores: {empathy: high") -> FakeOpenAI:
        """A judge reply that is not valid JSON."""
        return self.queue(Behaviour("text", text=text))

    def refusal(self, text: str = "I'm sorry, but I can't help with that.") -> FakeOpenAI:
        """The model refuses: `message.refusal` set and no content."""
        return self.queue(Behaviour("refusal", text=text))

    def error(self, status: int, message: str | None = None, headers: dict[str, str] | None = None) -> FakeOpenAI:
        """An HTTP error with an OpenAI-style error body."""
        return self.queue(
            Behaviour("status", status=status, message=message or f"fake error {status}", headers=dict(headers or {}))
        )

    def rate_limit(self, retry_after: float | str | None = 1) -> FakeOpenAI:
        headers = {} if retry_after is None else {"Retry-After": str(retry_after)}
        return self.error(429, "Rate limit reached. Please try again later.", headers)

    def unauthorized(self) -> FakeOpenAI:
        return self.error(401, "Incorrect API key provided.")

    def drop(self, text: str = "Well, I think that the real problem is", after_words: int = 2) -> FakeOpenAI:
        """Stream `after_words` words of `text`, then drop the connection (no end of body).

        `after_words=0` drops after the first (role-only) chunk, before any text. A
        non-streamed request gets half of its body and then the drop.
        """
        return self.queue(Behaviour("drop", text=text, after_words=after_words))

    def stall(self, text: str = "Honestly I don't know what to say to that.", after_words: int = 1, seconds: float = 1.5) -> FakeOpenAI:
        """Stream `after_words` words, go silent for `seconds`, then send the rest.

        `after_words=0` goes silent before any text. A non-streamed request waits
        `seconds` before the whole reply.
        """
        return self.queue(Behaviour("stall", text=text, after_words=after_words, seconds=seconds))

    def malformed_chunk(self, text: str = "That is not fair at all.", after_words: int = 1) -> FakeOpenAI:
        """Stream `after_words` words, then a `data:` line that is not valid JSON, then the rest.

        `after_words=0` sends the bad line before any text.
        """
        return self.queue(Behaviour("malformed", text=text, after_words=after_words))

    # ---- internals ---------------------------------------------------------------------

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self.requests.append(request)

    def _next(self) -> Behaviour:
        with self._lock:
            if self._queue:
                return self._queue.popleft()
        return Behaviour("text", text=self.responder or self.default_text)


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenAI  # set on the bound subclass
    protocol_version = "HTTP/1.1"  # keep-alive and chunked transfer encoding, like real servers
    timeout = 30  # idle keep-alive connections end eventually
    server_version = "FakeOpenAI/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet test output
        pass

    # ---- routing -----------------------------------------------------------------------

    def do_GET(self) -> None:  # noqa: N802
        self._record(None)
        if self.path.rstrip("/").endswith("/models"):
            data = [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in self.fake.model_ids]
            self._send_json(200, {"object": "list", "data": data})
        else:
            self._send_error(404, f"Unknown path {self.path}", "invalid_request_error")

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        self._record(body)
        try:
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send_error(404, f"Unknown path {self.path}", "invalid_request_error")
                return
            if self.fake.api_key is not None and self.headers.get("Authorization") != f"Bearer {self.fake.api_key}":
                self._send_error(401, "Incorrect API key provided.", "invalid_request_error", code="invalid_api_key")
                return
            if not isinstance(body, dict):
                self._send_error(400, "The request body is not a JSON object.", "invalid_request_error")
                return
            self._act(self.fake._next(), body)
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, TimeoutError, OSError):
            self.close_connection = True  # the client went away (expected after drops and stalls)

    def _record(self, body: Any) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.fake._record(RecordedRequest(self.command, self.path, headers, body))

    # ---- behaviours --------------------------------------------------------------------

    def _act(self, b: Behaviour, body: dict[str, Any]) -> None:
        stream = bool(body.get("stream"))
        model = str(body.get("model") or "fake-model")
        text = b.text(body) if callable(b.text) else b.text

        if b.kind == "status":
            err_type = {401: "invalid_request_error", 403: "permission_denied", 429: "rate_limit_exceeded"}.get(
                b.status, "server_error" if b.status >= 500 else "invalid_request_error"
            )
            self._send_error(b.status, b.message, err_type, headers=b.headers)
        elif b.kind == "text":
            if stream:
                self._stream(model, body, split_words(text))
            else:
                self._send_json(200, self._completion(model, body, content=text))
        elif b.kind == "refusal":
            if stream:
                self._stream(model, body, split_words(text), field_name="refusal")
            else:
                self._send_json(200, self._completion(model, body, content=None, refusal=text))
        elif b.kind == "drop":
            if stream:
                self._stream(model, body, split_words(text), drop_after=b.after_words)
            else:
                payload = json.dumps(self._completion(model, body, content=text)).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload[: len(payload) // 2])
                self.wfile.flush()
                self._hang_up()
        elif b.kind == "stall":
            if stream:
                self._stream(model, body, split_words(text), stall_after=b.after_words, stall_seconds=b.seconds)
            else:
                time.sleep(b.seconds)
                self._send_json(200, self._completion(model, body, content=text))
        elif b.kind == "malformed":
            if stream:
                self._stream(model, body, split_words(text), malformed_after=b.after_words)
            else:
                payload = b'{"id": "chatcmpl-fake", "choices": [{"index": 0, "message": {"content": "broken'
                self._send_raw(200, payload, "application/json")
        else:  # pragma: no cover - a typo in a test
            raise AssertionError(f"unknown fake behaviour {b.kind!r}")

    # ---- response shapes ----------------------------------------------------------------

    def _ids(self, model: str) -> dict[str, Any]:
        return {
            "id": f"chatcmpl-fake{len(self.fake.requests)}",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_fake",
        }

    def _usage(self, body: dict[str, Any], completion_text: str) -> dict[str, int]:
        return fake_usage(body, completion_text)

    def _completion(self, model: str, body: dict[str, Any], *, content: str | None, refusal: str | None = None) -> dict[str, Any]:
        return {
            **self._ids(model),
            "object": "chat.completion",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": refusal, "annotations": []},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": self._usage(body, content or refusal or "") if self.fake.report_usage else None,
        }

    def _chunk(self, ids: dict[str, Any], delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        return {
            **ids,
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
        }

    def _stream(
        self,
        model: str,
        body: dict[str, Any],
        pieces: list[str],
        *,
        field_name: str = "content",
        drop_after: int | None = None,
        stall_after: int | None = None,
        stall_seconds: float = 0.0,
        malformed_after: int | None = None,
    ) -> None:
        ids = self._ids(model)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        first_delta = {"role": "assistant", "content": "", "refusal": None} if field_name == "content" else {"role": "assistant", "refusal": ""}
        self._event(self._chunk(ids, first_delta))
        for i in range(len(pieces) + 1):
            if i > 0:  # after the role chunk (i == 0) and after each piece of text
                if self.fake.chunk_delay:
                    time.sleep(self.fake.chunk_delay)
                self._event(self._chunk(ids, {field_name: pieces[i - 1]}))
            if drop_after is not None and i >= drop_after:
                self._hang_up()
                return
            if stall_after is not None and i == stall_after:
                time.sleep(stall_seconds)
            if malformed_after is not None and i == malformed_after:
                self._write_chunk(b'data: {"id": "chatcmpl-fake", "choices": [{"delta": {"content": "oops\n\n')
        self._event(self._chunk(ids, {}, finish_reason="stop"))
        if self.fake.report_usage and (body.get("stream_options") or {}).get("include_usage"):
            self._event({**ids, "object": "chat.completion.chunk", "choices": [], "usage": self._usage(body, "".join(pieces))})
        self._write_chunk(b"data: [DONE]\n\n")
        self._write_chunk(b"")  # the zero-length chunk ends the body

    # ---- low level ----------------------------------------------------------------------

    def _event(self, data: dict[str, Any]) -> None:
        self._write_chunk(b"data: " + json.dumps(data).encode() + b"\n\n")

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()

    def _hang_up(self) -> None:
        """Drop the connection without finishing the response body."""
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send_raw(self, status: int, payload: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(payload)
        self.wfile.flush()

    def _send_json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        self._send_raw(status, json.dumps(data).encode(), "application/json", headers)

    def _send_error(self, status: int, message: str, err_type: str, *, code: str | None = None, headers: dict[str, str] | None = None) -> None:
        body = {"error": {"message": message, "type": err_type, "param": None, "code": code}}
        self._send_json(status, body, headers)
