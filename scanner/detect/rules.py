"""Read and validate detector YAML files into ``RuleSpec`` objects.

Shape checks only; compiling recognizers and running examples happen in the engine.
Every problem raises ``RulesError`` naming the file and the rule id.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex
import yaml

from ..model import Confidence
from .errors import RulesError
from .normalize import half_width_twins, normalize_str
from .regex_choice import compile_pattern
from .validators import VALIDATORS, Validator

_COMMON_KEYS = {"id", "description", "kind", "mask", "examples", "anchors", "keywords", "headers",
                "record_context", "record_min_score", "record_window", "trigger", "min_digits"}
# "candidate": the rule's own matches open windows (pension_number, my_number: long digit
# runs are rare enough to look at each). "context": the rule runs only where something
# else points at it: a candidate's record window, one of its anchors, or a column whose
# header is one of its positive headers (birth dates and names are everywhere otherwise).
TRIGGERS = ("candidate", "context")
_PATTERN_KEYS = _COMMON_KEYS | {"patterns", "validator"}
_RECOGNIZER_KEYS = _COMMON_KEYS | {"recognizer", "options"}
_PATTERN_ITEM_KEYS = ("name", "regex", "score", "scope", "zero_pad")
_ID = regex.compile(r"[a-z][a-z0-9_]*")
# libyaml's loader where PyYAML was built with it: same documents, several times faster.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# Where a pattern looks: "text" anywhere (free text and every table cell); "column" only at
# a whole cell in a column whose header the rule's positive headers name (a number too
# short or too common to be a candidate on its own, such as a pension number whose leading
# zero Excel dropped).
SCOPES = ("text", "column")


@dataclass(frozen=True, slots=True)
class PatternSpec:
    name: str
    regex: re.Pattern[str] | regex.Pattern[str]
    score: float
    scope: str = "text"
    zero_pad: int = 0  # left-pad the value with zeros to this many characters (0: as found)


@dataclass(frozen=True, slots=True)
class ContextSpec:
    """Weighted context words (keywords in text, or substrings of a column header), normalized."""

    positive: dict[str, float] = field(default_factory=dict)
    negative: dict[str, float] = field(default_factory=dict)
    proximity: int = 300  # positive keywords count within this many characters
    negative_proximity: int = 40  # negative labels sit right beside the value they name

    def __bool__(self) -> bool:
        return bool(self.positive or self.negative)


@dataclass(frozen=True, slots=True)
class ExampleSpec:
    text: str
    header: str | None
    positive: bool
    min_confidence: Confidence | None = None  # positive: some finding at least this
    max_confidence: Confidence | None = None  # negative: no finding above this (None: no finding at all)


@dataclass(slots=True)
class RuleSpec:
    id: str
    file: str
    kind: str  # "pattern" or "recognizer"
    description: str = ""
    patterns: list[PatternSpec] = field(default_factory=list)
    validator: Validator | None = None
    validator_name: str = ""
    recognizer: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    keywords: ContextSpec = field(default_factory=ContextSpec)
    headers: ContextSpec = field(default_factory=ContextSpec)
    record_context: dict[str, float] = field(default_factory=dict)
    record_min_score: float = 0.4
    record_window: int = 150
    anchors: list[str] = field(default_factory=list)
    trigger: str = "candidate"
    min_digits: int = 10  # trigger candidate: digits in the shortest value the rule can match
    keep_first: int = 0
    keep_last: int = 0
    examples: list[ExampleSpec] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)


def rule_files(rules_dir: Path) -> list[Path]:
    return sorted((rules_dir / "detectors").glob("*.yaml"))


def dictionary_files(rules_dir: Path) -> list[Path]:
    """The word lists recognizers read (rules_dir/dictionaries), in a stable order."""
    folder = rules_dir / "dictionaries"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []


def rules_version(files: list[Path], extraction: int = 0) -> str:
    """What reads files, as one short digest: the rule files' names and contents, and the
    extraction version (scanner.extract.EXTRACTION_VERSION)."""
    digest = hashlib.sha256(b"extraction %d\0" % extraction if extraction else b"")
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def load_rules(rules_dir: Path) -> list[RuleSpec]:
    """Every detector rule under ``rules_dir/detectors``, validated; ids are unique."""
    specs: list[RuleSpec] = []
    seen: dict[str, str] = {}
    for path in rule_files(rules_dir):
        spec = parse_rule_file(path)
        if spec.id in seen:
            raise RulesError(path.name, spec.id, f"duplicate id (also in {seen[spec.id]})")
        seen[spec.id] = path.name
        specs.append(spec)
    return specs


def parse_rule_file(path: Path) -> RuleSpec:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise RulesError(path.name, None, f"not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise RulesError(path.name, None, "a detector file must be a mapping")
    return _Parser(path.name, data).parse()


class _Parser:
    """Turns one YAML mapping into a RuleSpec; ``fail`` raises with file and rule id."""

    def __init__(self, file: str, data: dict[str, Any]) -> None:
        self.file = file
        self.data = data
        self.rule_id: str | None = data.get("id") if isinstance(data.get("id"), str) else None

    def fail(self, problem: str) -> RulesError:
        return RulesError(self.file, self.rule_id, problem)

    def parse(self) -> RuleSpec:
        d = self.data
        if self.rule_id is None or not _ID.fullmatch(self.rule_id):
            raise self.fail("'id' must be a lower_snake_case string")
        kind = d.get("kind", "pattern")
        if kind not in ("pattern", "recognizer"):
            raise self.fail(f"unknown kind {kind!r} (pattern or recognizer)")
        allowed = _PATTERN_KEYS if kind == "pattern" else _RECOGNIZER_KEYS
        unknown = sorted(set(d) - allowed)
        if unknown:
            raise self.fail(f"unknown key(s) {', '.join(map(str, unknown))}")
        spec = RuleSpec(id=self.rule_id, file=self.file, kind=kind, raw=d,
                        description=str(d.get("description", "")))
        if kind == "pattern":
            self._pattern_parts(spec)
        else:
            self._recognizer_parts(spec)
        spec.keywords = self._context(d.get("keywords"), "keywords", with_proximity=True)
        spec.headers = self._context(d.get("headers"), "headers", with_proximity=False)
        spec.record_context = self._weights(d.get("record_context", {}), "record_context")
        spec.record_min_score = self._number(d.get("record_min_score", 0.4), "record_min_score")
        spec.record_window = int(self._number(d.get("record_window", 150), "record_window", hi=100_000))
        anchors = self._strings(d.get("anchors", []), "anchors")
        spec.anchors = anchors + half_width_twins(anchors)  # anchors are looked for in raw text and bytes too
        spec.trigger = str(d.get("trigger", "candidate" if kind == "pattern" else "context"))
        if spec.trigger not in TRIGGERS:
            raise self.fail(f"trigger must be one of {', '.join(TRIGGERS)}, not {spec.trigger!r}")
        spec.min_digits = int(self._number(d.get("min_digits", 10), "min_digits", lo=2, hi=64))
        if kind != "pattern" and spec.trigger != "context":
            raise self.fail("a recognizer runs only where something points at it: trigger: context")
        spec.keep_first, spec.keep_last = self._mask(d.get("mask", {}))
        spec.examples = self._examples(d.get("examples"))
        return spec

    def _pattern_parts(self, spec: RuleSpec) -> None:
        patterns = self.data.get("patterns")
        if not isinstance(patterns, list) or not patterns:
            raise self.fail("'patterns' must be a non-empty list")
        spec.patterns = [self._pattern(p, i) for i, p in enumerate(patterns)]
        if all(p.scope == "column" for p in spec.patterns):
            raise self.fail("at least one pattern must have scope: text (column patterns only add to it)")
        name = self.data.get("validator")
        if name is not None:
            if name not in VALIDATORS:
                raise self.fail(f"unknown validator {name!r} (known: {', '.join(sorted(VALIDATORS))})")
            spec.validator, spec.validator_name = VALIDATORS[name], name

    def _pattern(self, item: Any, index: int) -> PatternSpec:
        if not isinstance(item, dict) or set(item).difference(_PATTERN_ITEM_KEYS) or "regex" not in item:
            raise self.fail(f"pattern #{index + 1} must be a mapping of {', '.join(_PATTERN_ITEM_KEYS)}")
        name = str(item.get("name", f"pattern{index + 1}"))
        source = item["regex"]
        if not isinstance(source, str):
            raise self.fail(f"pattern {name}: regex must be a string")
        if "\\b" in source or "\\B" in source:
            raise self.fail(f"pattern {name}: \\b treats kana and kanji as word characters; use digit lookarounds")
        try:
            compiled = compile_pattern(source)
        except regex.error as exc:
            raise self.fail(f"pattern {name}: regex does not compile: {exc}") from None
        scope = item.get("scope", "text")
        if scope not in SCOPES:
            raise self.fail(f"pattern {name}: scope must be one of {', '.join(SCOPES)}, not {scope!r}")
        headers = self.data.get("headers")
        if scope == "column" and not (isinstance(headers, dict) and headers.get("positive")):
            raise self.fail(f"pattern {name}: scope column needs positive headers to name its columns")
        zero_pad = int(self._number(item.get("zero_pad", 0), f"pattern {name}: zero_pad", hi=64))
        if zero_pad and scope != "column":
            raise self.fail(f"pattern {name}: zero_pad is for scope column (a number a spreadsheet shortened)")
        return PatternSpec(name, compiled, self._number(item.get("score", 0.3), f"pattern {name}: score"),
                           scope, zero_pad)

    def _recognizer_parts(self, spec: RuleSpec) -> None:
        from .recognizers import available  # late: recognizer modules may import the engine's types

        name = self.data.get("recognizer")
        if not isinstance(name, str) or name not in available():
            raise self.fail(f"unknown recognizer {name!r} (known: {', '.join(sorted(available()))})")
        options = self.data.get("options", {})
        if not isinstance(options, dict):
            raise self.fail("'options' must be a mapping")
        spec.recognizer, spec.options = name, options

    def _context(self, value: Any, key: str, *, with_proximity: bool) -> ContextSpec:
        if value is None:
            return ContextSpec()
        allowed = {"positive", "negative"} | ({"proximity", "negative_proximity"} if with_proximity else set())
        if not isinstance(value, dict) or set(value) - allowed:
            raise self.fail(f"'{key}' must be a mapping with keys {', '.join(sorted(allowed))}")
        positive = self._weights(value.get("positive", {}), f"{key}.positive")
        negative = self._weights(value.get("negative", {}), f"{key}.negative", lo=-1.0, hi=0.0)
        return ContextSpec(
            positive={normalize_str(k): w for k, w in positive.items()},
            negative={normalize_str(k): w for k, w in negative.items()},
            proximity=int(self._number(value.get("proximity", 300), f"{key}.proximity", hi=100_000)),
            negative_proximity=int(self._number(value.get("negative_proximity", 40),
                                                f"{key}.negative_proximity", hi=100_000)),
        )

    def _weights(self, value: Any, key: str, lo: float = 0.0, hi: float = 1.0) -> dict[str, float]:
        if not isinstance(value, dict):
            raise self.fail(f"'{key}' must be a mapping of text to weight")
        return {str(k): self._number(w, f"{key}.{k}", lo, hi) for k, w in value.items()}

    def _number(self, value: Any, key: str, lo: float = 0.0, hi: float = 1.0) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not lo <= value <= hi:
            raise self.fail(f"'{key}' must be a number in [{lo:g}, {hi:g}], got {value!r}")
        return float(value)

    def _strings(self, value: Any, key: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(f"'{key}' must be a list of non-empty strings")
        return list(value)

    def _mask(self, value: Any) -> tuple[int, int]:
        if not isinstance(value, dict) or set(value) - {"keep_first", "keep_last"}:
            raise self.fail("'mask' must be a mapping of keep_first, keep_last")
        return (int(self._number(value.get("keep_first", 0), "mask.keep_first", hi=64)),
                int(self._number(value.get("keep_last", 0), "mask.keep_last", hi=64)))

    def _examples(self, value: Any) -> list[ExampleSpec]:
        if not isinstance(value, dict) or not value.get("positive") or not value.get("negative"):
            raise self.fail("'examples' needs non-empty 'positive' and 'negative' lists")
        if set(value) - {"positive", "negative"}:
            raise self.fail("'examples' takes only 'positive' and 'negative'")
        return ([self._example(e, True) for e in value["positive"]]
                + [self._example(e, False) for e in value["negative"]])

    def _example(self, item: Any, positive: bool) -> ExampleSpec:
        if isinstance(item, str):
            item = {"text": item}
        allowed = {"text", "header", "min_confidence" if positive else "max_confidence"}
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or set(item) - allowed:
            raise self.fail(f"example {item!r} must be a mapping of {', '.join(sorted(allowed))}")
        header = item.get("header")
        if positive:
            return ExampleSpec(item["text"], header, True, min_confidence=self._level(
                item.get("min_confidence", "medium")))
        level = item.get("max_confidence", "low")
        return ExampleSpec(item["text"], header, False,
                           max_confidence=None if level == "none" else self._level(level))

    def _level(self, name: Any) -> Confidence:
        try:
            return Confidence.parse(str(name))
        except ValueError as exc:
            raise self.fail(str(exc)) from None
