"""Which file each scanning thread is reading, kept on disk while it reads.

The agent reads files in its own process. If a native parser crashes the process on
one file, systemd restarts the agent, the startup walk finds the file again and the
agent would crash again, for ever. With this journal the next start knows which file
the process died on. One death may be somebody's `kill -9`: the file becomes a suspect
and is read again. A second death on the same unchanged file is the file's doing: it is
recorded as `unsupported` with that reason and not read again until it changes.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from dataclasses import asdict, dataclass
from pathlib import Path

from scanner.model import FileRef

_SUSPECTS = "suspects.json"


@dataclass(frozen=True)
class Leftover:
    """A file that was being read when an agent process died."""

    raw_path: bytes
    size: int
    mtime_ns: int
    inode: int

    def to_json(self) -> dict[str, object]:
        return {**asdict(self), "raw_path": self.raw_path.hex()}

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Leftover:
        return cls(bytes.fromhex(str(data["raw_path"])), int(str(data["size"])), int(str(data["mtime_ns"])),
                   int(str(data["inode"])))


class ScanJournal:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = threading.Lock()
        self._suspects = self._load_suspects()

    def _entry(self) -> Path:
        return self.folder / f"{os.getpid()}-{threading.get_ident()}.json"

    def begin(self, ref: FileRef) -> None:
        left = Leftover(ref.raw_path, ref.size, ref.mtime_ns, ref.inode)
        self._entry().write_text(json.dumps(left.to_json()), encoding="ascii")

    def end(self, ref: FileRef) -> None:
        self._entry().unlink(missing_ok=True)
        if ref.raw_path in self._suspects:
            with self._lock:  # read to the end this time: no longer a suspect
                self._suspects.pop(ref.raw_path, None)
                self._save_suspects()

    def quarantine(self) -> list[Leftover]:
        """At start: the files a process died on twice in a row (unchanged in between).
        Files it died on once become suspects and are read again."""
        twice = []
        with self._lock:
            for left in self._leftovers():
                if self._suspects.get(left.raw_path) == left:
                    twice.append(left)
                    del self._suspects[left.raw_path]
                else:
                    self._suspects[left.raw_path] = left
            self._save_suspects()
        return twice

    def _leftovers(self) -> list[Leftover]:
        found = []
        for entry in sorted(self.folder.glob("*-*.json")):
            # A torn write (the process died before it began reading anything) is skipped.
            with contextlib.suppress(OSError, ValueError, KeyError, TypeError):
                found.append(Leftover.from_json(json.loads(entry.read_text(encoding="ascii"))))
            entry.unlink(missing_ok=True)
        return found

    def _load_suspects(self) -> dict[bytes, Leftover]:
        try:
            data = json.loads((self.folder / _SUSPECTS).read_text(encoding="ascii"))
            return {left.raw_path: left for left in map(Leftover.from_json, data)}
        except (OSError, ValueError, KeyError, TypeError):
            return {}

    def _save_suspects(self) -> None:
        path = self.folder / _SUSPECTS
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps([s.to_json() for s in self._suspects.values()]), encoding="ascii")
        tmp.replace(path)
