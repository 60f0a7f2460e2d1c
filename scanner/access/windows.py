"""Exposure of a file on Windows: its security descriptor, as SDDL, through the evaluator.

pywin32 is an optional, Windows-only dependency (extra ``windows``); it is imported
only when a real Windows file is asked about. ``exposure_from_sddl`` works anywhere.
"""

from __future__ import annotations

import os

from ..model import Exposure
from .sddl import SddlVerdict, effective_readers, readers


def exposure_from_sddl(
    sddl: str, *, share_sddl: str | None = None, for_directory: bool = False, domain_sid: str | None = None
) -> Exposure:
    """The Exposure for a file's SDDL, intersected with its share's SDDL when given."""
    if share_sddl is None:
        verdict: SddlVerdict = readers(sddl, for_directory=for_directory, domain_sid=domain_sid)
    else:
        verdict = effective_readers(share_sddl, sddl, for_directory=for_directory, domain_sid=domain_sid)
    evidence = dict(verdict.evidence)
    if verdict.denied:
        evidence["denied"] = verdict.denied
    return Exposure(owner=verdict.owner, readers=verdict.readers, broad_principals=verdict.broad, evidence=evidence)


def file_sddl(path: str | bytes) -> str:
    """Owner, group and DACL of ``path`` as SDDL (needs pywin32, on Windows)."""
    import win32security  # optional, Windows only

    info = (
        win32security.OWNER_SECURITY_INFORMATION
        | win32security.GROUP_SECURITY_INFORMATION
        | win32security.DACL_SECURITY_INFORMATION
    )
    descriptor = win32security.GetFileSecurity(os.fsdecode(path), info)
    sddl: str = win32security.ConvertSecurityDescriptorToStringSecurityDescriptor(
        descriptor, win32security.SDDL_REVISION_1, info
    )
    return sddl


def windows_exposure(path: str | bytes, *, share_sddl: str | None = None) -> Exposure:
    """Who can read ``path`` on this Windows machine (share ACL applied when given)."""
    return exposure_from_sddl(file_sddl(path), share_sddl=share_sddl, for_directory=os.path.isdir(path))
