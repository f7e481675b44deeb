"""A sound shortcut for many regular expressions over short texts: skip a pattern that cannot match.

The rule tagger runs a few hundred case-insensitive patterns over every message, and
Python's `re` tries each of them from every character. Most patterns cannot match most
messages, and that is cheap to prove: every match of `\\byou(?: seem| sound) upset` contains
"you seem" or "you sound". `needles()` reads a pattern's parse tree and returns such a set
of literal strings (lower case, ASCII), one of which any match must contain, or None when
there is no useful set. `Prefiltered.may_match` says whether a message (in the lower case
of `lowered()`) contains one of them; `PatternSet.possible` does that for a few hundred
patterns at once. A pattern can have several such sets, one for each part of it
(`needle_sets()`): `\\bdo you\\b[^.!?]*\\?` needs "do you" and "?", and is skipped when
either is missing.

The results are exactly the pattern's own: a skipped pattern had no match to find.
That rests on two facts tests check: the needles are derived conservatively (anything
the analysis does not understand gives no needle, never a wrong one), and `lowered()`
maps every character that `re.IGNORECASE` lets match an ASCII letter to that letter
(including the odd ones: the Kelvin sign, the long s, the dotted and dotless i), and every
digit `\\d` matches (of any script) to an ASCII digit.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Iterator
from functools import cache
from re import _constants as sre  # type: ignore[attr-defined]  # the parser's node codes (3.11+)
from re import _parser as sre_parse  # type: ignore[attr-defined]

_EXACT_LIMIT = 64  # largest set of exact strings kept while combining a sequence
_NEEDLE_LIMIT = 24  # more needles than this cost about as much to test as the pattern saves
_CLASS_LIMIT = 10  # a character class wider than this is not worth enumerating

# Characters that re.IGNORECASE matches with an ASCII letter but whose str.lower() is not that letter.
_CASE_ODDITIES = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_DIGITS = frozenset("0123456789")
_OTHER_DIGIT = re.compile(r"(?![0-9])\d")  # what \d matches besides the ASCII digits (Arabic-Indic, Devanagari...)


def lowered(text: str) -> str:
    """The text as the needles are looked for in it: lower case, with re's case oddities mapped to ASCII
    and the digits of other scripts to "0" (so a needle "0".."9" stands for `\\d`)."""
    if text.isascii():  # the odd characters and the other digits are all outside ASCII
        return text.lower()
    return _OTHER_DIGIT.sub("0", text.translate(_CASE_ODDITIES).lower())


def needles(pattern: str | re.Pattern[str], *, limit: int = _NEEDLE_LIMIT) -> frozenset[str] | None:
    """Literal strings (at most `limit`) one of which every match of `pattern` contains, or None (no useful set)."""
    source, flags = (pattern.pattern, pattern.flags) if isinstance(pattern, re.Pattern) else (pattern, 0)
    try:
        tree = sre_parse.parse(source, flags)
    except re.error:
        return None
    _, found = _sequence(list(tree), limit)
    small = _small(found, limit)
    return frozenset(small) if small else None


def needle_sets(pattern: str | re.Pattern[str], *, limit: int = _NEEDLE_LIMIT, most: int = 3) -> tuple[frozenset[str], ...]:
    """Up to `most` sets of literal strings (each at most `limit`): every match of `pattern` contains a string
    of each set. The sets come from different parts of the pattern (`\\b(?:do|did) you\\b[^.!?]*\\?` gives
    {"do you", "did you"} and {"?"}); the rarest-looking first; empty when nothing useful is known."""
    source, flags = (pattern.pattern, pattern.flags) if isinstance(pattern, re.Pattern) else (pattern, 0)
    try:
        items = list(sre_parse.parse(source, flags))
    except re.error:
        return ()
    while len(items) == 1 and items[0][0] is sre.SUBPATTERN:  # a pattern wrapped in one group is the group
        items = list(items[0][1][3])
    collected: list[set[str] | None] = []
    _sequence(items, limit, collected)
    sets = {frozenset(small) for found in collected if (small := _small(found, limit))}
    # a set hit whenever another is hit adds nothing ("you" when "you said" is needed)
    useful = [b for b in sets if not any(a != b and all(any(y in x for y in b) for x in a) for a in sets)]
    useful = [s for s in useful if _chance(s) < _USELESS]
    return tuple(sorted(useful, key=lambda s: (_chance(s), sorted(s)))[:most])


def trie_pattern(words: Iterable[str]) -> re.Pattern[str]:
    """One case-sensitive pattern matching any of `words`, built as a trie ("you(?: (?:are|can)|r)?"), so that
    `re` steps through a text once instead of trying every word at every character; at each position it takes
    the longest word there."""
    tree: dict = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def branch(node: dict) -> str:
        alternatives = [re.escape(char) + branch(sub) for char, sub in sorted(node.items()) if char]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else "(?:" + "|".join(alternatives) + ")"
        return f"(?:{body})?" if "" in node else body

    return re.compile(branch(tree))


_FEW = 8  # up to this many needles, `in` per needle beats one pattern


class Prefiltered:
    """A compiled pattern and its needle sets (`needle_sets()`)."""

    __slots__ = ("pattern", "sets", "_tests")

    def __init__(self, pattern: re.Pattern[str], *, limit: int = _NEEDLE_LIMIT):
        self.sets = needle_sets(pattern, limit=limit)
        self.pattern = guarded(pattern)  # the same matches, found faster (`guarded`)
        self._tests = [sorted(s) if len(s) <= _FEW else trie_pattern(s) for s in self.sets]

    def may_match(self, low: str) -> bool:
        """False only when the pattern cannot match the text whose `lowered()` form is `low`."""
        for test in self._tests:
            if not (any(n in low for n in test) if isinstance(test, list) else test.search(low)):
                return False
        return True

    def finditer(self, text: str, low: str | None = None) -> Iterator[re.Match[str]]:
        """`pattern.finditer(text)`, without running the pattern when it cannot match (`low`: `lowered(text)`)."""
        return self.pattern.finditer(text) if self.may_match(lowered(text) if low is None else low) else iter(())


@cache
def prefiltered(pattern: re.Pattern[str]) -> Prefiltered:
    """The one `Prefiltered` of a module-level pattern (its needles read once, generously: up to 256)."""
    return Prefiltered(pattern, limit=256)


class PatternSet:
    """Many patterns over one text: which of them may match, found with one pass over the text.

    All the patterns' needles make one trie pattern (`trie_pattern`); one `findall` over the
    text names the needles it contains, and a pattern may match when each of its needle sets
    has one. With a few hundred patterns this costs some microseconds a text, where testing
    every pattern's needles one by one costs a millisecond.
    """

    def __init__(self, patterns: list[re.Pattern[str]], *, limit: int = 256):
        self.items = [Prefiltered(p, limit=limit) for p in patterns]
        self._always = {i for i, item in enumerate(self.items) if not item.sets}
        # a requirement is one needle set of one pattern; a pattern may match when all of its requirements are met
        self._owner = [i for i, item in enumerate(self.items) for _ in item.sets]
        self._needs = [len(item.sets) for item in self.items]
        meets: dict[str, list[int]] = {}  # each needle, and the requirements it meets
        for r, needles in enumerate(s for item in self.items for s in item.sets):
            for needle in needles:
                meets.setdefault(needle, []).append(r)
        # the trie finds the longest needle at each character; the others there are its prefixes
        self._trie = re.compile(f"(?=({trie_pattern(meets).pattern}))")
        met_by = {needle: {r for k in range(1, len(needle) + 1) for r in meets.get(needle[:k], ())} for needle in meets}
        # a pattern with one needle set may match as soon as one of its needles is found: each needle names those
        # patterns at once; only the requirements of patterns with several sets are counted
        single = {r for r, i in enumerate(self._owner) if self._needs[i] == 1}
        self._single_by = {needle: frozenset(self._owner[r] for r in met if r in single) for needle, met in met_by.items()}
        self._several_by = {needle: tuple(sorted(r for r in met if r not in single)) for needle, met in met_by.items()}

    def possible(self, low: str) -> set[int]:
        """The indices of the patterns that may match the text whose `lowered()` form is `low`."""
        found = set(self._trie.findall(low))
        out = self._always.union(*map(self._single_by.__getitem__, found))
        met = set().union(*map(self._several_by.__getitem__, found))
        if met:
            needs = self._needs
            out.update([i for i, c in Counter(map(self._owner.__getitem__, met)).items() if c == needs[i]])
        return out


# Rough English letter frequencies (per cent, space included), for guessing how often a needle is in a text.
_FREQUENCY = dict(zip(" etaoinshrdlcumwfgypbvkjxqz", (18, 10, 7.5, 6.5, 6.2, 5.7, 5.7, 5.3, 5, 5, 3.5, 3.3, 2.3, 2.3, 2, 1.9,
                                                       1.8, 1.6, 1.6, 1.5, 1.3, 0.8, 0.6, 0.2, 0.2, 0.1, 0.1)))


_USELESS = 0.1  # a needle set this likely at a given character (a space, a single common letter) skips nothing


def _chance(needles: frozenset[str]) -> float:
    """A rough chance that one of the needles starts at a given character of English text."""
    total = 0.0
    for needle in needles:
        p = 1.0
        for c in needle:
            p *= _FREQUENCY.get(c, 1.0) / 100.0
        total += p
    return total


# ---- the analysis: each node gives (exact, needles) ----------------------------------------------
# exact: every string the node can match (lower case), when that set is small and finite, else None.
# needles: strings one of which every match contains, or None.


def _better(a: set[str] | None, b: set[str] | None, limit: int) -> set[str] | None:
    """The more selective of two needle sets (each first made small): the longer shortest string, then the fewer strings."""
    usable = [small for small in (_small(a, limit), _small(b, limit)) if small]
    if not usable:
        return None
    return max(usable, key=lambda s: (min(len(x) for x in s), -len(s)))


def _small(found: set[str] | None, limit: int) -> set[str] | None:
    """At most `limit` needles that still prove a match impossible, or None.

    Any match contains one of `found`, hence any prefix (or suffix) of that string too: the two
    needles that share the longest prefix are replaced by it until few enough are left, and a
    needle that contains another is dropped (if the longer is in a text, the shorter is).
    {"give this reply", "give this response", "give me"} becomes {"give "}; with suffixes,
    {"hard for you", "tough for you"} becomes {" for you"}. The better of the two is kept.
    """
    if not found or "" in found:
        return None
    by_prefix = _merged(found, limit)
    by_suffix = _merged({x[::-1] for x in found}, limit)
    candidates = [c for c in (by_prefix, {x[::-1] for x in by_suffix} if by_suffix else None) if c]
    if not candidates:
        return None
    return max(candidates, key=lambda c: (min(len(x) for x in c), -len(c)))


def _merged(found: set[str], limit: int) -> set[str] | None:
    needles = _minimal(found)
    while len(needles) > limit:
        ordered = sorted(needles)
        shared = max((_common_prefix(a, b) for a, b in zip(ordered, ordered[1:])), key=len)
        if not shared:
            return None
        needles = _minimal({shared if x.startswith(shared) else x for x in needles})
    return needles


def _common_prefix(a: str, b: str) -> str:
    n = 0
    while n < min(len(a), len(b)) and a[n] == b[n]:
        n += 1
    return a[:n]


def _minimal(needles: set[str]) -> set[str]:
    """Without the needles that contain another one."""
    return {x for x in needles if not any(y != x and y in x for y in needles)}


def _sequence(items: list, limit: int, collected: list[set[str] | None] | None = None) -> tuple[set[str] | None, set[str] | None]:
    """(exact, needles) of a sequence; `collected` receives every set of needles considered on the way
    (each is sound on its own: one of its strings is in every match)."""
    run: set[str] = {""}  # the exact strings of the items since the last break
    whole = True  # every item so far was exact and the run never overflowed
    best: set[str] | None = None
    for op, av in items:
        exact, found = _node(op, av, limit)
        if exact is not None:
            best = _better(best, run, limit)  # a shorter run may be the usable one when the longer has too many strings
            if collected is not None:
                collected.append(run)
            product = {a + b for a in run for b in exact}
            if len(product) <= _EXACT_LIMIT:
                run = product
                continue
            run, whole = set(exact), False
            continue
        best = _better(_better(best, run, limit), found, limit)
        if collected is not None:
            collected += [run, found]
        run, whole = {""}, False
    best = _better(best, run, limit)
    if collected is not None:
        collected.append(run)
    return (run if whole else None), best


def _node(op, av, limit: int) -> tuple[set[str] | None, set[str] | None]:
    if op is sre.LITERAL:
        char = chr(av)
        return ({char.lower()}, {char.lower()}) if char.isascii() else (None, None)
    if op is sre.IN:
        chars = _class_chars(av)
        return (chars, chars) if chars is not None else (None, None)
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return {""}, None  # zero width
    if op is sre.SUBPATTERN:
        return _sequence(list(av[3]), limit)
    if op is sre.ATOMIC_GROUP:
        return _sequence(list(av), limit)
    if op is sre.BRANCH:
        return _branch(av[1], limit)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, sub = av
        exact, found = _sequence(list(sub), limit)
        if low == 0:
            return ({""} | exact if exact is not None and high == 1 else None), None
        if low == high == 1:
            return exact, found
        return None, (exact if exact is not None and "" not in exact else found)
    return None, None  # ANY, CATEGORY, NOT_LITERAL, GROUPREF...: nothing known


def _branch(alternatives, limit: int) -> tuple[set[str] | None, set[str] | None]:
    exacts: set[str] | None = set()
    found: set[str] | None = set()
    for alternative in alternatives:
        exact, needle = _sequence(list(alternative), limit)
        exacts = exacts | exact if exacts is not None and exact is not None else None
        found = found | needle if found is not None and needle is not None else None
    if exacts is not None and len(exacts) > _EXACT_LIMIT:
        exacts = None
    return exacts, found


def _class_chars(items) -> set[str] | None:
    chars: set[str] = set()
    for op, av in items:
        if op is sre.LITERAL:
            chars.add(chr(av))
        elif op is sre.CATEGORY and av is sre.CATEGORY_DIGIT:  # any script's digit: `lowered()` makes it ASCII
            chars.update(_DIGITS)
        elif op is sre.RANGE and av[1] - av[0] < _CLASS_LIMIT:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        else:  # NEGATE, CATEGORY, wide ranges
            return None
    if len(chars) > _CLASS_LIMIT or not all(c.isascii() for c in chars):
        return None
    return {c.lower() for c in chars}


# ---- a guard on the first character -------------------------------------------------------------
# `re` tries a pattern at every character of a text. A pattern such as `\b(?:one|two|...|ninety) days`
# walks its forty alternatives at every word boundary; `(?=[otfsen])` in front rejects most positions
# with one character test. `guarded()` adds that lookahead, built from the characters a match can begin
# with (ignoring case, so it accepts every character the pattern's own start can match): the matches
# are the pattern's own.

_CATEGORIES = {sre.CATEGORY_DIGIT: r"\d", sre.CATEGORY_WORD: r"\w", sre.CATEGORY_SPACE: r"\s",
               sre.CATEGORY_NOT_DIGIT: r"\D", sre.CATEGORY_NOT_WORD: r"\W", sre.CATEGORY_NOT_SPACE: r"\S"}
_GUARD_LIMIT = 40  # a class this long tests about as slowly as the pattern's own start


def guarded(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """The pattern with a lookahead on its first character in front, when that helps; else the pattern itself."""
    if pattern.flags & re.VERBOSE:  # a trailing comment would swallow the closing parenthesis
        return pattern
    try:
        items = list(sre_parse.parse(pattern.pattern, pattern.flags))
    except re.error:
        return pattern
    first, nullable = _first_of_sequence(items)
    if first is None or nullable or not first or len(first) > _GUARD_LIMIT or first & {r"\w", r"\W", r"\S", r"\D"}:
        return pattern  # unknown, or nearly every character: nothing to gain
    # the class ignores case even when the pattern does not: a looser guard than needed, never a stricter one
    try:
        return re.compile(f"(?=(?i:[{''.join(sorted(first))}]))(?:{pattern.pattern})", pattern.flags)
    except re.error:  # e.g. global flags written inside the pattern ("(?s)..."), which must come first
        return pattern


def _first_of_sequence(items: list) -> tuple[set[str] | None, bool]:
    """(class parts a match of the sequence can begin with, whether it can match the empty string); None: unknown."""
    first: set[str] = set()
    for op, av in items:
        found, nullable = _first_of_node(op, av)
        if found is None:
            return None, False
        first |= found
        if not nullable:
            return first, False
    return first, True


def _first_of_node(op, av) -> tuple[set[str] | None, bool]:
    if op is sre.LITERAL:
        return {re.escape(chr(av))}, False
    if op is sre.IN:
        parts: set[str] = set()
        for kind, value in av:
            if kind is sre.LITERAL:
                parts.add(re.escape(chr(value)))
            elif kind is sre.RANGE:
                parts.add(f"{re.escape(chr(value[0]))}-{re.escape(chr(value[1]))}")
            elif kind is sre.CATEGORY and value in _CATEGORIES:
                parts.add(_CATEGORIES[value])
            else:  # NEGATE and the rest
                return None, False
        return parts, False
    if op in (sre.AT, sre.ASSERT, sre.ASSERT_NOT):
        return set(), True  # zero width: the first character comes after it
    if op is sre.SUBPATTERN:
        return _first_of_sequence(list(av[3]))
    if op is sre.BRANCH:
        first: set[str] = set()
        nullable = False
        for alternative in av[1]:
            found, empty = _first_of_sequence(list(alternative))
            if found is None:
                return None, False
            first |= found
            nullable = nullable or empty
        return first, nullable
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, _high, sub = av
        found, empty = _first_of_sequence(list(sub))
        return found, (empty or low == 0) if found is not None else False
    return None, False  # ANY, NOT_LITERAL, GROUPREF, ATOMIC_GROUP...: not known
