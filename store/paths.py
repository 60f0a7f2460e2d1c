"""Finding files by path: the digest exact lookups go by, and the files under folder
prefixes with index-friendly range conditions."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sqlalchemy import ColumnElement, and_, false, or_
from sqlalchemy.orm import InstrumentedAttribute


def path_hash(path: str) -> bytes:
    """SHA-256 of the stored path (UTF-8): files are unique and looked up by (host, path_hash),
    since a PostgreSQL btree entry holds at most ~2.7 KB and a deep Japanese path is longer."""
    return hashlib.sha256(path.encode("utf-8")).digest()


# A folder's descendants are the paths that start with folder + separator. For separator s,
# they sort in [folder + s, folder + chr(ord(s) + 1)) under byte-wise collation (the path
# column is COLLATE "C" on PostgreSQL; SQLite compares bytes). Both separators are tried
# because a Windows host may write either. SQLite serves the ranges from its (host, path)
# index; PostgreSQL has no index on path (too long to index) and filters them within the
# host's rows, found by the leading column of the (host, path_hash) unique index.
_SEPARATORS = ("/", "\\")


def folder_root(prefix: str) -> str:
    """The prefix without trailing separators ("/" stays meaningful as the empty root)."""
    return prefix.rstrip("/\\")


def under_folders(column: InstrumentedAttribute[str], prefixes: Iterable[str]) -> ColumnElement[bool]:
    """SQL condition: the path is one of the prefixes or lies below one of them."""
    conditions: list[ColumnElement[bool]] = []
    for prefix in prefixes:
        root = folder_root(prefix)
        conditions.append(column == root)
        if prefix != root:
            conditions.append(column == prefix)
        for sep in _SEPARATORS:
            conditions.append(and_(column >= root + sep, column < root + chr(ord(sep) + 1)))
    return or_(*conditions) if conditions else false()


def is_under(path: str, prefixes: Iterable[str]) -> bool:
    """The same test as under_folders, in Python (for tests and in-memory filtering)."""
    for prefix in prefixes:
        root = folder_root(prefix)
        if path in (root, prefix) or any(path.startswith(root + sep) for sep in _SEPARATORS):
            return True
    return False
