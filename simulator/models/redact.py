"""Redaction before text leaves for a model API (``SIMULATOR_REDACT=1``): email addresses, phone
numbers and known names (the team file's, plus ``SIMULATOR_REDACT_NAMES``) become placeholders.

`RedactingChatModel` wraps any `ChatModel`: every message's content is redacted before the
wrapped client sees it, so the persona, the tagger and the judge are covered alike. Names are
matched as whole words, case-insensitively; a name that is not in the lists is not found (this
is a list, not a guess at what looks like a name).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from simulator.models.base import ChatModel, Message, Response, StreamResponse, T

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# International or national numbers of 7+ digits, with the usual separators: +44 20 7946 0958, (555) 123-4567
PHONE = re.compile(r"(?<![\w])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d(?:[\s.-]?\d){6,13}(?![\w])")


class Redactor:
    def __init__(self, names: Iterable[str] = ()):
        words = sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True)
        self._names = re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.IGNORECASE) if words else None

    def __call__(self, text: str) -> str:
        text = EMAIL.sub("[email]", text)
        text = PHONE.sub("[phone]", text)
        if self._names is not None:
            text = self._names.sub("[name]", text)
        return text


class RedactingChatModel:
    """A ChatModel that redacts every message before passing it to `inner`."""

    def __init__(self, inner: ChatModel, redactor: Redactor):
        self.inner = inner
        self.redactor = redactor
        self.name = inner.name

    def _clean(self, messages: list[Message]) -> list[Message]:
        return [{**m, "content": self.redactor(m.get("content", ""))} for m in messages]

    def stream(self, messages: list[Message], *, max_tokens: int, seed: int | None = None) -> StreamResponse:
        return self.inner.stream(self._clean(messages), max_tokens=max_tokens, seed=seed)

    def parse(self, messages: list[Message], schema: type[T], *, max_tokens: int) -> Response[T]:
        return self.inner.parse(self._clean(messages), schema, max_tokens=max_tokens)

    def __getattr__(self, name: str) -> Any:  # check_connection, close, endpoint...: the inner client's
        return getattr(self.inner, name)
