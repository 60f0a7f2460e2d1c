"""Format-neutral helpers for tables (CSV, spreadsheets, Word tables).

``find_header_row`` finds the row of column labels even when a roster puts a title,
a date line and a blank line above it, so a header like 年金番号 can give context to a
value hundreds of rows below; ``table_blocks`` groups a sheet's numbered rows into
TableBlocks under it. ``col_letter`` names a column the way Excel does.
``split_pairs`` and ``join_split_numbers`` make one number of a pension number split over
記号 and 番号 columns; the detection engine applies them to every table, whatever its format.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from functools import lru_cache
from itertools import chain

from ..model import TableBlock

HEADER_WINDOW = 30  # rows searched for the header (after leading empty rows)
_MAX_NOTE_WINDOWS = 20  # windows of one-cell rows looked past for a header: 600 rows, then a list
CHUNK_ROWS = 2000  # rows per TableBlock: bounded blocks for the engine

_MAX_LABEL_CHARS = 40  # longer cells are sentences or data, not column labels
_MIN_LABEL_SHARE = 0.6  # share of a header's non-empty cells that must look like labels
_MIN_WIDTH_SHARE = 0.5  # a header spans at least half the width of the data below it
_DIGIT = re.compile(r"\d")
# Words that name a column of a table or a listing; a header holds one (and no digits).
COLUMN_WORDS = ("番号", "氏名", "名前", "フリガナ", "カナ", "住所", "年月日", "日付", "電話", "性別", "所属",
                "区分", "コード", "金額", "備考", "記号", "No", "NO", "№",
                # readings, as mainframe exports label columns, full-width and half-width
                "バンゴウ", "シメイ", "ジュウショ", "セイネンガッピ", "デンワ",
                "ﾊﾞﾝｺﾞｳ", "ｼﾒｲ", "ﾌﾘｶﾞﾅ", "ｶﾅ", "ｼﾞｭｳｼｮ", "ｾｲﾈﾝｶﾞｯﾋﾟ", "ﾃﾞﾝﾜ")
COLUMN_WORD_RE = re.compile("|".join(map(re.escape, COLUMN_WORDS)))


def col_letter(index: int) -> str:
    """Excel column name of a 0-based column index: 0 -> "A", 25 -> "Z", 26 -> "AA"."""
    if index < 0:
        raise ValueError(f"column index must be >= 0, got {index}")
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(ord("A") + rem) + letters
    return letters


@lru_cache(maxsize=4096)
def col_index(letters: str) -> int:
    """0-based column index of an Excel column name: "A" -> 0, "AA" -> 26."""
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return col - 1


def cell_ref(col: int, row: int) -> str:
    """``B12``-style reference from a 0-based column and a 1-based row."""
    return f"{col_letter(col)}{row}"


def is_label(cell: str) -> bool:
    """True for a short, mostly non-numeric cell such as 氏名, 住所1 or No."""
    text = cell.strip()
    if not text or len(text) > _MAX_LABEL_CHARS:
        return False
    digits = sum(map(str.isdigit, text))  # a C loop: a generator costs 4x as much
    return digits * 3 <= len(text)


def word_label(text: str) -> bool:
    """A short cell without a digit: a column's or a field's label (or a name)."""
    return is_label(text) and _DIGIT.search(text) is None


def _filled(row: Sequence[str]) -> list[str]:
    return [c for c in row if c and c.strip()]


def filled_cells(row: Sequence[str]) -> list[tuple[int, str]]:
    """(column, text stripped) of each cell of ``row`` that holds anything."""
    return [(c, text.strip()) for c, text in enumerate(row) if text and text.strip()]


def field_label(text: str) -> bool:
    """A label naming a field: short, no digit, a column word in it (基礎年金番号, 氏名)."""
    return word_label(text) and COLUMN_WORD_RE.search(text) is not None


def _looks_like_header(row: Sequence[str], width_below: int, min_cells: int = 2) -> bool:
    cells = _filled(row)
    if len(cells) < min_cells or len(cells) < _MIN_WIDTH_SHARE * width_below:
        return False  # the width first: it costs nothing per cell
    labels = [c.strip() for c in cells if is_label(c)]
    if len(labels) < _MIN_LABEL_SHARE * len(cells):
        return False
    return len(set(labels)) == len(labels)  # repeated labels are data (or decoration), not headers


def find_header_row(rows: Sequence[Sequence[str]], max_scan: int = 30) -> int | None:
    """0-based index of the header row among the first ``max_scan`` rows, or None.

    A header row has at least two non-empty cells, mostly short non-numeric labels,
    all distinct, spans at least half the width of the rows below it, and is followed
    by at least one non-empty row. Title rows and date lines above it are passed
    over; of consecutive label rows the widest (the first, on a tie) wins, so a
    two-cell title above a five-column header does not take its place, and one naming a
    field (番号, 氏名 ...) wins over any naming none. A one-column
    list has a header when a single label sits right above a value that is not one.
    """
    window = rows[:max_scan]
    widths = [len(_filled(r)) for r in window]
    one_column = max(widths, default=0) == 1
    best: int | None = None
    for i, row in enumerate(window):
        below = widths[i + 1 :]
        if not any(below):
            break  # nothing after it (in the window) to head
        if _looks_like_header(row, max(below), 1 if one_column else 2):
            # A one-column list's label sits right above its values: a title above it is passed over.
            # A row naming fields beats a wider one naming none: 氏名 merged over two cells is
            # narrower than the 山田 | 太郎 | 1234567890 under it.
            if best is None or one_column or (_names_a_field(row), widths[i]) > (_names_a_field(window[best]),
                                                                                   widths[best]):
                best = i
        elif widths[i] and best is not None:
            break  # the first data row ends the search
    if best is not None and one_column:
        # One column: a label heads values (年金番号 over numbers), not more labels (a list of names).
        after = next((r for r in window[best + 1 :] if _filled(r)), None)
        if after is None or is_label(_filled(after)[0]):
            return None
    if best is not None and best + 1 < len(window) and _sub_labels(window[best], window[best + 1]):
        return best + 1  # the lower row of a two-row header: header_cells fills it from this one
    return best


# What a two-row header puts under a label merged over two or more columns (氏名 over 姓 | 名,
# 生年月日 over 元号 | 年 | 月 | 日, 基礎年金番号 over 記号 | 番号): never a row of data.
_SUB_LABELS = frozenset({"姓", "名", "氏", "セイ", "メイ", "漢字", "カナ", "フリガナ", "ふりがな", "元号", "年号", "和暦",
                         "年", "月", "日", "記号", "番号", "自宅", "携帯", "勤務先", "郵便番号", "〒", "住所", "方書"})


def _sub_labels(upper: Sequence[str], lower: Sequence[str]) -> bool:
    """``lower`` is the second row of a header ``upper`` begins: only sub-labels, one at least
    under a cell ``upper`` leaves empty (the second column of a merged label)."""
    cells = filled_cells(lower)
    if not cells or any(text not in _SUB_LABELS for _, text in cells):
        return False
    return any(c >= len(upper) or not upper[c].strip() for c, _ in cells)


def header_cells(rows: Sequence[Sequence[str]], h: int) -> list[str]:
    """The labels of header row ``h``, completed from the row above where that row is a band
    of labels too (a two-row header): an empty cell takes the label above it (生年月日 merged
    down over both rows keeps its text in the upper one), and a part (姓 | 名, 年 | 月 | 日,
    記号 | 番号) is named with the label merged over it (氏名 姓, 生年月日 年, 基礎年金番号 記号),
    so a column of surnames or of years says whose and what it is."""
    headers = list(rows[h])
    upper = rows[h - 1] if h > 0 else []
    band = _filled(upper)
    if len(band) < 2 or not all(map(word_label, band)):
        return headers  # no band of labels above (a title, a date line)
    headers += [""] * (len(upper) - len(headers))
    out = []
    for c, cell in enumerate(headers):
        label = cell.strip()
        group = _spanning(upper, c) if label in _NAMED_PARTS else ""
        out.append(upper[c] if not label and c < len(upper) else f"{group} {label}" if group else cell)
    return out


_DATE_PARTS = ("元号", "年号", "和暦", "年", "月", "日")
# Parts that say nothing alone: named with the label over them. (フリガナ, 住所 say enough, and
# 被保険者 フリガナ would be no reading column.)
_NAMED_PARTS = frozenset({*_DATE_PARTS, "姓", "名", "氏", "漢字", "記号", "番号", "自宅", "携帯", "勤務先"})


def _spanning(upper: Sequence[str], c: int) -> str:
    """The label of ``upper`` at column ``c`` or merged over it from the left; "" where none."""
    g = min(c, len(upper) - 1)
    while g >= 0 and not upper[g].strip():
        g -= 1
    over = upper[g].strip() if g >= 0 else ""
    return "" if over in _NAMED_PARTS else over


def date_part_runs(labels: Sequence[str]) -> list[tuple[int, int]]:
    """[start, end) of each run of columns labelled (元号,) 年, 月, 日, as a date typed into
    three or four cells is headed; a label may carry what spans it (生年月日 年)."""
    parts = [label.strip().rsplit(" ", 1)[-1] for label in labels]
    runs = []
    for c in range(len(parts) - 2):
        if parts[c : c + 3] == ["年", "月", "日"]:
            start = c - 1 if c and parts[c - 1] in _DATE_PARTS[:3] else c
            runs.append((start, c + 3))
    return runs


def join_split_dates(row: list[str], runs: list[tuple[int, int]]) -> list[str]:
    """The row with each run's parts joined into its first cell as one date (昭和 | 45 | 1 | 2
    -> 昭和45年1月2日); the row itself when no run holds a whole date."""
    joined = row
    for start, end in runs:
        if end > len(row):
            continue
        cells = [cell.strip() for cell in row[start:end]]
        era, (year, month, day) = ("".join(cells[:-3]), cells[-3:])
        if not (year.isdecimal() and month.isdecimal() and day.isdecimal()) or (era and era.isdecimal()):
            continue
        if joined is row:
            joined = list(row)
        joined[start:end] = [f"{era}{year}年{month}月{day}日"] + [""] * (end - start - 1)
    return joined


def table_blocks(rows: Iterable[tuple[int, list[str]]], where: str, max_chars: int | None = None
                 ) -> Iterator[TableBlock]:
    """Numbered rows (empty ones left out) as TableBlocks, each section under its header.

    A section is a run of rows an empty row ends. Its header is found among its first
    HEADER_WINDOW rows, under title rows; a section without one goes on under the header
    before it where its rows are as wide (a roster whose groups a blank row parts), else
    under none (notes). A sheet holds several tables so: a summary over a roster, each with
    its own header. Where the first rows are all notes of one cell (a page of instructions
    over the table), the header is looked for in the rows after them. ``max_chars`` bounds a
    block's text (a CSV's cells may be long), as CHUNK_ROWS bounds its rows."""
    src = _Lookahead(rows)
    headers: list[str] = []
    width = 0
    first = src.next()
    notes = 0  # windows of one-cell rows passed over in this section
    while first is not None:
        head, nxt = _section_head(first, src)
        cells = [row for _, row in head]
        h = find_header_row(cells)
        if h is not None and headers and not _names_fields(cells[h]):
            h = None  # after a table, a new one's header names fields: a row of names and numbers is data
        if h is not None:
            yield from numbered_blocks(head[:h], [], where, max_chars)  # titles
            headers, width = header_cells(cells, h), len(_filled(cells[h]))
            under, body = headers, head[h:]
        elif headers and _rows_as_wide(cells, width):
            under, body = headers, head  # more of the table above
        elif (notes < _MAX_NOTE_WINDOWS and all(len(_filled(row)) <= 1 for row in cells)
              and nxt is not None and nxt[0] == head[-1][0] + 1):
            yield from numbered_blocks(head, [], where, max_chars)  # notes: the header may come after them
            first, notes = nxt, notes + 1
            continue
        else:
            under, body = [], head
        yield from numbered_blocks(chain(body, _section_rest(head[-1][0], nxt, src)), under, where, max_chars)
        first, notes = src.next(), 0  # the next section's first row, given back when the rest ended


class _Lookahead:
    """An iterator of numbered rows that can give one back."""

    def __init__(self, rows: Iterable[tuple[int, list[str]]]) -> None:
        self._rows = iter(rows)
        self._back: tuple[int, list[str]] | None = None

    def next(self) -> tuple[int, list[str]] | None:
        item, self._back = self._back, None
        return item if item is not None else next(self._rows, None)

    def give_back(self, item: tuple[int, list[str]]) -> None:
        self._back = item


def _section_head(first: tuple[int, list[str]], src: _Lookahead
                  ) -> tuple[list[tuple[int, list[str]]], tuple[int, list[str]] | None]:
    """The section's first HEADER_WINDOW rows from ``first`` on, and the row after them."""
    head = [first]
    nxt = src.next()
    while nxt is not None and nxt[0] == head[-1][0] + 1 and len(head) < HEADER_WINDOW:
        head.append(nxt)
        nxt = src.next()
    return head, nxt


def _section_rest(last: int, nxt: tuple[int, list[str]] | None, src: _Lookahead) -> Iterator[tuple[int, list[str]]]:
    """The rest of a section from ``nxt`` on, streamed (a sheet of a million rows is never
    held); the first row of the next section is given back to ``src``."""
    number, item = last, nxt
    while item is not None and item[0] == number + 1:
        yield item
        number, item = item[0], src.next()
    if item is not None:
        src.give_back(item)


def _names_a_field(row: Sequence[str]) -> bool:
    return any(COLUMN_WORD_RE.search(cell) for cell in row if cell)


def _names_fields(row: Sequence[str]) -> bool:
    """Every filled cell a label without a digit, two of them naming fields (番号, 氏名 ...): a
    row of data holds digits, or a word like 備考 in one cell at most (住所不明, 備考なし)."""
    cells = _filled(row)
    return all(map(word_label, cells)) and sum(map(field_label, cells)) >= 2


def _rows_as_wide(cells: Sequence[Sequence[str]], width: int) -> bool:
    """Most rows fill as many cells as rows under a header ``width`` wide do (half of it,
    two at least): data, not a line of notes."""
    need = max(min(2, width), (width + 1) // 2)
    return sum(1 for row in cells if len(_filled(row)) >= need) >= 0.8 * len(cells)


def numbered_blocks(rows: Iterable[tuple[int, list[str]]], headers: list[str], where: str,
                    max_chars: int | None = None) -> Iterator[TableBlock]:
    """Rows by their numbers as TableBlocks under ``headers``: a new block where the numbers
    skip (an empty row between), or a block reaches CHUNK_ROWS or ``max_chars`` of text."""
    block: list[list[str]] = []
    first = chars = 0
    for number, row in rows:
        if block and (number != first + len(block) or len(block) >= CHUNK_ROWS
                      or (max_chars is not None and chars >= max_chars)):
            yield TableBlock(rows=block, headers=headers, where=where, first_row=first)
            block, chars = [], 0
        if not block:
            first = number
        block.append(row)
        if max_chars is not None:
            chars += sum(map(len, row))
    if block:
        yield TableBlock(rows=block, headers=headers, where=where, first_row=first)


# --- 記号 | 番号: a pension number split over two columns (as on the 年金手帳) -----------


def split_pairs(headers: list[str]) -> list[tuple[int, int]]:
    """Adjacent columns whose headers say they hold the two halves of a pension number."""
    pairs = []
    for i in range(len(headers) - 1):
        left, right = headers[i], headers[i + 1]
        pension = "年金" in left or "年金" in right
        halves = "記号" in left and "番号" in right
        merged = "年金番号" in left and right.strip() == ""  # one header merged over both
        if (halves and (pension or left.strip() == "記号")) or merged:
            pairs.append((i, i + 1))
    return pairs


def join_split_numbers(row: list[str], pairs: list[tuple[int, int]]) -> list[str]:
    """The row with each pair's halves joined into its left cell as one number (1234 | 567890
    -> 1234-567890), with the leading zeros a spreadsheet dropped put back; the row itself
    when no pair holds two halves."""
    joined = row
    for i, j in pairs:
        if j >= len(row):
            continue
        office, serial = row[i].strip(), row[j].strip()
        if office.isdecimal() and serial.isdecimal() and len(office) <= 4 and 3 <= len(serial) <= 6:
            if joined is row:
                joined = list(row)
            joined[i] = f"{office.zfill(4)}-{serial.zfill(6)}"
    return joined
