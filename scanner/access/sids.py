"""Windows security identifiers: SDDL aliases, display names, and which SIDs are broad.

The alias table follows Microsoft's "SID Strings" reference (Security Descriptor
Definition Language). Domain-relative aliases (DU, DA, ...) need the domain's SID;
without one they resolve to ``S-1-5-21-<domain>-<rid>``, which is not a real SID
but keeps the rid visible and still matches the broad test for Domain Users.
"""

from __future__ import annotations

import re

EVERYONE = "S-1-1-0"
AUTHENTICATED_USERS = "S-1-5-11"
BUILTIN_USERS = "S-1-5-32-545"
BUILTIN_GUESTS = "S-1-5-32-546"
ANONYMOUS = "S-1-5-7"
OWNER_RIGHTS = "S-1-3-4"
CREATOR_OWNER = "S-1-3-0"
CREATOR_GROUP = "S-1-3-1"
UNKNOWN_DOMAIN = "S-1-5-21-<domain>"

# alias -> (SID, display name). Fixed SIDs only; domain-relative ones are below.
WELL_KNOWN: dict[str, tuple[str, str]] = {
    "AA": ("S-1-5-32-579", "Access Control Assistance Operators"),
    "AC": ("S-1-15-2-1", "All Application Packages"),
    "AN": (ANONYMOUS, "Anonymous Logon"),
    "AO": ("S-1-5-32-548", "Account Operators"),
    "AU": (AUTHENTICATED_USERS, "Authenticated Users"),
    "BA": ("S-1-5-32-544", "Administrators"),
    "BG": (BUILTIN_GUESTS, "Guests"),
    "BO": ("S-1-5-32-551", "Backup Operators"),
    "BU": (BUILTIN_USERS, "Users"),
    "CD": ("S-1-5-32-574", "Certificate Service DCOM Access"),
    "CG": (CREATOR_GROUP, "Creator Group"),
    "CO": (CREATOR_OWNER, "Creator Owner"),
    "CY": ("S-1-5-32-569", "Cryptographic Operators"),
    "ED": ("S-1-5-9", "Enterprise Domain Controllers"),
    "ER": ("S-1-5-32-573", "Event Log Readers"),
    "ES": ("S-1-5-32-576", "RDS Endpoint Servers"),
    "HA": ("S-1-5-32-578", "Hyper-V Administrators"),
    "HI": ("S-1-16-12288", "High Mandatory Level"),
    "IS": ("S-1-5-32-568", "IIS_IUSRS"),
    "IU": ("S-1-5-4", "Interactive"),
    "LS": ("S-1-5-19", "Local Service"),
    "LU": ("S-1-5-32-559", "Performance Log Users"),
    "LW": ("S-1-16-4096", "Low Mandatory Level"),
    "ME": ("S-1-16-8192", "Medium Mandatory Level"),
    "MP": ("S-1-16-8448", "Medium Plus Mandatory Level"),
    "MU": ("S-1-5-32-558", "Performance Monitor Users"),
    "NO": ("S-1-5-32-556", "Network Configuration Operators"),
    "NS": ("S-1-5-20", "Network Service"),
    "NU": ("S-1-5-2", "Network"),
    "OW": (OWNER_RIGHTS, "Owner Rights"),
    "PO": ("S-1-5-32-550", "Print Operators"),
    "PS": ("S-1-5-10", "Principal Self"),
    "PU": ("S-1-5-32-547", "Power Users"),
    "RA": ("S-1-5-32-575", "RDS Remote Access Servers"),
    "RC": ("S-1-5-12", "Restricted Code"),
    "RD": ("S-1-5-32-555", "Remote Desktop Users"),
    "RE": ("S-1-5-32-552", "Replicator"),
    "RM": ("S-1-5-32-580", "Remote Management Users"),
    "RU": ("S-1-5-32-554", "Pre-Windows 2000 Compatible Access"),
    "SI": ("S-1-16-16384", "System Mandatory Level"),
    "SO": ("S-1-5-32-549", "Server Operators"),
    "SS": ("S-1-18-2", "Service Asserted Identity"),
    "SU": ("S-1-5-6", "Service"),
    "SY": ("S-1-5-18", "Local System"),
    "UD": ("S-1-5-84-0-0-0-0-0", "User-Mode Drivers"),
    "WD": (EVERYONE, "Everyone"),
    "WR": ("S-1-5-33", "Write Restricted Code"),
}

# alias -> (rid, display name), relative to the (root) domain or the machine.
DOMAIN_RELATIVE: dict[str, tuple[int, str]] = {
    "AP": (525, "Protected Users"),
    "CA": (517, "Cert Publishers"),
    "CN": (522, "Cloneable Domain Controllers"),
    "DA": (512, "Domain Admins"),
    "DC": (515, "Domain Computers"),
    "DD": (516, "Domain Controllers"),
    "DG": (514, "Domain Guests"),
    "DU": (513, "Domain Users"),
    "EA": (519, "Enterprise Admins"),
    "EK": (527, "Enterprise Key Admins"),
    "KA": (526, "Key Admins"),
    "LA": (500, "Administrator"),
    "LG": (501, "Guest"),
    "PA": (520, "Group Policy Creator Owners"),
    "RO": (498, "Enterprise Read-only Domain Controllers"),
    "RS": (553, "RAS and IAS Servers"),
    "SA": (518, "Schema Admins"),
}

_SID_RE = re.compile(r"S-1-(?:\d+|0x[0-9A-Fa-f]{12})(?:-\d+)*\Z")
_DOMAIN_USERS_RE = re.compile(r"S-1-5-21-.+-513\Z")
_FIXED_BROAD = frozenset({EVERYONE, AUTHENTICATED_USERS, BUILTIN_USERS, BUILTIN_GUESTS, ANONYMOUS})
_NAMES = {sid: name for sid, name in WELL_KNOWN.values()} | {"S-1-0-0": "Nobody (Null SID)"}


class SidError(ValueError):
    """Neither a known SDDL alias nor an S-1-... SID string."""


def resolve_sid(token: str, domain_sid: str | None = None) -> str:
    """The SID string for an SDDL alias (``WD``) or a literal SID (``S-1-5-32-544``)."""
    if token in WELL_KNOWN:
        return WELL_KNOWN[token][0]
    if token in DOMAIN_RELATIVE:
        return f"{domain_sid or UNKNOWN_DOMAIN}-{DOMAIN_RELATIVE[token][0]}"
    upper = token.upper()
    if _SID_RE.match(upper):
        return upper
    raise SidError(f"not a SID or SDDL SID alias: {token!r}")


def sid_name(sid: str) -> str:
    """A display name for well-known SIDs and domain-relative rids; the SID itself otherwise."""
    if sid in _NAMES:
        return _NAMES[sid]
    if sid.startswith("S-1-5-21-"):
        rid = sid.rsplit("-", 1)[-1]
        for known_rid, name in DOMAIN_RELATIVE.values():
            if rid == str(known_rid) and known_rid >= 512:  # 500/501 are accounts, not groups
                return name
    return sid


def is_broad(sid: str) -> bool:
    """Everyone, Authenticated Users, Users, Guests, Anonymous, or any domain's Domain Users."""
    return sid in _FIXED_BROAD or bool(_DOMAIN_USERS_RE.match(sid))


def token_sids(sid: str, owner: str | None = None) -> frozenset[str]:
    """The SIDs a logon of (a member of) ``sid`` surely carries besides its own.

    Kept minimal on purpose: every extra SID makes more deny ACEs apply and could hide
    a reader. Everyone is in every token except Anonymous (Windows' default since
    XP); Authenticated Users in every token except Everyone's, Anonymous' and Guests'.
    The owner's token also matches OWNER RIGHTS.
    """
    if sid == ANONYMOUS:
        found = {ANONYMOUS}
    elif sid in (EVERYONE, BUILTIN_GUESTS) or _is_domain_guest(sid):
        found = {sid, EVERYONE}
    else:
        found = {sid, EVERYONE, AUTHENTICATED_USERS}
    if owner is not None and sid == owner:
        found.add(OWNER_RIGHTS)
    return frozenset(found)


def _is_domain_guest(sid: str) -> bool:
    """Domain Guests (rid 514) or a Guest account (rid 501): not authenticated users."""
    return sid.startswith("S-1-5-21-") and sid.rsplit("-", 1)[-1] in ("501", "514")
