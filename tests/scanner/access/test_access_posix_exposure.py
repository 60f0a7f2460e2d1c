"""Effective exposure with real files, real chmod and real setfacl.

Tests may run as root: exposure is computed from mode/ACL semantics, not from what
the test process itself can open. uids/gids 54321+ have no passwd/group entry, so
they show as uid:/gid: labels and are judged by their own entries and "other".
"""

from __future__ import annotations

import grp
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from scanner.access import exposure_for
from scanner.access.posix import parent_dirs

needs_setfacl = pytest.mark.skipif(shutil.which("setfacl") is None, reason="setfacl (Debian package acl) not installed")
NOBODY_UID, NOBODY_GID = 54321, 54322


def setfacl(*args: str | Path) -> None:
    subprocess.run(["setfacl", *map(str, args)], check=True)


@pytest.fixture
def share(tmp_path: Path) -> Path:
    """share/ (0755) / hr/ (0755) / list.csv (0644): readable by everyone to start with."""
    root = tmp_path / "share"
    (root / "hr").mkdir(parents=True)
    target = root / "hr" / "list.csv"
    target.write_text("fake pension list")
    os.chmod(root, 0o755)
    os.chmod(root / "hr", 0o755)
    os.chmod(target, 0o644)
    return root


def expose(share: Path, **kw):
    return exposure_for(bytes(share / "hr" / "list.csv"), bytes(share), **kw)


def test_access_world_readable_file_in_open_tree_is_broad(share: Path) -> None:
    exp = expose(share)
    assert exp.world_readable
    assert exp.broad_principals == ["others"]
    assert "others" in exp.readers
    assert exp.owner is not None and exp.owner in exp.readers
    assert exp.evidence["mode"] == "0644"


def test_access_world_readable_file_under_0750_folder_is_restricted(share: Path) -> None:
    os.chmod(share / "hr", 0o750)
    exp = expose(share)
    assert not exp.world_readable
    assert "others" not in exp.readers
    assert exp.evidence["blocked"] == {"others": str(share / "hr")}
    assert exp.evidence["traversal"] == [
        {"dir": str(share / "hr"), "mode": "0750"},
        {"dir": str(share), "mode": "0755"},
    ]


def test_access_removing_o_x_at_the_share_root_closes_exposure(share: Path) -> None:
    assert expose(share).world_readable
    os.chmod(share, 0o751)  # still traversable
    assert expose(share).world_readable
    os.chmod(share, 0o750)
    assert not expose(share).world_readable


def test_access_directories_above_root_do_not_count(share: Path) -> None:
    os.chmod(share.parent, 0o700)
    try:
        assert expose(share).world_readable
        assert not exposure_for(bytes(share / "hr" / "list.csv"), bytes(share.parent)).world_readable
    finally:
        os.chmod(share.parent, 0o755)


def test_access_root_none_judges_the_file_alone(share: Path) -> None:
    os.chmod(share / "hr", 0o700)
    exp = exposure_for(bytes(share / "hr" / "list.csv"), None)
    assert exp.world_readable and exp.evidence["traversal"] == []


def test_access_group_reader_needs_group_or_other_x_on_parents(share: Path) -> None:
    os.chown(share / "hr" / "list.csv", -1, NOBODY_GID)
    os.chmod(share / "hr" / "list.csv", 0o640)
    assert expose(share).readers == [f"user:{_me()}", f"gid:{NOBODY_GID}"]
    os.chmod(share / "hr", 0o751)  # other x: the group passes as "other"
    assert f"gid:{NOBODY_GID}" in expose(share).readers
    os.chmod(share / "hr", 0o750)  # the dir's group is root's, not ours: blocked
    assert f"gid:{NOBODY_GID}" not in expose(share).readers
    os.chown(share / "hr", -1, NOBODY_GID)  # now the group owns the dir with g+x
    assert f"gid:{NOBODY_GID}" in expose(share).readers


def test_access_broad_groups_are_configurable(share: Path) -> None:
    name = grp.getgrgid(0).gr_name
    os.chmod(share / "hr" / "list.csv", 0o640)
    exp = expose(share)
    assert f"group:{name}" in exp.readers and not exp.world_readable
    assert expose(share, broad_groups=[name]).broad_principals == [f"group:{name}"]
    assert expose(share, broad_groups=[f"group:{name}"]).world_readable


@needs_setfacl
def test_access_0600_file_with_acl_other_read_is_broad(share: Path) -> None:
    target = share / "hr" / "list.csv"
    os.chmod(target, 0o600)
    assert not expose(share).world_readable
    setfacl("-m", "o::r", target)
    exp = expose(share)
    assert exp.world_readable and "others" in exp.readers
    assert exp.evidence["mode"] == "0604"


@needs_setfacl
def test_access_0600_file_with_named_group_and_user_lists_them(share: Path) -> None:
    target = share / "hr" / "list.csv"
    os.chmod(target, 0o600)
    setfacl("-m", f"g:{NOBODY_GID}:r,u:{NOBODY_UID}:r", target)
    exp = expose(share)
    assert exp.readers == [f"user:{_me()}", f"uid:{NOBODY_UID}", f"gid:{NOBODY_GID}"]
    assert not exp.world_readable
    assert f"group:{NOBODY_GID}:r--" in exp.evidence["acl"]
    assert "mask::r--" in exp.evidence["acl"]


@needs_setfacl
def test_access_acl_mask_limits_named_entries(share: Path) -> None:
    target = share / "hr" / "list.csv"
    os.chmod(target, 0o600)
    setfacl("-m", f"g:{NOBODY_GID}:r", target)
    setfacl("-m", "m::-", target)  # the mask takes read away from every named entry
    exp = expose(share)
    assert f"gid:{NOBODY_GID}" not in exp.readers
    assert exp.evidence["mode"] == "0600"  # group bits of st_mode show the mask


@needs_setfacl
def test_access_named_user_needs_traverse_on_every_parent(share: Path) -> None:
    target = share / "hr" / "list.csv"
    os.chmod(target, 0o600)
    setfacl("-m", f"u:{NOBODY_UID}:r", target)
    os.chmod(share / "hr", 0o750)
    assert f"uid:{NOBODY_UID}" not in expose(share).readers
    setfacl("-m", f"u:{NOBODY_UID}:x", share / "hr")  # a named-user entry on the folder lets it through
    exp = expose(share)
    assert f"uid:{NOBODY_UID}" in exp.readers
    assert any(step.get("acl") for step in exp.evidence["traversal"])


@needs_setfacl
def test_access_default_acl_on_folder_is_not_access(share: Path) -> None:
    os.chmod(share / "hr", 0o750)
    setfacl("-m", "d:o::r", share / "hr")  # only affects files created later
    assert not expose(share).world_readable


def test_access_evidence_is_json(share: Path) -> None:
    os.chmod(share / "hr", 0o750)
    exp = expose(share)
    assert json.loads(json.dumps(exp.evidence)) == exp.evidence


def test_access_non_utf8_names_are_walked(tmp_path: Path) -> None:
    root = bytes(tmp_path)
    os.chmod(root, 0o755)  # pytest makes tmp_path 0700, which would (rightly) block others
    folder = os.path.join(root, "名簿".encode("cp932"))
    os.mkdir(folder)
    os.chmod(folder, 0o755)
    target = os.path.join(folder, b"\x94N\x8b\xe0.csv")
    with open(target, "wb") as fh:
        fh.write(b"fake")
    os.chmod(target, 0o644)
    exp = exposure_for(target, root)
    assert exp.world_readable
    assert "\\x" in str(exp.evidence["traversal"][0]["dir"])  # type: ignore[index]


def test_access_parent_dirs_stop_at_root_and_reject_outsiders() -> None:
    assert list(parent_dirs(b"/a/b/c/f", b"/a/b")) == [b"/a/b/c", b"/a/b"]
    assert list(parent_dirs(b"/a/f", None)) == []
    with pytest.raises(ValueError, match="not below"):
        list(parent_dirs(b"/x/f", b"/a"))
    with pytest.raises(ValueError, match="not below"):
        list(parent_dirs(b"/ab/f", b"/a"))


def _me() -> str:
    import pwd

    return pwd.getpwuid(os.getuid()).pw_name


def test_access_sweep_cache_gives_each_file_what_an_uncached_walk_gives(share: Path) -> None:
    from scanner.access import directory_cache

    hr = share / "hr"
    (hr / "private.csv").write_text("fake")
    os.chmod(hr / "private.csv", 0o600)  # other readers than list.csv: its own traversal entry
    (share / "closed").mkdir()
    (share / "closed" / "list.csv").write_text("fake")
    os.chmod(share / "closed", 0o750)  # others cannot traverse: they are blocked here only
    files = [hr / "list.csv", hr / "private.csv", share / "closed" / "list.csv", hr / "list.csv"]
    plain = [exposure_for(bytes(f), bytes(share)) for f in files]
    with directory_cache():
        cached = [exposure_for(bytes(f), bytes(share)) for f in files]
        cached[0].evidence["traversal"][0]["mode"] = "changed"  # one file's evidence is its own
        assert exposure_for(bytes(files[0]), bytes(share)).evidence["traversal"][0]["mode"] != "changed"
    cached[0] = exposure_for(bytes(files[0]), bytes(share))
    assert cached == plain
    assert plain[0].world_readable and not plain[2].world_readable


@needs_setfacl
def test_access_sweep_cache_sees_a_chmod_or_acl_of_the_file_itself(share: Path) -> None:
    """Whole answers are remembered per folder, mode, owner and ACL: a file of the same
    folder whose own permissions differ, or change mid-sweep, gets its own answer."""
    from scanner.access import directory_cache

    hr = share / "hr"
    (hr / "other.csv").write_text("fake")
    with directory_cache():
        first = exposure_for(bytes(hr / "list.csv"), bytes(share))
        assert exposure_for(bytes(hr / "other.csv"), bytes(share)) == first  # same folder, same permissions
        os.chmod(hr / "other.csv", 0o600)
        assert not exposure_for(bytes(hr / "other.csv"), bytes(share)).world_readable
        os.chmod(hr / "other.csv", 0o640)
        setfacl("-m", "u:nobody:r", hr / "other.csv")
        with_acl = exposure_for(bytes(hr / "other.csv"), bytes(share))
        assert "user:nobody" in with_acl.readers and "user:nobody" not in first.readers
        assert exposure_for(bytes(hr / "list.csv"), bytes(share)) == first
