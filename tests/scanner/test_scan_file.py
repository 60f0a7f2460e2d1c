import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from scanner import scan as scan_module
from scanner.errors import Encrypted
from scanner.extract import Source
from scanner.limits import ScanLimits
from scanner.model import Block, Finding, Outcome, TableBlock, TextBlock
from scanner.scan import init_worker, safe_reason, scan_file, scan_in_worker, scan_source
from scanner.walk import walk

REPO = Path(__file__).resolve().parents[2]
PLANTED = "1234-567890"  # a fake pension number
LETTER = f"山田太郎様(架空)\n基礎年金番号 {PLANTED} をお知らせします。\n"


@dataclass
class FakeDetection:
    findings: list[Finding]
    pension_records: int


@dataclass
class FakeEngine:
    """Finds PLANTED in decoded text or cells; remembers what it saw."""

    prefilter_calls: int = 0
    scanned: list[Block] = field(default_factory=list)
    header_of_hit: list[str] = field(default_factory=list)

    def prefilter(self, data: bytes) -> bool:
        self.prefilter_calls += 1
        return b"1234" in data

    def scan(self, blocks: Iterable[Block]) -> FakeDetection:
        findings: list[Finding] = []
        for block in blocks:
            self.scanned.append(block)
            findings.extend(self._find(block))
        return FakeDetection(findings, len(findings))

    def scan_name(self, name: str) -> FakeDetection:
        found = [Finding("pension_number", 0.9, "h", "1234-****90", "path")] if PLANTED in name else []
        return FakeDetection(found, len(found))

    def _find(self, block: Block) -> Iterator[Finding]:
        if isinstance(block, TextBlock):
            if PLANTED in block.text and "基礎年金番号" in block.text:
                yield Finding("pension_number", 0.9, "h", "1234-****90", f"line {block.first_line}")
            return
        for r, row in enumerate(block.rows):
            for c, cell in enumerate(row):
                if cell == PLANTED:
                    self.header_of_hit.append(block.headers[c] if c < len(block.headers) else "")
                    yield Finding("pension_number", 0.9, "h", "1234-****90", f"row {block.first_row + r}")


def write(path: Path, data: bytes) -> bytes:
    raw = os.fsencode(path)
    with open(raw, "wb") as fh:
        fh.write(data)
    return raw


@pytest.mark.parametrize("codec", ["utf-8", "utf-8-sig", "utf-16", "utf-16-be-bom", "cp932", "euc-jp"])
def test_text_file_in_each_encoding_has_findings(tmp_path: Path, codec: str) -> None:
    data = b"\xfe\xff" + LETTER.encode("utf-16-be") if codec == "utf-16-be-bom" else LETTER.encode(codec)
    path = write(tmp_path / "letter.txt", data)
    result = scan_file(path, FakeEngine())
    assert result.outcome is Outcome.FINDINGS, result
    assert result.file_type == "text"
    assert result.findings[0].location == "line 1"
    assert result.bytes_read >= len(data)


@pytest.mark.parametrize("variant", ["nul-padded cp932", "utf-16-le without bom"])
def test_exports_with_nul_bytes_are_read_not_called_binary(tmp_path: Path, variant: str) -> None:
    # a database export that pads its fields with NULs; bcp -w's UTF-16 without a BOM, names
    # spaced by U+3000
    rows = ["氏名,基礎年金番号"] + [f"山田　{given},{PLANTED}" for given in ("太郎", "一郎", "花子")] * 30
    data = ("\r\n".join(rows).encode("utf-16-le") if variant.startswith("utf-16")
            else "\r\n".join(rows).encode("cp932").replace(b",", b"\x00\x00\x00,"))
    result = scan_file(write(tmp_path / "export.csv", data), FakeEngine())
    assert result.outcome is Outcome.FINDINGS, result
    assert len(result.findings) == 90


def test_a_number_in_the_file_name_is_a_finding_whatever_the_content(tmp_path: Path) -> None:
    clean = scan_file(write(tmp_path / f"通知_{PLANTED}.txt", "お知らせ".encode()), FakeEngine())
    assert clean.outcome is Outcome.FINDINGS and [f.location for f in clean.findings] == ["path"]
    # a scan of the 年金手帳 (a picture): its content unread, its name still counts
    picture = scan_file(write(tmp_path / f"年金手帳_{PLANTED}.bin", bytes(range(256)) * 8), FakeEngine())
    assert picture.outcome is Outcome.FINDINGS and picture.pension_records == 1
    assert [(p.where, p.outcome) for p in picture.parts] == [("content", Outcome.UNSUPPORTED)]
    assert picture.reason.startswith("not read: content (unsupported")


def test_a_name_repeating_the_content_adds_no_record(tmp_path: Path) -> None:
    result = scan_file(write(tmp_path / f"{PLANTED}.txt", LETTER.encode()), FakeEngine())
    assert result.outcome is Outcome.FINDINGS and result.pension_records == 1
    assert [f.location for f in result.findings] == ["line 1"]


def test_a_vanished_file_is_not_judged_by_its_name(tmp_path: Path) -> None:
    assert scan_file(tmp_path / f"{PLANTED}.txt", FakeEngine()).outcome is Outcome.VANISHED


class _StatWith:
    """A real stat result with the attribute another OS would add."""

    def __init__(self, real: os.stat_result, **extra: int) -> None:
        self._real, self._extra = real, extra

    def __getattr__(self, name: str) -> object:
        return self._extra[name] if name in self._extra else getattr(self._real, name)


@pytest.mark.parametrize("extra", [{"st_file_attributes": 0x00400000},  # Windows: OneDrive Files On-Demand
                                   {"st_file_attributes": 0x00001000},  # Windows: offline (HSM)
                                   {"st_flags": 0x40000000}])  # macOS: iCloud, dataless
def test_a_cloud_placeholder_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         extra: dict[str, int]) -> None:
    # reading it would download it: on a PC whose Documents live in OneDrive, the whole share
    path = write(tmp_path / "名簿.txt", LETTER.encode())
    real_lstat = os.lstat
    monkeypatch.setattr(scan_module.os, "lstat", lambda p: _StatWith(real_lstat(p), **extra))
    engine = FakeEngine()
    result = scan_file(path, engine)
    assert (result.outcome, result.reason) == (Outcome.UNSUPPORTED, scan_module.CLOUD_PLACEHOLDER)
    assert engine.scanned == [] and engine.prefilter_calls == 0
    named = scan_file(write(tmp_path / f"{PLANTED}.txt", b"x"), engine)  # its name is on this disk
    assert named.outcome is Outcome.FINDINGS and [p.where for p in named.parts] == ["content"]


def test_undecodable_file_name_is_scanned(tmp_path: Path) -> None:
    path = os.fsencode(tmp_path) + b"/\x82\xa0\xff.txt"
    with open(path, "wb") as fh:
        fh.write(LETTER.encode("cp932"))
    (ref,) = list(walk([os.fsencode(tmp_path)], on_problem=lambda *_p: None))
    assert scan_file(ref, FakeEngine()).outcome is Outcome.FINDINGS


def test_prefilter_no_means_clean_without_decoding(tmp_path: Path) -> None:
    path = write(tmp_path / "plain.txt", "何もない文書です。\n".encode("cp932") * 100_000)
    engine = FakeEngine()
    result = scan_file(path, engine)
    assert result.outcome is Outcome.CLEAN and result.file_type == "text"
    assert engine.scanned == []  # never decoded or extracted
    assert engine.prefilter_calls >= 2  # streamed in chunks, not one read


def test_prefilter_sees_candidate_on_chunk_boundary(tmp_path: Path) -> None:
    head = b"x" * (scan_module.PREFILTER_CHUNK - 2)
    path = write(tmp_path / "edge.txt", head + "1234-567890 基礎年金番号\n".encode())
    assert scan_file(path, FakeEngine()).outcome is Outcome.FINDINGS


def test_utf16_skips_the_raw_prefilter(tmp_path: Path) -> None:
    path = write(tmp_path / "u16.txt", LETTER.encode("utf-16"))
    engine = FakeEngine()
    assert scan_file(path, engine).outcome is Outcome.FINDINGS
    assert engine.prefilter_calls == 0


def test_csv_header_gives_context_500_rows_below(tmp_path: Path) -> None:
    rows = "".join(f"架空{i},\n" for i in range(2, 500))
    path = write(tmp_path / "roster.csv", f"氏名,年金番号\n{rows}架空500,{PLANTED}\n".encode("cp932"))
    engine = FakeEngine()
    result = scan_file(path, engine)
    assert result.outcome is Outcome.FINDINGS and result.file_type == "csv"
    assert result.findings[0].location == "row 500"
    assert engine.header_of_hit == ["年金番号"]


@pytest.mark.timeout(20)
def test_fifo_is_unsupported_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    result = scan_file(os.fsencode(fifo), FakeEngine())
    assert (result.outcome, result.reason) == (Outcome.UNSUPPORTED, "fifo")


@pytest.mark.timeout(20)
def test_fifo_swapped_in_after_lstat_does_not_block(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    monkeypatch.setattr(scan_module, "_precheck", lambda _path, _limits: None)  # the race: it was a file
    result = scan_file(os.fsencode(fifo), FakeEngine())
    assert (result.outcome, result.reason) == (Outcome.UNSUPPORTED, "fifo")


def test_symlink_is_not_read(tmp_path: Path) -> None:
    target = tmp_path / "real.txt"
    write(target, LETTER.encode())
    (tmp_path / "link.txt").symlink_to(target)
    result = scan_file(tmp_path / "link.txt", FakeEngine())
    assert (result.outcome, result.reason) == (Outcome.UNSUPPORTED, "symlink")


def test_vanished_between_walk_and_scan(tmp_path: Path) -> None:
    write(tmp_path / "gone.txt", LETTER.encode())
    (ref,) = list(walk([tmp_path], on_problem=lambda *_p: None))
    os.unlink(ref.raw_path)
    assert scan_file(ref, FakeEngine()).outcome is Outcome.VANISHED


def test_sparse_2gb_file_over_cap_is_too_large_instantly(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with open(path, "wb") as fh:
        fh.truncate(2 * 1024**3)
    engine = FakeEngine()
    started = time.monotonic()
    result = scan_file(path, engine, ScanLimits(max_file_bytes=10 * 1024 * 1024))
    assert time.monotonic() - started < 1.0
    assert result.outcome is Outcome.TOO_LARGE and "max_file_bytes" in result.reason
    assert engine.prefilter_calls == 0 and result.bytes_read == 0


def test_permission_error_on_open_is_unreadable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "secret.txt", LETTER.encode())

    def denied(_path: bytes) -> int:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(scan_module, "open_for_scan", denied)
    result = scan_file(path, FakeEngine())
    assert result.outcome is Outcome.UNREADABLE and "Permission denied" in result.reason


SCAN_AS_NOBODY = """
import json, os, sys
from scanner.scan import scan_file
from tests_fake import FakeEngine
if os.geteuid() == 0:
    os.setgid(65534); os.setuid(65534)  # root ignores permissions: drop them for real
r = scan_file(sys.argv[1].encode(), FakeEngine())
print(json.dumps([r.outcome.value, r.reason]))
"""


def test_chmod_000_file_is_unreadable_for_a_real_user() -> None:
    shared = Path(tempfile.mkdtemp(prefix="scan-perm-", dir="/tmp"))
    try:
        shared.chmod(0o755)
        secret = shared / "secret.txt"
        write(secret, LETTER.encode())
        secret.chmod(0o000)
        (shared / "tests_fake.py").write_text(
            "class FakeEngine:\n"
            "    def prefilter(self, data): return True\n"
            "    def scan(self, blocks): raise AssertionError('must not be read')\n"
            "    def scan_name(self, name):\n"
            "        return type('Detection', (), {'findings': [], 'pension_records': 0})()\n")
        out = subprocess.run([sys.executable, "-c", SCAN_AS_NOBODY, str(secret)], cwd=REPO, capture_output=True,
                             text=True, timeout=60, env={**os.environ, "PYTHONPATH": f"{REPO}:{shared}"})
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout) == ["unreadable", "PermissionError: Permission denied"]
    finally:
        shutil.rmtree(shared)


def test_read_does_not_update_atime(tmp_path: Path) -> None:
    path = write(tmp_path / "letter.txt", LETTER.encode())
    old = time.time() - 10 * 86400
    os.utime(path, (old, time.time()))  # atime older than mtime: relatime would update it
    with open(path, "rb") as fh:
        fh.read()
    if os.stat(path).st_atime == old:
        pytest.skip("this filesystem does not update atime on read")
    os.utime(path, (old, time.time()))
    assert scan_file(path, FakeEngine()).outcome is Outcome.FINDINGS
    assert os.stat(path).st_atime == old


def test_binary_file_is_unsupported(tmp_path: Path) -> None:
    path = write(tmp_path / "blob.dat", bytes(range(256)) * 64 + b"1234")
    result = scan_file(path, FakeEngine())
    assert (result.outcome, result.reason) == (Outcome.UNSUPPORTED, "binary")


def test_timeout(tmp_path: Path) -> None:
    path = write(tmp_path / "letter.txt", LETTER.encode() * 10_000)
    result = scan_file(path, FakeEngine(), ScanLimits(per_file_seconds=0.0))
    assert result.outcome is Outcome.TIMEOUT and "per-file time limit" in result.reason


def test_engine_exception_is_error_with_masked_reason(tmp_path: Path) -> None:
    class Broken(FakeEngine):
        def scan(self, blocks: Iterable[Block]) -> FakeDetection:
            raise ValueError(f"invalid literal for int() with base 10: '{PLANTED}' near 1234567890")

    result = scan_file(write(tmp_path / "letter.txt", LETTER.encode()), Broken())
    assert result.outcome is Outcome.ERROR
    assert result.reason.startswith("ValueError: invalid literal")
    assert PLANTED not in result.reason and "1234567890" not in result.reason and "567890" not in result.reason


def test_safe_reason_masks_quotes_and_digit_runs() -> None:
    assert safe_reason(KeyError("山田太郎")) == "KeyError: '…'"
    assert safe_reason(ValueError("bad 123456789012 at 12")) == "ValueError: bad ############ at 12"


def _source_raising(exc: Exception, after: bytes = b"") -> Source:
    def opener():
        raise exc

    return Source(name="x.txt", size=100, opener=opener, head=after)


def test_io_error_while_reading_is_unreadable() -> None:
    result = scan_source(_source_raising(OSError(errno.EIO, "Input/output error"), b"1234 text"), FakeEngine())
    assert result.outcome is Outcome.UNREADABLE and "Input/output error" in result.reason


def test_encrypted_stop_sets_protection(monkeypatch: pytest.MonkeyPatch) -> None:
    def extract(_source: Source, _ctx: object) -> Iterator[Block]:
        raise Encrypted("zip-aes")
        yield  # pragma: no cover

    monkeypatch.setattr("scanner.extract.text.extract_text", extract)
    monkeypatch.setattr("scanner.extract.text.FORMATS", [])
    from scanner.extract import FormatSpec

    spec = FormatSpec("fake", lambda _s: True, extract)
    monkeypatch.setattr(scan_module, "sniff", lambda _s: spec)
    result = scan_source(Source.from_bytes("a.zip", b"PK"), FakeEngine())
    assert (result.outcome, result.encrypted, result.protection) == (Outcome.ENCRYPTED, True, "zip-aes")


def test_findings_before_a_stop_are_kept_with_a_part_note(monkeypatch: pytest.MonkeyPatch) -> None:
    from scanner.extract import FormatSpec

    def extract(_source: Source, _ctx: object) -> Iterator[Block]:
        yield TableBlock(rows=[["氏名", "番号"], ["架空", PLANTED]], headers=["氏名", "番号"])
        raise RuntimeError("parser broke")

    spec = FormatSpec("fake", lambda _s: True, extract)
    monkeypatch.setattr(scan_module, "sniff", lambda _s: spec)
    result = scan_source(Source.from_bytes("a.bin", b"x"), FakeEngine())
    assert result.outcome is Outcome.FINDINGS and len(result.findings) == 1
    assert [(p.outcome, p.reason) for p in result.parts] == [(Outcome.ERROR, "scan incomplete: RuntimeError: parser broke")]


def test_worker_entry_point(tmp_path: Path) -> None:
    path = write(tmp_path / "letter.txt", LETTER.encode())
    init_worker(FakeEngine, ScanLimits())
    assert scan_in_worker(path).outcome is Outcome.FINDINGS


# --- with the real detection engine ----------------------------------------------------


@pytest.fixture(scope="module")
def engine():
    from scanner.detect import load_engine

    return load_engine()


@pytest.mark.parametrize("codec", ["cp932", "utf-8-sig", "utf-16", "euc-jp"])
def test_real_engine_csv_header_500_rows_above(tmp_path: Path, engine, codec: str) -> None:
    rows = "".join(f"架空{i},\n" for i in range(2, 500))
    path = write(tmp_path / "roster.csv", f"氏名,基礎年金番号\n{rows}山田,{PLANTED}\n".encode(codec))
    result = scan_file(path, engine)
    assert result.outcome is Outcome.FINDINGS
    pension = [f for f in result.findings if f.detector == "pension_number"]
    assert [f.location for f in pension] == ["B500"]
    assert any("header" in r for r in pension[0].reasons)
    assert PLANTED not in json.dumps([f.masked for f in result.findings])


def test_real_engine_clean_text_is_clean(tmp_path: Path, engine) -> None:
    path = write(tmp_path / "memo.txt", "会議のお知らせ(架空)\n議題なし。\n".encode("cp932") * 1000)
    assert scan_file(path, engine).outcome is Outcome.CLEAN
