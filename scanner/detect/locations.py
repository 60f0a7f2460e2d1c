"""Where a finding is, as people read it: ``memo.txt:line 12``, ``Sheet1!B12``, ``page 3``."""

from __future__ import annotations

from functools import lru_cache

from ..extract.tables import col_letter
from ..model import TableBlock, TextBlock


class LineCounter:
    """Line numbers for ascending offsets without rescanning from the start each time."""

    def __init__(self, text: str) -> None:
        self.text, self.pos, self.line = text, 0, 0

    def line_of(self, offset: int) -> int:
        if offset < self.pos:
            self.pos, self.line = 0, 0
        self.line += self.text.count("\n", self.pos, offset)
        self.pos = offset
        return self.line


def text_location(block: TextBlock, line_offset: int) -> str:
    if block.first_line is None:
        return block.where
    line = f"line {block.first_line + line_offset}"
    return f"{block.where}:{line}" if block.where else line


def cell_location(block: TableBlock, col: int, row_no: int) -> str:
    return f"{cell_location_prefix(block, col)}{row_no}"


def cell_location_prefix(block: TableBlock, col: int) -> str:
    """A cell's location without its row number (``Sheet1!B``): the same for a whole column."""
    letter = _col_letter(col)
    return f"{block.where}!{letter}" if block.where else letter


_col_letter = lru_cache(maxsize=1024)(col_letter)  # few columns, named for every hit


def row_record(block: TableBlock, row_no: int) -> str:
    return f"{block.where}!row {row_no}" if block.where else f"row {row_no}"
