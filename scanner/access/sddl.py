"""Who can read data under a Windows security descriptor, from its SDDL.

Evaluation follows the Windows access check for the single right that matters here,
FILE_READ_DATA (0x1; FILE_LIST_DIRECTORY on a directory): walk the DACL in stored
order; the first ACE that applies to the principal's token and names the right
decides, allow or deny. Generic rights in an ACE are mapped with the file generic
mapping (GR -> FILE_GENERIC_READ, GA -> FILE_ALL_ACCESS), as Windows does when an ACL
is set on a file; a kernel access check on a raw, unmapped ACE would ignore them, so
this errs towards showing a reader.

Choices worth knowing:
- A principal is judged with a minimal token (sids.token_sids): itself, Everyone and,
  for authenticated principals, Authenticated Users. So "deny Everyone, then allow
  Everyone" means Everyone cannot read, and neither can any group allowed after it.
- A deny for one group before "allow Everyone" leaves Everyone a (broad) reader: some
  of Everyone may still read, and we cannot know the group covers them all.
- Inherit-only (IO) ACEs do not apply to the object itself; CREATOR OWNER/GROUP are
  placeholders that only inherit, so they are never readers.
- Object ACEs (OA/OD) with an object type GUID protect a property or child type, not
  the whole object: skipped. Without a GUID they act as A/D.
- Callback ACEs: a conditional allow (XA/ZA) counts as an allow (it may apply); a
  conditional deny (XD) is skipped (it may not). Both err towards showing a reader.
- Audit, alarm, label and resource-attribute ACEs never grant or deny.
- The owner's implicit READ_CONTROL|WRITE_DAC is not read access; the owner is
  reported as the owner, and as a reader only when the DACL allows it (to its own
  SID, to a group in its minimal token, or to OWNER RIGHTS).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from .sddl_parse import Ace, SddlError, SecurityDescriptor, parse_sddl
from .sids import CREATOR_GROUP, CREATOR_OWNER, EVERYONE, OWNER_RIGHTS, is_broad, sid_name, token_sids

READ_DATA = 0x1
_GENERIC_MAP = {  # file generic mapping (FILE_GENERIC_*; GA -> FILE_ALL_ACCESS)
    0x80000000: 0x00120089,
    0x40000000: 0x00120116,
    0x20000000: 0x001200A0,
    0x10000000: 0x001F01FF,
}
_ALLOW = frozenset({"A", "OA", "XA", "ZA"})
_DENY = frozenset({"D", "OD"})
_PLACEHOLDERS = frozenset({CREATOR_OWNER, CREATOR_GROUP})


@dataclass(slots=True)
class SddlVerdict:
    readers: list[str]  # SIDs that can read data, in ACE order
    broad: list[str]  # the readers that mean "everyone"
    denied: list[str]  # SIDs a deny ACE names for this right (evidence)
    evidence: dict[str, object] = field(default_factory=dict)
    owner: str | None = None


def map_generic(mask: int) -> int:
    for generic, specific in _GENERIC_MAP.items():
        if mask & generic:
            mask |= specific
    return mask


def ace_decision(ace: Ace) -> str | None:
    """"allow"/"deny" if this ACE can decide FILE_READ_DATA for the object itself, else None."""
    if ace.inherit_only or not map_generic(ace.mask) & READ_DATA:
        return None
    if ace.type in ("OA", "OD", "ZA") and ace.object_guid:
        return None
    if ace.type in _ALLOW:
        return "allow"
    return "deny" if ace.type in _DENY else None


def can_read(sd: SecurityDescriptor, sid: str) -> bool:
    """Whether a logon of ``sid`` (with its minimal token) is granted FILE_READ_DATA."""
    if sd.null_dacl:
        return True
    token = token_sids(sid, sd.owner)
    assert sd.dacl is not None
    for ace in sd.dacl.aces:
        decision = ace_decision(ace)
        if decision and ace.sid in token:
            return decision == "allow"
    return False


def candidates(sd: SecurityDescriptor) -> list[str]:
    """Principals an ACE might let read (the only ones that can be readers), in order."""
    if sd.null_dacl:
        return [EVERYONE]
    assert sd.dacl is not None
    found = [a.sid for a in sd.dacl.aces if ace_decision(a) == "allow" and a.sid not in _PLACEHOLDERS]
    if sd.owner:  # an OWNER RIGHTS ace speaks about whoever owns the object
        found = [sd.owner if sid == OWNER_RIGHTS else sid for sid in found]
    return list(dict.fromkeys(found))


def denied_sids(sd: SecurityDescriptor) -> list[str]:
    if sd.dacl is None:
        return []
    return list(dict.fromkeys(a.sid for a in sd.dacl.aces if ace_decision(a) == "deny"))


def readers(sddl: str, *, for_directory: bool = False, domain_sid: str | None = None) -> SddlVerdict:
    """Which principals can read the data of a file (list a directory) with this SDDL.

    Raises SddlError when the string does not parse.
    """
    sd = parse_sddl(sddl, domain_sid)
    found = [sid for sid in candidates(sd) if can_read(sd, sid)]
    return _verdict(found, denied_sids(sd), sd, {"sddl": sddl, **_describe(sd, for_directory)})


def effective_readers(
    share_sddl: str, file_sddl: str, *, for_directory: bool = False, domain_sid: str | None = None
) -> SddlVerdict:
    """Readers over SMB: a principal must pass both the share's ACL and the file's."""
    share, node = parse_sddl(share_sddl, domain_sid), parse_sddl(file_sddl, domain_sid)
    pool = dict.fromkeys([*candidates(node), *candidates(share)])
    found = [sid for sid in pool if can_read(share, sid) and can_read(node, sid)]
    evidence = {"sddl": file_sddl, "share_sddl": share_sddl, **_describe(node, for_directory)}
    evidence["share_dacl"] = _dacl_state(share)
    return _verdict(found, denied_sids(node) + denied_sids(share), node, evidence)


def _verdict(found: Iterable[str], denied: list[str], sd: SecurityDescriptor, evidence: dict[str, object]) -> SddlVerdict:
    found = list(found)
    shown = dict.fromkeys([*found, *denied, *([sd.owner] if sd.owner else [])])
    evidence["names"] = {sid: sid_name(sid) for sid in shown}
    return SddlVerdict(readers=found, broad=[s for s in found if is_broad(s)],
                       denied=list(dict.fromkeys(denied)), evidence=evidence, owner=sd.owner)


def _describe(sd: SecurityDescriptor, for_directory: bool) -> dict[str, object]:
    return {"right": "list_directory" if for_directory else "read_data", "dacl": _dacl_state(sd)}


def _dacl_state(sd: SecurityDescriptor) -> str:
    if sd.null_dacl:
        return "null"
    assert sd.dacl is not None
    return "present" if sd.dacl.aces else "empty"


__all__ = ["SddlError", "SddlVerdict", "can_read", "effective_readers", "map_generic", "readers"]
