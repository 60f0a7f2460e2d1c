"""A `pii-agent watch` subprocess with a temp tree, register, key, log and status file."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from agent import fakedata

REPO = Path(__file__).resolve().parents[2]


def roster_bytes(seed: int, count: int = 3) -> bytes:
    rows = fakedata.roster_rows(fakedata.people(count, seed=seed))
    return ("\r\n".join(",".join(r) for r in rows) + "\r\n").encode("utf-8")


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Agent:
    def __init__(self, tmp: Path, **settings: Any) -> None:
        self.tmp = tmp
        self.tree = tmp / "tree"
        self.tree.mkdir(exist_ok=True)
        self.db = tmp / "reg.db"
        self.log = tmp / "log.jsonl"
        self.status_file = tmp / "status.json"
        self.config = tmp / "agent.yaml"
        base = {"key_file": str(tmp / "key"), "log_file": str(self.log), "status_file": str(self.status_file),
                "status_interval_seconds": 0.5, "watch_settle_seconds": 0.8, "nice": 0, "ionice_idle": False,
                "pause_on_battery": False}
        self.config.write_text(json.dumps({**base, **settings}), encoding="utf-8")  # JSON is YAML
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Agent:
        cmd = [sys.executable, "-m", "agent.cli", "watch", str(self.tree), "--db", f"sqlite:///{self.db}",
               "--config", str(self.config)]
        self.proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        pid = self.proc.pid
        wait_for(lambda: (s := self.status()) and s.get("pid") == pid and s.get("last_walk"), 30,
                 "the startup reconciliation walk")
        return self

    def status(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.status_file.read_text(encoding="utf-8"))  # type: ignore[no-any-return]
        except (OSError, ValueError):
            return None

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.proc is not None
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
        try:
            return self.proc.wait(timeout=30)
        finally:
            if self.proc.stdout:
                self.proc.stdout.close()

    def output(self) -> str:
        assert self.proc is not None and self.proc.stdout is not None
        return self.proc.stdout.read().decode(errors="replace")

    def events(self, name: str, path: Path | None = None) -> list[dict[str, Any]]:
        if not self.log.exists():
            return []
        out = []
        for line in self.log.read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            if rec.get("event") == name and (path is None or rec.get("path") == str(path)):
                out.append(rec)
        return out

    def query(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        con = sqlite3.connect(self.db, timeout=30)
        try:
            return con.execute(sql, args).fetchall()
        finally:
            con.close()

    def open_violations(self, path: Path) -> list[tuple[Any, ...]]:
        return self.query("select v.id, v.policy_id from violations v join files f on f.id = v.file_id "
                          "where f.path = ? and v.closed_at is null", str(path))

    def closed_violations(self, path: Path) -> list[tuple[Any, ...]]:
        return self.query("select v.id, v.close_reason from violations v join files f on f.id = v.file_id "
                          "where f.path = ? and v.closed_at is not null", str(path))


def write_slowly(path: Path, data: bytes, parts: int = 4, pause: float = 0.3) -> None:
    step = -(-len(data) // parts)
    with open(path, "wb") as out:
        for start in range(0, len(data), step):
            out.write(data[start:start + step])
            out.flush()
            os.fsync(out.fileno())
            time.sleep(pause)
