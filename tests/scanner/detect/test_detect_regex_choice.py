"""The engine each rule pattern runs on (regex_choice): the choice, and that it changes no match."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
import regex
import yaml

from agent import fakedata
from scanner.detect.regex_choice import compile_pattern

RULES = Path(__file__).resolve().parents[3] / "rules" / "detectors"
SHIPPED = [p["regex"] for path in sorted(RULES.glob("*.yaml"))
           for p in yaml.safe_load(path.read_text(encoding="utf-8")).get("patterns", [])]


def _re_compiles(source: str) -> bool:
    try:
        re.compile(source)
    except re.error:
        return False
    return True


@pytest.mark.parametrize(("source", "engine"), [
    (r"(?<![0-9])(?<![0-9] )[0-9](?: [0-9]){9}(?! ?[0-9])", regex),  # a space in every match
    (r"(?<![0-9])[0-9]{4}-[0-9]{6}(?![0-9])", regex),  # the dash
    (r"(?<![0-9])(?:昭和|平成)([0-9]{1,2})年", regex),  # 年, after an alternation
    (r"(?<![0-9])(?<![0-9]-)0[0-9]{9}(?![0-9])", regex),  # a literal digit counts too
    (r"(?<![0-9])(?<![0-9]-)[1-9][0-9]{9}(?![0-9]|-[0-9])", re),  # digits alone
    (r"(?<![0-9])[0-9]{4}(?: -|- | - )[0-9]{6}", re),  # the dash is in an alternation: not in every match
    (r"[0-9]{4}-?[0-9]{6}", re),  # an optional dash is not required
    (r"(?<![0-9])[0-9]{4}(?=-)", re),  # a lookahead consumes nothing
    (r"[0-9]{4}(?:-[0-9]{2})*", re),  # zero repeats hold no dash
    (r"(?<![0-9])記号[ :]*[0-9]{4}", re),  # a literal first: re searches for it itself
    (r"(?<![〇一二])[〇一二三]{4}-?[〇一二三]{6}", regex),  # a set first that holds no digit: regex skips to it
    (r"(?<![0-9])[\d〇]{4}", re),  # \d may be a digit: as for digits alone
    (r"(?<![0-9]-?)[0-9]{10}", regex),  # variable-width lookbehind: re cannot compile it
    (r"\p{Han}{2}[0-9]{10}", regex),  # \p{...}: regex only
])
def test_the_engine_is_regex_where_every_match_holds_a_literal(source: str, engine: object) -> None:
    compiled = compile_pattern(source)
    assert isinstance(compiled, regex.Pattern if engine is regex else re.Pattern)


def test_a_pattern_neither_engine_compiles_raises_regex_error() -> None:
    with pytest.raises(regex.error):
        compile_pattern("[0-9")


def _texts() -> list[str]:
    rng = random.Random(11)
    people = fakedata.people(60, seed=11)
    rows = fakedata.roster_rows(people) + fakedata.phone_rows(people)
    table = "\x1e".join("\x1f".join(row) for row in rows)
    alphabet = "0123456789 -年月日昭和平成令和基礎年金番号\x1f\x1e"
    noise = ["".join(rng.choice(alphabet) for _ in range(400)) for _ in range(30)]
    return [table, *noise]


@pytest.mark.parametrize("source", [s for s in SHIPPED if _re_compiles(s)])  # the others have no choice
def test_every_shipped_pattern_finds_the_same_matches_on_either_engine(source: str) -> None:
    chosen = compile_pattern(source)
    other = regex.compile(source) if isinstance(chosen, re.Pattern) else re.compile(source)
    for text in _texts():
        assert [m.span() for m in chosen.finditer(text)] == [m.span() for m in other.finditer(text)]
