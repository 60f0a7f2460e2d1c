"""Issue 2's "done when", end to end through the CLI on text and CSV in every office encoding."""

from __future__ import annotations

import json
import os
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from agent import fakedata as fake
from agent.cli import main

PEOPLE = fake.people(12, seed=42)


def _fw(text: str) -> str:
    return text.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))


def build_tree(root: Path) -> dict[str, int]:
    """Planted files -> expected pension_number count at >= medium. Decoys expect nothing."""
    share, pc = root / "share", root / "pc"
    share.mkdir(parents=True)
    pc.mkdir()
    p = PEOPLE
    dash_list = "基礎年金番号一覧\n" + "".join(
        f"{q.pension_number[:4]}{d}{q.pension_number[4:]}\n" for q, d in zip(p[7:12], "‐–−―ｰ", strict=True))
    roster = "\r\n".join(",".join(r) for r in fake.roster_rows(p[:4]))
    files: dict[Path, tuple[bytes, int]] = {
        share / "roster_cp932.csv": (roster.encode("cp932"), 4),
        share / "roster_utf8bom.csv": (roster.encode("utf-8-sig"), 4),
        share / "roster_unicode.txt": (roster.replace(",", "\t").encode("utf-16"), 4),
        # Header-only context: the number column is 年金番号, values hundreds of rows below.
        share / "header_only.csv": (("年金番号,備考\r\n" + "".join(f",行{i}\r\n" for i in range(300))
                                     + f"{p[4].pension_number},\r\n").encode("cp932"), 1),
        pc / "letter_eucjp.txt": (f"{p[5].name}様\n基礎年金番号 {_fw(p[5].pension_hyphenated).replace('－', '−')} のお知らせ\n".encode("euc-jp"), 1),
        pc / "memo_utf16be.txt": (f"年金手帳の番号は{p[6].pension_number[:4]}ー{p[6].pension_number[4:]}です".encode("utf-16"), 1),
        pc / "dash_variants.txt": (dash_list.encode(), 5),
        # Decoys: nothing at medium.
        share / "phones.csv": ("\r\n".join(",".join(r) for r in fake.phone_rows(p)).encode("cp932"), 0),
        share / "products.csv": ("\r\n".join(",".join(r) for r in fake.product_rows(40)).encode("utf-8"), 0),
        pc / "orders.txt": (("受注番号 4821-339201\n郵便番号 123-4567\n雇用保険 1234-567890-1\nTEL 03-1234-5678\n"
                             "電話 0312345678\n").encode(), 0),
        pc / "employees.csv": ("\r\n".join(",".join(r) for r in fake.employee_rows(p)).encode("cp932"), 0),
    }
    expected = {}
    for path, (data, count) in files.items():
        path.write_bytes(data)
        expected[str(path)] = count
    return expected


@pytest.fixture
def env(tmp_path):
    tree = tmp_path / "tree"
    expected = build_tree(tree)
    db = f"sqlite:///{tmp_path / 'reg.db'}"
    cfg = tmp_path / "cfg.yaml"
    log = tmp_path / "log.jsonl"
    cfg.write_text(f"key_file: {tmp_path / 'key'}\nlog_file: {log}\nworkers: 1\n", encoding="utf-8")
    args = ["sweep", str(tree), "--zone", f"shared={tree / 'share'}", "--db", db, "--config", str(cfg)]
    return {"tree": tree, "expected": expected, "db": db, "cfg": cfg, "log": log, "sweep": args,
            "dbfile": tmp_path / "reg.db"}


def export(env) -> dict[str, dict]:
    res = CliRunner().invoke(main, ["findings", "--db", env["db"], "--config", str(env["cfg"]), "--format", "jsonl"])
    assert res.exit_code in (0, 1), res.output
    return {rec["path"]: rec for rec in map(json.loads, res.output.splitlines())}


def pension_counts(records: dict[str, dict]) -> dict[str, int]:
    out = {}
    for path, rec in records.items():
        for f in rec["findings"]:
            if f["detector"] == "pension_number":
                out[path] = f["count"]
    return out


def test_sweep_finds_exactly_the_planted_records(env):
    res = CliRunner().invoke(main, env["sweep"])
    assert res.exit_code == 1, res.output  # open violations exist
    records = export(env)
    want = {path: n for path, n in env["expected"].items() if n}
    assert pension_counts(records) == want
    shared_roster = records[str(env["tree"] / "share" / "roster_cp932.csv")]
    assert {v["policy"] for v in shared_roster["violations"]} >= {"shared-requires-password"}
    assert shared_roster["zone"] == "shared" and shared_roster["encrypted"] is False
    letter = records[str(env["tree"] / "pc" / "letter_eucjp.txt")]
    assert [v["policy"] for v in letter["violations"]] == ["local-disk-forbidden"]
    masked = next(f["masked"] for f in letter["findings"] if f["detector"] == "pension_number")
    assert masked == [f"{PEOPLE[5].pension_number[:4]}-****{PEOPLE[5].pension_number[-2:]}"]
    assert "Sweep #" in res.output and "violations:" in res.output


def test_unchanged_resweep_reads_nothing_and_deletion_closes(env, monkeypatch):
    runner = CliRunner()
    assert runner.invoke(main, env["sweep"]).exit_code == 1
    before = _dump(env["dbfile"], skip_sweep_columns=True)
    import agent.pipeline as pipeline

    calls: list[object] = []
    real = pipeline.scan_file
    monkeypatch.setattr(pipeline, "scan_file", lambda *a, **k: calls.append(a) or real(*a, **k))
    assert runner.invoke(main, env["sweep"]).exit_code == 1
    assert calls == []
    assert _dump(env["dbfile"], skip_sweep_columns=True) == before

    victim = env["tree"] / "pc" / "letter_eucjp.txt"
    victim.unlink()
    runner.invoke(main, env["sweep"])
    rec = export(env)
    assert str(victim) not in rec or not [v for v in rec[str(victim)]["violations"] if v["status"] == "open"]


def test_no_planted_value_in_database_or_logs(env):
    CliRunner().invoke(main, env["sweep"])
    dump = "\n".join(sqlite3.connect(env["dbfile"]).iterdump())
    logs = env["log"].read_text(encoding="utf-8")
    assert "sweep_finished" in logs
    for p in PEOPLE:
        for form in (p.pension_number, p.pension_hyphenated, _fw(p.pension_hyphenated), p.name,
                     p.surname + p.given):
            assert form not in dump, form
            assert form not in logs, form
        # the six-digit serial alone, as a number of its own: inside a hash's hex digits or a
        # nanosecond mtime it turns up by chance now and then, and is no leak
        serial = re.compile(rf"(?<![0-9A-Fa-f]){p.pension_number[4:]}(?![0-9A-Fa-f])")
        assert serial.search(dump) is None and serial.search(logs) is None, p.pension_number[4:]


def test_database_file_is_private(env):
    CliRunner().invoke(main, env["sweep"])
    assert os.stat(env["dbfile"]).st_mode & 0o077 == 0


def test_bad_config_is_exit_2(env, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("no_such_setting: 1\n", encoding="utf-8")
    res = CliRunner().invoke(main, ["sweep", str(env["tree"]), "--config", str(bad)])
    assert res.exit_code == 2 and "no_such_setting" in res.output


def _dump(dbfile: Path, skip_sweep_columns: bool) -> list[tuple]:
    con = sqlite3.connect(dbfile)
    rows = []
    for (table,) in con.execute("select name from sqlite_master where type='table' and name not like 'sqlite_%'"):
        if table in ("sweeps", "alembic_version"):
            continue
        cols = [c[1] for c in con.execute(f"pragma table_info({table})")]
        keep = [c for c in cols if not (skip_sweep_columns and (c.startswith("last_seen") or c.endswith("_at")))]
        rows += [(table, *r) for r in con.execute(f"select {', '.join(keep)} from {table} order by 1")]
    return rows


def test_exit_code_ignores_dispositioned_violations(env):
    runner = CliRunner()
    assert runner.invoke(main, env["sweep"]).exit_code == 1
    ids = [str(v["id"]) for rec in export(env).values() for v in rec["violations"]]
    common = ["--db", env["db"], "--config", str(env["cfg"]), "--actor", "auditor"]
    assert runner.invoke(main, ["violations", "accept", *ids[1:], "--reason", "archive, sealed", *common]).exit_code == 0
    assert runner.invoke(main, env["sweep"]).exit_code == 1  # one is still open
    res = runner.invoke(main, ["violations", "false-positive", ids[0], "--reason", "test data", *common])
    assert res.exit_code == 0, res.output
    assert runner.invoke(main, env["sweep"]).exit_code == 0


def test_an_emptied_root_is_an_outage_not_a_mass_deletion(tmp_path):
    share = tmp_path / "mnt" / "share"
    share.mkdir(parents=True)
    roster = "\r\n".join(",".join(r) for r in fake.roster_rows(PEOPLE[:2])).encode("cp932")
    for i in range(25):
        (share / f"r{i}.csv").write_bytes(roster)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"key_file: {tmp_path / 'key'}\nworkers: 1\n", encoding="utf-8")
    args = ["sweep", str(share), "--zone", f"shared={share}", "--db", f"sqlite:///{tmp_path / 'r.db'}",
            "--config", str(cfg)]
    runner = CliRunner()
    assert runner.invoke(main, args).exit_code == 1
    for f in share.iterdir():  # the share is unmounted: its mount point is an empty folder
        f.unlink()
    res = runner.invoke(main, args)
    assert res.exit_code == 1, res.output  # nothing was closed
    assert "root_empty" in res.output
    (share / "r0.csv").write_bytes(roster)  # a real clean-up leaves the rest of the share
    (share / "other.txt").write_text("nothing", encoding="utf-8")
    runner.invoke(main, args)
    env = {"db": f"sqlite:///{tmp_path / 'r.db'}", "cfg": cfg}
    open_now = [v for rec in export(env).values() for v in rec["violations"] if v["status"] == "open"]
    assert len(open_now) == 2  # r0.csv's two shared-zone violations; the 24 deleted files closed


def test_a_single_file_can_be_swept(env):
    roster = env["tree"] / "pc" / "letter_eucjp.txt"  # local: no share root to judge it within
    res = CliRunner().invoke(main, ["sweep", str(roster), "--db", env["db"], "--config", str(env["cfg"])])
    assert res.exit_code == 1, res.output
    record = export(env)[str(roster)]
    assert record["outcome"] == "findings", record
    assert [v["policy"] for v in record["violations"]] == ["local-disk-forbidden"]


def test_an_archive_with_an_unread_member_is_a_listed_problem_not_clean(env):
    from tests.scanner import office_samples as samples

    mixed = env["tree"] / "share" / "mixed.zip"
    mixed.write_bytes(samples.zip_aes({"secret.docx": samples.docx(["議事録"])}, plain={"open.txt": "議事録"}))
    res = CliRunner().invoke(main, env["sweep"])
    assert res.exit_code == 1, res.output
    record = export(env)[str(mixed)]
    assert (record["outcome"], record["encrypted"], record["violations"]) == ("encrypted", True, [])
    with sqlite3.connect(env["dbfile"]) as con:
        [coverage] = con.execute("SELECT coverage FROM sweeps").fetchone()
    listed = {p["path"]: p for p in json.loads(coverage)["problems"]}
    assert listed[str(mixed)]["reason"] == "not read: secret.docx (encrypted: zip-aes)"


def _rules_without_dropped_zero(tmp_path: Path) -> Path:
    """The shipped rules as they were before pension numbers with a dropped zero were found."""
    import shutil

    from rules import default_rules_dir

    old = tmp_path / "old-rules"
    shutil.copytree(default_rules_dir(), old)
    rule = old / "detectors" / "pension_number.yaml"
    lines = rule.read_text(encoding="utf-8").splitlines(keepends=True)
    # (and the kanji-numeral example under a header: a column is read for it by those patterns' scope)
    dropped = ("leading_zero_dropped", '"123456789", header: 基礎年金番号, min_confidence', "１２３４５６７８９",
               '"一二三四五六七八九〇", header: 基礎年金番号')
    rule.write_text("".join(line for line in lines if not any(d in line for d in dropped)), encoding="utf-8")
    return old


def test_unchanged_files_are_read_again_under_new_rules(env, tmp_path, monkeypatch):
    saved = env["tree"] / "pc" / "excel_saved.csv"  # 0123456789 as Excel writes it back
    saved.write_bytes("氏名,基礎年金番号\r\n架空 太郎,123456789\r\n".encode("cp932"))
    runner = CliRunner()
    old_sweep = [*env["sweep"], "--rules", str(_rules_without_dropped_zero(tmp_path))]
    runner.invoke(main, old_sweep)
    assert str(saved) not in pension_counts(export(env))  # the old rules miss it

    import agent.pipeline as pipeline

    calls: list[object] = []
    real = pipeline.scan_file
    monkeypatch.setattr(pipeline, "scan_file", lambda *a, **k: calls.append(a) or real(*a, **k))
    res = runner.invoke(main, env["sweep"])  # the shipped rules, files untouched
    files = len(env["expected"]) + 1
    assert len(calls) == files
    assert f"read again under changed detector rules: {files} known file(s)" in res.output
    assert pension_counts(export(env))[str(saved)] == 1

    calls.clear()
    res = runner.invoke(main, env["sweep"])  # the same rules again: nothing read
    assert calls == [] and "read again" not in res.output


def _open_violations(env) -> dict[str, list[str]]:
    return {path: sorted(v["policy"] for v in rec["violations"] if v["status"] == "open")
            for path, rec in export(env).items() if any(v["status"] == "open" for v in rec["violations"])}


def test_a_share_reached_through_a_symlink_is_one_place(tmp_path):
    # /mnt/share -> /srv/share: both spellings name the same files, once each in the register
    real = tmp_path / "srv" / "share"
    real.mkdir(parents=True)
    (real / "roster.csv").write_bytes("\r\n".join(",".join(r) for r in fake.roster_rows(PEOPLE[:2])).encode("cp932"))
    link = tmp_path / "mnt" / "share"
    link.parent.mkdir()
    link.symlink_to(real, target_is_directory=True)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"key_file: {tmp_path / 'key'}\nworkers: 1\n", encoding="utf-8")
    env = {"db": f"sqlite:///{tmp_path / 'r.db'}", "cfg": cfg}
    common = ["--db", env["db"], "--config", str(cfg), "--quiet"]
    runner = CliRunner()
    # the zone is named through the link too
    assert runner.invoke(main, ["sweep", str(link), "--zone", f"shared={link}", *common]).exit_code == 1
    assert runner.invoke(main, ["sweep", str(real), "--zone", f"shared={link}", *common]).exit_code == 1
    assert _open_violations(env) == {
        str(real / "roster.csv"): ["shared-requires-access-restriction", "shared-requires-password"]}


def test_files_recorded_under_a_root_that_became_a_symlink_are_closed_once(tmp_path):
    # a register kept the old spelling; the share has since moved behind a symlink
    old = tmp_path / "share"
    old.mkdir()
    (old / "roster.csv").write_bytes("\r\n".join(",".join(r) for r in fake.roster_rows(PEOPLE[:2])).encode("cp932"))
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"key_file: {tmp_path / 'key'}\nworkers: 1\n", encoding="utf-8")
    env = {"db": f"sqlite:///{tmp_path / 'r.db'}", "cfg": cfg}
    args = ["sweep", str(old), "--db", env["db"], "--config", str(cfg), "--quiet"]
    runner = CliRunner()
    assert runner.invoke(main, args).exit_code == 1
    moved = tmp_path / "srv" / "share"
    moved.parent.mkdir()
    old.rename(moved)
    old.symlink_to(moved, target_is_directory=True)
    res = runner.invoke(main, args)
    assert res.exit_code == 1, res.output
    assert _open_violations(env) == {str(moved / "roster.csv"): ["local-disk-forbidden"]}
    assert "1 opened, 1 closed" in res.output


def test_a_scan_named_by_its_number_is_found_and_the_log_masks_the_number(tmp_path):
    from agent import fakedocs

    share = tmp_path / "share"
    share.mkdir()
    person = PEOPLE[7]
    scan = share / f"年金手帳_{person.pension_hyphenated}.pdf"  # a picture: no text to read
    scan.write_bytes(fakedocs.pdf_image_only())
    log = tmp_path / "log.jsonl"
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"key_file: {tmp_path / 'key'}\nlog_file: {log}\nworkers: 1\n", encoding="utf-8")
    env = {"db": f"sqlite:///{tmp_path / 'r.db'}", "cfg": cfg}
    res = CliRunner().invoke(main, ["sweep", str(share), "--zone", f"shared={share}", "--db", env["db"],
                                    "--config", str(cfg), "--quiet"])
    assert res.exit_code == 1, res.output
    record = export(env)[str(scan)]
    assert record["outcome"] == "findings"
    assert [f["detector"] for f in record["findings"]] == ["pension_number"]
    assert {v["policy"] for v in record["violations"]} == {"shared-requires-password",
                                                           "shared-requires-access-restriction"}
    logs = log.read_text(encoding="utf-8")
    assert "file_findings" in logs and "年金手帳_####-######.pdf" in logs
    assert person.pension_hyphenated not in logs and person.pension_number[4:] not in logs


def test_a_password_zip_of_named_scans_is_protected_and_still_has_findings(tmp_path):
    from agent import fakedocs

    share = tmp_path / "share"
    share.mkdir()
    person = PEOPLE[8]
    (share / "送付.zip").write_bytes(fakedocs.zip_aes({f"{person.pension_hyphenated}_{person.surname}{person.given}.pdf": b"%PDF"}))
    share.chmod(0o755)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"key_file: {tmp_path / 'key'}\nworkers: 1\n", encoding="utf-8")
    env = {"db": f"sqlite:///{tmp_path / 'r.db'}", "cfg": cfg}
    CliRunner().invoke(main, ["sweep", str(share), "--zone", f"shared={share}", "--db", env["db"],
                              "--config", str(cfg), "--quiet"])
    record = export(env)[str(share / "送付.zip")]
    assert (record["outcome"], record["encrypted"]) == ("findings", True)
    assert sorted(f["detector"] for f in record["findings"]) == ["pension_number", "person_name"]
    assert "shared-requires-password" not in {v["policy"] for v in record["violations"]}


def test_an_exclusion_named_through_a_symlink_still_excludes(tmp_path):
    real = tmp_path / "srv" / "share"
    (real / "tmp").mkdir(parents=True)
    roster = "\r\n".join(",".join(r) for r in fake.roster_rows(PEOPLE[:2])).encode("cp932")
    (real / "tmp" / "roster.csv").write_bytes(roster)
    (real / "roster.csv").write_bytes(roster)
    link = tmp_path / "mnt"
    link.symlink_to(tmp_path / "srv", target_is_directory=True)
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"key_file: {tmp_path / 'key'}\nworkers: 1\nexclude: ['{link}/share/tmp/*']\n", encoding="utf-8")
    env = {"db": f"sqlite:///{tmp_path / 'r.db'}", "cfg": cfg}
    res = CliRunner().invoke(main, ["sweep", str(link / "share"), "--db", env["db"], "--config", str(cfg)])
    assert "excluded 1" in res.output, res.output
    assert set(export(env)) == {str(real / "roster.csv")}


def test_an_unchanged_symlink_or_fifo_is_marked_seen_not_recorded_again(tmp_path):
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "memo.txt").write_text("会議の議事録です。\n", encoding="utf-8")
    (tree / "a.txt").write_text("a\n", encoding="utf-8")
    (tree / "b.txt").write_text("b\n", encoding="utf-8")
    (tree / "link").symlink_to(tree / "a.txt")
    os.mkfifo(tree / "pipe")
    db = tmp_path / "reg.db"
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text(f"key_file: {tmp_path / 'key'}\nworkers: 1\n", encoding="utf-8")
    sweep = ["sweep", str(tree), "--db", f"sqlite:///{db}", "--config", str(cfg), "--quiet"]

    def rows() -> dict[str, tuple]:
        con = sqlite3.connect(db)
        try:
            return {Path(p).name: (outcome, reason, scanned, seen) for p, outcome, reason, scanned, seen in con.execute(
                "select path, outcome, reason, last_scanned_sweep, last_seen_sweep from files where present")}
        finally:
            con.close()

    for _ in range(2):
        result = CliRunner().invoke(main, sweep)
        assert result.exit_code == 0, result.output
    second = rows()
    assert second["link"][0] == second["pipe"][0] == "unsupported"
    assert second["link"][2:] == (1, 2) and second["pipe"][2:] == (1, 2)  # seen by sweep 2, recorded by sweep 1
    assert "2 unsupported" in result.output or "unsupported 2" in result.output  # still counted as what they are

    (tree / "link").unlink()
    (tmp_path / "elsewhere.txt").write_text("x\n", encoding="utf-8")
    (tree / "link").symlink_to(tmp_path / "elsewhere.txt")  # a new link, out of the tree: recorded again
    assert CliRunner().invoke(main, sweep).exit_code == 0
    third = rows()
    assert third["link"][2:] == (3, 3) and "elsewhere.txt" in third["link"][1] != second["link"][1]
    assert third["pipe"][2:] == (1, 3)
