"""Spreadsheet extraction: pii-agent (calamine) vs openpyxl read-only, same regex, same run.

    /work/venv/bin/python bench/bench_sheets.py [--files 300] [--rows 200]

Generates rosters (fake values) in a temporary directory with openpyxl, then times
(a) pii-agent's extractor (scanner.extract) + a pension regex over every cell,
(b) openpyxl read_only=True iterating values + the same regex,
(c) pii-agent's full scan_file (extraction + the real engine), for reference,
and prints the ratio a/b. Peak RSS of the process is printed at the end.
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import openpyxl

from scanner.extract import ScanContext, Source, extract
from scanner.limits import Deadline, ScanLimits
from scanner.model import TableBlock
from tests.scanner.office_samples import xlsx_roster

PENSION = re.compile(r"(?<![0-9０-９])[0-9０-９]{4}[-‐－ー]?[0-9０-９]{6}(?![0-9０-９])")
DISTINCT = 5  # distinct workbooks generated; the rest are copies (generation is slow)


def make_rosters(root: Path, files: int, rows: int) -> list[Path]:
    originals = []
    for i in range(DISTINCT):
        path = root / f"roster{i}.xlsx"
        path.write_bytes(xlsx_roster(rows + i))
        originals.append(path)
    paths = list(originals)
    for i in range(DISTINCT, files):
        copy = root / f"roster{i}.xlsx"
        shutil.copyfile(originals[i % DISTINCT], copy)
        paths.append(copy)
    return paths


def ours(path: Path) -> int:
    source = Source.from_bytes(path.name, path.read_bytes())
    hits = 0
    for block in extract(source, ScanContext(ScanLimits(), Deadline(60))):
        if isinstance(block, TableBlock):
            hits += sum(1 for row in block.rows for cell in row if PENSION.search(cell))
    return hits


def peer(path: Path) -> int:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    hits = 0
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            hits += sum(1 for v in row if v is not None and PENSION.search(str(v)))
    wb.close()
    return hits


def full_scan(engine: object) -> Callable[[Path], int]:
    from scanner.scan import scan_file

    def run(path: Path) -> int:
        return len(scan_file(str(path), engine).findings)  # type: ignore[arg-type]
    return run


def timed(fn: Callable[[Path], int], paths: list[Path]) -> tuple[float, int]:
    started = time.perf_counter()
    hits = sum(fn(p) for p in paths)
    return time.perf_counter() - started, hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=300)
    parser.add_argument("--rows", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        paths = make_rosters(Path(tmp), args.files, args.rows)
        ours(paths[0]), peer(paths[0])  # warm both: imports and first-use costs are not throughput
        t_ours, h_ours = timed(ours, paths)
        t_peer, h_peer = timed(peer, paths)
        from scanner.detect import load_engine

        t_full, h_full = timed(full_scan(load_engine()), paths)
    print(f"{args.files} xlsx rosters, ~{args.rows} rows x 7 columns each")
    print(f"pii-agent extract + regex : {t_ours:7.2f} s  ({h_ours} cells matched)")
    print(f"openpyxl read-only + regex: {t_peer:7.2f} s  ({h_peer} cells matched)")
    print(f"pii-agent full scan_file  : {t_full:7.2f} s  ({h_full} findings)")
    print(f"ratio openpyxl / pii-agent extract: {t_peer / t_ours:.1f}x")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
