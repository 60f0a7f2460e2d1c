"""The report as a terminal table, long-format CSV, JSON, or HTML."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table

# One row per number: stable for scripts and spreadsheets (README documents the sections).
CSV_COLUMNS = ("section", "key", "value")
_COUNT_SECTIONS = ("by_state", "open_by_severity", "open_by_policy", "open_by_zone", "open_by_host", "ageing")


def rows(doc: dict[str, Any]) -> Iterator[tuple[str, str, Any]]:
    """(section, key, value) for every number in the report."""
    for key, value in doc["summary"].items():
        yield "summary", key, value
    for section in _COUNT_SECTIONS:
        for key, value in doc[section].items():
            yield section, key, value
    for folder in doc["top_folders"]:
        yield "top_folders", f"{folder['host']}:{folder['folder']}", folder["open"]
    for point in doc["trend"]:
        yield "trend_open", point["day"], point["open"]
    for day, states in doc["progress"].items():
        for state, count in sorted(states.items()):
            yield "progress", f"{day}:{state}", count
    for sweep in doc["sweeps"]:
        yield "sweep_files", f"{sweep['id']}:{sweep['host']}:{sweep['kind']}", sweep["files"]
        yield "sweep_problems", f"{sweep['id']}:{sweep['host']}:{sweep['kind']}", sweep["problems"]


def write_report(doc: dict[str, Any], fmt: str, out: TextIO) -> None:
    if fmt == "json":
        out.write(json.dumps(doc, ensure_ascii=False, indent=2) + "\n")
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        writer.writerows(rows(doc))
    elif fmt == "html":
        from .html import render_html

        out.write(render_html(doc))
    else:
        _write_tables(doc, out)


def _write_tables(doc: dict[str, Any], out: TextIO) -> None:
    console = Console(file=out, width=160, soft_wrap=True)
    grouped: dict[str, list[tuple[str, Any]]] = {}
    for section, key, value in rows(doc):
        if section not in ("trend_open", "progress"):
            grouped.setdefault(section, []).append((key, value))
    for section, items in grouped.items():
        table = Table("key", "value", title=section)
        for key, value in items:
            table.add_row(key, str(value))
        console.print(table)
