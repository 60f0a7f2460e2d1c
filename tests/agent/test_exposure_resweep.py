"""Issue 5 item 6: a chmod without a content change is noticed on the next sweep and
re-judged from stored facts; the content is not read again."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from agent import fakedata as fake
from agent.cli import main

ACCESS = "shared-requires-access-restriction"
PASSWORD = "shared-requires-password"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, Any]:
    share = tmp_path / "share"
    dept = share / "dept"
    dept.mkdir(parents=True)
    share.chmod(0o755)
    dept.chmod(0o755)
    roster = dept / "roster.csv"
    roster.write_bytes("\r\n".join(",".join(r) for r in fake.roster_rows(fake.people(3, seed=11))).encode("cp932"))
    roster.chmod(0o644)
    cfg = tmp_path / "cfg.yaml"
    log = tmp_path / "log.jsonl"
    cfg.write_text(f"key_file: {tmp_path / 'key'}\nlog_file: {log}\nworkers: 1\n", encoding="utf-8")
    db = tmp_path / "reg.db"
    sweep = ["sweep", str(share), "--zone", f"shared={share}", "--db", f"sqlite:///{db}", "--config", str(cfg)]
    return {"dept": dept, "roster": roster, "db": db, "sweep": sweep, "log": log}


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[bytes]:
    """The paths whose content the sweep reads (agent.pipeline.scan_file calls)."""
    import agent.pipeline

    seen: list[bytes] = []
    real = agent.pipeline.scan_file

    def counting(ref: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(ref.raw_path)
        return real(ref, *args, **kwargs)

    monkeypatch.setattr(agent.pipeline, "scan_file", counting)
    return seen


def _open(db: Path) -> dict[str, list[int]]:
    con = sqlite3.connect(db)
    try:
        rows = con.execute("select policy_id, id from violations where closed_at is null order by id").fetchall()
    finally:
        con.close()
    out: dict[str, list[int]] = {}
    for policy, vid in rows:
        out.setdefault(policy, []).append(vid)
    return out


def _world_readable(db: Path, path: Path) -> bool:
    con = sqlite3.connect(db)
    try:
        (flag,) = con.execute("select world_readable from files where path = ?", (str(path),)).fetchone()
    finally:
        con.close()
    return bool(flag)


def test_removing_o_x_from_a_parent_closes_access_violation_without_reading(env, scans):
    runner = CliRunner()
    assert runner.invoke(main, env["sweep"]).exit_code == 1
    assert scans == [bytes(env["roster"])]
    first = _open(env["db"])
    assert set(first) == {ACCESS, PASSWORD}
    assert _world_readable(env["db"], env["roster"])

    scans.clear()
    env["dept"].chmod(0o750)  # others can no longer enter the folder
    res = runner.invoke(main, env["sweep"])
    assert res.exit_code == 1, res.output  # the password violation stays
    assert scans == []  # content not read again
    assert _open(env["db"]) == {PASSWORD: first[PASSWORD]}
    assert not _world_readable(env["db"], env["roster"])
    assert '"exposure_changed"' in env["log"].read_text(encoding="utf-8")

    env["dept"].chmod(0o755)  # open again: a new violation, still without a read
    runner.invoke(main, env["sweep"])
    assert scans == []
    again = _open(env["db"])
    assert set(again) == {ACCESS, PASSWORD} and again[ACCESS] != first[ACCESS]


def test_file_mode_change_opens_access_violation(env, scans):
    env["roster"].chmod(0o600)
    runner = CliRunner()
    runner.invoke(main, env["sweep"])
    assert set(_open(env["db"])) == {PASSWORD}
    scans.clear()
    env["roster"].chmod(0o604)  # o+r: readable by everyone who can reach it
    runner.invoke(main, env["sweep"])
    assert scans == [] and set(_open(env["db"])) == {ACCESS, PASSWORD}


def test_unchanged_exposure_writes_nothing(env, scans):
    runner = CliRunner()
    runner.invoke(main, env["sweep"])
    scans.clear()
    runner.invoke(main, env["sweep"])
    runner.invoke(main, env["sweep"])
    assert scans == []
    assert '"exposure_changed"' not in env["log"].read_text(encoding="utf-8")
    con = sqlite3.connect(env["db"])
    try:
        assert con.execute("select count(*) from violation_events").fetchone() == (2,)  # the two openings
    finally:
        con.close()


def test_full_sweep_still_rereads(env, scans):
    runner = CliRunner()
    runner.invoke(main, env["sweep"])
    scans.clear()
    runner.invoke(main, [*env["sweep"], "--full"])
    assert scans == [bytes(env["roster"])]
