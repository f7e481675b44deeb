"""Fact-ledger check: dates, counts and references the manager cites, against the record.

A scenario's fact ledger is the verifiable record. A manager who cites a date,
a number or a ticket that the record does not hold is either mistaken or
inventing: the debrief flags the claim (and it costs evidence points), and the
offline persona contests it in character ("When was that?").

The check is deliberately narrow: it only judges claims it can parse (day-month
dates, numbers with a unit, #references), and only in sentences about the past.
A unit the ledger never uses cannot be checked and is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from simulator.domain.scenario import Scenario

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_MONTH_RE = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?: of)? {_MONTH_RE}\b", re.I)
# "3, 12, 17, 23 and 26 February": every day of the list belongs to the month
_DAY_LIST = re.compile(rf"\b((?:\d{{1,2}}(?:st|nd|rd|th)?(?:,\s*|\s+and\s+))+)\d{{1,2}}(?:st|nd|rd|th)? {_MONTH_RE}\b", re.I)
_MONTH_DAY = re.compile(rf"\b{_MONTH_RE} (\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_REF = re.compile(r"#(\d+)\b")
_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "twice": 2,
}
_UNITS = {
    "minute": "minutes", "min": "minutes", "hour": "hours", "day": "days", "week": "weeks", "month": "months",
    "time": "occasions", "occasion": "occasions", "morning": "occasions", "shift": "occasions",
    "percent": "percent", "%": "percent",
    "caller": "callers", "call": "callers", "customer": "callers",
    "engineer": "people", "colleague": "people", "people": "people", "person": "people",
    "renewal": "renewals", "review": "reviews", "ticket": "tickets", "report": "reports", "deadline": "deadlines",
}
_NUMBER_UNIT = re.compile(
    r"\b(\d+(?:\.\d+)?|" + "|".join(_WORDS) + r")\s?(?:late\s|more\s|separate\s|different\s)?"
    r"(%|percent|minutes?|mins?|hours?|days?|weeks?|months?|times|occasions?|mornings?|shifts?|callers?|calls?|customers?|"
    r"engineers?|colleagues?|people|persons?|renewals?|reviews?|tickets?|reports?|deadlines?)(?![a-z])",
    re.I,
)
_FUTURE = re.compile(r"\b(will|won't|next|let's|let us|going to|plan|from now|by the end|until|i'd like|we'll|i'll|could we|can we|shall)\b", re.I)


@dataclass(frozen=True)
class Claim:
    kind: str  # "date" | "number" | "reference"
    text: str  # as the manager wrote it
    start: int
    end: int


@dataclass(frozen=True)
class Record:
    dates: frozenset[tuple[int, int]]  # (month, day)
    numbers: dict[str, frozenset[float]]  # unit class -> values on record with that unit
    any_numbers: frozenset[float]  # every number the record mentions, with or without a unit
    references: frozenset[str]

    def supports(self, unit: str, value: float) -> bool:
        """A number is supported if the record has it, or it lies within the record's range for its unit."""
        known = self.numbers.get(unit)
        if not known:
            return True  # the record never uses this unit: nothing to check against
        return value in known or value in self.any_numbers or min(known) <= value <= max(known)


def _dates(text: str) -> list[tuple[tuple[int, int], re.Match]]:
    found = []
    for m in _DAY_MONTH.finditer(text):
        found.append(((_MONTHS[m.group(2)[:3].lower()], int(m.group(1))), m))
    for m in _MONTH_DAY.finditer(text):
        if not any(a.start() <= m.start() < a.end() or m.start() <= a.start() < m.end() for _, a in found):
            found.append(((_MONTHS[m.group(1)[:3].lower()], int(m.group(2))), m))
    for m in _ISO.finditer(text):
        found.append(((int(m.group(2)), int(m.group(3))), m))
    return found


def _numbers(text: str) -> list[tuple[str, float, re.Match]]:
    out = []
    for m in _NUMBER_UNIT.finditer(text):
        raw, unit = m.group(1).lower(), m.group(2).lower()
        value = float(_WORDS[raw]) if raw in _WORDS else float(raw)
        key = unit if unit == "%" else unit.rstrip("s") if unit not in ("people",) else unit
        out.append((_UNITS.get(key, _UNITS.get(unit, unit)), value, m))
    return out


def record_of(scenario: Scenario) -> Record:
    dates: set[tuple[int, int]] = set()
    numbers: dict[str, set[float]] = {}
    refs: set[str] = set()
    any_numbers: set[float] = set()
    for fact in scenario.facts:
        if fact.date:
            dates.add((fact.date.month, fact.date.day))
        dates.update(d for d, _ in _dates(fact.text))
        for listed in _DAY_LIST.finditer(fact.text):
            month = _MONTHS[listed.group(2)[:3].lower()]
            dates.update((month, int(day)) for day in re.findall(r"\d{1,2}", listed.group(1)))
        for unit, value, _ in _numbers(fact.text):
            numbers.setdefault(unit, set()).add(value)
        refs.update(_REF.findall(fact.text))
        # numbers with no unit of their own ("63 waiting callers", "9 hung up") support any unit
        bare = _NUMBER_UNIT.sub(" ", _DAY_LIST.sub(" ", _DAY_MONTH.sub(" ", fact.text)))
        any_numbers.update(float(n) for n in re.findall(r"(?<![\d:.])\b\d+(?:\.\d+)?\b(?![:\d])", bare))
        any_numbers.update(float(v) for w, v in _WORDS.items() if re.search(rf"\b{w}\b", bare, re.I))
    return Record(frozenset(dates), {k: frozenset(v) for k, v in numbers.items()}, frozenset(any_numbers), frozenset(refs))


def _sentence_at(text: str, pos: int) -> str:
    start = max(text.rfind(".", 0, pos), text.rfind("?", 0, pos), text.rfind("!", 0, pos)) + 1
    ends = [i for i in (text.find(".", pos), text.find("?", pos), text.find("!", pos)) if i != -1]
    return text[start : min(ends) if ends else len(text)]


def disputed_claims(scenario: Scenario, text: str) -> list[Claim]:
    """Claims in the manager's text that the scenario's record does not support."""
    record = record_of(scenario)
    claims: list[Claim] = []
    for (month, day), m in _dates(text):
        if (month, day) in record.dates or _FUTURE.search(_sentence_at(text, m.start())):
            continue
        claims.append(Claim("date", m.group(0), m.start(), m.end()))
    for unit, value, m in _numbers(text):
        if record.supports(unit, value):
            continue
        if _FUTURE.search(_sentence_at(text, m.start())):
            continue
        claims.append(Claim("number", m.group(0), m.start(), m.end()))
    for m in _REF.finditer(text):
        if m.group(1) not in record.references and record.references:
            claims.append(Claim("reference", m.group(0), m.start(), m.end()))
    return sorted(claims, key=lambda c: c.start)
