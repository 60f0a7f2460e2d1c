"""Issue 7's "done when", end to end through the CLI: a roster on a share and its copy on a PC,
acknowledged, claimed, verified and reopened by evidence; attestations checked."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from agent import fakedata as fake
from agent.cli import main

PEOPLE = fake.people(6, seed=7)


@pytest.fixture
def env(tmp_path: Path) -> dict:
    share, pc = tmp_path / "tree" / "share", tmp_path / "tree" / "pc"
    share.mkdir(parents=True)
    pc.mkdir()
    rows = fake.roster_rows(PEOPLE)
    (share / "年金台帳.csv").write_bytes("\r\n".join(",".join(r) for r in rows).encode("cp932"))
    # The copy: re-saved as UTF-8 with a BOM under another name, rows in another order.
    (pc / "copy_of_roster.csv").write_bytes("\r\n".join(",".join(r) for r in [rows[0], *rows[:0:-1]]).encode("utf-8-sig"))
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"key_file: {tmp_path / 'key'}\nlog_file: {tmp_path / 'log.jsonl'}\nworkers: 1\n", encoding="utf-8")
    common = ["--db", f"sqlite:///{tmp_path / 'reg.db'}", "--config", str(cfg)]
    return {"share": share, "pc": pc, "common": common, "dbfile": tmp_path / "reg.db",
            "zone": ["--zone", f"shared={share}"], "tree": tmp_path / "tree"}


def cli(env: dict, *args: str, code: int | None = 0) -> str:
    res = CliRunner().invoke(main, [*args, *env["common"]])
    assert res.exception is None or isinstance(res.exception, SystemExit), res.output
    if code is not None:
        assert res.exit_code == code, res.output
    return res.output


def violations(env: dict) -> dict[int, dict]:
    return {v["id"]: v for v in json.loads(cli(env, "violations", "list", "--format", "json"))}


def history(env: dict, vid: int) -> list[tuple[str | None, str, str]]:
    shown = json.loads(cli(env, "violations", "show", str(vid), "--format", "json"))
    return [(e["from"], e["to"], e["actor"]) for e in shown["events"]]


def test_claim_is_reopened_while_a_copy_remains_then_both_verified(env: dict) -> None:
    cli(env, "sweep", str(env["tree"]), *env["zone"], code=1)
    found = violations(env)
    share_ids = [i for i, v in found.items() if v["zone"] == "shared"]
    pc_ids = [i for i, v in found.items() if v["zone"] == "local"]
    assert share_ids and len(pc_ids) == 1
    assert {found[i]["policy"] for i in pc_ids} == {"local-disk-forbidden"}
    report = json.loads(cli(env, "report", "--format", "json"))
    assert report["summary"]["records_exposed"] == len(PEOPLE)  # two files, one set of records
    assert report["summary"]["files_exposing"] == 2
    shown = json.loads(cli(env, "violations", "show", str(pc_ids[0]), "--format", "json"))
    assert [c["path"] for c in shown["copies"]] == [str(env["share"] / "年金台帳.csv")]

    cli(env, "violations", "ack", *map(str, found), "--assignee", "somu-ka", "--due", "+14d", "--actor", "team")
    cli(env, "violations", "claim", *map(str, share_ids), "--method", "deleted", "--actor", "owner",
        "--note", "removed from the share")
    (env["share"] / "年金台帳.csv").unlink()
    out = cli(env, "verify", *env["zone"], code=1)
    after = violations(env)
    assert {after[i]["state"] for i in share_ids} == {"reopened"}, out
    assert after[pc_ids[0]]["state"] == "acknowledged"  # the sweep did not reset it to open

    (env["pc"] / "copy_of_roster.csv").unlink()
    cli(env, "violations", "claim", str(pc_ids[0]), "--method", "deleted", "--actor", "pc-owner")
    cli(env, "verify", *env["zone"], code=0)
    final = violations(env)
    assert {final[i]["state"] for i in found} == {"verified"}
    assert [(f, t) for f, t, _ in history(env, share_ids[0])] == [
        (None, "open"), ("open", "acknowledged"), ("acknowledged", "remediation_claimed"),
        ("remediation_claimed", "closed"), ("closed", "reopened"), ("reopened", "verified")]
    assert [a for _, _, a in history(env, share_ids[0])][1:3] == ["team", "owner"]
    assert [(f, t) for f, t, _ in history(env, pc_ids[0])][-3:] == [
        ("acknowledged", "remediation_claimed"), ("remediation_claimed", "closed"), ("closed", "verified")]
    assert json.loads(cli(env, "report", "--format", "json"))["summary"]["records_exposed"] == 0


def test_encrypting_is_a_verified_claim_and_still_violating_reopens(env: dict) -> None:
    (env["pc"] / "copy_of_roster.csv").unlink()
    cli(env, "sweep", str(env["tree"]), *env["zone"], code=1)
    ids = list(violations(env))
    cli(env, "violations", "claim", *map(str, ids), "--method", "access_restricted")
    cli(env, "verify", *env["zone"], code=1)  # nothing changed on disk
    assert {v["state"] for v in violations(env).values()} == {"reopened"}


def test_refused_moves_exit_2(env: dict) -> None:
    cli(env, "sweep", str(env["tree"]), *env["zone"], code=1)
    vid = next(iter(violations(env)))
    assert "no violation 9999" in cli(env, "violations", "ack", "9999", code=2)
    cli(env, "violations", "false-positive", str(vid), "--reason", "test data")
    assert "cannot move" in cli(env, "violations", "claim", str(vid), "--method", "deleted", code=2)
    assert "--due" in cli(env, "violations", "ack", str(vid), "--due", "soon", code=2)


def test_honest_attestation_verifies_and_tampering_is_detected(env: dict) -> None:
    cli(env, "sweep", str(env["tree"]), *env["zone"], code=1)
    assert "sweep 1: OK" in cli(env, "attest", "verify", "--sweep", "1")
    con = sqlite3.connect(env["dbfile"])
    with con:  # a department edits its coverage to claim a root it never swept
        con.execute("update sweeps set roots = ? where id = 1", (json.dumps(["/srv/everything"]),))
    con.close()
    out = cli(env, "attest", "verify", code=1)
    assert "sweep 1: BAD" in out



def test_verify_under_a_folder_named_through_a_symlink(env: dict, tmp_path: Path) -> None:
    cli(env, "sweep", str(env["pc"]), code=1)
    [pc_id] = violations(env)
    cli(env, "violations", "claim", str(pc_id), "--method", "deleted", "--actor", "pc-owner")
    (env["pc"] / "copy_of_roster.csv").unlink()
    link = tmp_path / "pc-link"
    link.symlink_to(env["pc"], target_is_directory=True)
    out = cli(env, "verify", "--path", str(link), code=0)
    assert f"violation {pc_id}: remediation_claimed -> verified" in out
