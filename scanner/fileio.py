"""Opening a file for scanning: no atime update, no blocking, no symlink, counted reads.

``open_for_scan`` opens with O_NOATIME where the OS allows it (only the owner or
root may; EPERM falls back quietly to a plain open), O_NOFOLLOW (a symlink swapped in
after the walk is refused, not followed) and O_NONBLOCK (a FIFO swapped in does not
hang the scan; the caller checks fstat before reading). ``PreadFile`` gives any number
of independent, seekable streams over one descriptor, so extractors can reopen a file
without opening it again.
"""

from __future__ import annotations

import errno
import io
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import BinaryIO

O_NOATIME = getattr(os, "O_NOATIME", 0)
_BASE_FLAGS = (os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
               | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))


# A file whose content is elsewhere until it is read: OneDrive and SharePoint "Files On-Demand"
# and other cloud or archive (HSM) placeholders on Windows, iCloud Drive's on macOS. Reading one
# downloads it: a sweep of a profile moved to OneDrive would fetch gigabytes onto every PC.
_FILE_ATTRIBUTE_OFFLINE = 0x00001000
_FILE_ATTRIBUTE_RECALL_ON_OPEN = 0x00040000
_FILE_ATTRIBUTE_RECALL_ON_DATA_ACCESS = 0x00400000
_RECALL = _FILE_ATTRIBUTE_OFFLINE | _FILE_ATTRIBUTE_RECALL_ON_OPEN | _FILE_ATTRIBUTE_RECALL_ON_DATA_ACCESS
_SF_DATALESS = 0x40000000  # macOS st_flags: the data is in iCloud, not on this disk


def content_elsewhere(st: os.stat_result) -> bool:
    """True for a placeholder whose content is not on this disk (see _RECALL)."""
    return bool(getattr(st, "st_file_attributes", 0) & _RECALL or getattr(st, "st_flags", 0) & _SF_DATALESS)


def open_for_scan(path: bytes) -> int:
    """A read-only descriptor for ``path``; raises OSError as os.open does."""
    if O_NOATIME:
        try:
            return os.open(path, _BASE_FLAGS | O_NOATIME)
        except PermissionError as exc:
            if exc.errno != errno.EPERM:  # EACCES is a real permission problem
                raise
    return os.open(path, _BASE_FLAGS)


@dataclass(slots=True)
class ReadCounter:
    """Bytes read through every stream of one file."""

    total: int = 0


class PreadFile(io.RawIOBase):
    """A seekable read-only stream over a shared descriptor; does not close it."""

    def __init__(self, fd: int, size: int, counter: ReadCounter) -> None:
        super().__init__()
        self._fd = fd
        self._size = size
        self._pos = 0
        self._counter = counter

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise ValueError("negative seek position")
        self._pos = base + offset
        return self._pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = os.pread(self._fd, len(buffer), self._pos)
        n = len(data)
        memoryview(buffer).cast("B")[:n] = data
        self._pos += n
        self._counter.total += n
        return n


def stream_opener(fd: int, size: int, counter: ReadCounter) -> Callable[[], BinaryIO]:
    """A Source.opener: each call gives a fresh buffered stream at offset 0."""

    def opener() -> BinaryIO:
        return io.BufferedReader(PreadFile(fd, size, counter), buffer_size=1 << 16)

    return opener


def read_head(fd: int, size: int, counter: ReadCounter) -> bytes:
    data = os.pread(fd, size, 0)
    counter.total += len(data)
    return data
