"""What the CLI prints: progress, sweep summaries, findings exports."""

from __future__ import annotations

import csv
import json
import sys
import time
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

if TYPE_CHECKING:  # only a type here: `findings` and `report` need no scanner
    from .sweep import SweepSummary


class SweepProgress:
    """A live line of files, bytes and rate on a terminal; nothing otherwise."""

    def __init__(self, enabled: bool, console: Console | None = None) -> None:
        self.enabled = enabled
        self.console = console or Console(stderr=True)
        self._progress: Progress | None = None
        self._task: Any = None
        self._started = time.monotonic()

    def __enter__(self) -> SweepProgress:
        if self.enabled:
            self._progress = Progress(
                TextColumn("[bold]sweep"), BarColumn(bar_width=None), TextColumn("{task.fields[stats]}"),
                TimeElapsedColumn(), console=self.console, transient=True,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task("sweep", total=None, stats="")
        return self

    def update(self, files: int, nbytes: int) -> None:
        if self._progress is None:
            return
        elapsed = max(time.monotonic() - self._started, 1e-6)
        stats = f"{files:,} files  {nbytes / 1e6:,.1f} MB  {nbytes / 1e6 / elapsed:,.1f} MB/s"
        self._progress.update(self._task, stats=stats)

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.__exit__(et, ev, tb)


def print_summary(summary: SweepSummary, out: TextIO | None = None) -> None:
    console = Console(file=out or sys.stdout, highlight=False, soft_wrap=True)
    outcomes = ", ".join(f"{k} {v:,}" for k, v in sorted(summary.outcomes.items())) or "no files"
    if summary.interrupted:
        console.print(f"Sweep #{summary.sweep_id} INTERRUPTED ({summary.interrupted}) after {summary.seconds:.1f}s: "
                      "the files below are recorded; nothing was closed, and files not reached keep their last "
                      "state until a sweep runs to the end")
    else:
        console.print(f"Sweep #{summary.sweep_id} finished in {summary.seconds:.1f}s")
    console.print(f"  files: {outcomes}")
    if summary.rules_rereads:
        console.print(f"  read again under changed detector rules: {summary.rules_rereads:,} known file(s)")
    found = ", ".join(f"{k} in {v:,} file(s)" for k, v in sorted(summary.findings.items())) or "none"
    console.print(f"  findings: {found}")
    console.print(f"  violations: {summary.opened} opened, {summary.closed} closed this sweep; "
                  f"{summary.open_violations} open")
    for policy, count in sorted(summary.open_by_policy.items()):
        console.print(f"    {policy}: {count} open")


FINDINGS_CSV_COLUMNS = [
    "path", "host", "zone", "outcome", "encrypted", "size", "mtime", "detectors", "finding_counts",
    "max_confidence", "masked_examples", "violations", "world_readable", "broad_principals", "readers",
]


def _csv_row(rec: dict[str, Any]) -> dict[str, Any]:
    f = rec["findings"]
    order = {"low": 1, "medium": 2, "high": 3}
    return {
        "path": rec["path"], "host": rec["host"], "zone": rec["zone"], "outcome": rec["outcome"],
        "encrypted": str(rec["encrypted"]).lower(), "size": rec["size"], "mtime": rec["mtime"],
        "detectors": ";".join(x["detector"] for x in f),
        "finding_counts": ";".join(f"{x['detector']}={x['count']}" for x in f),
        "max_confidence": max((x["confidence"] for x in f), key=lambda c: order.get(c, 0), default=""),
        "masked_examples": ";".join(m for x in f for m in x["masked"]),
        "violations": ";".join(f"{v['policy']}:{v['severity']}:{v['status']}" for v in rec["violations"]),
        "world_readable": str(rec["access"]["world_readable"]).lower(),
        "broad_principals": ";".join(rec["access"]["broad_principals"]),
        "readers": ";".join(rec["access"]["readers"]),
    }


def write_findings(rows: list[dict[str, Any]], fmt: str, out: TextIO) -> None:
    if fmt == "jsonl":
        for rec in rows:
            out.write(json.dumps(rec, ensure_ascii=False) + "\n")
    elif fmt == "json":
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=FINDINGS_CSV_COLUMNS)
        writer.writeheader()
        for rec in rows:
            writer.writerow(_csv_row(rec))
    else:
        _table(rows, out)


def _table(rows: list[dict[str, Any]], out: TextIO) -> None:
    table = Table(title=f"{len(rows)} file(s) with findings, violations or problems")
    for col in ("path", "zone", "outcome", "findings", "violations", "access"):
        table.add_column(col, overflow="fold")
    for rec in rows:
        found = "\n".join(f"{x['detector']} ×{x['count']} ({x['confidence']}) {', '.join(x['masked'])}"
                          for x in rec["findings"])
        viol = "\n".join(f"#{v['id']} {v['policy']} [{v['severity']}] {v['status']}" for v in rec["violations"])
        access = "world-readable" if rec["access"]["world_readable"] else "restricted"
        if rec["encrypted"]:
            access += ", encrypted"
        # escape: '[critical]' and paths with brackets must print as text, not as rich markup
        table.add_row(*(escape(str(v)) for v in (rec["path"], rec["zone"], rec["outcome"], found, viol, access)))
    Console(file=out, width=160 if not out.isatty() else None).print(table)
