"""Run every rule's examples through the real engine (``pii-agent rules test``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model import Confidence
from .rules import ExampleSpec, RuleSpec

if TYPE_CHECKING:
    from .engine import Engine


@dataclass(frozen=True, slots=True)
class ExampleFailure:
    file: str
    rule_id: str
    example: ExampleSpec
    problem: str

    def describe(self) -> str:
        where = f" (header {self.example.header!r})" if self.example.header is not None else ""
        kind = "positive" if self.example.positive else "negative"
        return f"{kind} example {self.example.text!r}{where}: {self.problem}"

    def __str__(self) -> str:
        return f"{self.file}: rule {self.rule_id}: {self.describe()}"


def check_example(engine: Engine, spec: RuleSpec, example: ExampleSpec) -> str | None:
    """None when the example behaves, else what went wrong."""
    detection = engine.scan_text(example.text, example.header)
    levels = [f.confidence for f in detection.findings if f.detector == spec.id]
    best = max(levels, default=None)
    got = best.label if best is not None else "no finding"
    if example.positive:
        wanted = example.min_confidence or Confidence.MEDIUM
        return None if best is not None and best >= wanted else f"wanted at least {wanted.label}, got {got}"
    if example.max_confidence is None:
        return None if best is None else f"wanted no finding, got {got}"
    ok = best is None or best <= example.max_confidence
    return None if ok else f"wanted at most {example.max_confidence.label}, got {got}"


def run_examples(engine: Engine, specs: list[RuleSpec]) -> list[ExampleFailure]:
    failures = []
    for spec in specs:
        for example in spec.examples:
            problem = check_example(engine, spec, example)
            if problem is not None:
                failures.append(ExampleFailure(spec.file, spec.id, example, problem))
    return failures
