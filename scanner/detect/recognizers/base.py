"""What a Python-implemented detector (a recognizer) looks like to the engine.

A detector YAML with ``kind: recognizer`` and ``recognizer: <name>`` is served by a
factory found in a module of this package (``RECOGNIZERS = {name: factory}``). The engine
calls ``factory(rule, rules_dir)`` once at load, with the rule's YAML mapping (recognizer
settings live under its ``options:`` key) and the rules directory (for dictionaries), and
then calls ``find`` on every text window or table cell that might hold a match.

A recognizer YAML may use these keys: id, description, kind, recognizer, anchors, mask,
options, examples, record_context, record_min_score. ``anchors`` are literal strings
(e.g. 様, 殿, 氏名) that make the engine look at a block at all: the prefilter encodes
them to UTF-8/CP932/EUC-JP bytes, and a table column whose header contains an anchor
sends all its cells to the recognizer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from ..normalize import NormalizedText


class Candidate(NamedTuple):
    """One match a recognizer reports (immutable; a named tuple, as cheap to build as a
    tuple: one is made per match, and a frozen dataclass costs five times as much).

    ``start``/``end`` index ``NormalizedText.text`` (the engine maps them back to the
    original for locations). ``value`` is the normalized value the engine hashes (it
    never stores it). ``score`` in [0, 1] before record context; ``reasons`` say why
    (e.g. "surname:山田" is NOT allowed - reasons must not contain the value; use
    "surname-dict", "header:氏名", "honorific").
    ``masked`` optionally overrides the rule's mask (e.g. "山* 太*").
    """

    start: int
    end: int
    value: str
    score: float
    reasons: tuple[str, ...] = ()
    masked: str | None = None


class Recognizer(Protocol):
    def find(self, text: NormalizedText, header: str | None) -> Iterable[Candidate]:
        """Matches in ``text``; ``header`` is the normalized column header of a table
        cell (None for running text)."""
        ...


RecognizerFactory = Callable[[Mapping[str, Any], Path], Recognizer]
