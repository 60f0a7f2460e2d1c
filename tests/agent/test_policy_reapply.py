"""Issue 5 items 4-5: `policy reapply` and `policy diff` re-judge stored facts, reading no file."""

from __future__ import annotations

import builtins
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from agent import fakedata as fake
from agent.cli import main
from agent.policy import load_policies, versions
from rules import default_rules_dir
from store.models import PolicyChange, Violation, ViolationEvent

PEOPLE = fake.people(6, seed=7)
ACCESS = "shared-requires-access-restriction"
LOCAL = "local-disk-forbidden"
PASSWORD = "shared-requires-password"


def _roster(people: list[fake.FakePerson]) -> bytes:
    return "\r\n".join(",".join(r) for r in fake.roster_rows(people)).encode("cp932")


@pytest.fixture
def env(tmp_path: Path) -> dict[str, Any]:
    tree = tmp_path / "tree"
    share, pc = tree / "share", tree / "pc"
    share.mkdir(parents=True)
    pc.mkdir()
    files = {
        "roster": pc / "roster.csv",  # 4 records: still forbidden at min_records 2
        "single": pc / "single.csv",  # 1 record: no longer forbidden at min_records 2
        "shared": share / "private.csv",  # 0600: no access violation until the policy drops that condition
    }
    files["roster"].write_bytes(_roster(PEOPLE[:4]))
    files["single"].write_bytes(_roster(PEOPLE[4:5]))
    files["shared"].write_bytes(_roster(PEOPLE[5:6]))
    files["shared"].chmod(0o600)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"key_file: {tmp_path / 'key'}\nlog_file: {tmp_path / 'log.jsonl'}\nworkers: 1\n", encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'reg.db'}"
    new_rules = _changed_rules(tmp_path / "rules-v2")
    sweep = ["sweep", str(tree), "--zone", f"shared={share}", "--db", db, "--config", str(cfg)]
    return {"tree": tree, "files": files, "db": db, "cfg": cfg, "new_rules": new_rules, "sweep": sweep,
            "log": tmp_path / "log.jsonl"}


def _changed_rules(target: Path) -> Path:
    """The shipped rules with two policy edits: local only at 2+ records (bumped version),
    access restriction for every shared file (silent edit: same declared version)."""
    shutil.copytree(default_rules_dir(), target, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    local = target / "policies" / f"{LOCAL}.yaml"
    text = local.read_text(encoding="utf-8").replace("version: 1", "version: 2")
    local.write_text(text.replace("  any_of:", "  min_records: 2\n  any_of:"), encoding="utf-8")
    access = target / "policies" / f"{ACCESS}.yaml"
    access.write_text(access.read_text(encoding="utf-8").replace("  world_readable: true", "  {}")
                      .replace("violation_when:\n  {}", "violation_when: {}"), encoding="utf-8")
    return target


def _violations(db: str) -> list[dict[str, Any]]:
    engine = create_engine(db)
    try:
        with Session(engine) as s:
            rows = s.execute(select(Violation)).scalars().all()
            return [{"id": v.id, "policy": v.policy_id, "file_id": v.file_id, "version": v.policy_version,
                     "last": v.last_policy_version, "open": v.closed_at is None, "reason": v.close_reason,
                     "notes": [e.note for e in s.scalars(select(ViolationEvent).where(
                         ViolationEvent.violation_id == v.id).order_by(ViolationEvent.id))]}
                    for v in rows]
    finally:
        engine.dispose()


def _open_set(db: str) -> set[tuple[int, str]]:
    return {(v["file_id"], v["policy"]) for v in _violations(db) if v["open"]}


def _forbid_reading(monkeypatch: pytest.MonkeyPatch, tree: Path) -> None:
    """Any attempt to scan, stat for exposure or open a file of the tree fails the test."""
    import agent.pipeline
    import scanner.scan

    def boom(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a file was read")

    monkeypatch.setattr(agent.pipeline, "scan_file", boom)
    monkeypatch.setattr(scanner.scan, "scan_file", boom)
    monkeypatch.setattr(agent.pipeline, "exposure_for", boom)
    real_open = builtins.open

    def guarded_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(file, str | Path) and str(file).startswith(str(tree)):
            raise AssertionError(f"opened {file}")
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", guarded_open)


def _file_ids(db: str) -> dict[str, int]:
    engine = create_engine(db)
    try:
        with engine.connect() as conn:
            return {path: fid for fid, path in conn.exec_driver_sql("select id, path from files")}
    finally:
        engine.dispose()


def test_reapply_closes_and_opens_exactly_the_right_violations_without_reading(env, monkeypatch):
    runner = CliRunner()
    assert runner.invoke(main, env["sweep"]).exit_code == 1
    ids = _file_ids(env["db"])
    f = {name: ids[str(path)] for name, path in env["files"].items()}
    before = _open_set(env["db"])
    assert before == {(f["roster"], LOCAL), (f["single"], LOCAL), (f["shared"], PASSWORD)}
    old_versions = {v["policy"]: v["version"] for v in _violations(env["db"])}

    _forbid_reading(monkeypatch, env["tree"])
    res = runner.invoke(main, ["policy", "reapply", "--db", env["db"], "--config", str(env["cfg"]),
                               "--rules", str(env["new_rules"])])
    assert res.exit_code == 1, res.output
    assert f"{LOCAL}: opened 0, closed 1" in res.output and f"{ACCESS}: opened 1, closed 0" in res.output

    after = _open_set(env["db"])
    assert after == {(f["roster"], LOCAL), (f["shared"], PASSWORD), (f["shared"], ACCESS)}
    rows = {(v["file_id"], v["policy"]): v for v in _violations(env["db"])}
    kept = rows[(f["roster"], LOCAL)]
    assert kept["version"] == old_versions[LOCAL] and kept["version"].startswith("1@")
    assert kept["last"].startswith("2@") and "policy reapply" in kept["notes"][-1]
    closed = rows[(f["single"], LOCAL)]
    assert not closed["open"] and "policy reapply" in closed["reason"] and closed["version"].startswith("1@")
    opened = rows[(f["shared"], ACCESS)]
    shipped = versions(load_policies(default_rules_dir()))[ACCESS]
    assert opened["version"] == opened["last"] == versions(load_policies(env["new_rules"]))[ACCESS]
    assert opened["version"].startswith("1@") and opened["version"] != shipped  # silent edit: new content hash
    assert "policy reapply" in opened["notes"][0]
    untouched = rows[(f["shared"], PASSWORD)]
    assert untouched["notes"] == [untouched["notes"][0]]  # same version: no event added


def test_reapply_records_the_change_and_is_idempotent(env):
    runner = CliRunner()
    runner.invoke(main, env["sweep"])
    args = ["policy", "reapply", "--db", env["db"], "--config", str(env["cfg"]), "--rules", str(env["new_rules"])]
    runner.invoke(main, args)
    again = runner.invoke(main, args)
    assert "no policy changed" in again.output
    assert "opened 1" not in again.output and "closed 1" not in again.output
    engine = create_engine(env["db"])
    with Session(engine) as s:
        changes = s.scalars(select(PolicyChange).order_by(PolicyChange.id)).all()
        assert len(changes) == 2
        first, second = changes
        assert first.old_versions[LOCAL].startswith("1@") and first.new_versions[LOCAL].startswith("2@")
        assert first.opened_by_policy == {ACCESS: 1} and first.closed_by_policy == {LOCAL: 1}
        assert len(first.opened_ids) == 1 and len(first.closed_ids) == 1 and first.files_judged == 3
        assert second.opened_ids == [] and second.closed_ids == [] and second.old_versions == first.new_versions
    engine.dispose()


def test_dry_run_and_diff_show_the_same_change_and_write_nothing(env, monkeypatch):
    runner = CliRunner()
    runner.invoke(main, env["sweep"])
    snapshot = _violations(env["db"])
    _forbid_reading(monkeypatch, env["tree"])
    dry = runner.invoke(main, ["policy", "reapply", "--dry-run", "--db", env["db"], "--config", str(env["cfg"]),
                               "--rules", str(env["new_rules"])])
    diff = runner.invoke(main, ["policy", "diff", str(default_rules_dir()), str(env["new_rules"]), "--db", env["db"],
                                "--config", str(env["cfg"])])
    assert diff.exit_code == 0, diff.output
    assert _violations(env["db"]) == snapshot  # nothing written, not even an event
    assert f"{LOCAL}: would open 0, would close 1" in dry.output
    lines = diff.output.splitlines()
    assert any(line.startswith(f"changed  {LOCAL}: 1@") and "-> 2@" in line for line in lines)
    assert "min_records: 0 -> 2" in diff.output and "violation_when: {'world_readable': True} -> {}" in diff.output
    assert f"changed  {PASSWORD}" not in diff.output
    plus = [line for line in lines if line.startswith("  + ")]
    minus = [line for line in lines if line.startswith("  - ")]
    assert len(plus) == 1 and ACCESS in plus[0] and str(env["files"]["shared"]) in plus[0]
    assert len(minus) == 1 and LOCAL in minus[0] and str(env["files"]["single"]) in minus[0]

    monkeypatch.undo()
    runner.invoke(main, ["policy", "reapply", "--db", env["db"], "--config", str(env["cfg"]),
                         "--rules", str(env["new_rules"])])
    opened_now = {(v["policy"]) for v in _violations(env["db"]) if v["open"]} - {v["policy"] for v in snapshot if v["open"]}
    closed_ids = {v["id"] for v in _violations(env["db"]) if not v["open"]}
    assert opened_now == {ACCESS}
    assert {f"#{i}" for i in closed_ids} == {m.split()[1] for m in minus}


def test_sweep_notices_a_policy_change_and_rejudges_unchanged_files(env, monkeypatch):
    runner = CliRunner()
    runner.invoke(main, env["sweep"])
    import agent.pipeline

    calls: list[object] = []
    real = agent.pipeline.scan_file

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(agent.pipeline, "scan_file", counting)
    res = runner.invoke(main, [*env["sweep"], "--rules", str(env["new_rules"])])
    assert res.exit_code == 1, res.output
    assert calls == []  # every file unchanged: nothing re-read
    ids = _file_ids(env["db"])
    assert (ids[str(env["files"]["single"])], LOCAL) not in _open_set(env["db"])
    assert (ids[str(env["files"]["shared"])], ACCESS) in _open_set(env["db"])
    log = env["log"].read_text(encoding="utf-8")
    assert '"policy_changed"' in log and '"policy_reapplied"' in log


def test_diff_of_single_policy_files_without_register(tmp_path, env):
    old = default_rules_dir() / "policies" / f"{LOCAL}.yaml"
    new = env["new_rules"] / "policies" / f"{LOCAL}.yaml"
    res = CliRunner().invoke(main, ["policy", "diff", str(old), str(new), "--no-register"])
    assert res.exit_code == 0, res.output
    assert "min_records: 0 -> 2" in res.output and "register:" not in res.output


def test_broken_new_policy_is_exit_2(tmp_path, env):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: x\nversion: 1\nzones: []\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["policy", "diff", str(default_rules_dir()), str(bad), "--no-register"])
    assert res.exit_code == 2 and "zones" in res.output
