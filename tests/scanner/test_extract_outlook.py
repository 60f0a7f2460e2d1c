"""Outlook .msg: subject, body (UTF-16, 8-bit, HTML), attachments and attached mails."""

from __future__ import annotations

import io

import olefile
import pytest

from scanner.detect import Engine, load_engine
from scanner.extract import Source
from scanner.model import Confidence, Outcome, ScanResult
from scanner.scan import scan_source
from tests.scanner import office_samples as samples

ROSTER_CSV = "氏名,基礎年金番号\r\n山田 太郎,1234-567890\r\n".encode("cp932")
LETTER = "山田 太郎 様\r\n基礎年金番号：2345-678901 のお知らせ"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def _scan(engine: Engine, data: bytes) -> ScanResult:
    return scan_source(Source.from_bytes("受信/名簿送付.msg", data), engine)


def _pension(result: ScanResult) -> set[tuple[str, str]]:
    return {(f.location, f.masked) for f in result.findings
            if f.detector == "pension_number" and f.confidence >= Confidence.MEDIUM}


def test_the_writer_makes_a_compound_file_olefile_reads() -> None:
    streams = {"a": b"x", "big": bytes(range(256)) * 40, "s/t": "名簿".encode("utf-16-le")}
    ole = olefile.OleFileIO(io.BytesIO(samples.cfb_bytes(streams)))
    assert {"/".join(p): ole.openstream(p).read() for p in ole.listdir()} == streams


def test_body_and_attachment_are_read(engine: Engine) -> None:
    result = _scan(engine, samples.outlook_msg("名簿の送付", LETTER, {"被保険者名簿.csv": ROSTER_CSV}))
    assert result.file_type == "ole2" and result.outcome == Outcome.FINDINGS
    assert _pension(result) == {("body:line 2", "2345-****01"), ("被保険者名簿.csv!B2", "1234-****90")}


@pytest.mark.parametrize("variant", ["ansi", "html"])
def test_eight_bit_and_html_bodies(engine: Engine, variant: str) -> None:
    if variant == "ansi":
        data = samples.outlook_msg("照会", LETTER, ansi="cp932")
    else:
        html = "<html><body><p>山田 太郎 様</p><table><tr><td>基礎年金番号</td><td>2345-678901</td></tr></table></body></html>"
        data = samples.outlook_msg("照会", html=html)
    assert {f for _, f in _pension(_scan(engine, data))} == {"2345-****01"}


def test_an_attached_mail_is_read_with_its_own_attachments(engine: Engine) -> None:
    inner = samples.outlook_msg_streams("転送: 名簿", "転送します", {"名簿.csv": ROSTER_CSV})
    result = _scan(engine, samples.outlook_msg("Fw: 名簿", "ご確認ください", attached_mail=inner))
    assert _pension(result) == {("転送.msg!名簿.csv!B2", "1234-****90")}


def test_an_unreadable_attachment_is_named(engine: Engine) -> None:
    data = samples.outlook_msg("暗号化", "パスワードは別途", {"名簿.zip": samples.zip_aes({"a.csv": ROSTER_CSV})})
    result = _scan(engine, data)
    assert result.outcome == Outcome.ENCRYPTED and "名簿.zip" in result.reason
