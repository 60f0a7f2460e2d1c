"""The POSIX ACL xattr parser: property round trip, and against real setfacl output."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scanner.access.posix_acl import (
    AclEntry,
    AclFormatError,
    AclTag,
    entry_text,
    parse_acl,
    perm_text,
    read_acl,
)


def encode_acl(entries: list[AclEntry], version: int = 2) -> bytes:
    """The kernel's layout, written independently of the parser under test."""
    out = struct.pack("<I", version)
    for e in entries:
        ident = e.qualifier if e.qualifier is not None else 0xFFFFFFFF  # ACL_UNDEFINED_ID
        out += struct.pack("<HHI", int(e.tag), e.perm, ident)
    return out


_named = st.builds(AclEntry, st.sampled_from([AclTag.USER, AclTag.GROUP]), st.integers(0, 7),
                   st.integers(0, 2**32 - 1))
_unnamed = st.builds(AclEntry, st.sampled_from([AclTag.USER_OBJ, AclTag.GROUP_OBJ, AclTag.MASK, AclTag.OTHER]),
                     st.integers(0, 7), st.none())


@given(st.lists(st.one_of(_named, _unnamed), max_size=40))
def test_access_acl_round_trip(entries: list[AclEntry]) -> None:
    assert parse_acl(encode_acl(entries)) == entries


@given(st.binary(max_size=64))
def test_access_acl_parser_never_crashes_on_garbage(data: bytes) -> None:
    try:
        parsed = parse_acl(data)
    except AclFormatError:
        return
    assert len(parsed) == (len(data) - 4) // 8


def test_access_acl_rejects_wrong_version_and_length() -> None:
    good = encode_acl([AclEntry(AclTag.USER_OBJ, 6)])
    with pytest.raises(AclFormatError, match="version"):
        parse_acl(encode_acl([AclEntry(AclTag.USER_OBJ, 6)], version=1))
    with pytest.raises(AclFormatError, match="4 \\+ 8\\*n"):
        parse_acl(good[:-1])
    with pytest.raises(AclFormatError, match="unknown ACL tag"):
        parse_acl(struct.pack("<IHHI", 2, 0x40, 4, 0))


def test_access_acl_text_forms() -> None:
    assert perm_text(5) == "r-x"
    assert entry_text(AclEntry(AclTag.GROUP, 4, 50), "staff") == "group:staff:r--"
    assert entry_text(AclEntry(AclTag.MASK, 4)) == "mask::r--"


needs_setfacl = pytest.mark.skipif(shutil.which("setfacl") is None, reason="setfacl (Debian package acl) not installed")


@needs_setfacl
def test_access_acl_reads_what_setfacl_wrote(tmp_path) -> None:
    target = tmp_path / "list.csv"
    target.write_text("fake")
    os.chmod(target, 0o640)
    assert read_acl(bytes(target)) is None  # mode-only file: no xattr
    subprocess.run(["setfacl", "-m", "u:54321:r,g:54322:rw,o::r", str(target)], check=True)
    entries = read_acl(bytes(target))
    assert entries is not None
    assert AclEntry(AclTag.USER, 4, 54321) in entries
    assert AclEntry(AclTag.GROUP, 6, 54322) in entries
    assert AclEntry(AclTag.OTHER, 4) in entries
    assert AclEntry(AclTag.MASK, 6) in entries  # setfacl recomputes the mask as the union


@needs_setfacl
def test_access_acl_default_acl_is_separate(tmp_path) -> None:
    subprocess.run(["setfacl", "-m", "d:g:54322:rx", str(tmp_path)], check=True)
    assert read_acl(bytes(tmp_path)) is None
    default = read_acl(bytes(tmp_path), default=True)
    assert default is not None and AclEntry(AclTag.GROUP, 5, 54322) in default
