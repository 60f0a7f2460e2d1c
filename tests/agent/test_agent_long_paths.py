"""A sweep over a share nested deep in Japanese folder names: a 3.6 KB path is longer than
a PostgreSQL btree entry can hold, and once crashed the whole sweep there."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from click.testing import CliRunner

from agent.cli import main

CJK = [chr(c) for c in range(0x4E00, 0x4E00 + 2000)]


def deep_roster(root: Path, nbytes: int = 3600) -> Path:
    rng = random.Random(1)
    folder = root
    while len(str(folder).encode()) < nbytes:
        folder /= "".join(rng.choice(CJK) for _ in range(60))
    folder.mkdir(parents=True)
    roster = folder / "名簿.csv"
    roster.write_text("氏名,基礎年金番号\n山田太郎,1234-567890\n", encoding="utf-8")
    return roster


def test_sweep_records_a_file_under_a_very_long_path(db_url: str, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    roster = deep_roster(tmp_path / "share")
    assert len(str(roster).encode()) > 3600
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"key_file: {tmp_path / 'key'}\nlog_file: {tmp_path / 'log.jsonl'}\nworkers: 1\n",
                   encoding="utf-8")
    sweep = ["sweep", str(tmp_path / "share"), "--db", db_url, "--config", str(cfg)]
    runner = CliRunner()

    def open_policies() -> list[str]:
        res = runner.invoke(main, ["findings", "--db", db_url, "--config", str(cfg), "--format", "jsonl"])
        assert res.exit_code in (0, 1), res.output
        records = {rec["path"]: rec for rec in map(json.loads, res.output.splitlines())}
        if str(roster) not in records:
            return []
        assert "pension_number" in {f["detector"] for f in records[str(roster)]["findings"]}
        return [v["policy"] for v in records[str(roster)]["violations"] if v["status"] == "open"]

    first = runner.invoke(main, sweep)
    # Exit 1 for the open violation; a crash would exit 1 too, but without the summary.
    assert first.exit_code == 1 and "Sweep #1 finished" in first.output, first.output
    assert open_policies() == ["local-disk-forbidden"]

    import agent.pipeline as pipeline

    scanned: list[object] = []
    real = pipeline.scan_file
    monkeypatch.setattr(pipeline, "scan_file", lambda *a, **k: scanned.append(a) or real(*a, **k))
    again = runner.invoke(main, sweep)
    assert again.exit_code == 1, again.output
    assert scanned == [] and "unchanged 1" in again.output  # found by the known-file index

    roster.unlink()
    runner.invoke(main, sweep)
    assert open_policies() == []
