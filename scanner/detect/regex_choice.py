"""Which regex engine runs a rule's pattern: ``re`` or ``regex`` (both find the same matches).

The ``regex`` module skips ahead to a character every match must hold (the space of a
digit box ``1 2 3 4 ...``, the 年 of an era date, the dash of ``1234-567890``): where
that character is absent or rare, as in Japanese prose and rosters, it is up to 70 times
faster than ``re``, which tries every position of a pattern that opens with a lookbehind.
A pattern of digits alone has no such character, and in a table of numbers ``re`` is
about 3 times the faster. ``bench/bench_regex_choice.py`` measures each shipped
pattern: on a roster, a phone list and a table of numbers the choice below is the faster
engine for most patterns and at worst 1.75x slower (an era date among birth dates); on
long prose ``regex`` would be 2x faster for digit-only patterns, but patterns see prose
only in windows around digit runs.
"""

from __future__ import annotations

import re
from re import _constants as sre  # type: ignore[attr-defined]
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

import regex

_REPEATS = (sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT))


def compile_pattern(source: str) -> re.Pattern[str] | regex.Pattern[str]:
    r"""``regex`` for a pattern every match of which holds a literal character, and for
    what only ``regex`` supports (variable-width lookbehind, \p{...}); ``re`` otherwise.
    Raises ``regex.error`` for a pattern neither engine compiles."""
    try:
        parsed = sre_parse.parse(source)
        compiled = re.compile(source)
    except re.error:
        return regex.compile(source)
    return regex.compile(source) if _required_literal(parsed) else compiled


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
