from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent import fakedocs
from scanner.detect import load_engine
from scanner.extract import Source
from scanner.extract.tables import (
    CHUNK_ROWS,
    cell_ref,
    col_letter,
    date_part_runs,
    find_header_row,
    header_cells,
    is_label,
    join_split_dates,
    table_blocks,
)
from scanner.model import Confidence, ScanResult
from scanner.scan import scan_source

ROSTER = [
    ["職員名簿"],
    ["令和6年4月1日現在"],
    [],
    ["氏名", "フリガナ", "生年月日", "基礎年金番号", "住所1"],
    ["山田 太郎", "ヤマダ タロウ", "1970/01/01", "1234-567890", "東京都千代田区"],
    ["佐藤 花子", "サトウ ハナコ", "1980/02/02", "2345-678901", "大阪府大阪市"],
]


def test_header_first_row() -> None:
    assert find_header_row(ROSTER[3:]) == 0


def test_header_below_title_date_and_blank_line() -> None:
    assert find_header_row(ROSTER) == 3


def test_two_cell_title_row_narrower_than_table_is_skipped() -> None:
    rows = [["名簿", "総務課"], ["氏名", "年金番号", "生年月日", "住所"], ["山田", "1234-567890", "1970/1/1", "東京"]]
    assert find_header_row(rows) == 1


def test_numeric_rows_are_not_headers() -> None:
    rows = [["1234-567890", "19700101"], ["2345-678901", "19800202"]]
    assert find_header_row(rows) is None


def test_header_without_rows_below_is_none() -> None:
    assert find_header_row([["氏名", "年金番号"]]) is None
    assert find_header_row([]) is None


def test_header_outside_scan_window_is_not_found() -> None:
    rows = [["x"]] * 5 + [["氏名", "年金番号"], ["山田", "1234567890"]]
    assert find_header_row(rows, max_scan=4) is None
    assert find_header_row(rows, max_scan=30) == 5


def test_repeated_labels_are_not_a_header() -> None:
    rows = [["-", "-", "-"], ["氏名", "番号", "備考"], ["山田", "1", "x"]]
    assert find_header_row(rows) == 1


def test_is_label() -> None:
    assert is_label("氏名")
    assert is_label("住所1")
    assert is_label("No.")
    assert not is_label("1234-567890")
    assert not is_label("")
    assert not is_label("あ" * 41)


def test_col_letter_known_values() -> None:
    assert [col_letter(i) for i in (0, 1, 25, 26, 27, 51, 52, 701, 702, 16383)] == [
        "A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA", "XFD",
    ]
    assert cell_ref(1, 12) == "B12"


def _letters_to_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - ord("A") + 1)
    return n - 1


@given(st.integers(min_value=0, max_value=10**7))
def test_col_letter_round_trips(index: int) -> None:
    letters = col_letter(index)
    assert letters.isalpha() and letters.isupper()
    assert _letters_to_index(letters) == index


@given(st.integers(min_value=0, max_value=10**6))
def test_col_letter_is_monotonic(index: int) -> None:
    a, b = col_letter(index), col_letter(index + 1)
    assert (len(a), a) < (len(b), b)


def test_all_text_data_rows_keep_the_first_row_as_header() -> None:
    rows = [["氏名", "住所", "所属"], ["山田", "東京", "総務課"], ["佐藤", "大阪", "人事課"]]
    assert find_header_row(rows) == 0


def test_one_column_list_takes_the_label_right_above_its_values() -> None:
    rows = [["職員名簿"], ["基礎年金番号"], ["0123456789"], ["1234567890"]]
    assert find_header_row(rows) == 1
    assert find_header_row(rows[1:]) == 0


def test_one_column_list_of_labels_has_no_header() -> None:
    # a list of names: every row is a label, none heads the others
    assert find_header_row([["山田 太郎"], ["佐藤 花子"], ["鈴木 一郎"]]) is None
    assert find_header_row([["0123456789"], ["1234567890"]]) is None


def test_label_rows_under_a_two_cell_header_with_empty_cells_are_data() -> None:
    # 氏名,年金番号 over rows whose number cell is still empty: the header stays the first row
    rows = [["氏名", "年金番号"]] + [[f"架空{i}", ""] for i in range(40)]
    assert find_header_row(rows) == 0


TWO_ROW_HEADER = [["職員名簿"], ["被保険者", "", "生年月日", "年金", ""],
                  ["氏名", "フリガナ", "", "基礎年金番号", "備考"],
                  ["山田　太郎", "ヤマダ　タロウ", "昭和45年1月2日", "1234-567890", ""],
                  ["佐藤　花子", "サトウ　ハナコ", "昭和50年3月4日", "2345-678901", "転出"]]


def test_a_label_spanning_a_two_row_header_fills_its_empty_cell() -> None:
    # 生年月日 merged over both header rows keeps its text in the upper one
    assert find_header_row(TWO_ROW_HEADER) == 2
    assert header_cells(TWO_ROW_HEADER, 2) == ["氏名", "フリガナ", "生年月日", "基礎年金番号", "備考"]


@pytest.mark.parametrize("upper", [["職員名簿", "", ""], ["令和6年4月1日現在", "", "", "総務課"]])
def test_a_title_or_date_line_above_fills_nothing(upper: list[str]) -> None:
    rows = [upper, ["", "氏名", "年金番号"], ["1", "山田　太郎", "1234567890"]]
    assert header_cells(rows, 1) == header_cells(rows[1:], 0) == ["", "氏名", "年金番号"]


def _scanned(name: str, rows: list[list[str]]) -> ScanResult:
    """``rows`` as a sheet (name.xlsx) or a CP932 CSV (name.csv), scanned by the shipped rules."""
    data = (fakedocs.xlsx_from_rows({"名簿": rows}) if name.endswith(".xlsx")
            else "\n".join(",".join(row) for row in rows).encode("cp932"))
    return scan_source(Source.from_bytes(name, data), load_engine())


def _birth_dates(result: ScanResult) -> dict[str, Confidence]:
    return {f.location.rsplit("!", 1)[-1]: f.confidence for f in result.findings if f.detector == "birth_date"}


@pytest.mark.parametrize("name", ["roster.xlsx", "roster.csv"])
def test_birth_dates_under_a_two_row_header_are_found(name: str) -> None:
    # the date column's header was the lower row's empty cell: each date LOW, not reported
    assert _birth_dates(_scanned(name, TWO_ROW_HEADER)) == {"C4": Confidence.HIGH, "C5": Confidence.HIGH}


SPLIT_DATE = [["氏名", "生年月日", "", "", "", "基礎年金番号"], ["", "元号", "年", "月", "日", ""],
              ["山田　太郎", "昭和", "45", "1", "2", "1234567890"], ["佐藤　花子", "", "1975", "3", "4", "2345678901"]]


def test_date_parts_under_a_label_spanning_them_are_named_with_it() -> None:
    assert header_cells(SPLIT_DATE, 1) == ["氏名", "生年月日 元号", "生年月日 年", "生年月日 月", "生年月日 日", "基礎年金番号"]
    assert date_part_runs(header_cells(SPLIT_DATE, 1)) == [(1, 5)]
    assert date_part_runs(["年", "月", "日"]) == [(0, 3)] and date_part_runs(["生年月日", "年齢"]) == []


@pytest.mark.parametrize(("row", "joined"), [
    (["昭和", "45", "1", "2"], ["昭和45年1月2日", "", "", ""]),
    (["", "1975", "3", "4"], ["1975年3月4日", "", "", ""]),
    (["昭和", "45", "", "2"], ["昭和", "45", "", "2"]),  # no month: no date
    (["1", "45", "1", "2"], ["1", "45", "1", "2"]),  # an era is no number
])
def test_a_date_typed_into_its_parts_is_one_date(row: list[str], joined: list[str]) -> None:
    assert join_split_dates(row, [(0, 4)]) == joined


@pytest.mark.parametrize("name", ["roster.xlsx", "roster.csv"])
def test_birth_dates_typed_into_parts_are_found(name: str) -> None:
    # 元号 | 年 | 月 | 日 under a merged 生年月日: no cell held a date, none was found
    assert _birth_dates(_scanned(name, SPLIT_DATE)) == {"B3": Confidence.HIGH, "B4": Confidence.HIGH}


PARTS_BELOW = [["氏名", "", "生年月日", "基礎年金番号", ""], ["姓", "名", "", "記号", "番号"],
               ["山田", "太郎", "昭和45年1月2日", "1234", "567890"], ["佐藤", "花子", "昭和50年3月4日", "2345", "678901"]]


def test_a_row_of_parts_under_a_wider_header_row_is_the_header_named_with_it() -> None:
    # read as data under 氏名, 姓 was a name and the given names under an empty header were never looked at
    assert find_header_row(PARTS_BELOW) == 1
    assert header_cells(PARTS_BELOW, 1) == ["氏名 姓", "氏名 名", "生年月日", "基礎年金番号 記号", "基礎年金番号 番号"]


@pytest.mark.parametrize("second", [["山田", "", "総務課"], ["山田　太郎", "", "総務課"], ["", "名", "所属"]])
def test_a_row_of_data_or_a_full_header_under_a_header_is_no_row_of_parts(second: list[str]) -> None:
    assert find_header_row([["氏名", "", "所属"], second, ["佐藤", "サトウ", "人事課"]]) == 0


def test_names_under_parts_of_a_merged_label_are_found_and_the_parts_are_no_names() -> None:
    result = scan_source(Source.from_bytes("roster.xlsx", fakedocs.xlsx_from_rows({"名簿": PARTS_BELOW})), load_engine())
    found = {(f.detector, f.location.rsplit("!", 1)[-1]) for f in result.findings if f.confidence >= Confidence.MEDIUM}
    assert found == {("person_name", "A3"), ("person_name", "A4"), ("person_name", "B3"), ("person_name", "B4"),
                     ("birth_date", "C3"), ("birth_date", "C4"), ("pension_number", "D3"), ("pension_number", "D4")}


def _blocks(rows: list[list[str]]) -> list[tuple[int, list[str], list[list[str]]]]:
    """(first row, headers, rows) of each block, the empty rows left out as readers do."""
    numbered = [(n, row) for n, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)]
    return [(b.first_row, b.headers, b.rows) for b in table_blocks(numbered, "s")]


def test_each_table_of_a_sheet_is_under_its_own_header() -> None:
    # a summary over the roster: the roster's rows were under 区分 | 人数, its numbers without context
    rows = [["区分", "人数"], ["在職", "2"], [], ["氏名", "基礎年金番号", "生年月日"],
            ["山田　太郎", "1234567890", "昭和45年1月2日"], ["佐藤　花子", "2345678901", "昭和50年3月4日"]]
    assert [(first, headers) for first, headers, _ in _blocks(rows)] == [
        (1, ["区分", "人数"]), (4, ["氏名", "基礎年金番号", "生年月日"])]


def test_groups_a_blank_row_parts_stay_under_the_header_and_a_note_between_them_under_none() -> None:
    header = ["氏名", "基礎年金番号", "所属"]
    rows = [header, ["山田　太郎", "1234567890", "総務課"], [], ["※ 以下は人事課"], [],
            ["佐藤　花子", "2345678901", "人事課"], ["鈴木　一郎", "3456789012", "人事課"]]
    assert [(first, headers) for first, headers, _ in _blocks(rows)] == [(1, header), (4, []), (6, header)]


def test_the_header_under_a_page_of_one_cell_notes_is_found() -> None:
    notes = [[f"注意事項{i}：取扱いに注意すること"] for i in range(45)]
    rows = notes + [["氏名", "基礎年金番号"], ["山田　太郎", "1234567890"], ["佐藤　花子", "2345678901"]]
    blocks = _blocks(rows)
    assert blocks[-1][:2] == (46, ["氏名", "基礎年金番号"]) and blocks[-1][2][-1] == ["佐藤　花子", "2345678901"]
    assert all(headers == [] for _, headers, _ in blocks[:-1])


def test_a_long_section_is_streamed_not_held() -> None:
    taken = 0

    def rows() -> Iterator[tuple[int, list[str]]]:
        nonlocal taken
        for n in range(1, 1_000_000):
            taken = n
            yield n, [f"{n:010d}", "x"]

    first = next(table_blocks(rows(), "s"))
    assert len(first.rows) == CHUNK_ROWS and taken <= CHUNK_ROWS + 1


@pytest.mark.parametrize("name", ["roster.xlsx", "roster.csv"])
def test_a_roster_under_a_page_of_notes_is_a_roster(name: str) -> None:
    # its header below the first 30 rows was never found: every number low, the file not flagged
    rows = [[f"注意事項{i}：この名簿の取扱いには十分注意すること"] for i in range(35)] + [
        ["氏名", "基礎年金番号"], ["山田　太郎", "1234567890"], ["佐藤　花子", "2345678901"]]
    result = _scanned(name, rows)
    numbers = [f.confidence for f in result.findings if f.detector == "pension_number"]
    assert numbers == [Confidence.HIGH, Confidence.HIGH] and result.pension_records == 2


CELLS = st.sampled_from(["", "氏名", "基礎年金番号", "生年月日", "備考", "山田　太郎", "1234567890", "昭和45年1月2日",
                         "注意事項", "姓", "名", "年", "月", "日", "区分", "x"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(CELLS, max_size=5), max_size=120))
def test_every_row_comes_out_once_in_order_at_its_number(rows: list[list[str]]) -> None:
    numbered = [(n, row) for n, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)]
    out = [(block.first_row + i, row) for block in table_blocks(numbered, "s") for i, row in enumerate(block.rows)]
    assert out == numbered



def test_a_header_naming_fields_beats_a_wider_row_of_data_under_it() -> None:
    # 氏名 merged over two cells fills fewer cells than 山田 | 太郎 | 1234567890, a row of labels and a number
    rows = [["氏名", "", "基礎年金番号"], ["山田", "太郎", "1234567890"], ["佐藤", "花子", "2345678901"]]
    assert find_header_row(rows) == 0


def test_a_long_list_of_one_column_is_read_in_full_blocks_after_the_notes_window() -> None:
    # one number to a row and no header: looked past for a header 600 rows at most, then whole blocks
    numbered = [(n, [f"{n:010d}"]) for n in range(1, 20_001)]
    sizes = [len(block.rows) for block in table_blocks(numbered, "s")]
    assert sum(sizes) == 20_000 and len(sizes) <= 20 + 20_000 // CHUNK_ROWS + 1


def test_a_row_of_data_after_an_empty_row_is_no_new_header_for_one_field_word() -> None:
    # 住所不明 holds 住所: taken for a header, the numbers below lost 基礎年金番号 over them
    header = ["所属", "氏名", "基礎年金番号", "備考"]
    rows = [header, ["総務課", "山田　太郎", "1234567890", ""], [],
            ["人事課", "佐藤　花子", "住所不明", "要確認"], ["人事課", "鈴木　一郎", "3456789012", ""]]
    assert [(first, headers) for first, headers, _ in _blocks(rows)] == [(1, header), (4, header)]
