"""A file with parts that were not read is never `clean`: it takes the outcome of its most
serious unread part, or stays `findings`, and its reason names what was not read."""

from __future__ import annotations

import pytest

from scanner.detect import Engine, load_engine
from scanner.extract import Source
from scanner.model import Outcome, PartNote, ScanResult
from scanner.parts import settle_parts
from scanner.scan import scan_source
from tests.scanner import office_samples as samples

ROSTER_LETTER = samples.docx(["基礎年金番号 1234-567890 山田太郎"])
MINUTES = samples.docx(["議事録: 予算案について"])
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def scan(engine: Engine, name: str, data: bytes) -> ScanResult:
    return scan_source(Source.from_bytes(name, data), engine)


def test_a_zip_whose_readable_members_are_clean_but_one_is_encrypted_is_encrypted(engine: Engine) -> None:
    result = scan(engine, "mixed.zip", samples.zip_aes({"secret.docx": ROSTER_LETTER}, plain={"open.docx": "議事録"}))
    assert result.outcome == Outcome.ENCRYPTED
    assert (result.encrypted, result.protection) == (True, "zip-aes")
    assert result.reason == "not read: secret.docx (encrypted: zip-aes)"


def test_findings_beside_an_encrypted_member_stay_findings_and_say_what_was_not_read(engine: Engine) -> None:
    data = samples.zip_aes({"secret.docx": MINUTES}, plain={"roster.txt": "基礎年金番号 1234-567890 山田太郎"})
    result = scan(engine, "mixed.zip", data)
    assert result.outcome == Outcome.FINDINGS and not result.encrypted
    assert "secret.docx (encrypted: zip-aes)" in result.reason


def test_a_member_of_no_readable_kind_makes_the_archive_unsupported(engine: Engine) -> None:
    result = scan(engine, "photos.zip", samples.zip_bytes({"scan.png": PNG, "minutes.docx": MINUTES}))
    assert result.outcome == Outcome.UNSUPPORTED
    assert result.reason.startswith("not read: scan.png (unsupported: ")


def test_the_most_serious_unread_part_decides(engine: Engine) -> None:
    broken = b"PK\x03\x04" + b"\x00" * 60  # a zip header and nothing behind it
    data = samples.zip_bytes({"a.png": PNG, "broken.docx": broken, "minutes.docx": MINUTES})
    result = scan(engine, "mixed.zip", data)
    assert result.outcome == Outcome.ERROR
    assert result.reason.startswith("not read: broken.docx (error: ")
    assert "a.png (unsupported: " in result.reason  # the lesser one is still named


def test_text_decoded_with_replacement_was_read_and_stays_clean_with_a_reason(engine: Engine) -> None:
    # the landline gets the text past the prefilter; it is a decoy, not a finding
    data = ("会議の議事録です。TEL 0312345678\n" * 50).encode("cp932") + b"\x81\x20" + "以上".encode("cp932")
    result = scan(engine, "minutes.txt", data)
    assert result.outcome == Outcome.CLEAN
    assert result.reason.startswith("read with problems: the file (encoding: ")


def test_an_image_only_page_beside_text_pages_is_not_clean(engine: Engine) -> None:
    result = settle_parts(ScanResult(Outcome.CLEAN, parts=[
        PartNote("page 2", Outcome.UNSUPPORTED, "image-only page (no text layer)")]))
    assert (result.outcome, result.reason) == (
        Outcome.UNSUPPORTED, "not read: page 2 (unsupported: image-only page (no text layer))")


def test_the_reason_names_three_parts_and_counts_the_rest() -> None:
    parts = [PartNote(f"m{i}.docx", Outcome.ENCRYPTED, "zip-aes", encrypted=True) for i in range(5)]
    result = settle_parts(ScanResult(Outcome.CLEAN, parts=parts))
    assert result.reason == ("not read: m0.docx (encrypted: zip-aes); m1.docx (encrypted: zip-aes); "
                             "m2.docx (encrypted: zip-aes) and 2 more")


def test_a_stopped_file_keeps_its_own_outcome_and_reason() -> None:
    result = settle_parts(ScanResult(Outcome.TIMEOUT, reason="per-file time limit of 1s exceeded",
                                     parts=[PartNote("a.docx", Outcome.ENCRYPTED, "zip-aes", encrypted=True)]))
    assert (result.outcome, result.reason, result.encrypted) == (
        Outcome.TIMEOUT, "per-file time limit of 1s exceeded", False)
