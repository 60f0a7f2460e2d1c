"""Benchmark of `pii-agent watch` (not a test): latency, idle CPU, a burst of creations.

    python bench/bench_watch.py [--files 100] [--idle-seconds 60] [--burst 10000]

1. latency from write-complete to violation recorded, over --files rosters written 50 ms
   apart (median, p95; minus the settle time as well, which is a deliberate wait);
2. CPU of the agent process over --idle-seconds with no changes (/proc/<pid>/stat);
3. CPU seconds and peak RSS (VmHWM) while absorbing --burst small file creations, until
   the queue is empty again.
Linux only (reads /proc). Fake data only.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path[:0] = [str(Path(__file__).resolve().parents[1]), str(Path(__file__).resolve().parents[1] / "tests" / "agent")]

from test_watch_harness import Agent, roster_bytes, wait_for  # noqa: E402

SETTLE = 1.0
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def latency(agent: Agent, count: int) -> list[float]:
    done: dict[str, float] = {}
    (agent.tree / "lat").mkdir()
    time.sleep(SETTLE + 1)  # the folder's own event is settled and handled first
    for i in range(count):
        path = agent.tree / "lat" / f"roster{i:03}.csv"
        path.write_bytes(roster_bytes(seed=1000 + i))
        done[str(path)] = time.time()
        time.sleep(0.05)
    rows = wait_for(lambda: (r := agent.query(
        "select f.path, min(v.opened_at) from violations v join files f on f.id = v.file_id "
        "where f.path like ? group by f.path", str(agent.tree / "lat") + "/%")) and len(r) == count and r,
        120, "every roster's violation")
    return [_unix(opened) - done[path] for path, opened in rows]


def _unix(stamp: str) -> float:
    text = stamp.replace(" ", "T")
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        from datetime import UTC

        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def burst(agent: Agent, pid: int, count: int) -> tuple[float, float, float]:
    folder = agent.tree / "burst"
    folder.mkdir()
    before = cpu_seconds(pid)
    started = time.monotonic()
    for i in range(count):
        (folder / f"note{i:05}.txt").write_text("meeting notes, nothing personal\n", encoding="utf-8")
    wait_for(lambda: (s := agent.status()) and s["queue_depth"] == 0
             and s["counters"].get("events", 0) >= count and not s["walking"], 600, "the burst to drain")
    return cpu_seconds(pid) - before, time.monotonic() - started, peak_rss_mb(pid)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=100)
    ap.add_argument("--idle-seconds", type=float, default=60.0)
    ap.add_argument("--burst", type=int, default=10_000)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        agent = Agent(Path(tmp), watch_settle_seconds=SETTLE, status_interval_seconds=2.0, log_level="warning")
        agent.start()
        assert agent.proc is not None
        pid = agent.proc.pid
        try:
            lat = sorted(latency(agent, args.files))
            p95 = lat[max(0, int(round(0.95 * len(lat))) - 1)]
            med = statistics.median(lat)
            print(f"latency write-complete -> violation recorded over {len(lat)} files: median {med:.3f}s, "
                  f"p95 {p95:.3f}s (after the {SETTLE:.1f}s settle: median {med - SETTLE:.3f}s, p95 {p95 - SETTLE:.3f}s)")
            time.sleep(3)
            before = cpu_seconds(pid)
            time.sleep(args.idle_seconds)
            idle = cpu_seconds(pid) - before
            print(f"idle CPU over {args.idle_seconds:.0f}s: {idle:.3f} CPU-s = {100 * idle / args.idle_seconds:.3f}% of a core")
            rss_before = peak_rss_mb(pid)
            cpu, wall, rss = burst(agent, pid, args.burst)
            print(f"burst of {args.burst} creations: drained in {wall:.1f}s, agent CPU {cpu:.1f}s, "
                  f"peak RSS {rss:.0f} MB (before the burst {rss_before:.0f} MB)")
        finally:
            print(f"agent exit code {agent.stop()}")


if __name__ == "__main__":
    main()
