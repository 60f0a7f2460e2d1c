"""Sweep attestations: each finished sweep's coverage record, signed with the installation key.

HMAC-SHA256, not Ed25519: the installation key already exists (0600, agent/keys.py), and the
ones who check an attestation are this installation or the security team's central register,
which already shares the key to link copies across hosts. A public-key scheme would let
outsiders verify without the secret, at the price of a second key to keep and rotate; the
``scheme`` prefix of a signature leaves room to add it. The signing key is derived from the
installation key (HMAC with a fixed label), so a signature never equals any value hash.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from store.attest_store import canonical

SCHEME = "hmac-sha256-v1"
_LABEL = b"pii-agent sweep attestation v1"


def signing_key(installation_key: bytes) -> bytes:
    return hmac.new(installation_key, _LABEL, hashlib.sha256).digest()


def signer(installation_key: bytes) -> Callable[[bytes], str]:
    key = signing_key(installation_key)

    def sign(message: bytes) -> str:
        return f"{SCHEME}:{hmac.new(key, message, hashlib.sha256).hexdigest()}"

    return sign


def sign_sweep(store: Any, sweep_id: int, installation_key: bytes) -> str:
    """Record the sweep's coverage and sign it; call once the sweep is finished."""
    return str(store.attest_sweep(sweep_id, signer(installation_key)))


@dataclass(frozen=True)
class AttestCheck:
    sweep_id: int
    status: str  # "ok", "bad" (tampered or another key), "unsigned"
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def check(payload: dict[str, Any], signature: str | None, installation_key: bytes) -> AttestCheck:
    sweep_id = int(payload["sweep_id"])
    if signature is None:
        return AttestCheck(sweep_id, "unsigned", "no attestation (unfinished, or older than attestations)")
    expected = signer(installation_key)(canonical(payload))
    if hmac.compare_digest(expected.encode(), signature.encode()):
        interrupted = payload["coverage"].get("interrupted")
        return AttestCheck(sweep_id, "ok", f"{len(payload['roots'])} root(s), "
                                            f"{sum(payload['counts_by_outcome'].values())} file(s)"
                                            + (f", interrupted ({interrupted}): partial" if interrupted else ""))
    return AttestCheck(sweep_id, "bad", "signature does not match the record: tampered, or signed with another key")


def verify_sweeps(store: Any, installation_key: bytes, sweep_id: int | None = None,
                  host: str | None = None) -> list[AttestCheck]:
    """Check one sweep, or every sweep (of one host). KeyError for an unknown sweep id."""
    ids = [sweep_id] if sweep_id is not None else store.sweep_ids(host)
    checks = []
    for one in ids:
        payload, signature = store.sweep_attestation(one)
        checks.append(check(payload, signature, installation_key))
    return checks
