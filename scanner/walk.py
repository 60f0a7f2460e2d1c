"""Walk sweep roots and yield every regular file as a FileRef, from stat alone.

- Bytes paths throughout, so names that are not valid UTF-8 (old NAS, CP932) work.
- Symlinks are never followed, never read and never descended. Each one is reported
  to ``on_problem`` (outcome ``unsupported``) so nothing is skipped silently, with a
  reason saying where it points: inside the sweep root (its target is found under its
  real path), outside it (a gap in coverage, named), or nowhere. A root given as a
  symlink *is* followed: the user named it.
- Directories are tracked by (st_dev, st_ino): a loop (bind mount) is walked once.
- FIFOs, sockets and devices are reported as ``unsupported`` ("fifo", "socket",
  "device") without being opened; permission-denied directories as ``unreadable``;
  entries gone between listing and stat as ``vanished``.
- A root that does not exist raises RootError before anything is yielded.
- Order is deterministic: entries are visited in sorted (byte) order, depth first.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from .model import FileRef, Outcome, display_path


class RootError(Exception):
    """A sweep root is missing or cannot be examined."""


ProblemSink = Callable[[bytes, Outcome, str], None]
"""Receives (raw path, outcome, reason) for every entry that is not a regular file."""


def special_kind(mode: int) -> str | None:
    """What a non-regular file is (fifo, socket, device, symlink); None otherwise."""
    if stat.S_ISFIFO(mode):
        return "fifo"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "device"
    if stat.S_ISLNK(mode):
        return "symlink"
    return None


def symlink_reason(link: bytes, root: bytes) -> str:
    """Where a symlink (never followed) points, for the record: a target inside the sweep
    root is checked at its own path; one outside is a gap in coverage the reason names."""
    target = os.path.realpath(link)  # resolves chains without reading any file
    if not os.path.exists(target):
        return "symlink that does not resolve (dangling or a loop)"
    real_root = os.path.realpath(root)
    if target == real_root or target.startswith(real_root.rstrip(b"/") + b"/"):
        return "symlink to a path inside the sweep root (checked there)"
    return f"symlink to {display_path(target)}, outside the sweep root (not followed)"


def _os_reason(exc: OSError) -> str:
    return f"{type(exc).__name__}: {os.strerror(exc.errno) if exc.errno else exc}"


@dataclass(slots=True)
class _Walker:
    root: bytes
    zone: str
    on_problem: ProblemSink
    seen_dirs: set[tuple[int, int]]

    def problem(self, path: bytes, outcome: Outcome, reason: str) -> None:
        self.on_problem(path, outcome, reason)

    def file_ref(self, path: bytes, st: os.stat_result) -> FileRef:
        return FileRef(raw_path=path, size=st.st_size, mtime_ns=st.st_mtime_ns, inode=st.st_ino,
                       mode=st.st_mode, root=self.root, zone=self.zone)

    def list_dir(self, path: bytes) -> list[bytes]:
        """Sorted child paths of ``path``; problems reported, never raised."""
        try:
            with os.scandir(path) as entries:
                return sorted(entry.path for entry in entries)
        except FileNotFoundError:
            self.problem(path, Outcome.VANISHED, "directory vanished before listing")
        except OSError as exc:  # PermissionError among them
            self.problem(path, Outcome.UNREADABLE, _os_reason(exc))
        return []

    def visit(self, path: bytes, st: os.stat_result) -> Iterator[FileRef]:
        """Yield FileRefs for ``path`` (already lstat'ed) and, for a directory, below it."""
        stack: list[Iterator[bytes]] = []
        if not self.enter(path, st, stack) and stat.S_ISREG(st.st_mode):
            yield self.file_ref(path, st)
        while stack:
            child = next(stack[-1], None)
            if child is None:
                stack.pop()
                continue
            try:
                child_st = os.lstat(child)
            except FileNotFoundError:
                self.problem(child, Outcome.VANISHED, "vanished between listing and stat")
                continue
            except OSError as exc:
                self.problem(child, Outcome.UNREADABLE, _os_reason(exc))
                continue
            if self.enter(child, child_st, stack):
                continue
            if stat.S_ISREG(child_st.st_mode):
                yield self.file_ref(child, child_st)
            elif stat.S_ISLNK(child_st.st_mode):
                self.problem(child, Outcome.UNSUPPORTED, symlink_reason(child, self.root))
            else:
                self.problem(child, Outcome.UNSUPPORTED, special_kind(child_st.st_mode) or "unknown file type")

    def enter(self, path: bytes, st: os.stat_result, stack: list[Iterator[bytes]]) -> bool:
        """Push a directory's children onto ``stack``; True if ``path`` is a directory."""
        if not stat.S_ISDIR(st.st_mode):
            return False
        key = (st.st_dev, st.st_ino)
        if key not in self.seen_dirs:  # a loop (bind mount) or a root given twice
            self.seen_dirs.add(key)
            stack.append(iter(self.list_dir(path)))
        return True


def _stat_root(root: bytes) -> os.stat_result:
    try:
        return os.stat(root)  # a root named as a symlink is followed on purpose
    except FileNotFoundError:
        raise RootError(f"sweep root does not exist: {display_path(root)}") from None
    except OSError as exc:
        raise RootError(f"sweep root cannot be examined: {display_path(root)} ({_os_reason(exc)})") from None


def walk(roots: Sequence[bytes | str | os.PathLike[str]], zone_for: Callable[[bytes], str] = lambda _path: "local", *,
         on_problem: ProblemSink) -> Iterator[FileRef]:
    """Yield a FileRef for every regular file under ``roots`` (files or directories).

    ``zone_for(root)`` names each root's zone. Every entry that is not a regular
    file, and every directory that cannot be listed, goes to ``on_problem`` as a
    (path, outcome, reason) (no default: a caller must decide what to do with them).
    Raises RootError, before yielding anything, when a root is missing.
    """
    raw_roots = [os.fsencode(r) for r in roots]
    root_stats = [_stat_root(r) for r in raw_roots]
    seen_dirs: set[tuple[int, int]] = set()
    for root, st in zip(raw_roots, root_stats, strict=True):
        # A file named as a root is judged within its folder: the exposure walk needs a
        # folder to climb to (the file's own mode and that folder's).
        folder = root if stat.S_ISDIR(st.st_mode) else os.path.dirname(os.path.abspath(root))
        walker = _Walker(folder, zone_for(root), on_problem, seen_dirs)
        if not (stat.S_ISDIR(st.st_mode) or stat.S_ISREG(st.st_mode)):
            walker.problem(root, Outcome.UNSUPPORTED, special_kind(st.st_mode) or "unknown file type")
            continue
        yield from walker.visit(root, st)
