"""The detection engine: blocks in, scored findings (hash + mask only) out.

Per block, one candidate pass over the raw text (long digit runs in the shape of a
pension number or My Number, and rule anchors) decides whether anything runs at all.
Rules with ``trigger: candidate`` run in windows around the digit runs; rules with
``trigger: context`` (birth dates, names) only in a record window around a digit run,
around one of their anchors, or in a column one of their positive headers names. Text blocks are normalized only in windows around
candidates; table blocks join each block's cells into one string, and only matches are
mapped back to (row, col). Records and their boosts: see ``records``.
"""

from __future__ import annotations

import hmac
import re
import secrets
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..extract import NAME_WHERE
from ..extract.forms import FormPair, fields_down, form_pairs
from ..extract.tables import date_part_runs, join_split_dates, join_split_numbers, split_pairs
from ..model import Block, Confidence, Finding, NameBlock, TableBlock, TextBlock
from .context import KeywordHit
from .finders import Detector, PatternFinder
from .header_aliases import HeaderAliases
from .locations import LineCounter, cell_location, cell_location_prefix, row_record, text_location
from .normalize import (
    NormalizedText,
    half_width_twins,
    normalize,
    normalize_cell,
    normalize_cells,
    normalize_str,
    without_cjk_spaces,
)
from .prefilter import DASHES, DIGITS, Prefilter, TextSpans
from .recognizers import Candidate
from .records import Hit, apply_record_context, assign_text_records, count_records, to_finding
from .rules import RuleSpec

if TYPE_CHECKING:
    from .examples import ExampleFailure

SCORE_FLOOR = 0.1  # findings scoring less are dropped before hashing (see Engine.scan)
_CELL_SEP, _ROW_SEP = "\x1f", "\x1e"  # never inside office text; not digits, not dashes
_ROW_SEP_RE = re.compile(_ROW_SEP)
_SEPARATORS_TO_SPACE = str.maketrans({_CELL_SEP: " ", _ROW_SEP: " "})
_WINDOW_SLACK = 40  # beyond proximity, so a whole keyword fits in a window
_ANCHOR_WINDOW = 40  # text a recognizer sees either side of an anchor (様, 氏名 ...)
# 方眼紙 forms: a number typed one digit to a cell (a box each, maybe two merged cells each),
# at most one dash among them; whole cells only.
_BOX_RUN = re.compile(f"(?<![^\x1e\x1f])[{DIGITS}](?:\x1f\x1f?[{DIGITS}{re.escape(DASHES)}]){{9,13}}(?![^\x1e\x1f])")
_BOX_LABEL_WEIGHT = 0.45
_HAS_LETTER = re.compile(r"[^\W\d_]")  # a cell without letters holds no name
_HAS_DIGIT = re.compile(r"\d")  # Unicode digits, full-width included
_LINE_BREAKS = re.compile(r"[ \t]*[\r\n]+[ \t]*")
_NO_HITS: list[KeywordHit] = []  # never appended to


def default_hasher() -> Callable[[str], str]:
    """HMAC-SHA256 under a random per-process key: nothing raw leaks even unconfigured."""
    key = secrets.token_bytes(32)
    return lambda value: hmac.digest(key, value.encode("utf-8"), "sha256").hex()


@dataclass(slots=True)
class Detection:
    """One finding per (detector, value hash): the strongest sighting (the first of equals),
    with ``occurrences`` counting them all. A roster repeats names and birth dates; merging
    here keeps a worker's memory and what it sends to the sweep to the distinct values."""

    findings: list[Finding] = field(default_factory=list)
    pension_records: int = 0
    _at: dict[tuple[str, str], int] = field(default_factory=dict, repr=False)

    def add(self, finding: Finding) -> None:
        key = (finding.detector, finding.value_hash)
        at = self._at.get(key)
        if at is None:
            self._at[key] = len(self.findings)
            self.findings.append(finding)
            return
        kept = self.findings[at]
        if finding.score > kept.score:
            finding.occurrences += kept.occurrences
            self.findings[at] = finding
        else:
            kept.occurrences += finding.occurrences


class Engine:
    def __init__(self, specs: list[RuleSpec], rules_dir: Path, version: str,
                 hasher: Callable[[str], str], prefilter: str) -> None:
        self.version = version
        self.detector_ids = [s.id for s in specs]
        self._detectors = [Detector(s, rules_dir) for s in specs]
        self._header_aliases = HeaderAliases.load(rules_dir)
        self._patterns = [d for d in self._detectors if d.spec.trigger == "candidate"]
        self._candidate_ids = frozenset(d.id for d in self._patterns)
        self._recognizers = [d for d in self._detectors if d.spec.trigger == "context"]
        self._specs = specs
        self._hasher = hasher
        anchors = [a for s in specs for a in s.anchors]
        min_digits = min((d.spec.min_digits for d in self._patterns), default=10)
        # Rules with scope-column patterns look at cells under their headers, whatever the
        # digits: a file naming such a header must pass the byte prefilter too.
        self._column_rules = [d for d in self._patterns
                              if isinstance(d.finder, PatternFinder) and d.finder.has_column_patterns]
        # What labels a row of digit boxes as a number of ours: the keywords that name the number
        # itself (基礎年金番号, 年金手帳, 個人番号), not a topic (厚生年金 over monthly counts).
        self._box_labels = sorted({normalize_str(w).casefold() for d in self._patterns
                                   for w, weight in d.spec.keywords.positive.items() if weight >= _BOX_LABEL_WEIGHT})
        # The raw table is looked at before anything is normalized: Japanese labels by plain
        # substring searches, Latin ones (my number) in any case and width, as keywords match.
        latin = [label for label in self._box_labels if label.isascii()]
        self._box_labels_raw = [label for label in self._box_labels if not label.isascii()]
        self._box_latin_re = re.compile("|".join(map(_any_case_or_width, latin)), re.IGNORECASE) if latin else None
        column_words = [w for d in self._column_rules for w in d.spec.headers.positive]
        column_words += half_width_twins(column_words)  # ｷｿﾈﾝｷﾝﾊﾞﾝｺﾞｳ in raw bytes
        if self._column_rules:
            column_words += self._header_aliases.raw_forms()  # KISO_NENKIN_BANGO over nine digits
        self._prefilter = Prefilter(anchors + column_words, prefilter, min_digits)
        # A column whose header names a person or a birth date (氏名, 生年月日) has every cell looked
        # at by the recognizers; a candidate rule's anchors (記号) open text windows, not columns.
        self._anchors_norm = sorted({normalize_str(a) for d in self._recognizers for a in d.spec.anchors})
        self._rule_anchors = {d.id: [normalize_str(a) for a in d.spec.anchors] for d in self._detectors}
        anchor_alts = [re.escape(a) for a in sorted(set(anchors), key=len, reverse=True)]
        self._anchor_re = re.compile("|".join(anchor_alts)) if anchor_alts else None
        firsts = "".join(sorted({re.escape(a[0]) for a in anchors}))
        # The leading class lets re skip ahead at charset speed (3x faster than a bare alternation).
        self._candidate_re = re.compile(f"(?=[{DIGITS}{firsts}])(?:(?P<digits>{self._prefilter.candidate_text})"
                                        + (f"|(?P<anchor>{'|'.join(anchor_alts)})" if anchor_alts else "") + ")")
        self._text_spans = TextSpans(min_digits, anchors, prefilter)
        self._window = max((max(s.keywords.proximity, s.record_window) for s in specs), default=300)
        self._window += _WINDOW_SLACK
        self._record_window = max((s.record_window for s in specs), default=150)

    # --- public API ---------------------------------------------------------

    @property
    def prefilter_backend(self) -> str:
        return self._prefilter.backend

    def prefilter(self, data: bytes) -> bool:
        return self._prefilter.bytes_may_match(data)

    def prefilter_text(self, text: str) -> bool:
        return self._prefilter.text_may_match(text)

    def scan(self, blocks: Iterable[Block]) -> Detection:
        detection = Detection()
        add = detection.add
        pension_keys: set[str] = set()
        for block in blocks:
            hits = self._scan_table(block) if isinstance(block, TableBlock) else self._scan_text(block)
            if not hits:
                continue
            keys: set[str] = set()
            apply_record_context(hits, keys)
            if isinstance(block, NameBlock) and not self._holds_a_number(hits):
                continue
            pension_keys |= keys
            # Below the floor a match is almost surely not the thing (a landline is 0.05):
            # it is neither hashed nor stored.
            for h in hits:
                if h.score >= SCORE_FLOOR:
                    add(to_finding(h, self._hasher))
        detection.pension_records = count_records(pension_keys)
        return detection

    def scan_name(self, name: str) -> Detection:
        """PII in a file's own path: a scanned 年金手帳 saved as 1234-567890_山田太郎.pdf holds
        its number in the name whatever its content (see NameBlock for what counts)."""
        if not self.prefilter_text(name):
            return Detection()
        return self.scan([NameBlock(name, where=NAME_WHERE, first_line=None)])

    def _holds_a_number(self, hits: list[Hit]) -> bool:
        """A number at medium or above: not a bare ten-digit order number or time stamp."""
        return any(h.detector.id in self._candidate_ids and Confidence.from_score(h.score) >= Confidence.MEDIUM
                   for h in hits)

    def scan_text(self, text: str, header: str | None = None) -> Detection:
        if header is None:
            return self.scan([TextBlock(text)])
        return self.scan([TableBlock(rows=[[text]], headers=[header])])

    def run_examples(self) -> list[ExampleFailure]:
        from .examples import run_examples

        return run_examples(self, self._specs)

    # --- text -----------------------------------------------------------------

    def _scan_text(self, block: TextBlock) -> list[Hit]:
        """Pattern rules on windows around every candidate (keyword proximity); recognizers
        on narrower windows: ``record_window`` around numbers (a person near a number makes a
        record) and a few characters around anchors (様, 氏名 ...)."""
        text = block.text
        matches = list(self._candidates(text))
        if not matches:
            return []
        spans = [m.span() for m in matches]
        hits = self._scan_windows(text, _merge_windows(spans, self._window, len(text)), self._patterns)
        if self._recognizers:
            near = [(s - w, e + w) for m in matches for (s, e) in [m.span()]
                    for w in [_ANCHOR_WINDOW if m.lastgroup == "anchor" else self._record_window]]
            hits += self._scan_windows(text, _merge_windows(sorted(near), 0, len(text)), self._recognizers)
        hits.sort(key=lambda h: h.pos)
        lines = LineCounter(text)
        for h in hits:
            h.location = text_location(block, lines.line_of(h.pos))
        assign_text_records(hits)
        return hits

    def _candidates(self, text: str) -> Iterator[re.Match[str]]:
        """Candidate digit runs and anchors in order; with Hyperscan, ``re`` runs only on the
        few places it found, not at every digit of the text."""
        spans = self._text_spans.spans(text)
        if spans is None:
            return self._candidate_re.finditer(text)
        return (m for lo, hi in spans for m in self._candidate_re.finditer(text, lo, hi))

    def _scan_windows(self, text: str, windows: list[tuple[int, int]], detectors: list[Detector]) -> list[Hit]:
        hits: list[Hit] = []
        for start, end in windows:
            norm = normalize(text[start:end])
            for det in detectors:
                for cand, score, reasons in self._scored(det, norm, None):
                    o_start, o_end = norm.to_original(cand.start, cand.end)
                    hits.append(self._hit(det, cand, score, reasons, start + o_start, start + o_end, ""))
        return hits

    # --- tables -----------------------------------------------------------------

    def _scan_table(self, block: TableBlock, turned: bool = True) -> list[Hit]:
        """The whole block is joined once; patterns run over the joined text and only their
        matches are mapped back to (row, col). Recognizers see single cells: those in a
        column whose header holds an anchor, those holding an anchor, and every cell of a
        row where a record-context rule (pension_number) matched."""
        form = form_pairs(block.rows)
        if form is not None:
            return self._scan_form(block, form)
        if turned and (labels := fields_down(block.rows)) is not None:
            return self._scan_sideways(block, labels)
        headers = [self._header_label(h) for h in block.headers]
        pairs = split_pairs(headers)  # 記号 | 番号 columns, as the 年金手帳 prints them
        if pairs:  # one number in the left cell, whatever format the table came from
            block = replace(block, rows=[join_split_numbers(row, pairs) for row in block.rows])
        dates = date_part_runs(block.headers)  # 元号 | 年 | 月 | 日 columns: one date in the first
        if dates:
            block = replace(block, rows=[join_split_dates(row, dates) for row in block.rows])
        row_strs, joined = _joined(block)
        if (joined.count(_ROW_SEP) != max(len(row_strs) - 1, 0)
                or joined.count(_CELL_SEP) != sum(max(len(row) - 1, 0) for row in block.rows)):
            # A cell holds a separator itself (a control character in a hostile or broken
            # file): it would shift every row and column after it. Read it as a space.
            block = replace(block, rows=[[cell.translate(_SEPARATORS_TO_SPACE) for cell in row] for row in block.rows])
            row_strs, joined = _joined(block)
        # 方眼紙 forms are rare: a label first (substring searches), the boxes' regex only then
        if self._may_label_boxes(joined) and _BOX_RUN.search(joined) is not None:
            boxed = self._join_digit_boxes(block, row_strs)
            if boxed is not block:
                block = boxed
                row_strs, joined = _joined(block)
        anchor_cols = {c for c, h in enumerate(headers) if any(a in h for a in self._anchors_norm)}
        scoped = self._column_scoped(headers)
        if not anchor_cols and not scoped and next(self._candidates(joined), None) is None:
            return []
        # a roster's or a ledger's headers name their numbers: read whole, no rows worked out
        rows = None if self._headed_for_patterns(headers) else _rows_of(self._candidates(joined), joined,
                                                                         len(row_strs))
        if rows is None:
            hits = self._table_patterns(block, joined, headers)
        else:  # a big table with a few candidates (a package list, a dictionary): only their rows
            hits = self._table_patterns(block, _ROW_SEP.join(row_strs[r] for r in rows), headers, rows)
        if scoped:
            hits.extend(self._column_scoped_hits(block, scoped, hits))
        if self._recognizers:
            cells = self._recognizer_cells(block, joined, row_strs, anchor_cols, hits)
            hits.extend(self._recognize_cells(block, cells, headers, anchor_cols))
        return hits

    def _scan_sideways(self, block: TableBlock, labels: list[str]) -> list[Hit]:
        """A table laid out sideways (fields down the first column, a person to a column)
        read turned: each person a row under the field labels, each hit then placed back in
        its cell."""
        width = max(map(len, block.rows))
        rows = [[row[c] if c < len(row) else "" for row in block.rows] for c in range(1, width)]
        hits = self._scan_table(replace(block, rows=rows, headers=labels, first_row=1), turned=False)
        for h in hits:
            h.pos, h.end = h.end, h.pos + 1  # (person, field) back to (row, column)
            h.location = cell_location(block, h.end, block.first_row + h.pos)
        return hits

    def _header_label(self, header: str) -> str:
        """A column header as the rules match it: 氏　　名 and 氏⏎名 (a line break typed into
        the cell, Alt+Enter) are 氏名; KISO_NENKIN_BANGO is 基礎年金番号."""
        text = normalize_str(header)
        if "\n" in text or "\r" in text:
            text = _LINE_BREAKS.sub(" ", text).strip()
        return self._header_aliases.label(without_cjk_spaces(text))

    def _scan_form(self, block: TableBlock, form: list[FormPair]) -> list[Hit]:
        """A form's values read as text, each after its label on a line of its own (氏名：山田
        太郎), so a label is the keyword or name label of its value and the values near each
        other one record, as in a letter; each hit is then placed in its cell."""
        texts = [f"{pair.label}：{pair.value}" if pair.label else pair.value for pair in form]  # or a note
        starts, at = [], 0
        for text in texts:
            starts.append(at)
            at += len(text) + 1
        hits = self._scan_text(TextBlock("\n".join(texts), where=block.where, first_line=1))
        for h in hits:
            i = bisect_right(starts, h.pos) - 1
            pair = form[i]
            in_label = h.pos < starts[i] + len(pair.label)
            col, row = (pair.label_col, pair.label_row) if in_label else (pair.value_col, pair.row)
            h.location = cell_location(block, col, block.first_row + row)
        return hits

    def _join_digit_boxes(self, block: TableBlock, row_strs: list[str]) -> TableBlock:
        """A number typed one digit to a cell (a 方眼紙 form's boxes) as one number in the first
        box, where the row or the row above names it (基礎年金番号 left of the boxes, or over
        them: then the label leads the joined cell, so the number has its keyword). Rows of
        single digits without such a label (survey scores) stay as they are."""
        rows = block.rows
        for r, row_str in enumerate(row_strs):
            runs = list(_BOX_RUN.finditer(row_str))
            if not runs:
                continue
            here = self._box_label(row_str)
            above = self._box_label(row_strs[r - 1]) if r and not here else None
            if not (here or above):
                continue
            if rows is block.rows:
                rows = list(block.rows)
            row = rows[r] = list(rows[r])
            for m in runs:
                first = row_str.count(_CELL_SEP, 0, m.start())
                cells = m.group().split(_CELL_SEP)
                row[first] = ("" if here else f"{above} ") + "".join(cells)
                for c in range(first + 1, first + len(cells)):
                    row[c] = ""
        return block if rows is block.rows else replace(block, rows=rows)

    def _may_label_boxes(self, joined: str) -> bool:
        return (any(label in joined for label in self._box_labels_raw)
                or (self._box_latin_re is not None and self._box_latin_re.search(joined) is not None))

    def _box_label(self, row_str: str) -> str | None:
        text = normalize_str(row_str).casefold()
        return next((label for label in self._box_labels if label in text), None)

    def _table_patterns(self, block: TableBlock, joined: str, headers: list[str],
                        rows: list[int] | None = None) -> list[Hit]:
        """Pattern rules over the joined rows: all of the block's, or (``rows``) those rows
        only, joined in that order. Keywords count within a row, so a row's hits are the same."""
        # Places are (row, col), counted on the normalized text itself: no offset map needed.
        norm = normalize_cell(joined)
        text = norm.text
        row_starts = [0] + [m.end() for m in _ROW_SEP_RE.finditer(text)]
        hits: list[Hit] = []
        for det in self._patterns:
            column_of = _ColumnOf(text)
            for cand, score, reasons, r in self._scored_rows(det, norm, row_starts):
                col = column_of(r, row_starts[r], cand.start)
                delta, why = det.headers.score(headers[col]) if col < len(headers) else (0.0, ())
                row = r if rows is None else rows[r]
                row_no = block.first_row + row
                reasons.extend(why)
                hits.append(self._hit(det, cand, score + delta, reasons, row, col,
                                      cell_location(block, col, row_no), row_record(block, row_no)))
        return hits

    def _headed_for_patterns(self, headers: list[str]) -> bool:
        """A column header is context for a pattern rule (基礎年金番号, or one of its negative
        labels): then a cell with no candidate of its own can still match under it (a number in
        kanji numerals, whose anchor is the header), and the whole block is read."""
        return any(det.headers.score(h)[0] for h in headers if h for det in self._patterns)

    def _column_scoped(self, headers: list[str]) -> list[tuple[Detector, int, float, tuple[str, ...]]]:
        """(rule, column, header delta, reasons) for each column whose header names a rule
        that has scope-column patterns (a 基礎年金番号 column for pension_number)."""
        scoped = []
        for det in self._column_rules:
            for col, header in enumerate(headers):
                if header:
                    delta, why = det.headers.score(header)
                    if delta > 0:
                        scoped.append((det, col, delta, why))
        return scoped

    def _column_scoped_hits(self, block: TableBlock, scoped: list[tuple[Detector, int, float, tuple[str, ...]]],
                            found: list[Hit]) -> list[Hit]:
        """Whole cells matched by scope-column patterns, where the rule's text patterns
        found nothing in that cell: 123456789 under 基礎年金番号 is 0123456789 with its
        zero dropped by a spreadsheet."""
        taken = {(h.detector.id, h.pos, h.end) for h in found}
        hits: list[Hit] = []
        for det, col, delta, why in scoped:
            assert isinstance(det.finder, PatternFinder)
            rows = [r for r, row in enumerate(block.rows)
                    if col < len(row) and row[col] and (det.id, r, col) not in taken]
            prefix = cell_location_prefix(block, col)
            for r, norm in zip(rows, normalize_cells([block.rows[r][col] for r in rows]), strict=True):
                cand = det.finder.find_in_column_cell(norm.text)
                if cand is None:
                    continue
                row_no = block.first_row + r
                hits.append(self._hit(det, cand, cand.score + delta, [*cand.reasons, *why], r, col,
                                      f"{prefix}{row_no}", row_record(block, row_no)))
        return hits

    def _scored_rows(self, det: Detector, norm: NormalizedText,
                     row_starts: list[int]) -> list[tuple[Candidate, float, list[str], int]]:
        """Candidates with keyword context limited to their own row."""
        cands = list(det.finder.find(norm, None))
        if not cands:
            return []
        kw_hits = det.keywords.hits(norm.text)
        scored = []
        for cand in cands:
            r = bisect_right(row_starts, cand.start) - 1
            row_end = row_starts[r + 1] - 1 if r + 1 < len(row_starts) else len(norm.text)
            delta, reasons = det.keywords.score(kw_hits, cand.start, cand.end, row_starts[r], row_end)
            scored.append((cand, cand.score + delta, [*cand.reasons, *reasons], r))
        return scored

    def _recognizer_cells(self, block: TableBlock, joined: str, row_strs: list[str], anchor_cols: set[int],
                          hits: list[Hit]) -> dict[int, set[int]]:
        cells = _candidate_cells(self._anchor_re.finditer(joined), joined, row_strs) if self._anchor_re else {}
        headed = {c for c, h in enumerate(block.headers) if h.strip()}
        # Rows mostly share one width: the columns to add are worked out once per width.
        unheaded: dict[int, list[int]] = {}
        widened: set[int] = set()  # rows done: a wide row may hold thousands of numbers
        for h in hits:
            if h.detector.spec.record_context and h.pos not in widened:
                widened.add(h.pos)
                # A person may be anywhere in a pension row: in a column with no header, in
                # one whose header names a person or a birth date (the anchor columns, added
                # below for every row), or in the number's own cell. A column headed 住所 or
                # 備考 is not looked at again.
                width = len(block.rows[h.pos])
                if width not in unheaded:
                    unheaded[width] = [c for c in range(width) if c not in headed]
                row_cells = cells.setdefault(h.pos, set())
                row_cells.update(unheaded[width])
                row = block.rows[h.pos]
                own = row[h.end] if h.end < len(row) else ""
                if not own.isascii() and _HAS_LETTER.search(own) is not None:
                    row_cells.add(h.end)  # its own cell too, where more than the number is: 山田太郎（1234567890）
        if anchor_cols:
            anchored: dict[int, list[int]] = {}
            for r, row in enumerate(block.rows):
                width = len(row)
                if width not in anchored:
                    anchored[width] = [c for c in anchor_cols if c < width]
                cells.setdefault(r, set()).update(anchored[width])
        return cells

    def _detectors_for(self, header: str) -> list[Detector]:
        """The context rules a column is for: those whose anchors its header names
        (氏名 -> person_name, 生年月日 -> birth_date), or all where it names none."""
        if not header:
            return self._recognizers
        named = [d for d in self._recognizers if any(a in header for a in self._rule_anchors[d.id])]
        return named or self._recognizers

    def _column_plan(self, block: TableBlock, col: int, headers: list[str]) -> _ColumnPlan:
        """What depends only on the column, worked out once per column and block."""
        header = headers[col] if col < len(headers) else ""
        detectors = []
        for det in self._detectors_for(header):
            delta, why = det.headers.score(header) if header else (0.0, ())
            detectors.append((det, det.spec.kind == "recognizer", delta, why))
        return _ColumnPlan(header or None, detectors, cell_location_prefix(block, col))

    def _column_batch(self, block: TableBlock, col: int, plan: _ColumnPlan) -> _ColumnBatch:
        """A column looked at in every row (an anchor column): its cells normalized in one
        pass, its pattern rules run once over the whole column, and which rules have no
        keyword anywhere in it (their cells need no keyword search)."""
        rows = [r for r, row in enumerate(block.rows) if col < len(row) and row[col]]
        norms = normalize_cells([block.rows[r][col] for r in rows])
        texts = [n.text for n in norms]
        column = _CELL_SEP.join(texts)
        found: dict[str, dict[int, list[Candidate]]] = {}
        keywords: dict[str, dict[int, list[KeywordHit]]] = {}
        starts: list[int] | None = None
        for det, _wants_letters, _delta, _why in plan.detectors:
            if isinstance(det.finder, PatternFinder) and det.finder.batches:
                found[det.id] = dict(zip(rows, det.finder.find_cells(texts), strict=True))
            if not det.keywords.batches:
                continue
            # A keyword never holds the separator: the column's hits are each cell's hits.
            by_row = keywords[det.id] = {}
            for hit in det.keywords.hits(column):
                if starts is None:
                    starts, pos = [], 0
                    for t in texts:
                        starts.append(pos)
                        pos += len(t) + 1
                i = bisect_right(starts, hit.start) - 1
                base = starts[i]
                by_row.setdefault(rows[i], []).append(KeywordHit(hit.start - base, hit.end - base, hit.word, hit.weight))
        return _ColumnBatch(dict(zip(rows, norms, strict=True)), found, keywords)

    def _recognize_cells(self, block: TableBlock, cells: dict[int, set[int]],
                         headers: list[str], anchor_cols: set[int]) -> Iterator[Hit]:
        plans: dict[int, _ColumnPlan] = {}
        batches: dict[int, _ColumnBatch] = {}
        for r in sorted(cells):
            row, row_no = block.rows[r], block.first_row + r
            record: str | None = None  # the row's record name, made on its first hit
            for col in sorted(cells[r]):
                if col >= len(row) or not row[col]:
                    continue
                plan = plans.get(col) or plans.setdefault(col, self._column_plan(block, col, headers))
                cell = row[col]
                batch = batches.get(col)
                if batch is None and col in anchor_cols:
                    batch = batches[col] = self._column_batch(block, col, plan)
                # the cell is the location: no offset map needed
                norm = normalize_cell(cell) if batch is None else batch.norms[r]
                for det, wants_letters, delta, why in plan.detectors:
                    if (_HAS_LETTER if wants_letters else _HAS_DIGIT).search(cell) is None:
                        continue  # no letters: no name; no digits: no date or number
                    if batch is None:
                        scored = self._scored(det, norm, plan.header)
                    else:
                        found, keywords = batch.found.get(det.id), batch.keywords.get(det.id)
                        scored = self._scored(det, norm, plan.header, None if found is None else found[r],
                                              None if keywords is None else keywords.get(r, _NO_HITS))
                    for cand, score, reasons in scored:
                        record = record or row_record(block, row_no)
                        reasons.extend(why)
                        yield self._hit(det, cand, score + delta, reasons, r, col,
                                        f"{plan.location_prefix}{row_no}", record)

    # --- shared -------------------------------------------------------------------

    def _scored(self, det: Detector, norm: NormalizedText, header: str | None,
                found: list[Candidate] | None = None,
                kw_hits: list[KeywordHit] | None = None) -> list[tuple[Candidate, float, list[str]]]:
        """``found`` and ``kw_hits``: the finder's candidates and the rule's keyword hits in
        the text, where already worked out (a column batch)."""
        cands = list(det.finder.find(norm, header)) if found is None else found
        if not cands:
            return []  # the common case, so a list and not a generator
        if kw_hits is None:
            kw_hits = det.keywords.hits(norm.text)
        scored = []
        for cand in cands:
            delta, reasons = det.keywords.score(kw_hits, cand.start, cand.end)
            scored.append((cand, cand.score + delta, [*cand.reasons, *reasons]))
        return scored

    def _hit(self, det: Detector, cand: Candidate, score: float, reasons: list[str], pos: int, end: int,
             location: str, record: str | None = None) -> Hit:
        return Hit(det, pos, end, cand.value, cand.masked or "", score, reasons, location, record,
                   in_table=record is not None)

@dataclass(slots=True)
class _ColumnBatch:
    norms: dict[int, NormalizedText]  # row -> its cell, normalized (non-empty cells only)
    found: dict[str, dict[int, list[Candidate]]]  # rule -> row -> candidates (pattern rules that batch)
    keywords: dict[str, dict[int, list[KeywordHit]]]  # rule -> row -> keyword hits (rows with any)


@dataclass(slots=True)
class _ColumnPlan:
    header: str | None  # normalized; None for a column without one
    detectors: list[tuple[Detector, bool, float, tuple[str, ...]]]  # (rule, wants letters, header delta, why)
    location_prefix: str  # "Sheet1!B": the row number completes a cell's location


def _any_case_or_width(label: str) -> str:
    """A pattern for an ASCII label as NFKC and case folding would match it: each character
    also full-width (ｍｙ　ｎｕｍｂｅｒ), a space also U+3000 (case by re.IGNORECASE)."""
    return "".join("[ \u3000]" if ch == " " else f"[{re.escape(ch)}{re.escape(chr(ord(ch) + 0xFEE0))}]"
                   for ch in label)


def _joined(block: TableBlock) -> tuple[list[str], str]:
    """Each row's cells joined by the cell separator, and the rows joined by the row separator."""
    row_strs = [_CELL_SEP.join(row) for row in block.rows]
    return row_strs, _ROW_SEP.join(row_strs)


def _merge_windows(spans: list[tuple[int, int]], width: int, size: int) -> list[tuple[int, int]]:
    windows: list[tuple[int, int]] = []
    for start, end in spans:
        lo, hi = max(0, start - width), min(size, end + width)
        if windows and lo <= windows[-1][1]:
            windows[-1] = (windows[-1][0], max(windows[-1][1], hi))
        else:
            windows.append((lo, hi))
    return windows


class _ColumnOf:
    """The column of a position in a joined table text, counted on from the previous
    position asked in the same row, not from the row's start: a row of 200,000 cells would
    otherwise cost its width per hit. Within a row, positions are asked in order."""

    __slots__ = ("_text", "_row", "_pos", "_col")

    def __init__(self, text: str) -> None:
        self._text, self._row, self._pos, self._col = text, -1, 0, 0

    def __call__(self, row: int, row_start: int, pos: int) -> int:
        if row != self._row or pos < self._pos:
            self._row, self._pos, self._col = row, row_start, 0
        self._col += self._text.count(_CELL_SEP, self._pos, pos)
        self._pos = pos
        return self._col


_SPARSE_ROWS = 0.5  # a block with candidates in more of its rows than this is read whole


def _rows_of(candidates: Iterable[re.Match[str]], joined: str, n_rows: int) -> list[int] | None:
    """The rows the candidates are in, in order; None when they are most of the block's
    rows (reading them apart would only cost more)."""
    seps = [m.start() for m in _ROW_SEP_RE.finditer(joined)]  # row r ends at seps[r]
    rows: set[int] = set()
    for m in candidates:
        rows.update(range(bisect_left(seps, m.start()), bisect_left(seps, m.end()) + 1))
        if len(rows) > _SPARSE_ROWS * n_rows:
            return None
    return sorted(rows)


def _candidate_cells(matches: Iterable[re.Match[str]], joined: str, row_strs: list[str]) -> dict[int, set[int]]:
    """Map candidate positions in the joined table string back to (row, col), hits only."""
    cells: dict[int, set[int]] = {}
    row_starts: list[int] | None = None
    column_of = _ColumnOf(joined)
    for m in matches:
        if row_starts is None:
            row_starts, acc = [], 0
            for s in row_strs:
                row_starts.append(acc)
                acc += len(s) + 1
        r = bisect_right(row_starts, m.start()) - 1
        cells.setdefault(r, set()).add(column_of(r, row_starts[r], m.start()))
    return cells
