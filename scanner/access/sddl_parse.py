"""Parse SDDL (Security Descriptor Definition Language) into a security descriptor.

Grammar, after Microsoft's "Security Descriptor String Format" and "ACE Strings":
``O:<sid>G:<sid>D:<dacl flags>(ace)(ace)...S:<sacl flags>(ace)...``, every part
optional; an ACE is ``type;flags;rights;object_guid;inherit_object_guid;sid`` with an
optional 7th field (a condition or resource attribute) that may itself hold ``;``
and parentheses.
"""

from __future__ import annotations

from dataclasses import dataclass

from .sids import SidError, resolve_sid

# Rights letters -> access mask bits. The directory-service letters (CC, DC, LC, ...)
# are how Windows writes file-specific bits in SDDL: CC is 0x1 = FILE_READ_DATA.
RIGHTS: dict[str, int] = {
    "GA": 0x10000000, "GX": 0x20000000, "GW": 0x40000000, "GR": 0x80000000,
    "RC": 0x00020000, "SD": 0x00010000, "WD": 0x00040000, "WO": 0x00080000,
    "CC": 0x1, "DC": 0x2, "LC": 0x4, "SW": 0x8, "RP": 0x10, "WP": 0x20, "DT": 0x40, "LO": 0x80, "CR": 0x100,
    "FA": 0x001F01FF, "FR": 0x00120089, "FW": 0x00120116, "FX": 0x001200A0,
    "KA": 0x000F003F, "KR": 0x00020019, "KW": 0x00020006, "KX": 0x00020019,
    "NR": 0x1, "NW": 0x2, "NX": 0x4,  # only meaningful in mandatory-label ACEs
}  # fmt: skip
ACE_FLAGS = frozenset({"OI", "CI", "NP", "IO", "ID", "SA", "FA", "TP", "CR"})
ACE_TYPES = frozenset({"A", "D", "OA", "OD", "AU", "AL", "OU", "OL", "ML", "XA", "XD", "ZA", "XU", "RA", "SP"})
NO_ACCESS_CONTROL = "NO_ACCESS_CONTROL"


class SddlError(ValueError):
    """The string is not valid SDDL; the message says where."""


@dataclass(frozen=True, slots=True)
class Ace:
    type: str  # "A", "D", "OA", ...
    flags: frozenset[str]
    mask: int  # access mask as written (generic bits not yet mapped)
    sid: str  # resolved S-1-... string
    object_guid: str = ""
    inherit_object_guid: str = ""
    condition: str = ""  # the 7th field of callback/resource ACEs, kept verbatim

    @property
    def inherit_only(self) -> bool:
        return "IO" in self.flags


@dataclass(frozen=True, slots=True)
class Acl:
    flags: str  # "P", "AI", "PAI", ... or "NO_ACCESS_CONTROL"
    aces: tuple[Ace, ...]

    @property
    def is_null(self) -> bool:
        return NO_ACCESS_CONTROL in self.flags


@dataclass(frozen=True, slots=True)
class SecurityDescriptor:
    owner: str | None
    group: str | None
    dacl: Acl | None  # None: no D: part at all, i.e. no DACL present
    sacl: Acl | None

    @property
    def null_dacl(self) -> bool:
        """Windows grants everyone every right when no DACL, or a NULL DACL, is present."""
        return self.dacl is None or self.dacl.is_null


def parse_sddl(text: str, domain_sid: str | None = None) -> SecurityDescriptor:
    parts = _split_parts(text.strip())
    dacl = _parse_acl(parts["D"], domain_sid) if "D" in parts else None
    sacl = _parse_acl(parts["S"], domain_sid) if "S" in parts else None
    return SecurityDescriptor(
        owner=_sid(parts["O"], domain_sid) if "O" in parts else None,
        group=_sid(parts["G"], domain_sid) if "G" in parts else None,
        dacl=dacl,
        sacl=sacl,
    )


def _split_parts(text: str) -> dict[str, str]:
    """Cut at each top-level ``O:``/``G:``/``D:``/``S:``; parentheses protect ACE bodies."""
    parts: dict[str, str] = {}
    current: str | None = None
    start = depth = 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            raise SddlError(f"unbalanced ')' at offset {i}")
        if depth == 0 and ch in "OGDS" and text[i + 1 : i + 2] == ":":
            if current is not None:
                parts[current] = text[start:i]
            elif i:
                raise SddlError(f"text before the first part: {text[:i]!r}")
            if ch in parts or ch == current:
                raise SddlError(f"part {ch}: appears twice")
            current, start = ch, i + 2
    if depth:
        raise SddlError("unbalanced '('")
    if current is None:
        if text:
            raise SddlError(f"no O:, G:, D: or S: part in {text!r}")
        return parts
    parts[current] = text[start:]
    return parts


def _parse_acl(body: str, domain_sid: str | None) -> Acl:
    cut = body.find("(")
    flags, rest = (body, "") if cut < 0 else (body[:cut], body[cut:])
    if flags.replace(NO_ACCESS_CONTROL, "").strip("PAIR"):
        raise SddlError(f"unknown ACL flags {flags!r}")
    return Acl(flags=flags, aces=tuple(_parse_ace(a, domain_sid) for a in _ace_bodies(rest)))


def _ace_bodies(text: str) -> list[str]:
    bodies: list[str] = []
    depth = 0
    start = 0
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                start = i + 1
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                bodies.append(text[start:i])
        elif depth == 0 and not ch.isspace():
            raise SddlError(f"unexpected {ch!r} between ACEs")
    return bodies


def _parse_ace(body: str, domain_sid: str | None) -> Ace:
    fields = body.split(";", 6)
    if len(fields) < 6:
        raise SddlError(f"ACE ({body}) has {len(fields)} fields, needs 6")
    ace_type, flags, rights, guid, inherit_guid, sid = (f.strip() for f in fields[:6])
    if ace_type not in ACE_TYPES:
        raise SddlError(f"unknown ACE type {ace_type!r} in ({body})")
    return Ace(
        type=ace_type,
        flags=_pairs(flags, ACE_FLAGS, "ACE flag", body),
        mask=parse_rights(rights),
        sid=_sid(sid, domain_sid),
        object_guid=guid.lower(),
        inherit_object_guid=inherit_guid.lower(),
        condition=fields[6] if len(fields) > 6 else "",
    )


def parse_rights(text: str) -> int:
    """``0x1200a9`` (any int literal) or concatenated letters such as ``FRFW``."""
    if text[:1].isdigit():
        try:
            return int(text, 0)
        except ValueError as exc:
            raise SddlError(f"bad rights number {text!r}") from exc
    mask = 0
    for letters in _pairs(text, frozenset(RIGHTS), "right", text):
        mask |= RIGHTS[letters]
    return mask


def _pairs(text: str, allowed: frozenset[str], what: str, where: str) -> frozenset[str]:
    if len(text) % 2:
        raise SddlError(f"odd-length {what}s {text!r} in ({where})")
    found = {text[i : i + 2] for i in range(0, len(text), 2)}
    unknown = found - allowed
    if unknown:
        raise SddlError(f"unknown {what} {sorted(unknown)} in ({where})")
    return frozenset(found)


def _sid(token: str, domain_sid: str | None) -> str:
    try:
        return resolve_sid(token.strip(), domain_sid)
    except SidError as exc:
        raise SddlError(str(exc)) from exc
