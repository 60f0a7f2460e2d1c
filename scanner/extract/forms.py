"""Forms: a table of labels beside their values (氏名 | 山田　太郎 / 基礎年金番号 | 1234567890,
two or four cells to a row) or above them (氏名 | 生年月日 over 山田　太郎 | 昭和45年1月2日), as
an application form in Excel or Word lays one person out.

Read as a table, its first row is taken for a header: the labels under 氏名 become names,
and the person's own name, in that "header", is no value at all. ``form_pairs`` finds such
a table, so the detection engine can read each value after its label instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from .tables import field_label, filled_cells, word_label

MAX_ROWS = 60  # a form is a page; a bigger table is a list
_MIN_PAIR_ROWS = 2
_MIN_PAIR_ROW_SHARE = 0.6  # of the rows that hold anything
_MIN_NAMED = 2  # labels holding a column word (番号, 氏名, 年月日 ...), and more than half of them


class FormPair(NamedTuple):
    row: int  # the value's row: an index in the block's rows
    label_col: int
    value_col: int
    label: str  # "" for a note beside a pair (label | value | 備考)
    value: str
    label_row: int  # the label's row: the value's, or the one above it


def form_pairs(rows: Sequence[Sequence[str]]) -> list[FormPair] | None:
    """The label/value pairs of a form, labels beside their values or above them; None
    when the rows are not one (see side_by_side and stacked)."""
    if not _MIN_PAIR_ROWS <= len(rows) <= MAX_ROWS:
        return None
    return side_by_side(rows) or stacked(rows)


def side_by_side(rows: Sequence[Sequence[str]]) -> list[FormPair] | None:
    """Labels beside their values, row by row; None when the rows are not such a form.

    A form row holds an even number of filled cells, labels (short, no digits) in the
    first, third ... place, each followed by its value; one more cell after them is a note
    (label | value | 備考), read as a value without a label. Two such rows at least, most
    of the rows that hold anything, and most of their labels name a field (they hold a
    column word): a list of names beside numbers has field names only in its header row.
    """
    pairs: list[FormPair] = []
    pair_rows = filled_rows = named = labelled = 0
    for r, row in enumerate(rows):
        cells = filled_cells(row)
        if not cells:
            continue
        filled_rows += 1
        note: list[tuple[int, str]] = []
        if len(cells) >= 3 and len(cells) % 2 and not field_label(cells[-1][1]):
            cells, note = cells[:-1], cells[-1:]
        labels = cells[0::2]
        if (len(cells) % 2 or not all(word_label(text) for _, text in labels)
                or any(field_label(text) for _, text in cells[1::2])):
            continue  # (a row of field labels is the header of a stacked form, not its pairs)
        pair_rows += 1
        named += sum(1 for _, text in labels if field_label(text))
        labelled += len(labels)
        pairs.extend(FormPair(r, lc, vc, label, value, r) for (lc, label), (vc, value) in zip(labels, cells[1::2],
                                                                                              strict=True))
        pairs.extend(FormPair(r, c, c, "", text, r) for c, text in note)
    if pair_rows < _MIN_PAIR_ROWS or pair_rows < _MIN_PAIR_ROW_SHARE * filled_rows:
        return None
    return pairs if named >= _MIN_NAMED and 2 * named > labelled else None


def stacked(rows: Sequence[Sequence[str]]) -> list[FormPair] | None:
    """Labels above their values: a row of field labels (氏名 | 生年月日), the values under
    them in the next row, and again (基礎年金番号 | 住所 over theirs). Two such pairs of rows
    at least, and most of the rows that hold anything: a list has one, its header."""
    pairs: list[FormPair] = []
    stacks = filled_rows = 0
    r = 0
    while r < len(rows):
        labels = filled_cells(rows[r])
        if labels:
            filled_rows += 1
        below = filled_cells(rows[r + 1]) if r + 1 < len(rows) else []
        if (labels and below and all(word_label(text) for _, text in labels)
                and 2 * sum(1 for _, text in labels if field_label(text)) > len(labels)
                and not all(field_label(text) for _, text in below)):
            values = dict(below)
            found = [FormPair(r + 1, c, c, label, values[c], r) for c, label in labels if c in values]
            if found:
                pairs.extend(found)
                stacks += 1
                filled_rows += 1
                r += 2
                continue
        r += 1
    if stacks < _MIN_PAIR_ROWS or 2 * stacks < _MIN_PAIR_ROW_SHARE * filled_rows:
        return None
    return pairs


def fields_down(rows: Sequence[Sequence[str]]) -> list[str] | None:
    """The field labels of a table laid out sideways, one person to a column: 氏名, 生年月日,
    基礎年金番号 down its first column, each followed by two values or more (a 個票 set side by
    side). None when the rows are not such a table: at least two such rows, most of the rows
    that hold anything, their labels distinct and most of them naming a field."""
    if not _MIN_PAIR_ROWS <= len(rows) <= MAX_ROWS:
        return None
    labelled = filled_rows = named = 0
    labels: list[str] = []
    for row in rows:
        cells = filled_cells(row)
        if not cells:
            continue
        filled_rows += 1
        first_col, label = cells[0]
        values = [text for _, text in cells[1:]]
        if (first_col != 0 or len(values) < 2 or not word_label(label)
                or 2 * sum(1 for text in values if len(text) >= 2) <= len(values)):
            continue  # (one character to a cell: a 方眼紙 form's boxes, not a person's value each)
        labelled += 1
        named += field_label(label)
        labels.append(label)
    if (labelled < _MIN_PAIR_ROWS or labelled < _MIN_PAIR_ROW_SHARE * filled_rows or len(set(labels)) < len(labels)
            or named < _MIN_NAMED or 2 * named <= labelled):
        return None
    return [row[0].strip() if row else "" for row in rows]
