"""Archive extraction: member locations, CP932 names, encrypted members, bombs and limits."""

from __future__ import annotations

import time

import pytest

from scanner.errors import CorruptFile, Encrypted, LimitExceeded, ScanTimeout
from scanner.extract import ScanContext, Source, extract
from scanner.limits import Deadline, ScanLimits
from scanner.model import Block, NameBlock, Outcome, PartNote, TableBlock
from tests.scanner import office_samples as samples

LETTER = samples.docx(["基礎年金番号 1234-567890"])


def _extract(name: str, data: bytes, limits: ScanLimits | None = None) -> list[Block | PartNote]:
    return list(extract(Source.from_bytes(name, data), ScanContext(limits or ScanLimits(), Deadline(30))))


def _wheres(items: list[Block | PartNote]) -> list[str]:
    """Where each member's content is (its NameBlock, its own path, left out)."""
    return [i.where for i in items if not isinstance(i, PartNote | NameBlock)]


def test_nested_zip_locations_name_the_member_path() -> None:
    inner = samples.zip_bytes({"名簿.xlsx": samples.xlsx_roster(1)})
    outer = samples.zip_bytes({"inner.zip": inner, "letter.docx": LETTER})
    items = _extract("outer.zip", outer)
    assert "letter.docx!word/document.xml" in _wheres(items)
    roster = [i for i in items if isinstance(i, TableBlock) and i.where == "inner.zip!名簿.xlsx!名簿"]
    assert roster and roster[-1].headers[1] == "氏名"


def test_cp932_member_names_without_utf8_flag() -> None:
    items = _extract("sjis.zip", samples.zip_bytes({"年金/名簿一覧.docx": LETTER}, cp932_names=True))
    assert [(i.text, i.where) for i in items if isinstance(i, NameBlock)] == [("年金/名簿一覧.docx", "年金/名簿一覧.docx!path")]
    assert _wheres(items) == ["年金/名簿一覧.docx!word/document.xml"]


def test_some_members_encrypted_become_part_notes() -> None:
    data = samples.zip_aes({"secret.docx": LETTER}, plain={"open.docx": "x"})
    items = _extract("mixed.zip", data)
    notes = [i for i in items if isinstance(i, PartNote)]
    assert notes == [PartNote("secret.docx", Outcome.ENCRYPTED, "zip-aes", encrypted=True)]
    assert "open.docx" in _wheres(items)  # the readable member is still scanned


def test_all_members_encrypted_is_encrypted() -> None:
    with pytest.raises(Encrypted, match="zip-aes"):
        _extract("secret.zip", samples.zip_aes({"a.docx": LETTER, "b.docx": LETTER}))
    with pytest.raises(Encrypted, match="zip-zipcrypto"):
        _extract("legacy.zip", samples.zip_flag_encrypted({"a.docx": LETTER}))


def test_7z_members_and_encryption() -> None:
    assert _wheres(_extract("a.7z", samples.sevenzip({"dir/letter.docx": LETTER}))) == [
        "dir/letter.docx!word/document.xml"]
    with pytest.raises(Encrypted, match="7z-aes$"):
        _extract("b.7z", samples.sevenzip({"a.docx": LETTER}, password="pw"))
    with pytest.raises(Encrypted, match="7z-aes-header"):
        _extract("c.7z", samples.sevenzip({"a.docx": LETTER}, password="pw", header_encryption=True))


@pytest.mark.parametrize("mode", ["w", "w:gz", "w:bz2", "w:xz"])
def test_tar_variants(mode: str) -> None:
    items = _extract("a.tar", samples.tar_bytes({"d/letter.docx": LETTER}, mode))
    assert _wheres(items) == ["d/letter.docx!word/document.xml"]


def test_single_gz_member_is_named_without_suffix() -> None:
    import gzip

    items = _extract("letter.docx.gz", gzip.compress(LETTER))
    assert _wheres(items) == ["letter.docx!word/document.xml"]


def test_corrupt_member_is_a_part_note_and_the_archive_goes_on() -> None:
    broken = samples.docx(body_xml="<w:document><unclosed")
    items = _extract("two.zip", samples.zip_bytes({"bad.docx": broken, "good.docx": LETTER}))
    notes = [i for i in items if isinstance(i, PartNote)]
    assert len(notes) == 1 and notes[0].where == "bad.docx" and notes[0].outcome == Outcome.ERROR
    assert "good.docx!word/document.xml" in _wheres(items)


def test_ratio_bomb_stops_before_decompressing() -> None:
    started = time.monotonic()
    with pytest.raises(LimitExceeded, match="archive_max_ratio"):
        _extract("bomb.zip", samples.zip_ratio_bomb())
    assert time.monotonic() - started < 5


def test_overlapping_entries_bomb() -> None:
    with pytest.raises(LimitExceeded, match="overlapping"):
        _extract("overlap.zip", samples.zip_overlap_bomb())


def test_gz_bomb_stopped_by_ratio_while_streaming() -> None:
    import gzip

    with pytest.raises(LimitExceeded, match="archive_max_ratio"):
        _extract("zeros.gz", gzip.compress(b"\0" * (8 << 20)))


def test_member_count_limit() -> None:
    many = samples.zip_bytes({f"{i}.docx": "x" for i in range(20)})
    with pytest.raises(LimitExceeded, match="archive_max_members"):
        _extract("many.zip", many, ScanLimits(archive_max_members=10))


def test_total_bytes_limit_uses_declared_sizes() -> None:
    data = samples.zip_bytes({"a.bin": bytes(range(256)) * 400})
    with pytest.raises(LimitExceeded, match="archive_max_total_bytes"):
        _extract("big.zip", data, ScanLimits(archive_max_total_bytes=50_000))


def test_nesting_depth_limit() -> None:
    data = LETTER
    for level in range(4):
        data = samples.zip_bytes({f"level{level}.zip" if level else "letter.docx": data})
    with pytest.raises(LimitExceeded, match="archive_max_depth"):
        _extract("deep.zip", data, ScanLimits(archive_max_depth=2))


def test_deadline_ends_the_archive() -> None:
    ctx = ScanContext(ScanLimits(), Deadline(-1))
    with pytest.raises(ScanTimeout):
        list(extract(Source.from_bytes("a.zip", samples.zip_bytes({"a.docx": LETTER})), ctx))


def test_truncated_zip_is_corrupt() -> None:
    data = samples.zip_bytes({"a.docx": LETTER, "b.docx": LETTER})
    with pytest.raises(CorruptFile):
        _extract("cut.zip", data[: len(data) - 30])
