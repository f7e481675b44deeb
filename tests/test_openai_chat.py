"""OpenAIChatModel against a real HTTP server on loopback (tests/fake_openai.py).

Every fault test asserts how many requests reached the server: one retry layer, no
multiplied retries.
"""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from types import SimpleNamespace

import pytest
from pydantic import BaseModel

from simulator.errors import SimulatorError
from simulator.models.base import (
    ChatModel,
    ModelAuthError,
    ModelBadRequest,
    ModelError,
    ModelOutputInvalid,
    ModelRefused,
    ModelUnavailable,
    StreamInterrupted,
    StreamResponse,
    Usage,
)
from simulator.models.openai_chat import OpenAIChatModel
from simulator.models.retry import retry_after_seconds
from tests.fake_openai import DEFAULT_TEXT, FakeOpenAI, fake_openai, split_words  # noqa: F401

API_KEY = "sk-test-secret-12345"
MESSAGES = [
    {"role": "system", "content": "You are Sam, a software engineer."},
    {"role": "user", "content": "Can we talk about the release?"},
]


class Scores(BaseModel):
    empathy: int
    evidence: int
    summary: str


class Sleeps(list):
    """A fake `sleep` that records what it was asked to wait."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_model(fake_openai, sleeps):
    made: list[OpenAIChatModel] = []

    def make(**overrides) -> OpenAIChatModel:
        kwargs = dict(
            model="gpt-4o-mini",
            base_url=fake_openai.base_url,
            api_key=API_KEY,
            connect_timeout=2.0,
            read_timeout=5.0,
            stall_timeout=0.5,
            max_attempts=4,
            max_retry_seconds=30.0,
            sleep=sleeps,
        )
        kwargs.update(overrides)
        m = OpenAIChatModel(**kwargs)
        made.append(m)
        return m

    yield make
    for m in made:
        m.close()


def collect(model: OpenAIChatModel, **kw) -> tuple[list[str], BaseException | None]:
    """The pieces a stream yielded before it ended, and the exception it ended with."""
    pieces, error, _ = collect_response(model, **kw)
    return pieces, error


def collect_response(model: OpenAIChatModel, **kw) -> tuple[list[str], BaseException | None, StreamResponse]:
    """As `collect`, with the stream's own response (text, usage, requests)."""
    pieces: list[str] = []
    response = model.stream(MESSAGES, max_tokens=kw.get("max_tokens", 200))
    try:
        for piece in response:
            pieces.append(piece)
    except ModelError as exc:
        return pieces, exc, response
    return pieces, None, response


# ---- plain behaviour ----------------------------------------------------------------------


def test_stream_yields_the_reply_word_by_word(make_model, fake_openai):
    fake_openai.reply("Okay, let's talk about it.")
    model = make_model()
    pieces, error, response = collect_response(model)
    assert error is None
    assert "".join(pieces) == response.text == "Okay, let's talk about it."
    assert len(pieces) == len(split_words("Okay, let's talk about it.")) > 1
    assert response.requests == 1 and response.done and not response.interrupted
    [req] = fake_openai.chat_requests
    assert req.body["stream"] is True
    assert req.body["model"] == "gpt-4o-mini"
    assert req.body["messages"] == MESSAGES
    assert req.body["max_tokens"] == 200
    assert req.headers["authorization"] == f"Bearer {API_KEY}"
    assert req.headers.get("x-stainless-retry-count") == "0"
    assert req.body["stream_options"] == {"include_usage": True}
    assert response.finish_reason == "stop"
    # the server's own usage report (the fake counts words: 6 + 4 for each of the 2 messages; 5 out)
    assert response.usage == Usage(input_tokens=20, output_tokens=5, source="api")


def test_default_reply_and_responder(make_model, fake_openai):
    model = make_model()
    assert "".join(model.stream(MESSAGES, max_tokens=50)) == DEFAULT_TEXT
    fake_openai.responder = lambda body: "You said: " + body["messages"][-1]["content"]
    assert "".join(model.stream(MESSAGES, max_tokens=50)) == "You said: Can we talk about the release?"
    assert len(fake_openai.chat_requests) == 2


def test_construction_touches_no_network_and_is_a_chat_model():
    model = OpenAIChatModel(model="gpt-4o", base_url="http://127.0.0.1:9/v1", api_key=None)
    assert model._client is None
    assert isinstance(model, ChatModel)
    assert model.name == "gpt-4o"
    assert "127.0.0.1:9" in repr(model)


def test_missing_api_key_sends_a_dummy_key(make_model, fake_openai):
    model = make_model(api_key=None)
    "".join(model.stream(MESSAGES, max_tokens=10))
    assert fake_openai.chat_requests[0].headers["authorization"] == "Bearer not-needed"


def test_reasoning_models_get_max_completion_tokens(make_model, fake_openai):
    model = make_model(model="o4-mini")
    "".join(model.stream(MESSAGES, max_tokens=300))
    body = fake_openai.chat_requests[0].body
    assert body["max_completion_tokens"] == 300
    assert "max_tokens" not in body


@pytest.mark.parametrize("model_name, seed", [("gpt-4o-mini", None), ("o4-mini", 7)])
def test_stream_request_is_what_the_sdks_create_sends(make_model, fake_openai, model_name, seed):
    """The stream posts its body without the SDK's per-message transform: the server must see the
    same JSON and the same request headers as from `chat.completions.create`."""
    model = make_model(model=model_name)
    "".join(model.stream(MESSAGES, max_tokens=120, seed=seed))
    limit = {"max_completion_tokens": 120} if model_name == "o4-mini" else {"max_tokens": 120}
    stream = model.client.chat.completions.create(
        model=model_name, messages=MESSAGES, stream=True, stream_options={"include_usage": True},
        **limit, **({"seed": seed} if seed is not None else {}),
    )
    for _ in stream:
        pass
    ours, sdks = fake_openai.chat_requests
    assert ours.body == sdks.body
    assert ours.path == sdks.path
    volatile = {"x-stainless-retry-count", "x-stainless-read-timeout", "content-length"}
    assert {k: v for k, v in ours.headers.items() if k not in volatile} == {k: v for k, v in sdks.headers.items() if k not in volatile}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"model": ""},
        {"read_timeout": 0},
        {"stall_timeout": -1},
        {"max_attempts": 0},
        {"max_retry_seconds": -5},
    ],
)
def test_constructor_names_the_bad_value(kwargs):
    base = dict(model="gpt-4o", base_url=None, api_key=None)
    base.update(kwargs)
    with pytest.raises(ValueError) as info:
        OpenAIChatModel(**base)
    assert repr(next(iter(kwargs.values()))) in str(info.value)


# ---- retries ----------------------------------------------------------------------------


def test_429_then_ok_is_exactly_two_requests_and_honours_retry_after(make_model, fake_openai, sleeps):
    fake_openai.rate_limit(retry_after=1).reply("Fine, go ahead.")
    model = make_model()
    pieces, error, response = collect_response(model)
    assert error is None
    assert "".join(pieces) == "Fine, go ahead."
    assert len(fake_openai.chat_requests) == 2
    assert response.requests == 2
    assert sleeps == [pytest.approx(1.0)]


def test_429_then_ok_for_parse(make_model, fake_openai, sleeps):
    fake_openai.rate_limit(retry_after=1).reply_json({"empathy": 3, "evidence": 4, "summary": "ok"})
    result = make_model().parse(MESSAGES, Scores, max_tokens=200)
    assert result.output == Scores(empathy=3, evidence=4, summary="ok")
    assert len(fake_openai.chat_requests) == 2 and result.requests == 2
    assert sleeps == [pytest.approx(1.0)]


def test_retry_after_is_capped_by_the_remaining_budget(make_model, fake_openai, sleeps):
    fake_openai.rate_limit(retry_after=10).rate_limit(retry_after=10).reply("never reached")
    model = make_model(max_retry_seconds=2.0)
    with pytest.raises(ModelUnavailable) as info:
        model.parse(MESSAGES, Scores, max_tokens=50)
    assert len(sleeps) == 1 and 1.5 < sleeps[0] <= 2.0
    assert len(fake_openai.chat_requests) == 2
    assert info.value.status_code == 429
    assert "rate-limiting" in str(info.value)


def test_500_four_times_is_exactly_four_requests_then_unavailable(make_model, fake_openai, sleeps):
    for _ in range(4):
        fake_openai.error(500)
    fake_openai.reply("never reached")
    model = make_model(max_attempts=4)
    pieces, error = collect(model)
    assert pieces == []
    assert isinstance(error, ModelUnavailable)
    assert len(fake_openai.chat_requests) == 4
    assert error.attempts == 4
    assert len(sleeps) == 3
    # exponential backoff (with a little jitter) when the server gives no Retry-After
    assert 0.5 <= sleeps[0] <= 0.625 and 1.0 <= sleeps[1] <= 1.25 and 2.0 <= sleeps[2] <= 2.5
    message = str(error)
    assert fake_openai.base_url in message
    assert "offline engine" in message
    assert "HTTP 500" in message


def test_503_then_ok(make_model, fake_openai):
    fake_openai.error(503).reply("Back again.")
    pieces, error = collect(make_model())
    assert error is None and "".join(pieces) == "Back again."
    assert len(fake_openai.chat_requests) == 2


def test_total_retry_time_is_bounded(make_model, fake_openai, sleeps):
    for _ in range(10):
        fake_openai.error(500)
    model = make_model(max_attempts=10, max_retry_seconds=1.0)
    with pytest.raises(ModelUnavailable):
        model.parse(MESSAGES, Scores, max_tokens=50)
    assert sum(sleeps) <= 1.0 + 1e-6
    assert 2 <= len(fake_openai.chat_requests) < 10


@pytest.mark.parametrize("method", ["stream", "parse"])
def test_401_is_one_request_and_an_auth_error(make_model, fake_openai, method):
    fake_openai.unauthorized()
    model = make_model()
    with pytest.raises(ModelAuthError) as info:
        if method == "stream":
            list(model.stream(MESSAGES, max_tokens=20))
        else:
            model.parse(MESSAGES, Scores, max_tokens=20)
    assert len(fake_openai.chat_requests) == 1
    assert "OPENAI_API_KEY" in str(info.value)
    assert API_KEY not in str(info.value)
    assert isinstance(info.value, SimulatorError)


@pytest.mark.parametrize("status", [400, 403, 404, 422])
def test_client_errors_are_never_retried(make_model, fake_openai, sleeps, status):
    fake_openai.error(status, "The model `gpt-9` does not exist")
    model = make_model()
    expected = ModelAuthError if status == 403 else ModelBadRequest
    with pytest.raises(expected) as info:
        list(model.stream(MESSAGES, max_tokens=20))
    assert len(fake_openai.chat_requests) == 1
    assert sleeps == []
    assert info.value.status_code == status
    if expected is ModelBadRequest:
        assert "gpt-4o-mini" in str(info.value) and "does not exist" in str(info.value)


def test_context_length_errors_say_so(make_model, fake_openai):
    fake_openai.error(400, "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens.")
    with pytest.raises(ModelBadRequest, match="too long"):
        make_model().parse(MESSAGES, Scores, max_tokens=20)
    assert len(fake_openai.chat_requests) == 1


def test_connection_refused_is_retried_then_unavailable(sleeps):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    model = OpenAIChatModel(
        model="gpt-4o-mini", base_url=f"http://127.0.0.1:{port}/v1", api_key=None,
        connect_timeout=1.0, max_attempts=3, sleep=sleeps,
    )
    with pytest.raises(ModelUnavailable) as info:
        list(model.stream(MESSAGES, max_tokens=20))
    assert info.value.attempts == 3
    assert len(sleeps) == 2
    assert "Could not reach" in str(info.value) and str(port) in str(info.value)


def test_read_timeout_is_retried_for_parse(make_model, fake_openai):
    fake_openai.stall(seconds=1.5).stall(seconds=1.5)
    model = make_model(read_timeout=0.3, max_attempts=2)
    started = time.monotonic()
    with pytest.raises(ModelUnavailable) as info:
        model.parse(MESSAGES, Scores, max_tokens=20)
    assert time.monotonic() - started < 1.5
    assert len(fake_openai.chat_requests) == 2
    assert "did not answer" in str(info.value)


# ---- streams that break ------------------------------------------------------------------


def test_dropped_stream_after_text_is_one_request_and_keeps_the_partial(make_model, fake_openai):
    fake_openai.drop("Well, I think that the real problem is", after_words=2)
    pieces, error = collect(make_model())
    assert isinstance(error, StreamInterrupted)
    assert error.partial == "Well, I" == "".join(pieces)
    assert len(fake_openai.chat_requests) == 1
    assert "kept" in str(error)


def test_drop_before_any_text_is_retried(make_model, fake_openai):
    fake_openai.drop(after_words=0).reply("Second time lucky.")
    pieces, error = collect(make_model())
    assert error is None and "".join(pieces) == "Second time lucky."
    assert len(fake_openai.chat_requests) == 2


def test_stall_after_text_is_interrupted(make_model, fake_openai):
    fake_openai.stall("Honestly I don't know", after_words=1, seconds=2.0)
    model = make_model(stall_timeout=0.5)
    started = time.monotonic()
    pieces, error = collect(model)
    elapsed = time.monotonic() - started
    assert isinstance(error, StreamInterrupted)
    assert error.partial == "Honestly" == "".join(pieces)
    assert "0.5 s" in str(error)
    assert 0.4 < elapsed < 1.8
    assert len(fake_openai.chat_requests) == 1
    # the model still works afterwards (the stalled connection was not reused)
    fake_openai.reply("Still here.")
    assert "".join(model.stream(MESSAGES, max_tokens=20)) == "Still here."


def test_slow_start_before_text_is_a_timeout_and_is_retried(make_model, fake_openai, sleeps):
    fake_openai.stall(after_words=0, seconds=1.5).reply("Sorry, I was thinking.")
    model = make_model(read_timeout=0.4, stall_timeout=0.2)
    pieces, error = collect(model)
    assert error is None and "".join(pieces) == "Sorry, I was thinking."
    assert len(fake_openai.chat_requests) == 2


def test_a_slow_reader_is_not_a_stalled_server(make_model, fake_openai):
    """The stall guard counts only time spent waiting for the server: a consumer that takes longer
    than the stall timeout between pieces (the server sent them at once) gets the whole reply."""
    fake_openai.reply("one two three")
    model = make_model(stall_timeout=0.2)
    pieces = []
    for piece in model.stream(MESSAGES, max_tokens=20):
        pieces.append(piece)
        time.sleep(0.5)
    assert "".join(pieces) == "one two three"
    assert len(fake_openai.chat_requests) == 1


def test_stalls_are_caught_on_every_stream_of_a_client(make_model, fake_openai):
    """One guard serves all of a client's streams, one after another and several at once."""
    model = make_model(stall_timeout=0.5)
    for _ in range(2):
        fake_openai.stall("Honestly I don't know", after_words=1, seconds=2.0)
        pieces, error = collect(model)
        assert isinstance(error, StreamInterrupted) and error.partial == "Honestly"
    fake_openai.reply("All fine now.")
    fake_openai.stall("Wait for it", after_words=2, seconds=2.0)
    fine, stalled = model.stream(MESSAGES, max_tokens=20), model.stream(MESSAGES, max_tokens=20)
    assert next(fine) and next(stalled)  # both open, in this order
    assert "".join(fine).strip()
    with pytest.raises(StreamInterrupted):
        "".join(stalled)


def test_malformed_chunk_after_text_is_interrupted(make_model, fake_openai):
    fake_openai.malformed_chunk("That is not fair at all.", after_words=2)
    pieces, error = collect(make_model())
    assert isinstance(error, StreamInterrupted)
    assert error.partial == "That is" == "".join(pieces)
    assert len(fake_openai.chat_requests) == 1


def test_malformed_chunk_before_text_is_invalid_output_not_retried(make_model, fake_openai):
    fake_openai.malformed_chunk(after_words=0)
    pieces, error = collect(make_model())
    assert pieces == []
    assert isinstance(error, ModelOutputInvalid)
    assert len(fake_openai.chat_requests) == 1


def test_consumer_stopping_early_leaves_the_model_usable(make_model, fake_openai):
    fake_openai.chunk_delay = 0.01
    fake_openai.reply("one two three four five six seven eight nine ten")
    model = make_model()
    stream = model.stream(MESSAGES, max_tokens=50)
    assert next(stream) == "one"
    stream.close()  # what happens when Streamlit stops a script run mid-stream
    fake_openai.chunk_delay = 0.0
    fake_openai.reply("Next reply.")
    assert "".join(model.stream(MESSAGES, max_tokens=20)) == "Next reply."
    assert len(fake_openai.chat_requests) == 2


def test_nothing_is_sent_until_the_stream_is_iterated(make_model, fake_openai):
    model = make_model()
    stream = model.stream(MESSAGES, max_tokens=20)
    assert fake_openai.chat_requests == []
    assert "".join(stream) == DEFAULT_TEXT


def test_an_empty_reply_ends_at_once(make_model, fake_openai):
    fake_openai.reply("")
    model = make_model(stall_timeout=5.0)
    started = time.monotonic()
    response = model.stream(MESSAGES, max_tokens=20)
    assert list(response) == [] and response.finish_reason == "stop" and response.done
    assert time.monotonic() - started < 2.0
    assert len(fake_openai.chat_requests) == 1


def test_stream_refusal(make_model, fake_openai):
    fake_openai.refusal("I can't role-play that.")
    with pytest.raises(ModelRefused) as info:
        list(make_model().stream(MESSAGES, max_tokens=20))
    assert info.value.refusal == "I can't role-play that."
    assert len(fake_openai.chat_requests) == 1


# ---- structured output --------------------------------------------------------------------


def test_parse_sends_a_strict_json_schema_and_returns_the_model(make_model, fake_openai):
    fake_openai.reply_json({"empathy": 2, "evidence": 5, "summary": "Specific and kind."})
    model = make_model()
    response = model.parse(MESSAGES, Scores, max_tokens=300)
    result = response.output
    assert isinstance(result, Scores) and result.evidence == 5
    [req] = fake_openai.chat_requests
    fmt = req.body["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["name"] == "Scores"
    assert set(fmt["json_schema"]["schema"]["required"]) == {"empathy", "evidence", "summary"}
    assert req.body["max_tokens"] == 300
    assert not req.body.get("stream")
    assert response.usage.source == "api" and response.usage.output_tokens == len(response.text.split())
    assert response.finish_reason == "stop" and response.requests == 1


def test_parse_reply_that_is_not_json(make_model, fake_openai):
    fake_openai.invalid_json()
    with pytest.raises(ModelOutputInvalid) as info:
        make_model().parse(MESSAGES, Scores, max_tokens=50)
    assert len(fake_openai.chat_requests) == 1
    assert "Scores" in str(info.value)


def test_parse_reply_that_does_not_fit_the_schema(make_model, fake_openai):
    fake_openai.reply_json({"empathy": "very", "summary": 3})
    with pytest.raises(ModelOutputInvalid):
        make_model().parse(MESSAGES, Scores, max_tokens=50)
    assert len(fake_openai.chat_requests) == 1


def test_parse_refusal(make_model, fake_openai):
    fake_openai.refusal("I'm sorry, I can't score this conversation.")
    with pytest.raises(ModelRefused) as info:
        make_model().parse(MESSAGES, Scores, max_tokens=50)
    assert info.value.refusal == "I'm sorry, I can't score this conversation."
    assert "declined" in str(info.value)
    assert len(fake_openai.chat_requests) == 1


# ---- settings page ------------------------------------------------------------------------


def test_check_connection_success(make_model, fake_openai):
    fake_openai.reply("OK")
    model = make_model()
    line = model.check_connection()
    assert line.startswith(f"Connected to {fake_openai.base_url}")
    assert "gpt-4o-mini" in line
    [req] = fake_openai.chat_requests
    assert not req.body.get("stream") and req.body["max_tokens"] <= 16


@pytest.mark.parametrize(("status", "error"), [(401, ModelAuthError), (404, ModelBadRequest), (500, ModelUnavailable)])
def test_check_connection_makes_one_attempt_and_raises_the_mapped_error(make_model, fake_openai, sleeps, status, error):
    fake_openai.error(status)
    with pytest.raises(error):
        make_model().check_connection()
    assert len(fake_openai.chat_requests) == 1
    assert sleeps == []


def test_check_connection_against_a_server_that_checks_the_key(sleeps):
    with FakeOpenAI(api_key="sk-right") as server:
        wrong = OpenAIChatModel(model="m", base_url=server.base_url, api_key="sk-wrong", sleep=sleeps)
        with pytest.raises(ModelAuthError) as info:
            wrong.check_connection()
        assert "sk-wrong" not in str(info.value)
        right = OpenAIChatModel(model="m", base_url=server.base_url, api_key="sk-right", sleep=sleeps)
        assert right.check_connection().startswith("Connected")
        wrong.close()
        right.close()


# ---- helpers ------------------------------------------------------------------------------


def _exc_with_headers(**headers):
    return SimpleNamespace(response=SimpleNamespace(headers={k.replace("_", "-"): v for k, v in headers.items()}))


def test_retry_after_parsing():
    assert retry_after_seconds(_exc_with_headers(retry_after="2")) == 2.0
    assert retry_after_seconds(_exc_with_headers(retry_after="1.5")) == 1.5
    assert retry_after_seconds(_exc_with_headers(retry_after_ms="250", retry_after="9")) == 0.25
    when = datetime.now(UTC) + timedelta(seconds=30)
    assert 25 < retry_after_seconds(_exc_with_headers(retry_after=format_datetime(when, usegmt=True))) <= 31
    assert retry_after_seconds(_exc_with_headers(retry_after="soon")) is None
    assert retry_after_seconds(_exc_with_headers()) is None
    assert retry_after_seconds(ValueError("no response")) is None


# ---- usage --------------------------------------------------------------------------------


def test_a_dropped_stream_estimates_its_usage_and_says_so(make_model, fake_openai):
    from simulator.models.tokens import count_messages, count_tokens

    fake_openai.drop(text="Well, I think that the real problem is", after_words=3)
    pieces, error, response = collect_response(make_model())
    assert isinstance(error, StreamInterrupted)
    assert response.interrupted and not response.done and response.text == "".join(pieces) == "Well, I think"
    assert response.usage == Usage(count_messages(MESSAGES, "gpt-4o-mini"), count_tokens("Well, I think", "gpt-4o-mini"), "estimate")


def test_a_reader_that_stops_early_gets_an_estimate(make_model, fake_openai):
    fake_openai.chunk_delay = 0.01
    fake_openai.reply("one two three four five six")
    response = make_model().stream(MESSAGES, max_tokens=50)
    assert next(response) == "one"
    response.close()
    assert response.interrupted and response.text == "one" and response.usage.source == "estimate"


def test_a_server_that_sends_no_usage_gets_an_estimate(make_model, fake_openai):
    fake_openai.report_usage = False
    fake_openai.reply("Fine.").reply_json({"empathy": 1, "evidence": 1, "summary": "ok"})
    model = make_model()
    _, error, response = collect_response(model)
    assert error is None and response.usage.source == "estimate" and response.usage.output_tokens == 2
    parsed = model.parse(MESSAGES, Scores, max_tokens=50)
    assert parsed.usage.source == "estimate" and parsed.usage.input_tokens > 0


def test_a_failed_call_has_no_usage_but_counts_its_requests(make_model, fake_openai):
    fake_openai.unauthorized()
    _, error, response = collect_response(make_model())
    assert isinstance(error, ModelAuthError) and response.requests == 1 and response.usage.total == 0


def test_usage_adds_up_and_remembers_an_estimate():
    total = Usage(10, 2, "api") + Usage(3, 1, "estimate")
    assert total == Usage(13, 3, "mixed") and total.estimated and total.total == 16
    assert (Usage() + Usage(1, 1, "api")).source == "api"
