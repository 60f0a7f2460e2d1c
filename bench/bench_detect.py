"""Throughput of the detection engine (MB/s of UTF-8 input), printed per case.

    /work/venv/bin/python bench/bench_detect.py [--mb 8]

Cases: the byte prefilter (each backend) on text with no digits; scan of prose with no
candidate; prose with a pension number every ~4 KB; prose where every line has numbers
(dates, amounts); and a 20-column table of numbers. A regex-only pass (Python ``re`` with
the pension pattern) over the same text is printed as the peer.
"""

from __future__ import annotations

import argparse
import random
import re
import time
from collections.abc import Callable
from functools import partial

from scanner.detect import load_engine
from scanner.model import TableBlock, TextBlock

PROSE = ("年金事務所からのお知らせです。受付窓口の混雑状況については、ホームページをご覧ください。"
         "内容を確認のうえ、後日ご連絡いたします。\n")


def _text(mb: float, every: int | None, rng: random.Random) -> str:
    lines, size, n = [], 0, 0
    while size < mb * 1_000_000:
        line = PROSE
        n += 1
        if every and n % every == 0:
            line = f"基礎年金番号 {rng.randint(1000, 9999)}-{rng.randint(0, 999999):06d} の方\n" + line
        lines.append(line)
        size += len(line.encode())
    return "".join(lines)


def _table(rows: int, rng: random.Random) -> TableBlock:
    data = [[str(rng.randint(10**9, 10**10 - 1)) if c == 3 else str(rng.randint(0, 99999)) for c in range(20)]
            for _ in range(rows)]
    return TableBlock(rows=data, headers=["金額"] * 3 + ["年金番号"] + ["数量"] * 16, where="Sheet1")


def _rate(label: str, nbytes: int, fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    rate = nbytes / seconds / 1_000_000
    extra = f" findings={len(result.findings)}" if hasattr(result, "findings") else ""
    print(f"{label:<46} {rate:9.1f} MB/s{extra}")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=float, default=8.0)
    args = parser.parse_args()
    rng = random.Random(7)
    engine = load_engine()
    clean = _text(args.mb, None, rng)
    sparse = _text(args.mb, 30, rng)
    dense = "".join(f"{i}行目 2024/04/{i % 28 + 1:02d} 金額 {i * 37} 円\n" for i in range(int(args.mb * 30000)))
    clean_bytes = clean.encode()
    for backend in ("regex", "hyperscan"):
        try:
            eng = load_engine(prefilter=backend)
        except ImportError:
            continue
        _rate(f"prefilter bytes, no candidate ({backend})", len(clean_bytes), partial(eng.prefilter, clean_bytes))
    peer = re.compile(r"(?<![0-9])[0-9]{4}-?[0-9]{6}(?![0-9])")
    _rate("peer: re.findall pension pattern, sparse", len(sparse.encode()), lambda: peer.findall(sparse))
    _rate("scan prose, no candidate", len(clean_bytes), lambda: engine.scan([TextBlock(clean)]))
    _rate("scan prose, number every ~30 lines", len(sparse.encode()), lambda: engine.scan([TextBlock(sparse)]))
    _rate("scan text, digits on every line", len(dense.encode()), lambda: engine.scan([TextBlock(dense)]))
    table = _table(int(args.mb * 8000), rng)
    nbytes = sum(len(c) + 1 for row in table.rows for c in row)
    _rate("scan table 20 cols, numbers everywhere", nbytes, lambda: engine.scan([table]))


if __name__ == "__main__":
    main()
