"""Which zone a path is in, and the share root its exposure is computed up to."""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass

from .settings import ZoneRule

_GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class ZoneMatch:
    zone: str
    share_root: str | None  # None: exposure is computed up to the sweep root
    network: bool = False


class ZoneMap:
    """Longest matching rule wins; a glob rule matches by fnmatch on the full path."""

    def __init__(self, rules: list[ZoneRule], default_zone: str = "local") -> None:
        self.default_zone = default_zone
        self._prefix = sorted(
            (r for r in rules if not (_GLOB_CHARS & set(r.path))),
            key=lambda r: -len(_norm(r.path)),
        )
        self._globs = [r for r in rules if _GLOB_CHARS & set(r.path)]

    def match(self, path: str | bytes) -> ZoneMatch:
        text = _norm(os.fsdecode(path) if isinstance(path, bytes) else path)
        for rule in self._prefix:
            root = _norm(rule.path)
            if text == root or text.startswith(root.rstrip("/") + "/"):
                return ZoneMatch(rule.zone, _norm(rule.share_root or rule.path), rule.network)
        for rule in self._globs:
            if fnmatch.fnmatchcase(text, rule.path):
                return ZoneMatch(rule.zone, _norm(rule.share_root) if rule.share_root else None, rule.network)
        return ZoneMatch(self.default_zone, None)

    def zone_for(self, path: str | bytes) -> str:
        return self.match(path).zone


def _norm(path: str) -> str:
    return os.path.abspath(os.path.expanduser(path)) if path else path


def parse_zone_flag(flag: str) -> ZoneRule:
    """`--zone shared=/srv/share` -> ZoneRule(zone='shared', path='/srv/share')."""
    zone, sep, path = flag.partition("=")
    if not sep or not zone.strip() or not path.strip():
        raise ValueError(f"--zone expects NAME=PATH, got {flag!r}")
    return ZoneRule(zone=zone.strip(), path=_norm(path.strip()), share_root=_norm(path.strip()))
