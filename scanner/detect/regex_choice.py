"""Which regex engine runs a rule's pattern: ``re`` or ``regex`` (both find the same matches).

Rule patterns open with a lookbehind, so ``re`` cannot skip ahead: it tries every position
of the text, unless the first character a match consumes is a literal (then it searches
for that). The ``regex`` module skips ahead to a set of first characters, or to a literal
that every match must hold (the space of a digit box ``1 2 3 4 ...``, the 年 of an era
date). Where such a character is rare, as in prose and rosters, that is 2 to 70 times
faster; where every match starts with a digit, in a table of numbers, ``re`` is about
3 times the faster. So, read from the parsed pattern:
  * the first character consumed is one that is no ASCII digit: ``re`` for a literal
    (記号 ...: its own prefix search), ``regex`` for a set (the kanji numerals);
  * else ``regex`` where every match holds a literal character, ``re`` where none does.
``bench/bench_regex_choice.py`` measures each shipped pattern on a roster, a phone list, a
table of numbers and prose, as the ratio of the chosen engine's time to the faster one's.
"""

from __future__ import annotations

import re
from typing import Any

import regex

try:  # the standard library's own parser (private, stable since 3.11); without it, re decides alone
    from re import _constants as sre  # type: ignore[attr-defined]
    from re import _parser as sre_parse  # type: ignore[attr-defined]

    _REPEATS: tuple[Any, ...] = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT))
except ImportError:  # pragma: no cover - a Python that moved them
    sre = sre_parse = None
    _REPEATS = ()


def compile_pattern(source: str) -> re.Pattern[str] | regex.Pattern[str]:
    r"""``regex`` for a pattern every match of which holds a literal character, and for
    what only ``regex`` supports (variable-width lookbehind, \p{...}); ``re`` otherwise.
    Raises ``regex.error`` for a pattern neither engine compiles."""
    try:
        compiled = re.compile(source)
    except re.error:
        return regex.compile(source)
    return regex.compile(source) if _prefers_regex(source) else compiled


def _prefers_regex(source: str) -> bool:
    """The rule of the module docstring, read from the pattern's parse tree."""
    if sre_parse is None:
        return False
    try:
        parsed = sre_parse.parse(source)
        first = _first_consumed(parsed)
        if first is not None and not _may_be_digit(first):
            # A first character that is rarely there: re skips ahead to a literal one itself
            # (記号 ...), regex to one of a set (the kanji numerals).
            return first[0] is not sre.LITERAL
        return _required_literal(parsed)
    except (AttributeError, IndexError, TypeError, ValueError):  # a parse tree of another shape
        return False


def _first_consumed(items: Any) -> tuple[Any, Any] | None:
    """The first element that consumes a character, past lookarounds and into groups and
    repeats that must run; None where it is not one element (an alternation)."""
    for op, av in items:
        if op in (sre.ASSERT, sre.ASSERT_NOT, sre.AT):
            continue
        if op is sre.SUBPATTERN:
            return _first_consumed(av[-1])
        if op in _REPEATS:
            return _first_consumed(av[2]) if av[0] >= 1 else None
        return (op, av) if op in (sre.LITERAL, sre.IN) else None
    return None


def _may_be_digit(element: tuple[Any, Any]) -> bool:
    """Whether a LITERAL or an IN (a set) may match an ASCII digit, where the numbers are."""
    op, av = element
    if op is sre.LITERAL:
        return 0x30 <= av <= 0x39
    for kind, value in av:
        if kind is sre.LITERAL and 0x30 <= value <= 0x39:
            return True
        if kind is sre.RANGE and value[0] <= 0x39 and value[1] >= 0x30:
            return True
        if kind in (sre.CATEGORY, sre.NEGATE):
            return True  # \d, \w, [^...]: assume so
    return False


def _required_literal(items: Any) -> bool:
    """Whether every match of the parsed sequence ``items`` consumes a given literal
    character: one outside alternations, optional parts and lookarounds."""
    for op, av in items:
        if op is sre.LITERAL:
            return True
        if op is sre.SUBPATTERN and _required_literal(av[-1]):
            return True
        if op in _REPEATS and av[0] >= 1 and _required_literal(av[2]):
            return True
    return False
