"""Who can really read a file: one Exposure model for POSIX and Windows.

``exposure_for(path, root)`` is the entry point. On POSIX it combines the file's mode
bits and POSIX ACL with the traverse permission of every directory up to ``root``
(scanner.access.posix). On Windows it evaluates the file's security descriptor as
SDDL (scanner.access.sddl, scanner.access.windows). The SDDL evaluator is pure
Python and works on any platform, e.g. for descriptors read over SMB.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext

from ..model import Exposure


def exposure_for(path: bytes, root: bytes | None = None, *, broad_groups: Iterable[str] = ()) -> Exposure:
    """Who can read ``path``; ``root`` is the share or sweep root (None: the file alone).

    ``broad_groups``: POSIX group names this site treats as "everyone" (e.g. ``users``).
    Raises OSError when the file itself cannot be stat'ed or its ACL read.
    """
    if _on_windows():
        from .windows import windows_exposure

        return windows_exposure(path)
    from .posix import posix_exposure

    return posix_exposure(path, root, broad_groups=broad_groups)


def directory_cache() -> AbstractContextManager[None]:
    """Within the block, parent directories' permissions are read once (one sweep)."""
    if _on_windows():
        return nullcontext()
    from .posix import directory_cache as posix_cache

    return posix_cache()


def _on_windows() -> bool:
    return os.name == "nt"


__all__ = ["directory_cache", "exposure_for"]
