"""Policy facts from the register instead of from the file: re-judging never reads a file."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from store import Store, ViolationDecision
from store.policy_changes import Judge, StoredFile

from .policy import Decision, Policy, PolicyFacts, evaluate


def policy_facts(stored: StoredFile, exposure: dict[str, Any] | None = None) -> PolicyFacts:
    """The facts a policy judges, built from one stored file (and, if given, a fresh
    exposure document that replaces the stored one)."""
    detections: dict[str, dict[str, int]] = {}
    for detector, value_hash, confidence in stored.findings:
        per = detections.setdefault(detector, {})
        per[value_hash] = max(per.get(value_hash, 0), int(confidence))
    seen = stored.exposure if exposure is None else exposure
    broad = [str(p) for p in seen.get("broad_principals") or []]
    world = stored.world_readable if exposure is None else _world_readable(exposure)
    return PolicyFacts(zone=stored.zone, encrypted=stored.encrypted, world_readable=world,
                       pension_records=stored.pension_records, detections=detections, broad_principals=broad)


def _world_readable(exposure: dict[str, Any]) -> bool:
    # The same reading as the store's: an explicit flag, else any broad principal.
    flag = exposure.get("world_readable")
    return bool(flag) if flag is not None else bool(exposure.get("broad_principals"))


def iter_policy_facts(store: Store, host: str | None = None) -> Iterator[tuple[StoredFile, PolicyFacts]]:
    """Every present file with its policy facts, read from the store in batches."""
    for batch in store.stored_files(host):
        for stored in batch:
            yield stored, policy_facts(stored)


def as_store_decisions(decisions: Iterable[Decision]) -> list[ViolationDecision]:
    return [ViolationDecision(policy_id=d.policy_id, policy_version=d.policy_version, severity=d.severity,
                              evidence=d.evidence) for d in decisions]


def stored_judge(policies: list[Policy]) -> Judge:
    """A store ``Judge``: stored file -> the violations these policies call for."""

    def judge(stored: StoredFile) -> list[ViolationDecision]:
        return as_store_decisions(evaluate(policies, policy_facts(stored)))

    return judge
