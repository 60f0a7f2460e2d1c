"""JSON and JSON Lines (.json, .jsonl, .ndjson, .geojson): exports of web systems and their APIs.

Many writers (PHP's json_encode, Python's json.dumps) escape every non-ASCII character, so
基礎年金番号 is ``\\u57fa\\u790e...`` in the bytes: read as text, neither a keyword nor a
name is visible beside a number, and a full-width number is no digit at all. The JSON is
parsed instead. An array of objects is a table whose headers are the keys (a 基礎年金番号
key gives its values context, as a CSV header does); everything else is read as
``key: value`` lines, one text block per object, located by its JSON path.

A file over ``PARSE_BYTES`` (parsing holds the whole document in memory), or one that
does not parse, is read as text with its escapes decoded, streamed; the latter is noted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from ..errors import LimitExceeded
from ..model import Block, Outcome, PartNote, TableBlock, TextBlock
from . import FormatSpec, ScanContext, Source
from .tables import CHUNK_ROWS, table_blocks
from .text import deadline_checked, decoded_head, line_chunks, open_text, problem_notes

JSON_SUFFIXES = frozenset({"json", "jsonl", "ndjson", "geojson"})
PARSE_BYTES = 16 << 20
MAX_COLUMNS = 512  # keys over all records of one array; the rest are read as text
_LINES_PER_BLOCK = 2000
_ESCAPE = re.compile(r'\\(?:u([0-9a-fA-F]{4})|(["\\/bfnrt]))')
_SIMPLE = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_LONGEST_ESCAPE = 6  # \uXXXX
_HIGH_SURROGATE_AT_END = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\Z")


def _is_json(source: Source) -> bool:
    if source.suffix not in JSON_SUFFIXES:
        return False
    head = decoded_head(source)
    return head is not None and head.lstrip()[:1] in ("{", "[")


def extract_json(source: Source, ctx: ScanContext) -> Iterator[Block | PartNote]:
    stream = open_text(source, ctx)
    if source.size > PARSE_BYTES:
        yield from _unescaped_text(deadline_checked(stream, ctx), ctx)
        yield from problem_notes(stream)
        return
    text = "".join(deadline_checked(stream, ctx))
    try:
        document = _parse(text)
    except ValueError as e:
        yield PartNote("", Outcome.ERROR, f"not valid JSON ({e}); read as text with its escapes decoded",
                       read_anyway=True)
        yield from _unescaped_text([text], ctx)
    else:
        yield from _Blocks(ctx).of(document)
    yield from problem_notes(stream)


def _unescaped_text(pieces: Iterable[str], ctx: ScanContext) -> Iterator[TextBlock]:
    """The document as text, its escapes decoded, in line-numbered chunks."""
    for chunk, line in line_chunks(unescaped(pieces), ctx.limits.text_chunk_chars):
        yield TextBlock(chunk, where="", first_line=line)


def _parse(text: str) -> Any:
    """One JSON document, or JSON Lines (one value per line) as the array of its values."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        if not e.msg.startswith("Extra data"):
            raise
    return [json.loads(line) for line in text.splitlines() if line.strip()]


class _Blocks:
    """A parsed document as blocks: arrays of objects as tables, the rest as lines."""

    def __init__(self, ctx: ScanContext) -> None:
        self.ctx = ctx
        self.cells = 0

    def of(self, document: Any) -> Iterator[Block]:
        todo: list[tuple[str, Any]] = [("$", document)]
        while todo:
            self.ctx.deadline.check()
            path, value = todo.pop()
            if isinstance(value, list) and _most(value, dict):
                yield from self._table(path, value)
            elif isinstance(value, list) and _most(value, list):  # rows of values, a header row first
                rows = [[_cell(c) for c in row] if isinstance(row, list) else [_cell(row)] for row in value]
                self._count(sum(map(len, rows)))
                yield from table_blocks(enumerate(rows, start=1), where=path)
            elif isinstance(value, dict):
                lines = []
                for key, item in value.items():
                    if isinstance(item, dict | list):
                        todo.append((f"{path}.{key}", item))
                    else:
                        lines.append(f"{key}: {_cell(item)}")
                yield from self._text(path, lines)
            elif isinstance(value, list):
                scalars = [_cell(item) for item in value if not isinstance(item, dict | list)]
                todo.extend((f"{path}[{i}]", item) for i, item in enumerate(value) if isinstance(item, dict | list))
                yield from self._text(path, scalars)
            else:
                yield from self._text(path, [_cell(value)])

    def _table(self, path: str, records: list[Any]) -> Iterator[Block]:
        records = [_flat(record) if isinstance(record, dict) else record for record in records]
        headers: dict[str, None] = {}
        for record in records:
            if isinstance(record, dict) and len(headers) < MAX_COLUMNS:
                headers.update(dict.fromkeys(record))
        columns = list(headers)[:MAX_COLUMNS]
        for start in range(0, len(records), CHUNK_ROWS):
            rows = []
            for record in records[start:start + CHUNK_ROWS]:
                row = ([_cell(record.get(key)) for key in columns] if isinstance(record, dict)
                       else [_cell(record)])
                self._count(len(row))
                rows.append(row)
            yield TableBlock(rows, headers=columns, where=path, first_row=start + 1)
        if len(headers) > len(columns):  # keys past MAX_COLUMNS: read as lines
            kept = set(columns)
            yield from self._text(path, [f"{key}: {_cell(v)}" for r in records if isinstance(r, dict)
                                         for key, v in r.items() if key not in kept])

    def _text(self, path: str, lines: list[str]) -> Iterator[Block]:
        for start in range(0, len(lines), _LINES_PER_BLOCK):
            self._count(min(_LINES_PER_BLOCK, len(lines) - start))
            yield TextBlock("\n".join(lines[start:start + _LINES_PER_BLOCK]), where=path, first_line=None)

    def _count(self, cells: int) -> None:
        self.cells += cells
        if self.cells > self.ctx.limits.max_cells:
            raise LimitExceeded(f"max_cells ({self.ctx.limits.max_cells}) in a JSON document")


def _flat(record: dict[str, Any]) -> dict[str, Any]:
    """A record whose fields hold small objects of plain values ({"name": {"family": ..,
    "given": ..}}) with those values as fields of their own (name.family, name.given), so
    each heads its column; anything deeper stays one cell of JSON."""
    if not any(isinstance(value, dict) for value in record.values()):
        return record  # the usual record
    out: dict[str, Any] = {}
    for key, value in record.items():
        if (isinstance(value, dict) and 0 < len(value) <= _MAX_FLAT
                and not any(isinstance(v, dict | list) for v in value.values())):
            out.update((f"{key}.{sub}", v) for sub, v in value.items())
        else:
            out[key] = value
    return out


_MAX_FLAT = 20  # fields of an object a record holds that become columns of their own


def _most(values: list[Any], kind: type) -> bool:
    """Whether at least half the items of a non-empty array are of ``kind``."""
    return bool(values) and sum(isinstance(v, kind) for v in values) * 2 >= len(values)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)  # a nested value in a table cell
    return str(value)


def unescaped(pieces: Iterable[str]) -> Iterator[str]:
    """Text with JSON string escapes decoded (\\uXXXX, surrogate pairs joined), streamed:
    an escape cut between two pieces, or a pair's first half, waits for the next piece."""
    carry = ""
    for piece in pieces:
        text = carry + piece
        cut = _pending_escape(text)
        carry, text = text[cut:], text[:cut]
        yield _decode(text)
    if carry:
        yield _decode(carry)


def _pending_escape(text: str) -> int:
    """Where a trailing escape that may be incomplete starts (len(text) where none does): a
    backslash in the last five characters that is not itself escaped, or a complete escape
    of a high surrogate whose low half may be in the next piece."""
    cut = len(text)
    last = text.rfind("\\", max(0, len(text) - _LONGEST_ESCAPE + 1))
    if last >= 0 and _starts_escape(text, last):
        cut = last
    high = _HIGH_SURROGATE_AT_END.search(text, 0, cut)
    if high is not None and _starts_escape(text, high.start()):
        cut = high.start()
    return cut


def _starts_escape(text: str, at: int) -> bool:
    """Whether the backslash at ``at`` begins an escape (an even run of backslashes before it)."""
    run = at
    while run > 0 and text[run - 1] == "\\":
        run -= 1
    return (at - run) % 2 == 0


def _decode(text: str) -> str:
    if "\\" not in text:
        return text
    decoded = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else _SIMPLE[m.group(2)], text)
    # \ud83d\ude00 became two lone surrogates: join them; a lone one is kept as U+FFFD
    return decoded.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


FORMATS = [FormatSpec("json", _is_json, extract_json, priority=12)]
