"""Cost of name detection: dictionary load time and memory, and MB/s with and without anchors.

Prints, in one run:
  * load time and RSS growth of the IPADIC name dictionaries (pyahocorasick automatons);
  * MB/s of the engine on prose with no anchor and no digit (names cost nothing there) and on
    letters/memos full of names and anchors, each with the person_name rule and, as the
    peer, with the same rules minus person_name (the ratio is the price of names);
  * MB/s of NameFinder alone over the whole text (the cost wherever a window is scanned).

    python bench/bench_names.py [--mb 5]
"""

from __future__ import annotations

import argparse
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scanner.detect import load_engine  # noqa: E402
from scanner.detect.engine import Engine  # noqa: E402
from scanner.detect.names import NameFinder, load_name_dictionaries  # noqa: E402
from scanner.model import TextBlock  # noqa: E402
from tests.scanner.name_samples import PROSE, PersonFactory  # noqa: E402

RULES = Path(__file__).resolve().parents[1] / "rules"
PLAIN = "本日の会議では来年度の事業計画について議論した。資料は共有フォルダに保存されている。\n"


def rss_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def named_text(size: int) -> str:
    factory = PersonFactory(random.Random(1))
    parts, total = [], 0
    while total < size:
        p = factory.person()
        line = random.choice((f"{p.kanji()}　様\n", f"担当：{p.kanji(' ')}\n", f"本日、{p.family}さんから連絡。\n",
                              f"氏名：{p.kanji()}　フリガナ：{p.kana()}\n")) + random.choice(PROSE) + "\n"
        parts.append(line)
        total += len(line.encode())
    return "".join(parts)


def mb_per_s(engine: Engine, text: str, chunk: int = 1 << 20) -> float:
    """As the scan pipeline does it: the byte prefilter first, the engine only when it may match."""
    data = text.encode()
    started = time.perf_counter()
    if engine.prefilter(data):
        engine.scan([TextBlock(text[i:i + chunk]) for i in range(0, len(text), chunk)])
    return len(data) / 1e6 / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5.0)
    size = int(parser.parse_args().mb * 1e6)

    before, started = rss_kb(), time.perf_counter()
    dicts = load_name_dictionaries()
    print(f"dictionaries: load {time.perf_counter() - started:.3f} s, RSS +{(rss_kb() - before) / 1024:.1f} MiB")

    plain = PLAIN * (size // len(PLAIN.encode()) + 1)
    names = named_text(size)
    with tempfile.TemporaryDirectory() as tmp:
        shutil.copytree(RULES, tmp, dirs_exist_ok=True)
        (Path(tmp) / "detectors" / "person_name.yaml").unlink()
        without = load_engine(Path(tmp))
        with_names = load_engine(RULES)
        for label, text in (("no anchors, no digits", plain), ("names + anchors", names)):
            a, b = mb_per_s(with_names, text), mb_per_s(without, text)
            print(f"engine, {label:22}: {a:8.1f} MB/s with person_name, {b:8.1f} MB/s without (ratio {a / b:.2f})")
    finder = NameFinder(dicts)
    started = time.perf_counter()
    finder.find_in_text(names)
    print(f"NameFinder alone over every character of the named text: "
          f"{len(names.encode()) / 1e6 / (time.perf_counter() - started):.1f} MB/s")


if __name__ == "__main__":
    main()
