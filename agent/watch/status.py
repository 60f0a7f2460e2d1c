"""Health of the running agent: counters, a JSON status file, a Prometheus text file.

The status file is rewritten atomically (temp file + rename) every few seconds, so a
reader never sees half a file; ``pii-agent status`` calls it stale when it is older
than a few intervals.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs

STALE_AFTER_INTERVALS = 3
STALE_GRACE_SECONDS = 5.0


def default_status_file() -> Path:
    return Path(platformdirs.user_data_dir("pii-agent")) / "status.json"


def status_path(settings: Any) -> Path:
    """The status file these settings name, or the default one."""
    return Path(settings.status_file) if settings.status_file else default_status_file()


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Counters:
    """Named event counts shared by every thread of the daemon."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, name: str, n: int = 1) -> None:
        with self._lock:
            self._counts[name] += n

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self._counts.items()))


class LastError:
    """The most recent problem, for the status file (event name, message, time)."""

    def __init__(self) -> None:
        self._value: dict[str, str] | None = None
        self._lock = threading.Lock()

    def set(self, event: str, message: str) -> None:
        with self._lock:
            self._value = {"at": utc_now(), "event": event, "message": message[:500]}

    def get(self) -> dict[str, str] | None:
        with self._lock:
            return dict(self._value) if self._value else None


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)


def write_status(path: Path, status: dict[str, Any]) -> None:
    write_atomic(path, json.dumps(status, ensure_ascii=False, indent=2) + "\n")


def prometheus_text(status: dict[str, Any]) -> str:
    """Counters as ``pii_agent_<name>_total``, plus queue depth and uptime gauges."""
    lines = ["# pii-agent watch counters"]
    for name, value in status.get("counters", {}).items():
        metric = "pii_agent_" + "".join(c if c.isalnum() else "_" for c in name) + "_total"
        lines += [f"# TYPE {metric} counter", f"{metric} {value}"]
    for gauge in ("queue_depth", "uptime_seconds"):
        lines += [f"# TYPE pii_agent_{gauge} gauge", f"pii_agent_{gauge} {status.get(gauge, 0)}"]
    return "\n".join(lines) + "\n"


def read_status(path: Path) -> dict[str, Any]:
    """The status file as written; OSError/ValueError when missing or garbled."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError("status file is not a JSON object")
    return data


def staleness(status: dict[str, Any], now: float | None = None) -> str | None:
    """Why the status cannot be trusted (agent stopped, hung or gone), or None if fresh."""
    if status.get("state") == "stopped":
        return "the agent stopped"
    interval = float(status.get("status_interval_seconds", 5.0))
    age = (now if now is not None else time.time()) - float(status.get("updated_unix", 0))
    if age > STALE_AFTER_INTERVALS * interval + STALE_GRACE_SECONDS:
        return f"not updated for {age:.0f}s (agent dead or hung?)"
    return None
