"""Throughput of `pii-agent sweep` against ripgrep on the same Japanese text and CSV.

Generates --mb megabytes of office-like Japanese text (UTF-8 memos) and CSV (CP932 ledgers,
phone lists, rosters) with a sprinkling of fake pension numbers, then in the same run times:
  * ripgrep: `rg -c` with a pension-number pattern (ASCII and full-width digits, dash variants)
  * pii-agent: a full sweep (`--full`) into a fresh SQLite register, and an unchanged re-sweep
  * a bare stat walk (os.walk + stat) as the peer of the unchanged re-sweep
and prints MB/s of each and the ratios.

    python bench/bench_sweep.py --mb 300 [--workers 2] [--keep DIR] [--per-kind] [--repeat 3]

Each timed run is repeated (--repeat) and the fastest kept, for ripgrep and pii-agent alike:
a shared virtual machine's neighbours make single runs vary by 20 % or more.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from agent import fakedata  # noqa: E402

RG_PATTERN = r"[0-9０-９]{4}[-‐‑–—―−－ーｰ ]?[0-9０-９]{6}"
FILLER = (
    "本日の会議では、来年度の予算案と事業計画について議論しました。各課からの意見を取りまとめた上で、"
    "次回までに修正案を作成することになりました。資料は共有フォルダに保存されています。\n"
    "第2四半期の実績は前年同期比で103.5%となり、計画を上回りました。問い合わせは内線2045まで。\n"
    "令和6年4月1日から新しい申請書式に変わります。提出期限は2024年5月31日です。\n"
)


def _ledger(rng: random.Random, rows: int) -> list[list[str]]:
    """A sales ledger: dates, amounts, 8-digit slip numbers; many digits, no pension numbers."""
    out = [["伝票番号", "日付", "取引先", "品名", "数量", "金額"]]
    for _ in range(rows):
        out.append([str(rng.randint(10_000_000, 99_999_999)), f"2024/{rng.randint(1, 12)}/{rng.randint(1, 28)}",
                    f"株式会社{rng.choice('東西南北中')}{rng.choice('山川田野原')}商事", "事務用品",
                    str(rng.randint(1, 99)), f"{rng.randint(100, 999_999):,}"])
    return out


def generate(root: Path, total_mb: int, seed: int = 7) -> int:
    """Office-like data: memos and ledgers, with a sprinkling of pension numbers.

    Per 20 files: 9 memos (one in ten holds a letter with a pension number), 9 ledgers,
    1 phone list with names (a decoy: 10-digit landlines), 1 pension roster.
    """
    rng = random.Random(seed)
    people = fakedata.people(2000, seed=seed)
    target = total_mb * 1_000_000
    written = i = 0
    text_block = FILLER * 400  # ~100 KB
    while written < target:
        folder = root / f"dept{i % 20:02d}"
        folder.mkdir(exist_ok=True)
        kind = i % 20
        if kind < 9:
            body = text_block
            if i % 10 == 0:
                p = rng.choice(people)
                body += f"\n{p.name} 様\n基礎年金番号：{p.pension_hyphenated}\n"
            data, name = body.encode("utf-8"), folder / f"memo{i:05d}.txt"
        else:
            if kind < 18:
                rows = _ledger(rng, 1500)
            elif kind == 18:
                rows = fakedata.phone_rows(rng.sample(people, 200), seed=i)
            else:
                rows = fakedata.roster_rows(rng.sample(people, 200))
            data = "\r\n".join(",".join(r) for r in rows).encode("cp932")
            name = folder / f"list{i:05d}.csv"
        name.write_bytes(data)
        written += len(data)
        i += 1
    return written


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float]:
    """Wall seconds and CPU seconds (user + system, all processes) of one command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


# Runs the CLI and, at exit, writes the CPU seconds of this (the sweep's main) process alone
# to the file named by $BENCH_MAIN_CPU: the workers scan in parallel, but judging and
# writing the register happen here, one file after another, which bounds the sweep on a
# machine with many cores.
_WITH_MAIN_CPU = (
    "import atexit, os, resource, sys\n"
    "def _report():\n"
    "    u = resource.getrusage(resource.RUSAGE_SELF)\n"
    "    open(os.environ['BENCH_MAIN_CPU'], 'w').write(str(u.ru_utime + u.ru_stime))\n"
    "atexit.register(_report)\n"
    "sys.argv[0] = 'pii-agent'\n"
    "from agent.__main__ import main\n"
    "main()\n"
)


def main_cpu(cmd: list[str], env: dict[str, str], out: Path) -> float:
    """CPU seconds of the sweep's main process (see _WITH_MAIN_CPU); ``cmd`` as for timed()."""
    subprocess.run([sys.executable, "-c", _WITH_MAIN_CPU, *cmd[3:]], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env={**env, "BENCH_MAIN_CPU": str(out)}, check=False)
    return float(out.read_text())


def kind_of(name: str) -> str:
    """The kind of a generated file, from its number (see generate)."""
    kind = int(name[4:9]) % 20
    return "memo" if kind < 9 else "ledger" if kind < 18 else "phone list" if kind == 18 else "roster"


def per_kind(data_dir: Path, rg: str) -> None:
    """One core each, where the time goes: MB/s of a full in-process scan of each kind of
    file (rules loaded, no store, no interpreter start) against one ripgrep thread on the
    same files."""
    import hmac

    from agent.pipeline import ScanJob, Scanner
    from scanner.limits import ScanLimits
    from scanner.model import FileRef

    key = b"bench" * 8
    scanner = Scanner(None, lambda value: hmac.digest(key, value.encode(), "sha256").hex(), ScanLimits())
    files: dict[str, list[Path]] = {}
    for path in sorted(data_dir.rglob("*.*")):
        files.setdefault(kind_of(path.name), []).append(path)
    print("per kind, one core (pii-agent in-process: rules loaded, no store; ripgrep -j1):")
    for kind, paths in sorted(files.items()):
        size, start = 0, time.perf_counter()
        for path in paths:
            st = path.stat()
            ref = FileRef(os.fsencode(path), st.st_size, st.st_mtime_ns, st.st_ino, st.st_mode, os.fsencode(data_dir))
            scanner.scan(ScanJob(ref, None))
            size += st.st_size
        seconds = time.perf_counter() - start
        t_rg = min(timed([rg, "-j1", "-c", RG_PATTERN, *map(str, paths)])[0] for _ in range(3))
        print(f"  {kind:<11} {len(paths):5d} files {size / 1e6:7.1f} MB  {size / 1e6 / seconds:8.1f} MB/s"
              f"  {seconds / len(paths) * 1000:6.2f} ms/file   ripgrep {size / 1e6 / t_rg:7.1f} MB/s"
              f"   ratio {t_rg / seconds:.3f}")


def register_floor(db: Path, repeat: int) -> tuple[int, float]:
    """The finding rows a sweep wrote, and the seconds sqlite3 alone takes to write them again
    into a fresh copy of the table (same columns, indexes and foreign key, same settings, one
    executemany per 20,000 rows as the sweep's chunks): a part of the sweep no engine work
    can remove while the register keeps a row per value."""
    import sqlite3

    with sqlite3.connect(db) as source:
        schema = [sql for (sql,) in source.execute(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'findings' AND sql IS NOT NULL")]
        columns = [name for (_, name, *_rest) in source.execute("PRAGMA table_info(findings)") if name != "id"]
        rows = source.execute(f"SELECT {', '.join(columns)} FROM findings").fetchall()
        file_ids = source.execute("SELECT id FROM files").fetchall()
    insert = f"INSERT INTO findings ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    best = float("inf")
    with tempfile.TemporaryDirectory() as scratch:
        for n in range(repeat):
            copy = sqlite3.connect(Path(scratch) / f"floor{n}.db")
            for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "cache_size = -16384", "foreign_keys = ON"):
                copy.execute(f"PRAGMA {pragma}")
            copy.execute("CREATE TABLE files (id INTEGER PRIMARY KEY)")  # what the foreign key checks
            copy.executemany("INSERT INTO files VALUES (?)", file_ids)
            for sql in schema:
                copy.execute(sql)
            copy.commit()
            start = time.perf_counter()
            for i in range(0, len(rows), 20_000):
                copy.executemany(insert, rows[i:i + 20_000])
                copy.commit()
            best = min(best, time.perf_counter() - start)
            copy.close()
    return len(rows), best


def stat_walk(root: Path) -> float:
    start = time.perf_counter()
    for dirpath, _dirs, files in os.walk(root):
        for f in files:
            os.stat(os.path.join(dirpath, f))
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=int, default=300)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--keep", help="generate into (and keep) this folder")
    ap.add_argument("--per-kind", action="store_true", help="also time each kind of file in-process, one core")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each timed command; the fastest is kept")
    args = ap.parse_args()
    rg = shutil.which("rg")
    if not rg:
        sys.exit("ripgrep (rg) is needed as the peer: apt-get install ripgrep")
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="pii-bench-"))
    data_dir = base / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    (base / "empty").mkdir(exist_ok=True)
    size = sum(f.stat().st_size for f in data_dir.rglob("*") if f.is_file()) or generate(data_dir, args.mb)
    mb = size / 1e6
    db = base / "bench.db"
    db.unlink(missing_ok=True)
    # Bytecode is cached as for an installed tool (pip compiles it); without this, a shell
    # with PYTHONDONTWRITEBYTECODE set would compile every module in every timed run.
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
           "PYTHONPYCACHEPREFIX": str(base / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    cfg = base / "bench.yaml"
    cfg.write_text(f"key_file: {base / 'key'}\nlog_file: {base / 'log.jsonl'}\n", encoding="utf-8")
    sweep = [sys.executable, "-m", "agent", "sweep", str(data_dir), "--db", f"sqlite:///{db}", "--quiet",
             "--config", str(cfg), "--workers", str(args.workers)]
    timed([rg, "-c", RG_PATTERN, str(data_dir)])  # warm the page cache for both
    t_rg, cpu_rg = min(timed([rg, "-c", RG_PATTERN, str(data_dir)]) for _ in range(args.repeat))
    empty_sweep = sweep[:4] + [str(base / "empty")] + sweep[5:] + ["--full"]
    timed(empty_sweep, env)  # writes the bytecode cache
    t_empty, _ = min(timed(empty_sweep, env) for _ in range(args.repeat))

    def fresh_full_sweep() -> tuple[float, float]:
        for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            leftover.unlink(missing_ok=True)
        return timed(sweep + ["--full"], env)

    t_agent, cpu_agent = min(fresh_full_sweep() for _ in range(args.repeat))
    t_again, _ = min(timed(sweep, env) for _ in range(args.repeat))
    n_findings, t_floor = register_floor(db, args.repeat)
    for leftover in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        leftover.unlink(missing_ok=True)
    cpu_main = main_cpu(sweep + ["--full"], env, base / "main-cpu")
    t_stat = stat_walk(data_dir)
    print(f"data: {mb:,.0f} MB in {sum(1 for _ in data_dir.rglob('*.*')):,} files, workers={args.workers},"
          f" fastest of {args.repeat} runs each")
    print(f"ripgrep -c           {t_rg:7.2f} s  {mb / t_rg:9.1f} MB/s   cpu {cpu_rg:6.2f} s")
    print(f"pii-agent sweep      {t_agent:7.2f} s  {mb / t_agent:9.1f} MB/s   cpu {cpu_agent:6.2f} s"
          f"   ratio vs rg: {t_rg / t_agent:.3f}  (cpu: {cpu_rg / cpu_agent:.3f})")
    print(f"  of which startup   {t_empty:7.2f} s   (a sweep of an empty folder, interpreter start included)")
    print(f"  main process cpu   {cpu_main:7.2f} s   (startup, walk, judging, the register: one core however many"
          f" workers; a run of its own)")
    print(f"  register floor     {t_floor:7.2f} s   ({n_findings:,} finding rows written by sqlite3 alone;"
          f" with startup, the best ratio this register allows: {t_rg / (t_empty + t_floor):.3f})")
    print(f"unchanged re-sweep   {t_again:7.2f} s   stat walk {t_stat:.2f} s   (incl. interpreter start)")
    if args.per_kind:
        per_kind(data_dir, rg)
    if not args.keep:
        shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
