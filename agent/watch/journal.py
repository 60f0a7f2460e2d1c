"""Which file each scanning thread is reading, kept on disk while it reads.

The agent reads files in its own process. If a native parser crashes the process on
one file, systemd restarts the agent, the startup walk finds the file again and the
agent would crash again, for ever. With this journal the next start knows which file
took the process down: it is recorded as `unsupported` with that reason and is not read
again until it changes (size, mtime or inode).
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from scanner.model import FileRef


@dataclass(frozen=True)
class Leftover:
    """A file that was being read when the previous agent process died."""

    raw_path: bytes
    size: int
    mtime_ns: int
    inode: int


class ScanJournal:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)

    def _entry(self) -> Path:
        return self.folder / f"{os.getpid()}-{threading.get_ident()}.json"

    def begin(self, ref: FileRef) -> None:
        record = {"path": ref.raw_path.hex(), "size": ref.size, "mtime_ns": ref.mtime_ns, "inode": ref.inode}
        self._entry().write_text(json.dumps(record), encoding="ascii")

    def end(self) -> None:
        self._entry().unlink(missing_ok=True)

    def leftovers(self) -> list[Leftover]:
        """Entries left by processes that died mid-read (this process's own are never here
        at start); they are removed as they are read."""
        found = []
        for entry in sorted(self.folder.glob("*.json")):
            try:
                data = json.loads(entry.read_text(encoding="ascii"))
                found.append(Leftover(bytes.fromhex(data["path"]), int(data["size"]), int(data["mtime_ns"]),
                                      int(data["inode"])))
            except (OSError, ValueError, KeyError, TypeError):
                pass  # a torn write: the process died before it began reading anything
            entry.unlink(missing_ok=True)
        return found
