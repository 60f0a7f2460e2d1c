"""Policies are data (rules/policies/*.yaml); this module loads and applies them.

A policy says in which zones it applies, which detections make a file "pension
PII", and which facts about such a file are a violation. It judges stored facts
only (zone, detections, encryption, exposure), so re-judging never reads a file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scanner.model import Confidence

SEVERITIES = ("low", "medium", "high", "critical")
FACTS = ("encrypted", "world_readable")
_TOP_KEYS = {"id", "version", "description", "zones", "pii", "violation_when", "severity"}


class PolicyError(Exception):
    """A policy file is wrong; the message names the file and the policy id."""


@dataclass(frozen=True)
class Requirement:
    detector: str
    min_confidence: Confidence


@dataclass(frozen=True)
class Policy:
    id: str
    version: str  # "<declared version>@<content hash>": a silent edit still changes it
    description: str
    zones: tuple[str, ...]
    any_of: tuple[Requirement, ...]
    min_records: int
    violation_when: Mapping[str, bool]
    severity_steps: tuple[tuple[int, str], ...]  # (min records, severity), highest first
    source: str = ""

    def severity_for(self, records: int) -> str:
        for minimum, severity in self.severity_steps:
            if records >= minimum:
                return severity
        return "medium"


@dataclass
class PolicyFacts:
    """What a policy may look at; built from a fresh scan or from the store."""

    zone: str
    encrypted: bool
    world_readable: bool
    pension_records: int = 0
    # detector -> value hash -> highest confidence of that value in the file
    detections: dict[str, dict[str, int]] = field(default_factory=dict)
    broad_principals: list[str] = field(default_factory=list)

    def count(self, detector: str, at_least: Confidence) -> int:
        return sum(1 for c in self.detections.get(detector, {}).values() if c >= at_least)


@dataclass(frozen=True)
class Decision:
    """A violation the facts call for."""

    policy_id: str
    policy_version: str
    severity: str
    evidence: dict[str, Any]


def load_policies(rules_dir: Path) -> list[Policy]:
    folder = rules_dir / "policies"
    if not folder.is_dir():
        raise PolicyError(f"{folder}: no policies folder")
    policies = [_parse(p) for p in sorted(folder.glob("*.yaml"))]
    seen: dict[str, str] = {}
    for p in policies:
        if p.id in seen:
            raise PolicyError(f"{p.source}: policy {p.id}: id already used in {seen[p.id]}")
        seen[p.id] = p.source
    return policies


def versions(policies: Iterable[Policy]) -> dict[str, str]:
    return {p.id: p.version for p in policies}


def _parse(path: Path) -> Policy:
    raw = path.read_bytes()
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as e:
        raise PolicyError(f"{path}: not valid YAML: {e}") from None
    if not isinstance(data, dict) or "id" not in data:
        raise PolicyError(f"{path}: a policy must be a mapping with an id")
    pid = str(data["id"])

    def fail(msg: str) -> PolicyError:
        return PolicyError(f"{path}: policy {pid}: {msg}")

    unknown = set(data) - _TOP_KEYS
    if unknown:
        raise fail(f"unknown keys {sorted(unknown)}")
    if "version" not in data:
        raise fail("missing version")
    zones = data.get("zones")
    if not isinstance(zones, list) or not zones or not all(isinstance(z, str) for z in zones):
        raise fail("zones must be a non-empty list of zone names")
    pii = data.get("pii") or {}
    reqs = []
    for item in pii.get("any_of") or []:
        try:
            reqs.append(Requirement(str(item["detector"]), Confidence.parse(str(item.get("min_confidence", "medium")))))
        except (KeyError, TypeError, ValueError) as e:
            raise fail(f"pii.any_of entry {item!r}: {e}") from None
    if not reqs:
        raise fail("pii.any_of must name at least one detector")
    when = data.get("violation_when") or {}
    if not isinstance(when, dict) or not set(when) <= set(FACTS) or not all(isinstance(v, bool) for v in when.values()):
        raise fail(f"violation_when takes only {FACTS} with true/false values")
    steps = []
    for step in (data.get("severity") or {}).get("by_records") or [{"min": 0, "severity": "medium"}]:
        if not isinstance(step, dict) or step.get("severity") not in SEVERITIES or not isinstance(step.get("min"), int):
            raise fail(f"severity step {step!r} needs an integer min and a severity in {SEVERITIES}")
        steps.append((int(step["min"]), str(step["severity"])))
    digest = hashlib.sha256(raw).hexdigest()[:8]
    return Policy(
        id=pid,
        version=f"{data['version']}@{digest}",
        description=str(data.get("description", "")).strip(),
        zones=tuple(zones),
        any_of=tuple(reqs),
        min_records=int(pii.get("min_records", 0)),
        violation_when=dict(when),
        severity_steps=tuple(sorted(steps, reverse=True)),
        source=str(path),
    )


def evaluate(policies: Iterable[Policy], facts: PolicyFacts) -> list[Decision]:
    """The violations these facts call for, one per policy that fires."""
    decisions = []
    for policy in policies:
        if facts.zone not in policy.zones:
            continue
        counts = {r.detector: facts.count(r.detector, r.min_confidence) for r in policy.any_of}
        if not any(counts.values()) or facts.pension_records < policy.min_records:
            continue
        actual = {"encrypted": facts.encrypted, "world_readable": facts.world_readable}
        if any(actual[name] != wanted for name, wanted in policy.violation_when.items()):
            continue
        # People exposed: records where they could be formed, else distinct numbers.
        people = facts.pension_records or max(counts.values())
        evidence: dict[str, Any] = {
            "zone": facts.zone,
            "detections": counts,
            "pension_records": facts.pension_records,
            "encrypted": facts.encrypted,
            "world_readable": facts.world_readable,
        }
        if facts.broad_principals:
            evidence["broad_principals"] = list(facts.broad_principals)
        decisions.append(Decision(policy.id, policy.version, policy.severity_for(people), evidence))
    return decisions
