import tracemalloc
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.errors import ScanTimeout, Unsupported
from scanner.extract import HEAD_BYTES, ScanContext, Source, sniff
from scanner.extract.text import extract_csv, extract_text, line_chunks, raw_prefilter_applies
from scanner.limits import Deadline, ScanLimits
from scanner.model import Outcome, PartNote, TableBlock, TextBlock

LETTER = "山田太郎様\n基礎年金番号 1234-567890 について(架空のデータ)\nよろしくお願いします。\n"


def ctx(chunk: int = 1 << 20, seconds: float = 60.0) -> ScanContext:
    return ScanContext(limits=ScanLimits(text_chunk_chars=chunk), deadline=Deadline(seconds))


def file_source(path: Path) -> Source:
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    return Source(name=str(path), size=path.stat().st_size, opener=lambda: open(path, "rb"), head=head,
                  path=bytes(path))


def text_of(blocks: list[TextBlock | TableBlock | PartNote]) -> str:
    return "".join(b.text for b in blocks if isinstance(b, TextBlock))


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16", "cp932", "euc-jp"])
def test_text_in_each_encoding_decodes(codec: str) -> None:
    source = Source.from_bytes("letter.txt", LETTER.encode(codec))
    spec = sniff(source)
    assert spec is not None and spec.name == "text"
    blocks = list(extract_text(source, ctx()))
    assert text_of(blocks) == LETTER
    assert not [b for b in blocks if isinstance(b, PartNote)]


def test_binary_is_unsupported() -> None:
    source = Source.from_bytes("x.bin", bytes(range(256)) * 10)
    with pytest.raises(Unsupported, match="binary"):
        list(extract_text(source, ctx()))


def test_text_chunks_end_at_lines_and_know_their_first_line() -> None:
    lines = [f"line {i} 行\n" for i in range(1, 1001)]
    source = Source.from_bytes("t.txt", "".join(lines).encode("utf-8"))
    blocks = [b for b in extract_text(source, ctx(chunk=500)) if isinstance(b, TextBlock)]
    assert len(blocks) > 10
    for block in blocks:
        assert block.text.endswith("\n")
        assert block.first_line is not None
        assert block.text.startswith(f"line {block.first_line} ")
        assert len(block.text) <= 500


def test_decode_problem_late_in_file_is_a_part_note() -> None:
    data = LETTER.encode("utf-8") * 200 + b"\xff\xfe\xfa\n" + LETTER.encode("utf-8")
    blocks = list(extract_text(Source.from_bytes("t.txt", data), ctx(chunk=4096)))
    notes = [b for b in blocks if isinstance(b, PartNote)]
    assert len(notes) == 1 and notes[0].outcome is Outcome.ERROR and "encoding" in notes[0].reason
    assert text_of(blocks).endswith(LETTER)


def test_deadline_stops_text_extraction() -> None:
    source = Source.from_bytes("t.txt", LETTER.encode("utf-8") * 100)
    context = ScanContext(limits=ScanLimits(text_chunk_chars=4096), deadline=Deadline(0.0, started=0.0))
    with pytest.raises(ScanTimeout):
        list(extract_text(source, context))


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab\nあ", max_size=400), st.integers(min_value=1, max_value=50),
       st.integers(min_value=1, max_value=60))
def test_line_chunks_lose_nothing_and_count_lines(text: str, piece: int, limit: int) -> None:
    pieces = [text[i : i + piece] for i in range(0, len(text), piece)]
    chunks = list(line_chunks(pieces, limit))
    assert "".join(c for c, _ in chunks) == text
    seen = 1
    for chunk, first_line in chunks:
        assert first_line == seen
        assert len(chunk) <= max(limit, 1) or "\n" not in chunk[:limit]
        seen += chunk.count("\n")


def test_huge_text_streams_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    line = ("これは架空の長い文書です。番号なし。" * 3 + "\n").encode("utf-8")
    with open(path, "wb") as fh:
        for _ in range(40):
            fh.write(line * 5000)  # ~40 * 0.8 MB = ~32 MB
    source = file_source(path)
    tracemalloc.start()
    try:
        chars = sum(len(b.text) for b in extract_text(source, ctx(chunk=1 << 16)) if isinstance(b, TextBlock))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert chars == 40 * 5000 * len(line.decode("utf-8"))
    assert peak < 3 * 1024 * 1024, f"peak {peak} bytes for a {path.stat().st_size} byte file"


# --- CSV ---------------------------------------------------------------------------

ROSTER_TOP = "職員名簿(架空)\n令和6年4月1日現在\n\n氏名,フリガナ,基礎年金番号,備考\n"


def roster(rows: int) -> str:
    body = "".join(f"架空{i},カクウ,{1000 + i:04d}-{i:06d},\n" for i in range(rows))
    return ROSTER_TOP + body


def tables(blocks: list[TextBlock | TableBlock | PartNote]) -> list[TableBlock]:
    return [b for b in blocks if isinstance(b, TableBlock)]


@pytest.mark.parametrize("codec", ["cp932", "utf-8-sig", "euc-jp", "utf-8"])
def test_csv_header_reaches_row_500(codec: str) -> None:
    source = Source.from_bytes("roster.csv", roster(3000).encode(codec))
    spec = sniff(source)
    assert spec is not None and spec.name == "csv"
    blocks = tables(list(spec.extract(source, ctx())))
    assert len(blocks) >= 3
    title, body = blocks[0], blocks[1:]
    assert title.first_row == 1 and title.headers == [] and len(title.rows) == 2  # title, date: under no column
    assert body[0].first_row == 4 and body[0].rows[0] == ["氏名", "フリガナ", "基礎年金番号", "備考"]
    assert all(b.headers == ["氏名", "フリガナ", "基礎年金番号", "備考"] for b in body)
    row_500 = next(b for b in blocks if b.first_row <= 500 < b.first_row + len(b.rows))
    assert row_500.rows[500 - row_500.first_row] == ["架空495", "カクウ", "1495-000495", ""]
    assert sum(len(b.rows) for b in blocks) == 3003  # title, date, header + 3000 (the blank line holds nothing)


def test_excel_unicode_text_is_a_tab_table() -> None:
    text = "氏名\t基礎年金番号\r\n山田\t1234-567890\r\n佐藤\t2345-678901\r\n"
    source = Source.from_bytes("export.txt", b"\xff\xfe" + text.encode("utf-16-le"))
    spec = sniff(source)
    assert spec is not None and spec.name == "csv"
    (block,) = tables(list(spec.extract(source, ctx())))
    assert block.headers == ["氏名", "基礎年金番号"]
    assert block.rows[2] == ["佐藤", "2345-678901"]
    assert not raw_prefilter_applies(source)  # UTF-16: raw bytes hide ASCII digits


def test_plain_txt_is_not_a_table_and_prefilter_applies() -> None:
    source = Source.from_bytes("letter.txt", LETTER.encode("cp932"))
    spec = sniff(source)
    assert spec is not None and spec.name == "text"
    assert raw_prefilter_applies(source)


@pytest.mark.parametrize(("name", "delimiter"), [("KOJIN.TXT", "|"), ("export.dat", ","), ("KOJIN", ","),
                                                ("export.txt", ";")])
def test_a_system_export_under_another_suffix_is_a_table(name: str, delimiter: str) -> None:
    # read as text, only the rows within reach of the header had its context
    rows = [["氏名", "生年月日", "基礎年金番号"]] + [[f"架空{i}", "1970/01/02", f"1{i:03d}-567890"] for i in range(30)]
    data = "\r\n".join(delimiter.join(row) for row in rows).encode("cp932")
    source = Source.from_bytes(name, data)
    spec = sniff(source)
    assert spec is not None and spec.name == "csv"
    (block,) = tables(list(spec.extract(source, ctx())))
    assert block.headers == rows[0] and block.rows[30] == rows[30]


@pytest.mark.parametrize("text", [
    "Dear Sir, thank you.\nWe met on Monday.\nBest, Taro\n",  # commas, but no count the lines share
    "本日の会議|資料あり\n次回は未定です。\n以上\n",
    "a,b\nc,d\n",  # two lines of commas are no table
])
def test_prose_under_those_suffixes_stays_text(text: str) -> None:
    spec = sniff(Source.from_bytes("memo.txt", text.encode("cp932")))
    assert spec is not None and spec.name == "text"


def test_a_cp932_trail_byte_that_is_a_pipe_makes_no_table() -> None:
    # 0x7C is the second byte of some kanji in CP932 (ポ is 83 7C): the raw count is no delimiter
    text = "ポスト\nポイント\nポンプ\nスポーツ\n"
    assert b"|" in text.encode("cp932")
    spec = sniff(Source.from_bytes("memo.txt", text.encode("cp932")))
    assert spec is not None and spec.name == "text"


def test_tsv_and_quoted_multiline_cells() -> None:
    text = '氏名\t備考\t番号\n山田\t"二行の\n備考"\t1234-567890\n'
    source = Source.from_bytes("x.tsv", text.encode("utf-8"))
    (block,) = tables(list(extract_csv(source, ctx())))
    assert block.rows == [["氏名", "備考", "番号"], ["山田", "二行の\n備考", "1234-567890"]]


def test_csv_with_runaway_line_is_read_as_text_from_there() -> None:
    source = Source.from_bytes("x.csv", b"a,b\n" + b"x" * 20_000 + b" 1234-567890")
    blocks = list(extract_csv(source, ctx(chunk=4096)))
    assert text_of(blocks) == "a,b\n" + "x" * 20_000 + " 1234-567890"  # within the header rows: all of it
    [note] = [b for b in blocks if isinstance(b, PartNote)]
    assert note.read_anyway and "a line longer than 16384 characters" in note.reason


def test_euc_jp_csv_with_nec_specials_keeps_its_header() -> None:
    text = "取引先,氏名,基礎年金番号\n" + "".join(f"㈱山田商事①,架空{i},1234-{567890 + i}\n" for i in range(3))
    source = Source.from_bytes("roster.csv", text.encode("euc_jis_2004"))
    blocks = list(extract_csv(source, ctx()))
    (block,) = tables(blocks)
    assert block.headers == ["取引先", "氏名", "基礎年金番号"]
    assert block.rows[1] == ["㈱山田商事①", "架空0", "1234-567890"]
    assert not [b for b in blocks if isinstance(b, PartNote)]


def test_each_table_of_a_csv_is_under_its_own_header() -> None:
    # a sheet saved as CSV: a summary, an empty line, the roster; the roster was under 区分,人数
    text = "区分,人数,\n在職,2,\n,,\n氏名,基礎年金番号,生年月日\n山田　太郎,1234567890,昭和45年1月2日\n"
    blocks = tables(list(extract_csv(Source.from_bytes("x.csv", text.encode("cp932")), ctx())))
    assert [(b.first_row, b.headers) for b in blocks] == [(1, ["区分", "人数", ""]),
                                                         (4, ["氏名", "基礎年金番号", "生年月日"])]
