"""Per shipped rule pattern: ``re`` against ``regex`` on four kinds of office text, and
which of the two ``scanner.detect.regex_choice`` picks (see its docstring).

    python bench/bench_regex_choice.py

Prints, per pattern and text, the chosen engine's time as a ratio to the faster engine's
(1.00: the choice is the faster one). Texts, all generated fake data: a pension roster and
a phone list as the table path joins them, a 20-column table of numbers, and memo prose
with dates, amounts and extensions.
"""

from __future__ import annotations

import random
import re
import sys
import timeit
from pathlib import Path

import regex
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent import fakedata  # noqa: E402
from scanner.detect.regex_choice import compile_pattern  # noqa: E402

RULES = Path(__file__).resolve().parents[1] / "rules" / "detectors"
PROSE = ("本日の会議では、来年度の予算案と事業計画について議論しました。資料は共有フォルダに保存されています。\n"
         "第2四半期の実績は前年同期比で103.5%となり、計画を上回りました。問い合わせは内線2045まで。\n"
         "令和6年4月1日から新しい申請書式に変わります。提出期限は2024年5月31日です。\n")


def _joined(rows: list[list[str]]) -> str:
    return "\x1e".join("\x1f".join(row) for row in rows)  # as the engine joins a table block


def texts() -> dict[str, str]:
    rng = random.Random(7)
    people = fakedata.people(200, seed=7)
    numbers = [[str(rng.randint(10**9, 10**10 - 1)) if c == 3 else str(rng.randint(0, 99999)) for c in range(20)]
               for _ in range(300)]
    return {"roster": _joined(fakedata.roster_rows(people)), "phone list": _joined(fakedata.phone_rows(people)),
            "numbers": _joined(numbers), "prose": PROSE * 150}


def _time(pattern: re.Pattern[str] | regex.Pattern[str], text: str) -> float:
    return min(timeit.repeat(lambda: list(pattern.finditer(text)), number=5, repeat=3))


def main() -> None:
    samples = texts()
    worst: dict[str, float] = dict.fromkeys(samples, 1.0)
    print(f"{'rule':<15} {'pattern':<22} {'chosen':<6}  " + "  ".join(f"{k:>10}" for k in samples))
    for path in sorted(RULES.glob("*.yaml")):
        for pattern in yaml.safe_load(path.read_text(encoding="utf-8")).get("patterns", []):
            source = pattern["regex"]
            try:
                plain = re.compile(source)
            except re.error:
                continue  # regex alone compiles it: there is no choice to measure
            other, chosen = regex.compile(source), compile_pattern(source)
            ratios = []
            for name, text in samples.items():
                t_re, t_regex = _time(plain, text), _time(other, text)
                ratio = (t_regex if isinstance(chosen, regex.Pattern) else t_re) / min(t_re, t_regex)
                worst[name] = max(worst[name], ratio)
                ratios.append(f"{ratio:10.2f}")
            engine = "regex" if isinstance(chosen, regex.Pattern) else "re"
            print(f"{path.stem:<15} {pattern['name']:<22} {engine:<6}  " + "  ".join(ratios))
    print(f"{'worst':<45}" + "  ".join(f"{v:10.2f}" for v in worst.values()))


if __name__ == "__main__":
    main()
