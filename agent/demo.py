"""`pii-agent demo`: a folder of fake office files, swept, so a new user sees it all work."""

from __future__ import annotations

import csv
import io
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import click

from . import fakedata as fake

DemoFile = Callable[[Path], None]


def _csv_bytes(rows: list[list[str]], encoding: str, delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def write_demo_tree(base: Path) -> dict[str, Path]:
    """The share and PC folders, with rosters, letters and decoys; returns the zone roots."""
    share, pc = base / "share", base / "pc"
    restricted = share / "人事課_限定"
    for d in (share, pc, restricted):
        d.mkdir(parents=True, exist_ok=True)
    roster = fake.people(120, seed=1)
    few = fake.people(5, seed=2)
    someone = fake.people(1, seed=3)[0]
    staff = fake.people(30, seed=4)
    files: dict[Path, bytes] = {
        # The 2015 case: a big roster in a shared folder, no password, readable by all.
        share / "年金受給者名簿.csv": _csv_bytes(fake.roster_rows(roster), "cp932"),
        # Access-restricted folder, but still no password.
        restricted / "被保険者一覧.csv": _csv_bytes(fake.roster_rows(few), "utf-8-sig"),
        # Decoys: names with phone numbers, product codes in the 4-6 shape.
        share / "内線電話帳.csv": _csv_bytes(fake.phone_rows(staff), "cp932"),
        share / "商品一覧.csv": _csv_bytes(fake.product_rows(50), "utf-8"),
        share / "議事録.txt": "第3回会議\n日時：令和5年4月1日\n上田駅前の会場で実施。受注番号 4821-339201 の件を確認。\n".encode(),
        # A letter left on a PC, in Excel's "Unicode text" encoding.
        pc / "お知らせ_控え.txt": (
            f"{someone.name}　様\n\nあなたの基礎年金番号は {someone.pension_hyphenated} です。\n"
            f"生年月日：{someone.birth_era}\n"
        ).encode("utf-16"),
        # A memo in EUC-JP with a full-width number.
        pc / "作業メモ.txt": (
            "年金番号の照会（至急）\n"
            + f"{someone.name}　{_fullwidth(someone.pension_hyphenated).replace('－', 'ー')}\n"
        ).encode("euc-jp"),
        pc / "社員名簿.csv": _csv_bytes(fake.employee_rows(staff), "cp932"),
        # Opened in Excel and saved again: numbers that began with 0 lost it (0123456789 -> 123456789).
        pc / "照会結果_Excel保存.csv": _csv_bytes(_excel_saved_rows(fake.people(12, seed=8)), "cp932"),
        # A mail saved from the mailer: a JIS body, the roster attached in base64.
        pc / "受信メール_名簿送付.eml": _mail_with_roster(fake.people(6, seed=9)),
    }
    files.update(_office_files(share, pc))
    for path, data in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    os.chmod(restricted, 0o750)
    return {"shared": share, "local": pc}


def _office_files(share: Path, pc: Path) -> dict[Path, bytes]:
    """Excel, Word, ZIP and password-protected files, built without Office."""
    from . import fakedocs

    roster = fake.roster_rows(fake.people(40, seed=5))
    workbook = fakedocs.xlsx_from_rows({"表紙": [["年金受給者名簿"]], "名簿": [["被保険者名簿"], [], *roster]})
    someone = fake.people(1, seed=6)[0]
    letter = fakedocs.docx(paragraphs=[f"{someone.name}　様", "年金の手続きについてお知らせします。"],
                           tables=[[["基礎年金番号", "生年月日"], [someone.pension_hyphenated, someone.birth_era]]])
    csv_roster = _csv_bytes(fake.roster_rows(fake.people(25, seed=7)), "cp932")
    applicant = fake.people(1, seed=9)[0]  # a 方眼紙 form: the number typed one digit to a box
    form = fakedocs.xlsx_from_rows({"様式": [["年金請求書（控え）"], ["氏名", "", applicant.name],
                                             ["基礎年金番号", "", *applicant.pension_hyphenated]]})
    scanned = fake.people(1, seed=8)[0]  # a picture of the 年金手帳, named by its number and owner
    scan_name = f"{scanned.pension_hyphenated}_{scanned.surname}{scanned.given}.pdf"
    return {
        pc / "年金手帳_写し" / scan_name: fakedocs.pdf_image_only(),  # no text: its path is the finding
        pc / "年金請求書_控え.xlsx": form,
        share / "被保険者名簿.xlsx": workbook,  # the roster is on sheet 2, under a title row
        share / "名簿_パスワード付.xlsx": fakedocs.encrypt_ooxml(workbook, "demo-password"),  # encrypted: allowed
        share / "送付用" / "受給者一覧.zip": fakedocs.zip_bytes({"受給者一覧.csv": csv_roster}, cp932_names=True),
        pc / "通知書_控え.docx": letter,
    }


def _excel_saved_rows(people: list[fake.FakePerson]) -> list[list[str]]:
    """A pension query list whose numbers begin with 0, as Excel saves it: without the zero."""
    rows = [["照会日", "氏名", "基礎年金番号"]]
    rows += [["2024/4/1", p.name, str(int("0" + p.pension_number[1:]))] for p in people if p.pension_number[1] != "0"]
    return rows


def _mail_with_roster(people: list[fake.FakePerson]) -> bytes:
    from email.mime.application import MIMEApplication
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    mail = MIMEMultipart()
    mail["From"], mail["To"] = "nenkin-kakari@example.jp", "somu@example.jp"
    mail["Subject"], mail["Date"] = "受給者名簿の送付", "Mon, 01 Apr 2024 09:00:00 +0900"
    mail.attach(MIMEText("総務課 御中\n\n受給者名簿を添付します。\n", "plain", "iso-2022-jp"))
    attachment = MIMEApplication(_csv_bytes(fake.roster_rows(people), "cp932"))
    attachment.add_header("Content-Disposition", "attachment", filename=("utf-8", "", "受給者名簿.csv"))
    mail.attach(attachment)
    return mail.as_bytes()


def _fullwidth(text: str) -> str:
    return text.translate(str.maketrans("0123456789-", "０１２３４５６７８９－"))


def run_demo(directory: str | None, db_url: str | None) -> int:
    from .cli import main

    base = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="pii-agent-demo-"))
    base.mkdir(parents=True, exist_ok=True)
    zones = write_demo_tree(base)
    db = db_url or f"sqlite:///{(base / 'demo.db').resolve()}"
    key = base / "demo-hmac.key"
    config = base / "demo-config.yaml"
    config.write_text(f"key_file: {key}\nlog_file: {base / 'demo-log.jsonl'}\n", encoding="utf-8")
    print(f"Demo folder: {base}\n  shared zone: {zones['shared']}\n  local zone:  {zones['local']}\n  register:    {db}\n")
    args = ["sweep", str(zones["shared"]), str(zones["local"]), "--zone", f"shared={zones['shared']}",
            "--zone", f"local={zones['local']}", "--db", db, "--config", str(config), "--quiet"]
    code = _invoke(main, args)
    print("\nFindings (pii-agent findings --db ...):")
    _invoke(main, ["findings", "--db", db, "--config", str(config), "--format", "table"])
    print(f"\nTry: pii-agent findings --db {db} --format jsonl")
    return 0 if code in (0, 1) else code


def _invoke(cmd: click.Command, args: list[str]) -> int:
    try:
        cmd.main(args, standalone_mode=False)
    except SystemExit as e:
        return int(e.code or 0)
    except click.ClickException as e:
        e.show()
        return e.exit_code
    sys.stdout.flush()
    return 0
