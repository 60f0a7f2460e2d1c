import json

from click.testing import CliRunner

from agent.cli import main


def test_demo_writes_and_sweeps_a_share_and_a_pc(tmp_path):
    res = CliRunner().invoke(main, ["demo", str(tmp_path / "demo")])
    assert res.exit_code == 0, res.output
    assert "shared-requires-password" in res.output
    db = f"sqlite:///{tmp_path / 'demo' / 'demo.db'}"
    out = CliRunner().invoke(main, ["findings", "--db", db, "--format", "jsonl"])
    records = {rec["path"].rsplit("/", 1)[-1]: rec for rec in map(json.loads, out.output.splitlines())}
    assert records["名簿_パスワード付.xlsx"]["outcome"] == "encrypted"
    assert records["名簿_パスワード付.xlsx"]["violations"] == []  # a password satisfies the policy
    roster = records["年金受給者名簿.csv"]
    assert {v["policy"] for v in roster["violations"]} == {
        "shared-requires-password", "shared-requires-access-restriction"}
    assert {v["severity"] for v in roster["violations"]} == {"critical"}  # 120 people
    restricted = records["被保険者一覧.csv"]
    assert [v["policy"] for v in restricted["violations"]] == ["shared-requires-password"]
    assert [v["policy"] for v in records["通知書_控え.docx"]["violations"]] == ["local-disk-forbidden"]
    assert "受給者一覧.zip" in records and records["受給者一覧.zip"]["violations"]
    excel_saved = records["照会結果_Excel保存.csv"]  # 9-digit cells: the leading zero Excel dropped
    assert [v["policy"] for v in excel_saved["violations"]] == ["local-disk-forbidden"]
    mail = records["受信メール_名簿送付.eml"]  # the roster is a base64 attachment
    assert [v["policy"] for v in mail["violations"]] == ["local-disk-forbidden"]
    [numbers] = [f for f in excel_saved["findings"] if f["detector"] == "pension_number"]
    assert numbers["count"] >= 8 and numbers["confidence"] == "high"  # a name on each row
    assert all(masked.startswith("0") for masked in numbers["masked"])
    [scan] = [rec for name, rec in records.items() if name.endswith(".pdf")]  # an image-only scan
    assert [f["detector"] for f in scan["findings"] if f["detector"] == "pension_number"] == ["pension_number"]
    assert [v["policy"] for v in scan["violations"]] == ["local-disk-forbidden"]
    form = records["年金請求書_控え.xlsx"]  # one digit to a box
    assert [v["policy"] for v in form["violations"]] == ["local-disk-forbidden"]
    for decoy in ("商品一覧.csv", "議事録.txt"):
        assert decoy not in records or not records[decoy]["violations"]
    for decoy in ("内線電話帳.csv", "社員名簿.csv"):
        assert not records.get(decoy, {}).get("violations")
