"""POSIX ACLs as Linux stores them: the ``system.posix_acl_access`` xattr.

Binary layout (linux/posix_acl_xattr.h): a little-endian u32 version (2), then
8-byte entries ``{u16 tag, u16 perm, u32 id}``. ``id`` is only meaningful for named
users and groups (tags USER and GROUP); for the other tags it is ignored.
"""

from __future__ import annotations

import enum
import errno
import os
import struct
from dataclasses import dataclass

ACL_XATTR_VERSION = 2
ACCESS_XATTR = "system.posix_acl_access"
DEFAULT_XATTR = "system.posix_acl_default"
_HEADER = struct.Struct("<I")
_ENTRY = struct.Struct("<HHI")

READ, WRITE, EXECUTE = 4, 2, 1

# errnos that mean "this file has no ACL" or "this filesystem has no ACLs"
_NO_ACL_ERRNOS = {errno.ENODATA, errno.ENOTSUP, errno.EOPNOTSUPP, getattr(errno, "ENOATTR", errno.ENODATA)}


class AclTag(enum.IntEnum):
    USER_OBJ = 0x01
    USER = 0x02
    GROUP_OBJ = 0x04
    GROUP = 0x08
    MASK = 0x10
    OTHER = 0x20


class AclFormatError(ValueError):
    """The xattr is not a valid version-2 POSIX ACL."""


@dataclass(frozen=True, slots=True)
class AclEntry:
    tag: AclTag
    perm: int  # rwx as bits 4/2/1
    qualifier: int | None = None  # uid for USER, gid for GROUP, else None

    def allows(self, bit: int) -> bool:
        return bool(self.perm & bit)


def parse_acl(data: bytes) -> list[AclEntry]:
    """Decode the binary xattr value into entries, in stored order."""
    if len(data) < _HEADER.size or (len(data) - _HEADER.size) % _ENTRY.size:
        raise AclFormatError(f"ACL xattr of {len(data)} bytes is not 4 + 8*n")
    (version,) = _HEADER.unpack_from(data)
    if version != ACL_XATTR_VERSION:
        raise AclFormatError(f"unsupported ACL xattr version {version}")
    entries = []
    for tag_value, perm, ident in _ENTRY.iter_unpack(data[_HEADER.size :]):
        try:
            tag = AclTag(tag_value)
        except ValueError as exc:
            raise AclFormatError(f"unknown ACL tag 0x{tag_value:x}") from exc
        qualifier = ident if tag in (AclTag.USER, AclTag.GROUP) else None
        entries.append(AclEntry(tag, perm & 0o7, qualifier))
    return entries


def read_acl(path: bytes, *, default: bool = False) -> list[AclEntry] | None:
    """The file's access ACL (or a directory's default ACL), or None when it has none.

    None also when the filesystem does not support ACLs: then mode bits say it all.
    """
    name = DEFAULT_XATTR if default else ACCESS_XATTR
    try:
        return parse_acl(os.getxattr(path, name))
    except OSError as exc:
        if exc.errno in _NO_ACL_ERRNOS:
            return None
        raise


def perm_text(perm: int) -> str:
    return "".join(ch if perm & bit else "-" for ch, bit in (("r", READ), ("w", WRITE), ("x", EXECUTE)))


_TAG_WORDS = {
    AclTag.USER_OBJ: "user",
    AclTag.USER: "user",
    AclTag.GROUP_OBJ: "group",
    AclTag.GROUP: "group",
    AclTag.MASK: "mask",
    AclTag.OTHER: "other",
}


def entry_text(entry: AclEntry, name: str = "") -> str:
    """getfacl's short form: ``user::rw-``, ``group:staff:r--``, ``mask::r--``."""
    return f"{_TAG_WORDS[entry.tag]}:{name}:{perm_text(entry.perm)}"
