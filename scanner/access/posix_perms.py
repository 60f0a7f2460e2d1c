"""Who holds which permission on one inode: mode bits and POSIX ACL, mask applied.

Follows the access-check order of acl(5): owner, then named users, then the owning
and named groups, then other. The ACL mask limits named users and every group entry;
when an ACL has a mask, the group bits of st_mode *are* the mask, so the owning
group's own permission comes from the ACL's GROUP_OBJ entry.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from typing import Literal

from .posix_acl import AclEntry, AclTag, entry_text
from .posix_ids import bare_name, group_label, user_groups, user_label

Kind = Literal["user", "group", "others"]


@dataclass(frozen=True, slots=True, order=True)
class Principal:
    kind: Kind
    ident: int = -1  # uid or gid; -1 for "others"

    @property
    def label(self) -> str:
        if self.kind == "user":
            return user_label(self.ident)
        if self.kind == "group":
            return group_label(self.ident)
        return "others"


OTHERS = Principal("others")


@dataclass(frozen=True, slots=True)
class PermSet:
    """The effective permission bits (rwx = 4/2/1) of each class on one inode."""

    uid: int
    gid: int
    owner: int
    owning_group: int  # already masked
    other: int
    named_users: dict[int, int] = field(default_factory=dict)  # uid -> masked perm
    named_groups: dict[int, int] = field(default_factory=dict)  # gid -> masked perm
    mode: int = 0
    acl: tuple[AclEntry, ...] = ()

    @property
    def mode_text(self) -> str:
        return f"{stat.S_IMODE(self.mode):04o}"

    def acl_text(self) -> list[str]:
        return [entry_text(e, _qualifier_name(e)) for e in self.acl]

    def holders(self, bit: int) -> list[Principal]:
        """Every class entry that grants ``bit``, owner first, "others" last."""
        found = [Principal("user", self.uid)] if self.owner & bit else []
        found += [Principal("user", u) for u, p in sorted(self.named_users.items()) if p & bit]
        found += [Principal("group", self.gid)] if self.owning_group & bit else []
        found += [Principal("group", g) for g, p in sorted(self.named_groups.items()) if p & bit]
        found += [OTHERS] if self.other & bit else []
        return found

    def grants(self, who: Principal, bit: int) -> bool:
        """Whether ``who`` holds ``bit`` here (a group is judged as a whole)."""
        if who.kind == "user":
            return self._user_grants(who.ident, bit)
        if who.kind == "group":
            return bool(self._group_perm(who.ident) & bit)
        return bool(self.other & bit)

    def _user_grants(self, uid: int, bit: int) -> bool:
        if uid == self.uid:
            return bool(self.owner & bit)
        if uid in self.named_users:
            return bool(self.named_users[uid] & bit)
        matching = [p for g, p in self._group_entries() if g in user_groups(uid)]
        if matching:  # acl(5): a matching group entry decides, "other" is not consulted
            return any(p & bit for p in matching)
        return bool(self.other & bit)

    def _group_perm(self, gid: int) -> int:
        for g, p in self._group_entries():
            if g == gid:
                return p
        return self.other

    def _group_entries(self) -> list[tuple[int, int]]:
        return [(self.gid, self.owning_group), *self.named_groups.items()]


def _qualifier_name(entry: AclEntry) -> str:
    if entry.qualifier is None:
        return ""
    label = user_label(entry.qualifier) if entry.tag == AclTag.USER else group_label(entry.qualifier)
    return bare_name(label)


def perms_from_mode(st_mode: int, uid: int, gid: int) -> PermSet:
    return PermSet(uid=uid, gid=gid, owner=(st_mode >> 6) & 7, owning_group=(st_mode >> 3) & 7,
                   other=st_mode & 7, mode=st_mode)


def perms_from_acl(st_mode: int, uid: int, gid: int, acl: list[AclEntry]) -> PermSet:
    """Apply an access ACL; entries the ACL lacks fall back to the mode bits."""
    base = perms_from_mode(st_mode, uid, gid)
    by_tag = {e.tag: e.perm for e in acl if e.qualifier is None}
    mask = by_tag.get(AclTag.MASK, 7)
    return PermSet(
        uid=uid,
        gid=gid,
        owner=by_tag.get(AclTag.USER_OBJ, base.owner),
        owning_group=by_tag.get(AclTag.GROUP_OBJ, base.owning_group) & mask,
        other=by_tag.get(AclTag.OTHER, base.other),
        named_users={e.qualifier: e.perm & mask for e in acl if e.tag == AclTag.USER and e.qualifier is not None},
        named_groups={e.qualifier: e.perm & mask for e in acl if e.tag == AclTag.GROUP and e.qualifier is not None},
        mode=st_mode,
        acl=tuple(acl),
    )
