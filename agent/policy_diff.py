"""`policy diff OLD NEW`: what a policy change is, and what it would do to the register.

Nothing is written: the register part is a dry run of `policy reapply` under NEW.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from store import Store

from .policy import Policy, PolicyError, load_policies
from .reapply import ReapplyResult, reapply_policies

# The fields of a policy a reader cares about, in the order they are shown.
FIELDS = ("zones", "any_of", "min_records", "violation_when", "severity_steps", "description")


@dataclass(frozen=True)
class PolicyDelta:
    policy_id: str
    status: str  # added, removed, changed, same
    old_version: str | None
    new_version: str | None
    fields: dict[str, tuple[Any, Any]] = field(default_factory=dict)  # name -> (old, new)


@dataclass
class PolicyDiff:
    deltas: list[PolicyDelta]
    register: ReapplyResult | None = None  # what applying NEW would open and close

    @property
    def changed(self) -> list[PolicyDelta]:
        return [d for d in self.deltas if d.status != "same"]


def load_policy_set(path: Path) -> list[Policy]:
    """Policies from a rules folder (with policies/), a policies folder, or one policy file."""
    if path.is_dir() and (path / "policies").is_dir():
        return load_policies(path)
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files or not all(f.is_file() for f in files):
        raise PolicyError(f"{path}: no policy files (want a rules folder, a policies folder or a .yaml file)")
    # load_policies wants <rules>/policies/*.yaml: stage copies there (the version hash is of the bytes).
    with tempfile.TemporaryDirectory(prefix="pii-agent-policies-") as tmp:
        staged = Path(tmp) / "policies"
        staged.mkdir()
        for f in files:
            shutil.copyfile(f, staged / f.name)
        policies = load_policies(Path(tmp))
    sources = {str(staged / f.name): str(f) for f in files}
    return [_with_source(p, sources.get(p.source, p.source)) for p in policies]


def _with_source(policy: Policy, source: str) -> Policy:
    return replace(policy, source=source)


def _plain(policy: Policy, name: str) -> Any:
    value = getattr(policy, name)
    if name == "any_of":
        return [f"{r.detector}>={r.min_confidence.name.lower()}" for r in value]
    if name == "severity_steps":
        return [f">={minimum}:{severity}" for minimum, severity in value]
    if isinstance(value, tuple):
        return list(value)
    if name == "violation_when":
        return dict(value)
    return value


def compare(old: list[Policy], new: list[Policy]) -> list[PolicyDelta]:
    """One delta per policy id in either set, ordered by id."""
    before = {p.id: p for p in old}
    after = {p.id: p for p in new}
    deltas = []
    for pid in sorted(set(before) | set(after)):
        a, b = before.get(pid), after.get(pid)
        if a is None or b is None:
            status = "added" if a is None else "removed"
            deltas.append(PolicyDelta(pid, status, a.version if a else None, b.version if b else None))
            continue
        fields = {n: (_plain(a, n), _plain(b, n)) for n in FIELDS if _plain(a, n) != _plain(b, n)}
        status = "same" if a.version == b.version and not fields else "changed"
        deltas.append(PolicyDelta(pid, status, a.version, b.version, fields))
    return deltas


def policy_diff(old: Path, new: Path, store: Store | None = None, *, host: str | None = None) -> PolicyDiff:
    """Compare two policy sets; with a store, also say which violations NEW would open and close."""
    new_policies = load_policy_set(new)
    deltas = compare(load_policy_set(old), new_policies)
    register = reapply_policies(new_policies, store, dry_run=True, host=host) if store is not None else None
    return PolicyDiff(deltas, register)


def render(diff: PolicyDiff, limit: int = 50) -> list[str]:
    """Human-readable lines: the policy changes, then the register's would-open/would-close."""
    lines = []
    for d in diff.changed:
        lines.append(f"{d.status:8} {d.policy_id}: {d.old_version or '-'} -> {d.new_version or '-'}")
        lines.extend(f"           {name}: {old!r} -> {new!r}" for name, (old, new) in d.fields.items())
    if not diff.changed:
        lines.append("no policy changed")
    if diff.register is not None:
        reg = diff.register
        lines.append(f"register: {reg.files_judged} files; would open {len(reg.opened)} {reg.opened_by_policy()}, "
                     f"would close {len(reg.closed)} {reg.closed_by_policy()}")
        for item in reg.opened[:limit]:
            lines.append(f"  + {item.policy_id} v{item.policy_version}  {item.host}:{item.path}")
        for item in reg.closed[:limit]:
            lines.append(f"  - #{item.violation_id} {item.policy_id} v{item.policy_version}  {item.host}:{item.path}")
        hidden = max(0, len(reg.opened) - limit) + max(0, len(reg.closed) - limit)
        if hidden:
            lines.append(f"  ... and {hidden} more")
    return lines
