"""Fingerprints of stored documents, shared by the store, its migrations and the sweep."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def exposure_digest(exposure: dict[str, Any]) -> str:
    """A short, order-independent fingerprint of an exposure document: equal digests mean
    the stored exposure and a fresh one say the same thing (JSON round trip included).
    Kept beside each file (files.exposure_digest), so an unchanged re-sweep compares
    without decoding every stored exposure."""
    canonical = json.dumps(exposure, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.blake2b(canonical.encode(), digest_size=12).hexdigest()
