"""Legacy Office beyond its text: .xls cell comments (メモ), which calamine does not read, and objects embedded in .doc and .xls."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import olefile
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.detect import load_engine
from scanner.extract import Source
from scanner.extract.xls_comments import comment_blocks
from scanner.limits import Deadline
from scanner.model import Outcome
from scanner.scan import scan_source
from tests.scanner import office_samples as samples

FIXTURE = Path(__file__).parent / "fixtures" / "comments.xls"


def test_comments_are_read_at_their_cells() -> None:
    result = scan_source(Source.from_bytes("集計.xls", FIXTURE.read_bytes()), load_engine())
    assert result.file_type == "ole2" and result.outcome == Outcome.FINDINGS
    assert {(f.location, f.masked) for f in result.findings if f.detector == "pension_number"} == {
        ("集計!B2 comment", "1234-****90"), ("集計!B3 comment", "2345-****01")}


RECORD_KINDS = [0x0809, 0x000A, 0x0085, 0x005D, 0x01B6, 0x003C, 0x001C, 0x1234]
SHEET_BOF = struct.pack("<HH", 0x0600, 0x0010)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(RECORD_KINDS), st.one_of(st.binary(max_size=40), st.just(SHEET_BOF)))),
       st.binary(max_size=8))
def test_hostile_record_streams_end_quietly(records: list[tuple[int, bytes]], tail: bytes) -> None:
    # TXOs without text or with lying lengths, NOTEs without sheets, a cut last record ...
    data = b"".join(struct.pack("<HH", kind, len(body)) + body for kind, body in records) + tail
    blocks = list(comment_blocks(data, Deadline(60)))
    assert all(isinstance(b.text, str) for b in blocks)


def _streams(data: bytes) -> dict[str, bytes]:
    ole = olefile.OleFileIO(io.BytesIO(data))
    return {"/".join(entry): ole.openstream(entry).read() for entry in ole.listdir()}


@pytest.mark.skipif(not (samples.FIXTURES / "plain.doc").exists(), reason="shared fixtures missing")
def test_objects_embedded_in_legacy_documents_are_read() -> None:
    engine = load_engine()
    # an Excel 97 sheet pasted into a Word 97 letter: a storage under ObjectPool
    letter = _streams((samples.FIXTURES / "plain.doc").read_bytes())
    letter |= {f"ObjectPool/_1234/{name}": data for name, data in _streams(FIXTURE.read_bytes()).items()}
    result = scan_source(Source.from_bytes("通知.doc", samples.cfb_bytes(letter)), engine)
    assert ("ObjectPool/_1234!集計!B2 comment", "1234-****90") in {
        (f.location, f.masked) for f in result.findings if f.detector == "pension_number"}
    # a CSV dragged into an Excel 97 workbook: a storage named MBD...
    csv = "氏名,基礎年金番号\r\n佐藤 花子,2345-678901\r\n".encode("cp932")
    book = _streams((samples.FIXTURES / "plain.xls").read_bytes())
    book |= {f"MBD00A1B2C3/{name}": data for name, data in _streams(samples.ole_package("名簿.csv", csv)).items()}
    result = scan_source(Source.from_bytes("集計.xls", samples.cfb_bytes(book)), engine)
    assert {(f.location, f.masked) for f in result.findings if f.detector == "pension_number"} == {
        ("MBD00A1B2C3!名簿.csv!B2", "2345-****01")}


@pytest.mark.skipif(not (samples.FIXTURES / "plain.ppt").exists(), reason="shared fixtures missing")
def test_an_object_embedded_in_a_legacy_presentation_is_read() -> None:
    # an ExOleObjStg record (compressed: its size, then zlib) holding a whole workbook
    workbook = FIXTURE.read_bytes()
    record = struct.pack("<HHI", 0x0010, 0x1011, 4 + len(zlib.compress(workbook)))
    deck = _streams((samples.FIXTURES / "plain.ppt").read_bytes())
    deck["PowerPoint Document"] += record + struct.pack("<I", len(workbook)) + zlib.compress(workbook)
    result = scan_source(Source.from_bytes("説明.ppt", samples.cfb_bytes(deck)), load_engine())
    assert result.outcome == Outcome.FINDINGS
    assert {f.masked for f in result.findings if f.detector == "pension_number"} == {"1234-****90", "2345-****01"}
    assert all(f.location.startswith("object at ") for f in result.findings if f.detector == "pension_number")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=30), st.sampled_from([b"\x10\x00\x11\x10", b"\x00\x00\x11\x10",
                                                                     b"\x78\x9c", b"\xd0\xcf\x11\xe0"]))))
def test_hostile_presentation_streams_yield_only_compound_files(pieces: list[bytes]) -> None:
    from scanner.errors import LimitExceeded
    from scanner.extract.ppt_objects import embedded_objects

    try:
        for _offset, package in embedded_objects(b"".join(pieces), 1 << 20, Deadline(60)):
            assert package.startswith(b"\xd0\xcf\x11\xe0")
    except LimitExceeded:
        pass  # a declared size over the cap: a recorded outcome, not a crash
