"""The ``person_name`` recognizer: a thin adapter from the engine to ``scanner.detect.names``.

YAML (rules/detectors/person_name.yaml): ``kind: recognizer``, ``recognizer: person_name``,
and optionally under ``options:`` ``honorifics``, ``labels`` (lists replacing the defaults in
names.py) and ``min_score``. Dictionaries come from ``<rules_dir>/dictionaries`` and are
loaded once per process whatever the number of engines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..names import (
    DEFAULT_HONORIFICS,
    DEFAULT_LABELS,
    MIN_SCORE,
    NameFinder,
    default_dictionary_dir,
    load_name_dictionaries,
)
from ..normalize import NormalizedText
from .base import Candidate


class PersonNameRecognizer:
    def __init__(self, finder: NameFinder) -> None:
        self.finder = finder

    def find(self, text: NormalizedText, header: str | None) -> Iterable[Candidate]:
        return [Candidate(m.start, m.end, m.value, m.score, m.reasons, masked=m.masked)
                for m in self.finder.find(text.text, header)]


def _strings(options: Mapping[str, Any], key: str, default: tuple[str, ...]) -> tuple[str, ...]:
    value = options.get(key, default)
    if not isinstance(value, list | tuple) or not value or not all(isinstance(v, str) and v for v in value):
        raise ValueError(f"options.{key} must be a non-empty list of strings")
    return tuple(value)


def make_person_name(rule: Mapping[str, Any], rules_dir: Path) -> PersonNameRecognizer:
    options = rule.get("options") or {}
    unknown = set(options) - {"honorifics", "labels", "min_score"}
    if unknown:
        raise ValueError(f"unknown options: {', '.join(sorted(unknown))}")
    directory = Path(rules_dir) / "dictionaries"
    dicts = load_name_dictionaries((directory if directory.is_dir() else default_dictionary_dir()).resolve())
    finder = NameFinder(dicts, honorifics=_strings(options, "honorifics", DEFAULT_HONORIFICS),
                        labels=_strings(options, "labels", DEFAULT_LABELS),
                        min_score=float(options.get("min_score", MIN_SCORE)))
    return PersonNameRecognizer(finder)


RECOGNIZERS = {"person_name": make_person_name}
