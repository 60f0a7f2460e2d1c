"""Forms: a table of labels beside their values (氏名 | 山田　太郎 / 基礎年金番号 | 1234567890),
as an application form in Excel or Word lays one person out, two or four cells to a row.

Read as a table, its first row is taken for a header: the labels under 氏名 become names,
and the person's own name, in that "header", is no value at all. ``form_pairs`` finds such
a table, so the detection engine can read each value after its label instead.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from .listing import COLUMN_WORD_RE
from .tables import is_label

MAX_ROWS = 60  # a form is a page; a bigger table is a list
_MIN_PAIR_ROWS = 2
_MIN_PAIR_ROW_SHARE = 0.6  # of the rows that hold anything
_MIN_NAMED = 2  # labels holding a column word (番号, 氏名, 年月日 ...), and more than half of them


class FormPair(NamedTuple):
    row: int  # index in the block's rows
    label_col: int
    value_col: int
    label: str
    value: str


def form_pairs(rows: Sequence[Sequence[str]]) -> list[FormPair] | None:
    """The label/value pairs of a form, row by row; None when the rows are not one.

    A form row holds an even number of filled cells, labels (short, no digits) in the
    first, third ... place, each followed by its value. Two such rows at least, most of the
    rows that hold anything, and most of their labels name a field (they hold a column
    word): a list of names beside numbers has field names only in its header row.
    """
    if not _MIN_PAIR_ROWS <= len(rows) <= MAX_ROWS:
        return None
    pairs: list[FormPair] = []
    pair_rows = filled_rows = named = 0
    for r, row in enumerate(rows):
        cells = [(c, text.strip()) for c, text in enumerate(row) if text and text.strip()]
        if not cells:
            continue
        filled_rows += 1
        labels = cells[0::2]
        if len(cells) % 2 or not all(is_label(text) and not any(ch.isdigit() for ch in text) for _, text in labels):
            continue
        pair_rows += 1
        named += sum(1 for _, text in labels if COLUMN_WORD_RE.search(text))
        pairs.extend(FormPair(r, lc, vc, label, value) for (lc, label), (vc, value) in zip(labels, cells[1::2],
                                                                                           strict=True))
    if pair_rows < _MIN_PAIR_ROWS or pair_rows < _MIN_PAIR_ROW_SHARE * filled_rows:
        return None
    return pairs if named >= _MIN_NAMED and 2 * named > len(pairs) else None
