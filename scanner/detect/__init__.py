"""Detection: rules as data (rules/detectors/*.yaml), normalization, and the engine.

    engine = load_engine()                  # shipped rules, random per-process HMAC key
    if engine.prefilter(raw_bytes):         # False: nothing can match, file is clean
        detection = engine.scan(blocks)     # findings hold only a keyed hash and a mask
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..extract import EXTRACTION_VERSION
from .engine import Detection, Engine, default_hasher
from .errors import RulesError
from .examples import ExampleFailure
from .header_aliases import FILE_NAME as ALIASES_FILE
from .rules import dictionary_files, load_rules, rule_files, rules_version

__all__ = ["Detection", "Engine", "ExampleFailure", "RulesError", "load_engine"]


def load_engine(rules_dir: Path | None = None, *, hasher: Callable[[str], str] | None = None,
                prefilter: str = "auto", check_examples: bool = True) -> Engine:
    """Load and validate ``rules_dir/detectors/*.yaml`` (default: the shipped rules).

    Raises RulesError on the first problem, including an example that misbehaves
    (``check_examples=False`` leaves the examples to ``engine.run_examples()``, for
    `pii-agent rules test`, which lists every failure).
    """
    if rules_dir is None:
        from rules import default_rules_dir

        rules_dir = default_rules_dir()
    rules_dir = Path(rules_dir)
    if not (rules_dir / "detectors").is_dir():
        raise RulesError(str(rules_dir / "detectors"), None, "no such directory")
    specs = load_rules(rules_dir)
    if not specs:  # scanning with no detectors would call every file clean
        raise RulesError(str(rules_dir / "detectors"), None, "no detector rules (*.yaml) found")
    # The word lists and header aliases are part of the rules (a new surname list changes
    # what a file holds), and so is the reader (a format read that was not).
    aliases = rules_dir / ALIASES_FILE
    files = rule_files(rules_dir) + dictionary_files(rules_dir) + ([aliases] if aliases.is_file() else [])
    version = rules_version(files, EXTRACTION_VERSION)
    engine = Engine(specs, rules_dir, version,
                    hasher or default_hasher(), prefilter)
    failures = engine.run_examples() if check_examples else []
    if failures:
        first = failures[0]
        raise RulesError(first.file, first.rule_id, first.describe())
    return engine
