"""Saved e-mail: bodies decoded from base64 and ISO-2022-JP, attachments scanned as files."""

from __future__ import annotations

from email.message import EmailMessage
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from agent import fakedata
from scanner.detect import Engine, load_engine
from scanner.extract import Source, sniff
from scanner.model import Confidence, Outcome, ScanResult
from scanner.scan import scan_source
from tests.scanner import office_samples as samples

ROSTER_CSV = "氏名,基礎年金番号\r\n山田 太郎,1234-567890\r\n佐藤 花子,2345-678901\r\n".encode("cp932")


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def _scan(engine: Engine, data: bytes, name: str = "受信/送付の件.eml") -> ScanResult:
    return scan_source(Source.from_bytes(name, data), engine)


def _pension(result: ScanResult) -> set[tuple[str, str]]:
    return {(f.location, f.masked) for f in result.findings
            if f.detector == "pension_number" and f.confidence >= Confidence.MEDIUM}


def _mail(body: str, *attachments: tuple[str, bytes], charset: str = "iso-2022-jp") -> bytes:
    msg = MIMEMultipart()
    msg["From"] = "jimu@example.jp"
    msg["To"] = "somu@example.jp"
    msg["Subject"] = "名簿の送付"
    msg["Date"] = "Fri, 27 Nov 2026 09:00:00 +0900"
    msg.attach(MIMEText(body, "plain", charset))
    for name, data in attachments:
        part = MIMEApplication(data)  # base64
        part.add_header("Content-Disposition", "attachment", filename=("utf-8", "", name))
        msg.attach(part)
    return msg.as_bytes()


def test_jis_body_is_read(engine: Engine) -> None:
    data = _mail("山田 太郎 様\n基礎年金番号：１２３４−５６７８９０\n")
    assert b"1234" not in data  # full-width digits in JIS: nothing for a byte pattern
    result = _scan(engine, data)
    assert result.file_type == "eml" and result.outcome == Outcome.FINDINGS
    assert _pension(result) == {("body 1:line 2", "1234-****90")}


def test_base64_attachments_are_scanned_as_files(engine: Engine) -> None:
    other = ROSTER_CSV.replace(b"1234-567890", b"3456-789012").replace(b"2345-678901", b"4567-890123")
    zipped = samples.zip_bytes({"名簿.csv": other}, cp932_names=True)
    data = _mail("添付のとおり送付します。", ("被保険者名簿.csv", ROSTER_CSV), ("送付.zip", zipped))
    assert b"567890" not in data
    result = _scan(engine, data)
    assert _pension(result) == {
        ("被保険者名簿.csv!B2", "1234-****90"), ("被保険者名簿.csv!B3", "2345-****01"),
        ("送付.zip!名簿.csv!B2", "3456-****12"), ("送付.zip!名簿.csv!B3", "4567-****23")}


def test_html_body_loses_its_tags(engine: Engine) -> None:
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "jimu@example.jp", "照会"
    msg.set_content("<html><body><table><tr><td>基礎年金番号</td><td><b>1234-567890</b></td></tr>"
                    "</table><p>山田&nbsp;太郎 様</p></body></html>", subtype="html", cte="base64")
    result = _scan(engine, msg.as_bytes())
    assert _pension(result) == {("body 1 table 1!B1", "1234-****90")}


def test_a_table_in_an_html_body_heads_every_row(engine: Engine) -> None:
    # a 照会結果 pasted into a mail as a table: the header is far above most numbers
    people = fakedata.people(40, seed=3)
    rows = "".join(f"<tr><td>{i}</td><td>{p.pension_hyphenated}</td><td>{i * 1000}</td></tr>"
                   for i, p in enumerate(people, start=1))
    msg = EmailMessage()
    msg["From"], msg["Subject"] = "jimu@example.jp", "照会結果"
    msg.set_content("<html><body><p>照会結果をお送りします。</p><table><tr><th>No</th><th>基礎年金番号</th>"
                    f"<th>支給額</th></tr>{rows}</table></body></html>", subtype="html")
    result = _scan(engine, msg.as_bytes())
    assert len(_pension(result)) == 40 == len({f.value_hash for f in result.findings})
    assert ("body 1 table 1!B41", people[-1].pension_hyphenated[:5] + "****" + people[-1].pension_hyphenated[-2:]) \
        in _pension(result)


def test_encrypted_and_unknown_attachments_are_named(engine: Engine) -> None:
    data = _mail("暗号化した名簿を送ります。", ("名簿.zip", samples.zip_aes({"名簿.csv": ROSTER_CSV})),
                 ("winmail.dat", b"\x78\x9f\x3e\x22" + bytes(range(256)) * 4))
    result = _scan(engine, data)
    assert result.outcome != Outcome.CLEAN
    assert "名簿.zip" in result.reason and "winmail.dat" in result.reason


def test_a_plain_text_file_is_not_taken_for_mail() -> None:
    memo = Source.from_bytes("memo.txt", "From: 総務課\n本日の会議の件。\n".encode())
    assert sniff(memo).name == "text"  # one header-like line is not a mail
    saved = Source.from_bytes("message.txt", b"Received: by x\r\nFrom: a@b\r\nSubject: x\r\n\r\nbody\r\n")
    assert sniff(saved).name == "eml"


def test_a_roster_typed_into_a_plain_body_is_a_table(engine: Engine) -> None:
    people = fakedata.people(30, seed=5)
    body = ("総務課 御中\n\n照会のあった方の番号です。\n\n氏名　基礎年金番号\n"
            + "".join(f"{p.name}　{p.pension_number}\n" for p in people) + "\n以上\n")
    result = _scan(engine, _mail(body, charset="utf-8"))
    assert len(_pension(result)) == 30  # plain numbers beside names: the header heads them all
    assert all(loc.startswith("body 1!") for loc, _ in _pension(result))


def _web_archive(sheets: dict[str, str], charset: str = "shift_jis") -> bytes:
    """A web archive as Excel saves a workbook ("single file web page"): MIME, each sheet a
    quoted-printable HTML part named by Content-Location, no mail header at all."""
    import quopri

    boundary = "----=_NextPart_01DA2B3C.4D5E6F70"
    parts = ["MIME-Version: 1.0\r\nX-Document-Type: Workbook\r\n"
             f'Content-Type: multipart/related; boundary="{boundary}"\r\n\r\n'
             "This document is a Single File Web Page, also known as a Web Archive file.\r\n"]
    for name, html in sheets.items():
        body = quopri.encodestring(html.encode(charset)).decode("ascii")
        parts.append(f"--{boundary}\r\nContent-Location: file:///C:/0A1B/book.files/{name}\r\n"
                     f'Content-Transfer-Encoding: quoted-printable\r\nContent-Type: text/html; charset="{charset}"\r\n\r\n'
                     f"{body}\r\n")
    parts.append(f"--{boundary}--\r\n")
    return "".join(parts).encode("ascii")


@pytest.mark.parametrize("name", ["名簿.mht", "名簿.mhtml"])
def test_a_web_archive_of_a_workbook_is_read_sheet_by_sheet(engine: Engine, name: str) -> None:
    sheet = ("<html><body><table><tr><td>氏名</td><td>基礎年金番号</td></tr>"
             "<tr><td>山田 太郎</td><td>1234-567890</td></tr></table></body></html>")
    other = sheet.replace("1234", "2345").replace("山田 太郎", "佐藤 花子")
    result = _scan(engine, _web_archive({"sheet001.htm": sheet, "sheet002.htm": other}), name)
    # as text its quoted-printable Shift_JIS hid the header and the names: one bare number, low
    assert _pension(result) == {("sheet001.htm table 1!B2", "1234-****90"), ("sheet002.htm table 1!B2", "2345-****90")}
    assert {f.location for f in result.findings if f.detector == "person_name"} == {
        "sheet001.htm table 1!A2", "sheet002.htm table 1!A2"}
