"""Names for POSIX uids and gids, as the principal strings the exposure model uses."""

from __future__ import annotations

import grp
import os
import pwd
from functools import lru_cache


@lru_cache(maxsize=4096)
def user_label(uid: int) -> str:
    """``user:<name>``, or ``uid:<n>`` when the uid has no passwd entry."""
    try:
        return f"user:{pwd.getpwuid(uid).pw_name}"
    except KeyError:
        return f"uid:{uid}"


@lru_cache(maxsize=4096)
def group_label(gid: int) -> str:
    """``group:<name>``, or ``gid:<n>`` when the gid has no group entry."""
    try:
        return f"group:{grp.getgrgid(gid).gr_name}"
    except KeyError:
        return f"gid:{gid}"


def bare_name(label: str) -> str:
    """``alice`` from ``user:alice``; ``""`` for ``others``."""
    return label.partition(":")[2]


@lru_cache(maxsize=4096)
def user_groups(uid: int) -> frozenset[int]:
    """Every gid the user belongs to (primary and supplementary), as NSS reports it.

    Empty for a uid without a passwd entry: such a user is judged as "other".
    """
    try:
        entry = pwd.getpwuid(uid)
    except KeyError:
        return frozenset()
    try:
        return frozenset(os.getgrouplist(entry.pw_name, entry.pw_gid))
    except OSError:
        return frozenset({entry.pw_gid})
