"""The `violations` commands' work: filters, lifecycle actions and output (masked values only)."""

from __future__ import annotations

import csv
import getpass
import json
import re
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any, TextIO

from rich.console import Console
from rich.table import Table

from store.lifecycle import ALL_STATES, LifecycleError
from store.register_views import ViolationFilter

LIST_COLUMNS = ("id", "state", "severity", "policy", "host", "zone", "path", "age_days", "assignee", "due",
                "claim_method")
_RELATIVE_DUE = re.compile(r"^\+(\d+)d$")


def default_actor() -> str:
    """The OS user running the command (who acted goes into every event)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "unknown"


def parse_due(text: str | None, now: datetime | None = None) -> datetime | None:
    """'2026-03-31' (end of that day, UTC) or '+14d' (14 days from now)."""
    if not text:
        return None
    now = now or datetime.now(UTC)
    relative = _RELATIVE_DUE.match(text.strip())
    if relative:
        return now + timedelta(days=int(relative.group(1)))
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError:
        raise ValueError(f"--due expects YYYY-MM-DD or +Nd, got {text!r}") from None
    return datetime.combine(day, time(23, 59, 59), tzinfo=UTC)


def make_filter(*, host: str | None = None, zone: str | None = None, policy: str | None = None,
                severity: str | None = None, states: tuple[str, ...] = (), path: str | None = None,
                older_than: int | None = None) -> ViolationFilter:
    unknown = [s for s in states if s not in ALL_STATES]
    if unknown:
        raise ValueError(f"unknown state(s) {', '.join(unknown)}; known: {', '.join(ALL_STATES)}")
    return ViolationFilter(host=host, zone=zone, policy=policy, severity=severity, states=tuple(states) or None,
                           path_prefix=path, min_age_days=older_than)


def apply(ids: tuple[int, ...], action: Callable[[int], object]) -> list[str]:
    """Run a lifecycle action on each id; returns one line per id. The first refusal raises
    ValueError naming it (ids before it stay done: each action is its own transaction)."""
    lines = []
    for violation_id in ids:
        try:
            result = action(violation_id)
        except LifecycleError as e:
            raise ValueError(str(e)) from None
        extra = f" (also {', '.join(map(str, result[1:]))})" if isinstance(result, list) and len(result) > 1 else ""
        lines.append(f"violation {violation_id}: done{extra}")
    return lines


def write_list(rows: list[dict[str, Any]], fmt: str, out: TextIO) -> None:
    if fmt == "json":
        out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    elif fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=list(LIST_COLUMNS), extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    else:
        table = Table(*LIST_COLUMNS, title=f"{len(rows)} violation(s)")
        for row in rows:
            table.add_row(*("" if row.get(c) is None else str(row[c]) for c in LIST_COLUMNS))
        Console(file=out, width=200, soft_wrap=True).print(table)


def write_show(record: dict[str, Any], fmt: str, out: TextIO) -> None:
    if fmt == "json":
        out.write(json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        return
    for key in ("id", "state", "policy", "policy_version", "severity", "host", "zone", "path", "present",
                "opened_at", "assignee", "due", "claim_method", "closed_at", "close_reason"):
        out.write(f"{key}: {'' if record.get(key) is None else record[key]}\n")
    out.write("findings:\n")
    for f in record["findings"]:
        out.write(f"  {f['detector']}: {f['count']} value(s), e.g. {', '.join(f['masked'])}\n")
    out.write("copies:\n" if record["copies"] else "copies: none\n")
    for c in record["copies"]:
        out.write(f"  {c['host']}:{c['path']} ({c['shared_records']} shared records, "
                  f"{'present' if c['present'] else 'gone'})\n")
    out.write("history:\n")
    for e in record["events"]:
        out.write(f"  {e['at']} {e['actor']}: {e['from'] or '-'} -> {e['to']}"
                  f"{' (' + e['note'] + ')' if e['note'] else ''}\n")
