"""Fact check: dates, counts and references the manager cites, against the record.

The record is the scenario's fact ledger plus everything the persona has said in
the conversation: repeating the persona's own words ("due on 24 July") or a fact
on the ledger is never flagged. A manager who cites a date or a reference that
is not on the record, or a count that contradicts a count on the ledger, is
either mistaken or inventing: the debrief flags the claim, the claim earns no
evidence points, and the offline persona contests it in character.

The check is deliberately narrow, to be precise rather than complete
(precision is measured on `eval/claims.jsonl`, see docs/scoring.md):
- dates: day-month and ISO dates, in sentences about the past (a plan is not a claim);
- references: "#482" when the ledger uses references;
- claims in plain words: a ledger fact may list the words of a claim it disproves (`Fact.disproves`:
  "left uncovered" where Lewis was logged in on every one of those mornings). Dates, counts and
  references can be checked by reading the ledger; "the queue was left uncovered" cannot, so the
  author names it. The words are flagged when said as a claim: not negated ("wasn't left
  uncovered"), not in a plan, and not the persona's own words.
- counts: a number with a unit ("three weeks", "14 callers") is flagged only when the
  ledger counts the same unit about the same thing (a content word in common) and no
  number on the record matches. "two people" where the ledger says "Three people
  reacted" is not a contradiction unless the sentence is about reacting.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from simulator.domain.lexicon import MONTH, NUMBER_WORD, is_future, month_number, number_value, sentence_at, sentence_bounds
from simulator.domain.scenario import Scenario

_DAY_MONTH = re.compile(rf"\b(\d{{1,2}})(?:st|nd|rd|th)?(?: of)? ({MONTH})\b", re.I)
# "3, 12, 17, 23 and 26 February": every day of the list belongs to the month
_DAY_LIST = re.compile(rf"\b((?:\d{{1,2}}(?:st|nd|rd|th)?(?:,\s*|\s+and\s+))+)\d{{1,2}}(?:st|nd|rd|th)? ({MONTH})\b", re.I)
_MONTH_DAY = re.compile(rf"\b({MONTH}) (\d{{1,2}})(?:st|nd|rd|th)?\b(?!:)", re.I)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_REF = re.compile(r"#(\d+)\b")
_UNITS = {
    "minute": "minutes", "min": "minutes", "hour": "hours", "day": "days", "week": "weeks", "month": "months",
    "time": "occasions", "occasion": "occasions", "morning": "occasions", "shift": "occasions",
    "percent": "percent", "%": "percent",
    "caller": "callers", "call": "callers", "customer": "callers",
    "engineer": "people", "colleague": "people", "people": "people", "person": "people",
    "renewal": "renewals", "review": "reviews", "ticket": "tickets", "report": "reports", "deadline": "deadlines",
    "contract": "contracts", "account": "accounts", "nomination": "nominations", "session": "sessions",
    "member": "people", "year": "years", "arrival": "occasions", "module": "modules",
}
_UNIT_WORDS = (
    r"(%|percent|minutes?|mins?|hours?|days?|weeks?|months?|years?|times|occasions?|mornings?|shifts?|callers?|calls?|customers?|"
    r"engineers?|colleagues?|members?|people|persons?|renewals?|reviews?|tickets?|reports?|deadlines?|contracts?|accounts?|"
    r"nominations?|sessions?|arrivals?|modules?)(?![a-z])"
)
# a count: a number, at most one describing word ("nine late mornings", "38 Looker reports"), a unit
# (not part of a time like "08:00", not a subset like "the first six reports")
_NUMBER_UNIT = re.compile(
    rf"(?<![\d:.,])(?<!first )(?<!last )(?<!top )\b(\d+(?:\.\d+)?|{NUMBER_WORD}|twice)[\s-]?"
    rf"(?:(?!and\b|or\b|of\b|to\b|in\b|on\b|{MONTH}\b)[a-z]+\s)?{_UNIT_WORDS}",
    re.I,
)
# "five of the nine contracts": a part of a whole. It is compared only with parts of the same whole on
# the ledger: "six of the 38 reports" is progress, not a contradiction of the 38.
_PART_OF = re.compile(
    rf"\b(\d+|{NUMBER_WORD}) (?:out )?of (?:the |his |her |your |their )?(?:\d+|{NUMBER_WORD}) (?:[a-z]+\s)?{_UNIT_WORDS}", re.I
)
def _stem(word: str) -> str:
    word = word.lower()
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    return word[:-1] if len(word) > 4 and word.endswith("e") else word  # "move", "moving" -> "mov"


_UNIT_STEMS = frozenset(_stem(w) for pair in _UNITS.items() for w in pair if w.isalpha())
_WORD = re.compile(r"[a-zà-ÿ]{3,}", re.I)
_STOP = frozenset(
    "the and that this with was were have has had for from you your our their them they she her his him its are not "
    "but all any one two three four five six seven eight nine ten been being about after before over into then than "
    "when what which who how why there here just only also very more most some other each both few many much did does "
    "done will would could should can may might must shall let lets said says say told tell get got make made way "
    "team today week weeks day days month months time times year years people person minute minutes hour hours "
    "more".split()
)


@dataclass(frozen=True)
class Claim:
    kind: str  # "date" | "number" | "reference" | "claim" (words a ledger fact disproves)
    text: str  # as the manager wrote it
    start: int
    end: int


@dataclass(frozen=True)
class Count:
    unit: str
    value: float
    topic: frozenset[str]  # content words of the clause that holds the count on the record


@dataclass(frozen=True)
class Record:
    dates: frozenset[tuple[int, int]]  # (month, day)
    dated: tuple[tuple[tuple[int, int], frozenset[str]], ...]  # ledger dates with the topic of their clause
    counts: tuple[Count, ...]  # counts on the ledger, with what they count
    numbers: frozenset[float]  # numbers on the record with no unit of their own
    references: frozenset[str]

    def contradicts(self, unit: str, value: float, topic: frozenset[str]) -> bool:
        """A count contradicts the ledger when the ledger counts the same thing differently."""
        if value in self.numbers or any(c.unit == unit and c.value == value for c in self.counts):
            return False
        return any(c.unit == unit and c.topic & topic for c in self.counts)

    def contradicts_date(self, date: tuple[int, int], topic: frozenset[str]) -> bool:
        """A date in a plan contradicts the ledger only when the ledger dates the same thing differently
        ("health cover to 30 June" against "your health cover continues until 31 July")."""
        return date not in self.dates and any(d != date and len(t & topic) >= 2 for d, t in self.dated)


def _topic(sentence: str) -> frozenset[str]:
    """What a sentence is about: its content words, stemmed, without the units counts are made of."""
    stems = (_stem(w) for w in _WORD.findall(sentence) if w.lower() not in _STOP)
    return frozenset(s for s in stems if s not in _UNIT_STEMS)


_CLAUSE_END = re.compile(r"[,;:()]|[.!?](?!\d)(?:\s|$)|\n")


def _clause(text: str, start: int, end: int) -> str:
    """The clause around a count on the ledger ("in front of nine team members"): what it counts."""
    left = max((m.end() for m in _CLAUSE_END.finditer(text, 0, start)), default=0)
    right = _CLAUSE_END.search(text, end)
    return text[left : right.start() if right else len(text)]


def _dates(text: str) -> list[tuple[tuple[int, int], re.Match]]:
    found = []
    for m in _DAY_MONTH.finditer(text):
        found.append(((month_number(m.group(2)), int(m.group(1))), m))
    for m in _MONTH_DAY.finditer(text):
        if not any(a.start() <= m.start() < a.end() or m.start() <= a.start() < m.end() for _, a in found):
            found.append(((month_number(m.group(1)), int(m.group(2))), m))
    for m in _ISO.finditer(text):
        found.append(((int(m.group(2)), int(m.group(3))), m))
    return found


def _unit_of(raw_unit: str) -> str:
    unit = raw_unit.lower()
    key = unit if unit in ("%", "people") else unit.rstrip("s")
    return _UNITS.get(key, _UNITS.get(unit, unit))


def _numbers(text: str) -> list[tuple[str, float, re.Match]]:
    """Counts with their unit; a part of a whole ("six of the 38 reports") is counted as a "part of" unit."""
    dates = [m for _, m in _dates(text)]
    found = [(_unit_of(m.group(2)), number_value(m.group(1)), m) for m in _NUMBER_UNIT.finditer(text)]
    found += [("part of " + _unit_of(m.group(2)), number_value(m.group(1)), m) for m in _PART_OF.finditer(text)]
    return [(u, v, m) for u, v, m in found if not any(d.start() < m.end() and m.start() < d.end() for d in dates)]


def record_of(scenario: Scenario, said: Sequence[str] = ()) -> Record:
    """The record: the scenario's fact ledger, plus what the persona has said in the conversation.

    Built from each text's own part, read once per text (`_part_of_record`): a turn adds one
    persona line to what is read, and a debrief reads the same ledger for every reply.
    """
    # the ledger and the manager's brief: what both sides can know
    ledger = [f.text for f in scenario.facts] + [scenario.brief.situation, scenario.brief.you_are]
    parts = [_part_of_record(text, True) for text in ledger] + [_part_of_record(text, False) for text in said]
    fact_dates = {(f.date.month, f.date.day) for f in scenario.facts if f.date}
    return Record(
        dates=frozenset(fact_dates.union(*(p.dates for p in parts))),
        dated=tuple(d for p in parts for d in p.dated),
        counts=tuple(c for p in parts for c in p.counts),
        numbers=frozenset().union(*(p.numbers for p in parts)),
        references=frozenset().union(*(p.references for p in parts)),
    )


@lru_cache(maxsize=4096)
def _part_of_record(text: str, ledger: bool) -> Record:
    """What one text puts on the record (its dates, counts, bare numbers, references); only the
    ledger's dates carry their topic (`dated`)."""
    dates = {d for d, _ in _dates(text)}
    for listed in _DAY_LIST.finditer(text):
        month = month_number(listed.group(2))
        dates.update((month, int(day)) for day in re.findall(r"\d{1,2}", listed.group(1)))
    # numbers with no unit of their own ("63 waiting callers") support a count in any unit;
    # the days of dates and counts with their own unit are kept apart
    bare = _PART_OF.sub(" ", _NUMBER_UNIT.sub(" ", _ISO.sub(" ", _MONTH_DAY.sub(" ", _DAY_MONTH.sub(" ", _DAY_LIST.sub(" ", text))))))
    numbers = {float(n) for n in re.findall(r"(?<![\d:.])\b\d+(?:\.\d+)?\b(?![:\d])", bare)}
    numbers.update(number_value(w) for w in re.findall(rf"\b(?:{NUMBER_WORD}|twice)\b", bare, re.I))
    dated = tuple((d, _topic(_clause(text, m.start(), m.end()))) for d, m in _dates(text)) if ledger else ()
    counts = tuple(Count(unit, value, _topic(_clause(text, m.start(), m.end()))) for unit, value, m in _numbers(text))
    return Record(frozenset(dates), dated, counts, frozenset(numbers), frozenset(_REF.findall(text)))


def disputed_claims(scenario: Scenario, text: str, *, said: Sequence[str] = ()) -> list[Claim]:
    """Claims in the manager's text that contradict the record (the ledger and `said`, the persona's words so far)."""
    record = record_of(scenario, said)
    claims: list[Claim] = []
    for date, m in _dates(text):
        sentence = sentence_at(text, m.start(), m.end())
        if date in record.dates:
            continue
        # a date in a plan is checked only against what the ledger dates ("health cover to 30 June")
        if is_future(sentence) and not record.contradicts_date(date, _topic(sentence)):
            continue
        claims.append(Claim("date", m.group(0), m.start(), m.end()))
    for unit, value, m in _numbers(text):
        if not record.contradicts(unit, value, _topic(sentence_at(text, m.start(), m.end()))):
            continue
        claims.append(Claim("number", m.group(0), m.start(), m.end()))
    for m in _REF.finditer(text):
        if record.references and m.group(1) not in record.references:
            claims.append(Claim("reference", m.group(0), m.start(), m.end()))
    for phrase in (p for f in scenario.facts for p in f.disproves):
        if any(_stated(said_text, phrase) for said_text in said):  # the persona's own words
            continue
        claims += [Claim("claim", m.group(0), m.start(), m.end()) for m in _stated(text, phrase)]
    return sorted(claims, key=lambda c: c.start)


_NEGATED = re.compile(r"(?:\bnot|n't|\bnever|\bno longer)\b[^,;:.!?]{0,25}$", re.I)


@lru_cache(maxsize=256)
def _phrase(words: str) -> re.Pattern[str]:
    """The words of a disproved claim, in order, with up to three words between them ("left the queue uncovered")."""
    parts = [re.escape(w) for w in words.split()]
    return re.compile(r"\b" + r"(?:\s+[\w'-]+){0,3}?\s+".join(parts) + r"\b", re.I)


def _stated(text: str, words: str) -> list[re.Match[str]]:
    """Where `text` states the claim `words`: not negated just before, and not in a sentence about a plan."""
    out = []
    for m in _phrase(words).finditer(text):
        start = sentence_bounds(text, m.start(), m.end())[0]
        if not _NEGATED.search(text[start : m.start()]) and not is_future(sentence_at(text, m.start(), m.end())):
            out.append(m)
    return out
