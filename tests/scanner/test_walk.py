import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from scanner.model import Outcome
from scanner.walk import RootError, walk

REPO = Path(__file__).resolve().parents[2]


Problem = tuple[bytes, Outcome, str]


def run_walk(*roots: bytes | str | os.PathLike[str], zone: str = "local") -> tuple[list[bytes], list[Problem]]:
    problems: list[Problem] = []
    files = [ref.raw_path for ref in walk(list(roots), lambda _r: zone,
                                          on_problem=lambda *p: problems.append(p))]
    return files, problems


def rel(root: Path, paths: list[bytes]) -> list[bytes]:
    prefix = os.fsencode(root) + b"/"
    return [p.removeprefix(prefix) for p in paths]


def test_files_in_sorted_depth_first_order_with_stat_facts(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.txt").write_text("z")
    (tmp_path / "b" / "a.txt").write_text("aa")
    (tmp_path / "a.csv").write_text("x")
    (tmp_path / "c.txt").write_text("c")
    problems: list[Problem] = []
    refs = list(walk([os.fsencode(tmp_path)], lambda _r: "shared", on_problem=lambda *p: problems.append(p)))
    assert rel(tmp_path, [r.raw_path for r in refs]) == [b"a.csv", b"b/a.txt", b"b/z.txt", b"c.txt"]
    ref = refs[1]
    st = os.lstat(ref.raw_path)
    assert (ref.size, ref.mtime_ns, ref.inode, ref.mode) == (2, st.st_mtime_ns, st.st_ino, st.st_mode)
    assert ref.root == os.fsencode(tmp_path) and ref.zone == "shared"
    assert problems == []


def test_undecodable_file_name_is_walked(tmp_path: Path) -> None:
    raw_dir = os.fsencode(tmp_path)
    name = raw_dir + b"/\x82\xa0\xff.txt"
    with open(name, "wb") as fh:
        fh.write(b"data")
    files, problems = run_walk(raw_dir)
    assert files == [name]
    assert problems == []
    ref = next(walk([raw_dir], on_problem=lambda *_p: None))
    assert ref.path.endswith("/\\x82\\xa0\\xff.txt")  # printable, escaped, not dropped


def test_special_files_are_reported_unsupported_without_opening(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    sock = socket.socket(socket.AF_UNIX)
    sock_path = tmp_path / "s.sock"
    sock.bind(str(sock_path))
    try:
        files, problems = run_walk(tmp_path)  # a FIFO opened for reading would block here
    finally:
        sock.close()
    assert files == []
    assert {(Path(os.fsdecode(p[0])).name, p[1], p[2]) for p in problems} == {
        ("pipe", Outcome.UNSUPPORTED, "fifo"),
        ("s.sock", Outcome.UNSUPPORTED, "socket"),
    }


def test_device_root_is_unsupported() -> None:
    files, problems = run_walk("/dev/null")
    assert files == []
    assert [(p[1], p[2]) for p in problems] == [(Outcome.UNSUPPORTED, "device")]


def test_symlinks_are_not_followed_and_are_reported(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("x")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "real.txt").write_text("r")
    (tree / "link-to-file").symlink_to(tree / "real.txt")
    (tree / "link-out").symlink_to(outside)
    (tree / "loop").symlink_to(tree)
    (tree / "dangling").symlink_to(tmp_path / "nowhere")
    files, problems = run_walk(tree)
    assert rel(tree, files) == [b"real.txt"]
    assert sorted(rel(tree, [p[0] for p in problems])) == [b"dangling", b"link-out", b"link-to-file", b"loop"]
    reasons = {os.path.basename(p[0]): p[2] for p in problems}
    assert {p[1] for p in problems} == {Outcome.UNSUPPORTED}
    assert reasons[b"link-to-file"] == reasons[b"loop"] == "symlink to a path inside the sweep root (checked there)"
    assert reasons[b"link-out"] == f"symlink to {outside}, outside the sweep root (not followed)"
    assert reasons[b"dangling"] == "symlink that does not resolve (dangling or a loop)"


def test_a_symlink_cycle_is_reported_not_followed(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    files, problems = run_walk(tmp_path)
    assert files == []
    assert {p[2] for p in problems} == {"symlink that does not resolve (dangling or a loop)"}


def test_root_given_as_symlink_is_followed(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f.txt").write_text("f")
    (tmp_path / "alias").symlink_to(tmp_path / "d")
    files, _ = run_walk(tmp_path / "alias")
    assert files == [os.fsencode(tmp_path / "alias" / "f.txt")]


def test_same_directory_twice_is_walked_once(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("f")
    files, _ = run_walk(tmp_path, tmp_path)
    assert len(files) == 1


def test_missing_root_is_a_clear_error_before_anything_is_yielded(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("f")
    gen = walk([os.fsencode(tmp_path), os.fsencode(tmp_path / "missing")], on_problem=lambda *_p: None)
    with pytest.raises(RootError, match="does not exist: .*missing"):
        next(gen)


def test_file_root_is_yielded(tmp_path: Path) -> None:
    f = tmp_path / "single.csv"
    f.write_text("a,b")
    files, problems = run_walk(f)
    assert files == [os.fsencode(f)] and problems == []
    [ref] = walk([f], on_problem=lambda *p: None)
    assert ref.root == os.fsencode(tmp_path)  # the folder its exposure is judged in, not the file


def test_entry_vanishing_between_listing_and_stat_is_reported(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gone.txt").write_text("g")
    (tmp_path / "stays.txt").write_text("s")
    real_lstat = os.lstat

    def lstat_then_delete(path: bytes) -> os.stat_result:
        if path.endswith(b"gone.txt") and os.path.exists(path):
            os.unlink(path)  # the race: listed, then deleted before stat
        return real_lstat(path)

    monkeypatch.setattr("scanner.walk.os.lstat", lstat_then_delete)
    files, problems = run_walk(tmp_path)
    assert rel(tmp_path, files) == [b"stays.txt"]
    assert [(Path(os.fsdecode(p[0])).name, p[1]) for p in problems] == [("gone.txt", Outcome.VANISHED)]


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A directory an unprivileged user can reach (pytest's tmp_path is 0700 root's)."""
    path = Path(tempfile.mkdtemp(prefix="walk-perm-", dir="/tmp"))
    path.chmod(0o755)
    yield path
    for p in path.rglob("*"):
        if p.is_dir():
            p.chmod(0o755)
    shutil.rmtree(path)


WALK_AS_NOBODY = """
import json, os, sys
from scanner.walk import walk  # imported first: the unprivileged user may not reach the code
if os.geteuid() == 0:
    os.setgid(65534); os.setuid(65534)  # root ignores permissions: drop them for real
problems = []
files = [r.raw_path.decode() for r in walk([sys.argv[1].encode()], on_problem=lambda *p: problems.append(p))]
print(json.dumps({"files": files, "problems": [[p[0].decode(), p[1].value, p[2]] for p in problems]}))
"""


def test_permission_denied_directory_is_unreadable(shared_tmp: Path) -> None:
    (shared_tmp / "open").mkdir()
    (shared_tmp / "open" / "ok.txt").write_text("ok")
    locked = shared_tmp / "locked"
    locked.mkdir()
    (locked / "hidden.txt").write_text("h")
    locked.chmod(0o000)
    out = subprocess.run([sys.executable, "-c", WALK_AS_NOBODY, str(shared_tmp)], cwd=REPO,
                         capture_output=True, text=True, check=True, timeout=60)
    result = json.loads(out.stdout)
    assert result["files"] == [str(shared_tmp / "open" / "ok.txt")]
    assert result["problems"] == [[str(locked), "unreadable", "PermissionError: Permission denied"]]
