"""Lines for the csv module, and what is left of the file when the csv module gives up.

A file named .csv is not always a table all the way down: a bare CR inside a line (an old
Mac export, a cell pasted from a form), a line of several megabytes, a quote never closed.
The csv module then raises, and before this the whole file became ``error`` with nothing
scanned after that point: a roster behind such a line was never seen. Instead the feed
keeps the lines of the record being parsed, and when parsing fails the rest of the file,
from that record on, is handed back as text to be scanned as plain text.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator

# A lone CR (a "CSV (Macintosh)" export, a cell pasted from a form) ends a line like LF
# and CRLF do: it is read as an LF, so lines are found at C speed by str.find.
_LONE_CR = re.compile(r"\r(?!\n)")


class LineTooLong(Exception):
    """A physical line longer than the feed's limit: not a table line."""


class LineFeed:
    """Physical lines (ending in "\\n", a lone CR read as one) in bounded memory, remembering
    the current record's."""

    def __init__(self, pieces: Iterable[str], max_chars: int) -> None:
        self._pieces = iter(pieces)
        self._max_chars = max_chars
        self._pending = ""
        self._start = 0
        self._held = ""  # a piece's last CR, held until the next piece says whether an LF follows
        self.record: list[str] = []  # lines handed out since the last completed row
        self.lines_out = 0

    def lines(self) -> Iterator[str]:
        record = self.record  # cleared in place by rows(), never replaced while lines run
        for piece in self._pieces:
            piece, self._held = self._held + piece, ""
            if piece.endswith("\r"):
                piece, self._held = piece[:-1], "\r"
            if piece.count("\r") != piece.count("\r\n"):
                piece = _LONE_CR.sub("\n", piece)
            pending = self._pending = self._pending[self._start:] + piece
            start = self._start = 0
            while (end := pending.find("\n", start)) != -1:
                line = pending[start:end + 1]
                start = self._start = end + 1
                record.append(line)
                self.lines_out += 1
                yield line
            if len(pending) - start > self._max_chars:
                raise LineTooLong(f"a line longer than {self._max_chars} characters")
        rest = self._pending[self._start:] + ("\n" if self._held else "")
        if rest:
            self._pending, self._start, self._held = "", 0, ""
            record.append(rest)
            self.lines_out += 1
            yield rest

    def rows(self, reader: Iterator[list[str]], failures: list[Exception], *, keep: bool = False
             ) -> Iterator[list[str]]:
        """``reader``'s rows until it fails; the failure is appended to ``failures``.
        ``keep``: the rows' lines stay in ``record`` (the header rows: when parsing fails
        among them, the whole file is read as text)."""
        clear = (lambda: None) if keep else self.record.clear
        try:
            for row in reader:
                clear()
                yield row
        except (csv.Error, LineTooLong) as exc:
            failures.append(exc)

    def record_line(self) -> int:
        """The line the current (unfinished) record starts on, counted from 1."""
        return self.lines_out - len(self.record) + 1

    def remainder(self) -> Iterator[str]:
        """The text from the current record to the end of the file."""
        yield "".join(self.record) + self._pending[self._start:] + self._held
        self.record, self._pending, self._start, self._held = [], "", 0, ""
        yield from self._pieces
