"""Legacy .doc / .ppt text (scanner.extract.legacy_doc, legacy_ppt) and their path through ole.py.

Test files are the plain.doc / plain.ppt fixtures, and copies of them with fake values
planted by patching bytes inside their OLE streams (same stream sizes, so the container
stays valid). Where LibreOffice is installed, .doc/.ppt it writes are read too.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import olefile
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scanner.detect import Engine, load_engine
from scanner.errors import CorruptFile, ScanStop
from scanner.extract import ScanContext, Source, extract
from scanner.extract.legacy_doc import clean_text, document_text, drop_field_instructions, read_fib
from scanner.extract.legacy_ppt import texts_by_slide, texts_in_stream_order, walk
from scanner.limits import Deadline, ScanLimits
from scanner.model import Outcome, ScanResult, TextBlock
from scanner.scan import scan_file, scan_source
from tests.scanner.office_samples import FIXTURES

PLAIN_DOC = (FIXTURES / "plain.doc").read_bytes()
PLAIN_PPT = (FIXTURES / "plain.ppt").read_bytes()


@pytest.fixture(scope="module")
def engine() -> Engine:
    return load_engine()


def _blocks(name: str, data: bytes) -> list[TextBlock]:
    ctx = ScanContext(ScanLimits(), Deadline(30))
    blocks = list(extract(Source.from_bytes(name, data), ctx))
    assert all(isinstance(b, TextBlock) for b in blocks)
    return blocks  # type: ignore[return-value]


def _pension(result: ScanResult) -> set[tuple[str, str]]:
    return {(f.location, f.masked) for f in result.findings if f.detector == "pension_number"}


# --- patching bytes inside an OLE stream ---------------------------------------------


def _sector_offsets(data: bytes, stream: str) -> tuple[list[int], int]:
    """File offsets of a (regular-sector) stream's sectors, and the sector size."""
    ole = olefile.OleFileIO(data)
    entry = next(e for e in ole.direntries if e is not None and e.name == stream)
    assert entry.size >= ole.minisectorcutoff, "patching mini-stream streams is not supported"
    sector, offsets = entry.isectStart, []
    while sector != olefile.ENDOFCHAIN:
        offsets.append((sector + 1) * ole.sectorsize)
        sector = ole.fat[sector]
    return offsets, ole.sectorsize


def patch_stream(data: bytes, stream: str, at: int, new: bytes) -> bytes:
    """``data`` with ``new`` written at offset ``at`` of the named stream."""
    offsets, size = _sector_offsets(data, stream)
    out = bytearray(data)
    for i, byte in enumerate(new):
        pos = at + i
        out[offsets[pos // size] + pos % size] = byte
    return bytes(out)


def _stream(data: bytes, name: str) -> bytes:
    return bytes(olefile.OleFileIO(data).openstream(name).read())


# --- a .doc with planted text --------------------------------------------------------

# plain.doc: FIB fields at fixed offsets for Word 97 (csw 14, cslw 22), text area from 2048.
_CCP_TEXT, _CCP_HDD, _LCB_CLX = 64 + 12, 64 + 20, 0x1A6
_FC_CLX = 5663  # in 1Table, as plain.doc's FIB says
_UTF16_FC, _BYTES_FC = 2050, 2400

LETTER = ("年金のお知らせ\r氏名 山田 太郎 様 基礎年金番号 1234\x1e567890 です。\r"
          "氏名\x07基礎年金番号\x07\x07山田 花子\x07２３４５－６７８９０１\x07\x07"
          '\x13 HYPERLINK "http://example.com/?id=1111-222222" \x14リンク\x15\r')
ASCII_TAIL = "Tel 03-1234-5678\r"  # a compressed (8-bit) piece, still body text
HEADER = "Header 9876-543210\r"  # the headers story, after the body


def planted_doc(letter: str = LETTER, tail: str = ASCII_TAIL, header: str = HEADER) -> bytes:
    """plain.doc with a UTF-16 piece, an 8-bit piece and a Clx (with a Prc) describing them."""
    tail_and_header = tail + header
    cps = [0, len(letter), len(letter) + len(tail_and_header)]
    pcds = struct.pack("<HIH", 0, _UTF16_FC, 0) + struct.pack("<HIH", 0, (_BYTES_FC * 2) | 0x40000000, 0)
    plc = struct.pack("<3I", *cps) + pcds
    clx = b"\x01" + struct.pack("<h", 2) + b"\x00\x00" + b"\x02" + struct.pack("<I", len(plc)) + plc
    data = patch_stream(PLAIN_DOC, "WordDocument", _UTF16_FC, letter.encode("utf-16-le"))
    data = patch_stream(data, "WordDocument", _BYTES_FC, tail_and_header.encode("cp1252"))
    data = patch_stream(data, "WordDocument", _CCP_TEXT, struct.pack("<I", len(letter) + len(tail)))
    data = patch_stream(data, "WordDocument", _CCP_HDD, struct.pack("<I", len(header)))
    data = patch_stream(data, "WordDocument", _LCB_CLX, struct.pack("<I", len(clx)))
    return patch_stream(data, "1Table", _FC_CLX, clx)


def test_plain_doc_fixture_has_no_text_and_scans_clean(engine: Engine) -> None:
    assert _blocks("plain.doc", PLAIN_DOC) == []
    result = scan_file(FIXTURES / "plain.doc", engine)
    assert (result.outcome, result.reason) == (Outcome.CLEAN, "")


def test_planted_doc_text_by_story() -> None:
    blocks = _blocks("letter.doc", planted_doc())
    assert [b.where for b in blocks] == ["body", "headers"]
    assert blocks[0].text == (
        "年金のお知らせ\n氏名 山田 太郎 様 基礎年金番号 1234-567890 です。\n"
        "氏名\t基礎年金番号\n山田 花子\t２３４５－６７８９０１\nリンク\nTel 03-1234-5678\n")
    assert blocks[1].text == "Header 9876-543210\n"
    assert "1111" not in blocks[0].text  # the field's instruction (a URL) is dropped


def test_planted_doc_findings_end_to_end(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "letter.doc"
    path.write_bytes(planted_doc())
    result = scan_file(path, engine)
    assert result.outcome == Outcome.FINDINGS
    masked = {m for _, m in _pension(result)}
    assert {"1234-****90", "2345-****01"} <= masked
    assert ("body:line 2", "1234-****90") in _pension(result)


def test_doc_fib_of_fixture() -> None:
    fib = read_fib(_stream(PLAIN_DOC, "WordDocument"))
    assert (fib.table_stream, fib.fc_clx, fib.lcb_clx) == ("1Table", _FC_CLX, 21)
    assert fib.story_lengths[0] == 1


@pytest.mark.parametrize(("raw", "text"), [
    ("a\x13 PAGE \x141\x15b", "a1b"),
    ("a\x13 REF x \x15b", "ab"),  # a field without a result leaves nothing
    ("\x13 IF \x13 PAGE \x142\x15 = 2 \x14yes\x15!", "yes!"),  # nested in the instruction
    ("\x13 A \x14x\x13 B \x14y\x15z\x15", "xyz"),  # nested in the result
    ("\x13 A \x14x\x15\x15stray\x14marks", "xstraymarks"),  # stray marks after a field
])
def test_field_instructions_dropped(raw: str, text: str) -> None:
    assert drop_field_instructions(raw) == text


def test_clean_text_marks() -> None:
    assert clean_text("a\rb\x0bc\x0cd\x07e\x07\x07f\x1eg\x1fh\x01\x08i\xa0j") == "a\nb\nc\nd\te\nf-ghi j"


@given(st.text())
def test_clean_text_leaves_no_control_marks(raw: str) -> None:
    out = clean_text(raw)
    assert not any(ord(ch) < 0x20 and ch not in "\t\n" for ch in out)
    assert len(out) <= len(raw)


# --- malformed .doc -----------------------------------------------------------------


def test_doc_clx_outside_table_is_corrupt(engine: Engine) -> None:
    data = patch_stream(PLAIN_DOC, "WordDocument", _LCB_CLX, struct.pack("<I", 10**6))
    with pytest.raises(CorruptFile, match="doc: Clx"):
        _blocks("bad.doc", data)
    assert scan_source(Source.from_bytes("bad.doc", data), engine).outcome == Outcome.ERROR


def test_doc_piece_past_stream_is_corrupt() -> None:
    data = patch_stream(planted_doc(), "WordDocument", _CCP_TEXT, struct.pack("<I", 5000))
    plc_start = _FC_CLX + 5 + 5  # after the Prc and the Pcdt header
    data = patch_stream(data, "1Table", plc_start + 8, struct.pack("<I", 100_000))  # a huge last CP
    with pytest.raises(CorruptFile, match="doc: "):
        _blocks("bad.doc", data)


def test_doc_garbled_clx_entry_is_corrupt() -> None:
    data = patch_stream(planted_doc(), "1Table", _FC_CLX, b"\x07")
    with pytest.raises(CorruptFile, match="unknown Clx entry"):
        _blocks("bad.doc", data)


def test_doc_truncated_word_stream_is_corrupt() -> None:
    word = _stream(planted_doc(), "WordDocument")
    table = _stream(planted_doc(), "1Table")
    with pytest.raises(CorruptFile):
        document_text(word[:2100], table, Deadline(5))
    with pytest.raises(CorruptFile):
        document_text(word[:100], table, Deadline(5))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_doc_random_corruption_never_crashes(data: st.DataObject) -> None:
    word = bytearray(_stream(PLANTED_DOC, "WordDocument"))
    table = bytearray(_stream(PLANTED_DOC, "1Table"))
    for buf, hot in ((word, (0, 450)), (table, (_FC_CLX, _FC_CLX + 40))):
        for _ in range(data.draw(st.integers(1, 6))):
            buf[data.draw(st.integers(*hot))] = data.draw(st.integers(0, 255))
    try:
        text, _ = document_text(bytes(word), bytes(table), Deadline(5))
    except ScanStop:
        return
    assert len(text) <= len(word)


PLANTED_DOC = planted_doc()


# --- .ppt ---------------------------------------------------------------------------

_LOREM = 38007  # the slide's TextBytesAtom ("Lorem ipsum", 11 bytes) in plain.ppt
_TAG_NAME = 38376  # the slide's CString "___PPT10" (16 bytes)
_MASTER_TEXT = 5953 - 8  # header of the master's 82-byte TextBytesAtom


def planted_ppt() -> bytes:
    """plain.ppt with a fake pension number on slide 1 and a Japanese UTF-16 atom in the master."""
    data = patch_stream(PLAIN_PPT, "PowerPoint Document", _LOREM, b"1234-567890")
    data = patch_stream(data, "PowerPoint Document", _TAG_NAME, "基礎年金番号です".encode("utf-16-le"))
    master = "基礎年金番号 2345-678901 氏名 山田 花子".ljust(41, "　").encode("utf-16-le")
    data = patch_stream(data, "PowerPoint Document", _MASTER_TEXT + 2, struct.pack("<H", 0x0FA0))
    return patch_stream(data, "PowerPoint Document", _MASTER_TEXT + 8, master)


def test_plain_ppt_fixture_text_by_slide(engine: Engine) -> None:
    blocks = _blocks("plain.ppt", PLAIN_PPT)
    assert [(b.where, b.text.split("\n")[0]) for b in blocks] == [
        ("slide 1", "Lorem ipsum"), ("master", "Click to edit Master title style")]
    result = scan_file(FIXTURES / "plain.ppt", engine)
    assert (result.outcome, result.reason) == (Outcome.CLEAN, "")


def test_planted_ppt_text_and_findings(engine: Engine, tmp_path: Path) -> None:
    data = planted_ppt()
    texts = {b.where: b.text for b in _blocks("deck.ppt", data)}
    assert texts["slide 1"] == "1234-567890\n基礎年金番号です"
    assert "基礎年金番号 2345-678901 氏名 山田 花子" in texts["master"]
    path = tmp_path / "deck.ppt"
    path.write_bytes(data)
    result = scan_file(path, engine)
    assert result.outcome == Outcome.FINDINGS
    assert {m for _, m in _pension(result)} == {"1234-****90", "2345-****01"}
    assert ("slide 1:line 1", "1234-****90") in _pension(result)


def test_ppt_broken_current_user_falls_back_to_linear_walk() -> None:
    data = _stream(PLAIN_PPT, "PowerPoint Document")
    with pytest.raises(CorruptFile, match="Current User"):
        texts_by_slide(data, b"\x00" * 10, Deadline(5))
    # plain.ppt has a gap of zero bytes that is not record-aligned: the linear walk fails,
    # which is why the persist directory is the main path.
    with pytest.raises(CorruptFile, match="ppt: record"):
        texts_in_stream_order(data, Deadline(5))
    head = texts_in_stream_order(data[:38432], Deadline(5))
    assert "Lorem ipsum" in head[0][1]


def test_ppt_record_past_its_container_is_corrupt(engine: Engine) -> None:
    data = patch_stream(PLAIN_PPT, "PowerPoint Document", _LOREM - 4, struct.pack("<I", 10**6))
    with pytest.raises(CorruptFile, match="ppt: record"):
        _blocks("bad.ppt", data)
    assert scan_source(Source.from_bytes("bad.ppt", data), engine).outcome == Outcome.ERROR


def test_ppt_walk_stays_inside_bounds() -> None:
    atoms = list(walk(b"\x0f\x00\xe8\x03\x08\x00\x00\x00" + b"\x00\x00\xa0\x0f\x00\x00\x00\x00", 0, 16,
                      Deadline(5)))
    assert [(a.rec_type, a.parents) for a in atoms] == [(0x0FA0, ((0x03E8, 0),))]
    with pytest.raises(CorruptFile):
        list(walk(b"\x00\x00\xa0\x0f\xff\x00\x00\x00", 0, 8, Deadline(5)))
    with pytest.raises(CorruptFile):
        list(walk(b"\x00" * 4, 0, 8, Deadline(5)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, 38705), st.integers(0, 255)), min_size=1, max_size=8),
       st.binary(max_size=24))
def test_ppt_random_corruption_never_crashes(edits: list[tuple[int, int]], user: bytes) -> None:
    data = bytearray(PPT_STREAM)
    for pos, value in edits:
        data[pos] = value
    current_user = PPT_USER[:16] + user[:4] + PPT_USER[20:] if user else PPT_USER
    try:
        runs = texts_by_slide(bytes(data), current_user, Deadline(5))
    except ScanStop:
        return
    assert sum(len(t) for _, texts in runs for t in texts) <= 4 * len(data)


PPT_STREAM = _stream(PLAIN_PPT, "PowerPoint Document")
PPT_USER = bytes(olefile.OleFileIO(PLAIN_PPT).openstream("Current User").read())


# --- files LibreOffice writes ---------------------------------------------------------

_FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:xlink="http://www.w3.org/1999/xlink"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.text">
<office:master-styles><style:master-page style:name="Standard"><style:header>
<text:p>年金番号 9876-543210</text:p></style:header></style:master-page></office:master-styles>
<office:body><office:text>
<text:p>氏名 山田 太郎 様 基礎年金番号 1234-567890 です。</text:p>
<text:p>リンク <text:a xlink:href="http://example.com/?id=1111-222222">ここ</text:a></text:p>
<table:table table:name="名簿"><table:table-column table:number-columns-repeated="2"/>
<table:table-row><table:table-cell><text:p>氏名</text:p></table:table-cell>
<table:table-cell><text:p>基礎年金番号</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell><text:p>山田 花子</text:p></table:table-cell>
<table:table-cell><text:p>2345-678901</text:p></table:table-cell></table:table-row>
</table:table></office:text></office:body></office:document>"""

_FODP = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.presentation">
<office:body><office:presentation>
<draw:page draw:name="p1">{frame_title}</draw:page>
<draw:page draw:name="p2">{frame_number}<presentation:notes>{frame_note}</presentation:notes></draw:page>
</office:presentation></office:body></office:document>"""


def _frame(text: str) -> str:
    return ('<draw:frame svg:x="1cm" svg:y="1cm" svg:width="20cm" svg:height="3cm"><draw:text-box>'
            + "".join(f"<text:p>{line}</text:p>" for line in text.split("\n")) + "</draw:text-box></draw:frame>")


def _soffice_convert(tmp_path: Path, name: str, content: str, target: str) -> bytes:
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    source = tmp_path / name
    source.write_text(content, encoding="utf-8")
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless",
                    "--convert-to", target, "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=120)
    return (tmp_path / f"{source.stem}.{target}").read_bytes()


def test_libreoffice_doc(engine: Engine, tmp_path: Path) -> None:
    data = _soffice_convert(tmp_path, "letter.fodt", _FODT, "doc")
    texts = {b.where: b.text for b in _blocks("letter.doc", data)}
    assert texts["body"].startswith("氏名 山田 太郎 様 基礎年金番号 1234-567890 です。\nリンク ここ\n")
    assert "氏名\t基礎年金番号\n山田 花子\t2345-678901\n" in texts["body"]
    assert "年金番号 9876-543210" in texts["headers"]
    result = scan_source(Source.from_bytes("letter.doc", data), engine)
    assert {m for _, m in _pension(result)} >= {"1234-****90", "2345-****01"}


def test_libreoffice_ppt(engine: Engine, tmp_path: Path) -> None:
    fodp = _FODP.format(frame_title=_frame("タイトル"), frame_number=_frame("基礎年金番号 1234-567890\n山田 太郎"),
                        frame_note=_frame("メモ 2345-678901"))
    data = _soffice_convert(tmp_path, "deck.fodp", fodp, "ppt")
    texts = {b.where: b.text for b in _blocks("deck.ppt", data)}
    assert texts["slide 1"] == "タイトル"
    assert texts["slide 2"] == "基礎年金番号 1234-567890\n山田 太郎"
    assert texts["notes 2"] == "メモ 2345-678901"
    result = scan_source(Source.from_bytes("deck.ppt", data), engine)
    assert ("slide 2:line 1", "1234-****90") in _pension(result)


def test_a_table_in_a_doc_story_is_a_listing_under_its_header(engine: Engine) -> None:
    # clean_text makes a .doc table's cells tab-apart lines: read as text, only rows near the header were medium
    from agent import fakedata
    from scanner.extract.legacy_doc import story_blocks
    from scanner.model import Confidence, TableBlock

    people = fakedata.people(40, seed=15)
    text = "被保険者一覧\n氏名\t基礎年金番号\n" + "".join(f"{p.name}\t{p.pension_number}\n" for p in people)
    blocks = list(story_blocks(text, "body", 4096))
    assert any(isinstance(b, TableBlock) and b.headers == ["氏名", "基礎年金番号"] for b in blocks)
    numbers = [f for f in engine.scan(blocks).findings if f.detector == "pension_number"]
    assert len(numbers) == 40 and {f.confidence for f in numbers} == {Confidence.HIGH}
