"""Effective read exposure of a file on POSIX: the file's mode and ACL, reduced by
the execute (traverse) permission of every directory from its parent up to the root.

Simplifications, on purpose:
- root's override (uid 0, CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH) is not modelled:
  root reads everything, and saying so on every file says nothing. root is listed
  only where the mode or ACL names it (e.g. as the owner).
- A group reader is judged as a whole: it traverses a directory if the directory's
  entry for that group (owning group or named group, masked) grants x, else if the
  directory's "other" grants x. What its members gain or lose through their other
  groups, or by owning the directory, is not considered.
- A user reader is judged exactly as acl(5) does, with the groups NSS reports for it.
- A directory that cannot be stat'ed is assumed traversable (conservative: it never
  hides a reader) and is recorded in the evidence.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from ..model import Exposure, display_path
from .posix_acl import EXECUTE, READ, AclEntry, read_acl
from .posix_ids import bare_name
from .posix_perms import OTHERS, PermSet, Principal, perms_from_acl, perms_from_mode


def perms_of(path: bytes) -> PermSet:
    """Mode and access ACL of ``path`` (following symlinks, as a reader would)."""
    return _perms(*_perm_inputs(path))


_PermInputs = tuple[int, int, int, tuple[AclEntry, ...] | None]  # mode, uid, gid, access ACL


def _perm_inputs(path: bytes) -> _PermInputs:
    st = os.stat(path)
    return st.st_mode, st.st_uid, st.st_gid, _cached_acl(path, st.st_ino, st.st_ctime_ns)


def _perms(mode: int, uid: int, gid: int, acl: tuple[AclEntry, ...] | None) -> PermSet:
    return perms_from_mode(mode, uid, gid) if acl is None else perms_from_acl(mode, uid, gid, list(acl))


@lru_cache(maxsize=8192)
def _cached_acl(path: bytes, inode: int, ctime_ns: int) -> tuple[AclEntry, ...] | None:
    """Parents repeat for every file below them; chmod and setfacl change ctime,
    so (inode, ctime) keys out stale entries without a second getxattr per file."""
    del inode, ctime_ns  # part of the cache key only
    acl = read_acl(path)
    return None if acl is None else tuple(acl)


# Directory permissions remembered for the length of one sweep: every file below a
# folder repeats its parents' stat. Outside `directory_cache()` nothing is cached,
# so a chmod is seen at once by the watcher and by tests.
_DIR_CACHE: ContextVar[dict[bytes, PermSet | OSError] | None] = ContextVar("dir_perms_cache", default=None)
# The same for whole walks up to a root: every file of a folder with the same readers
# (the usual case) gets the same traversal, worked out once.
_Traversal = tuple[list[dict[str, object]], dict[Principal, str]]
_TRAVERSAL_CACHE: ContextVar[dict[tuple[bytes, bytes, tuple[Principal, ...]], _Traversal] | None] = ContextVar(
    "traversal_cache", default=None)
# And whole answers: files of one folder with the same mode, owner and ACL (the usual case:
# thousands per folder on a share) have the same exposure. An unchanged re-sweep asks it
# of every file.
_ExposureKey = tuple[bytes, bytes, _PermInputs, tuple[str, ...]]
_EXPOSURE_CACHE: ContextVar[dict[_ExposureKey, Exposure] | None] = ContextVar("exposure_cache", default=None)


@contextmanager
def directory_cache() -> Iterator[None]:
    """Cache the permissions of parent directories until the block ends (one sweep)."""
    token = _DIR_CACHE.set({})
    traversal_token = _TRAVERSAL_CACHE.set({})
    exposure_token = _EXPOSURE_CACHE.set({})
    try:
        yield
    finally:
        _EXPOSURE_CACHE.reset(exposure_token)
        _TRAVERSAL_CACHE.reset(traversal_token)
        _DIR_CACHE.reset(token)


def _dir_perms(directory: bytes) -> PermSet:
    cache = _DIR_CACHE.get()
    if cache is None:
        return perms_of(directory)
    hit = cache.get(directory)
    if hit is None:
        try:
            hit = perms_of(directory)
        except OSError as exc:
            hit = exc
        cache[directory] = hit
    if isinstance(hit, OSError):
        raise hit
    return hit


def parent_dirs(path: bytes, root: bytes | None) -> Iterator[bytes]:
    """The directories from ``path``'s parent up to and including ``root``."""
    if root is None:
        return
    path, root = os.path.abspath(path), os.path.abspath(root)
    if os.path.commonpath([path, root]) != root or path == root:
        raise ValueError(f"{display_path(path)} is not below the root {display_path(root)}")
    current = os.path.dirname(path)
    while True:
        yield current
        if current == root:
            return
        current = os.path.dirname(current)


def posix_exposure(path: bytes, root: bytes | None = None, *, broad_groups: Iterable[str] = ()) -> Exposure:
    """Who can read ``path``, given that readers must also traverse every parent up to ``root``.

    ``broad_groups`` names groups that count as "everyone" at this site (e.g. ``users``);
    "others" is always broad.
    """
    inputs, groups = _perm_inputs(path), tuple(broad_groups)
    cache = _EXPOSURE_CACHE.get()
    if cache is None or root is None:
        return _exposure(path, root, _perms(*inputs), groups)
    key = (os.path.dirname(path), root, inputs, groups)
    found = cache.get(key)
    if found is None:
        found = cache[key] = _exposure(path, root, _perms(*inputs), groups)
    return _own_copy(found)


def _own_copy(exposure: Exposure) -> Exposure:
    """Each file's exposure its own (callers keep and store them), copied to the depth built."""
    evidence = dict(exposure.evidence)
    evidence["traversal"] = [dict(step) for step in evidence["traversal"]]  # type: ignore[attr-defined]
    if "blocked" in evidence:
        evidence["blocked"] = dict(evidence["blocked"])  # type: ignore[call-overload]
    return Exposure(owner=exposure.owner, readers=list(exposure.readers),
                    broad_principals=list(exposure.broad_principals), evidence=evidence)


def _exposure(path: bytes, root: bytes | None, perms: PermSet, broad_groups: Iterable[str]) -> Exposure:
    candidates = perms.holders(READ)
    traversal, blocked = _traversal(candidates, path, root)
    readers = [p for p in candidates if p not in blocked]
    labels = [p.label for p in readers]
    evidence: dict[str, object] = {"mode": perms.mode_text, "traversal": traversal}
    if perms.acl:
        evidence["acl"] = perms.acl_text()
    if blocked:
        evidence["blocked"] = {p.label: where for p, where in blocked.items()}
    return Exposure(
        owner=Principal("user", perms.uid).label,
        readers=labels,
        broad_principals=[label for p, label in zip(readers, labels, strict=True) if _is_broad(p, label, broad_groups)],
        evidence=evidence,
    )


def _traversal(candidates: list[Principal], path: bytes, root: bytes | None) -> _Traversal:
    """_reduce_by_traversal over ``path``'s parents, remembered per folder within a sweep."""
    cache = _TRAVERSAL_CACHE.get()
    if cache is None or root is None:
        return _reduce_by_traversal(candidates, parent_dirs(path, root))
    key = (os.path.dirname(path), root, tuple(candidates))
    found = cache.get(key)
    if found is None:
        found = cache[key] = _reduce_by_traversal(candidates, parent_dirs(path, root))
    traversal, blocked = found
    return [dict(step) for step in traversal], dict(blocked)  # each file's evidence its own


def _reduce_by_traversal(
    candidates: list[Principal], dirs: Iterable[bytes]
) -> tuple[list[dict[str, object]], dict[Principal, str]]:
    """Walk up the parents; record each, and the first directory that stops each reader."""
    traversal: list[dict[str, object]] = []
    blocked: dict[Principal, str] = {}
    for directory in dirs:
        shown = display_path(directory)
        try:
            perms = _dir_perms(directory)
        except OSError as exc:
            traversal.append({"dir": shown, "error": exc.strerror or type(exc).__name__})
            continue
        step: dict[str, object] = {"dir": shown, "mode": perms.mode_text}
        if perms.acl:
            step["acl"] = perms.acl_text()
        traversal.append(step)
        for who in candidates:
            if who not in blocked and not perms.grants(who, EXECUTE):
                blocked[who] = shown
    return traversal, blocked


def _is_broad(who: Principal, label: str, broad_groups: Iterable[str]) -> bool:
    if who == OTHERS:
        return True
    if who.kind != "group":
        return False
    wanted = {g.partition(":")[2] if g.startswith("group:") else g for g in broad_groups}
    return bare_name(label) in wanted
