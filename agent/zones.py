"""Which zone a path is in, and the share root its exposure is computed up to."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass

from .settings import ZoneRule

_GLOB_CHARS = set("*?[")
_FOLDERS_KEPT = 65536


@dataclass(frozen=True)
class ZoneMatch:
    zone: str
    share_root: str | None  # None: exposure is computed up to the sweep root
    network: bool = False


class ZoneMap:
    """Longest matching rule wins; a glob rule matches by fnmatch on the full path."""

    def __init__(self, rules: list[ZoneRule], default_zone: str = "local") -> None:
        self.default_zone = default_zone
        # Every file of a sweep is matched: roots and answers are worked out once per rule.
        prefix = [r for r in rules if not (_GLOB_CHARS & set(r.path))]
        self._prefix = sorted(
            ((canonical(r.path), canonical(r.path).rstrip("/") + "/", ZoneMatch(r.zone, canonical(r.share_root or r.path), r.network))
             for r in prefix),
            key=lambda entry: -len(entry[0]),
        )
        self._globs = [(canonical_glob(r.path), ZoneMatch(r.zone, canonical(r.share_root) if r.share_root else None,
                                                          r.network))
                       for r in rules if _GLOB_CHARS & set(r.path)]
        self._default = ZoneMatch(default_zone, None)
        # Files of one folder share their answer, unless a rule names a path right in it (maybe
        # the file itself) or any rule is a glob (it may match names): a sweep asks per file.
        self._by_folder: dict[bytes, ZoneMatch | None] | None = None if self._globs else {}
        self._rule_folders = {os.path.dirname(root) for root, _, _ in self._prefix}

    def match(self, path: str | bytes) -> ZoneMatch:
        if self._by_folder is None or not isinstance(path, bytes):
            return self._match(path)
        folder = os.path.dirname(path)
        if folder not in self._by_folder:
            if len(self._by_folder) >= _FOLDERS_KEPT:  # the watcher lives for months
                self._by_folder.clear()
            folder_text = _text(folder)
            self._by_folder[folder] = None if folder_text in self._rule_folders else self._match(folder_text)
        answer = self._by_folder[folder]
        return answer if answer is not None else self._match(path)

    def _match(self, path: str | bytes) -> ZoneMatch:
        text = _text(path)
        for root, below, answer in self._prefix:
            if text == root or text.startswith(below):
                return answer
        for pattern, answer in self._globs:
            if fnmatch.fnmatchcase(text, pattern):
                return answer
        return self._default

    def zone_for(self, path: str | bytes) -> str:
        return self.match(path).zone


def _text(path: str | bytes) -> str:
    # A walked path is already real (its root is): resolving it again would cost an lstat
    # per folder per file, a round trip each on a network share.
    return os.path.abspath(os.path.expanduser(os.fsdecode(path) if isinstance(path, bytes) else path))


def canonical(path: str) -> str:
    """A place as the register names it: absolute, every symlink (on Windows, junction)
    resolved, so /mnt/share and the /srv/share it points to are one place, not two copies
    of every file and violation."""
    return os.path.realpath(os.path.expanduser(path)) if path else path


def canonical_glob(pattern: str) -> str:
    """A glob whose fixed leading folders are named through a symlink, with those folders
    resolved as ``canonical`` resolves paths ('/mnt/share/*/tmp' -> '/srv/share/*/tmp');
    a glob that starts with a wildcard ('*/.git/*') is left as it is."""
    parts = os.path.expanduser(pattern).split(os.sep)
    fixed = next((i for i, part in enumerate(parts) if _GLOB_CHARS & set(part)), len(parts))
    head = os.sep.join(parts[:fixed])
    if not head or not os.path.isabs(head):
        return pattern
    return os.path.join(os.path.realpath(head), *parts[fixed:])


def parse_zone_flag(flag: str) -> ZoneRule:
    """`--zone shared=/srv/share` -> ZoneRule(zone='shared', path='/srv/share')."""
    zone, sep, path = flag.partition("=")
    if not sep or not zone.strip() or not path.strip():
        raise ValueError(f"--zone expects NAME=PATH, got {flag!r}")
    return ZoneRule(zone=zone.strip(), path=canonical(path.strip()), share_root=canonical(path.strip()))
