"""`pii-agent verify`: re-scan exactly what the claims point at, and let the evidence decide.

The targets are violations waiting for proof (remediation_claimed, reopened,
resolved_unverified) on this host. Verify sweeps the folder of each such file and the
folders of its linked copies on this host (a deleted file's folder proves it is gone; a
copy's folder shows whether its records survived), then the sweep's settle step moves
each claim to verified or reopened (store/lifecycle.py). Folders that no longer exist
are recorded as swept-and-empty first, so a vanished copy never blocks a claim.
"""

from __future__ import annotations

import os
import posixpath
from dataclasses import dataclass, field
from typing import Any

from store.lifecycle import CLAIMED, REOPENED, RESOLVED_UNVERIFIED
from store.register_views import ViolationFilter

from .attest import sign_sweep
from .keys import load_or_create_key
from .settings import Settings, ZoneRule
from .zones import ZoneMap

PENDING_STATES = (CLAIMED, REOPENED, RESOLVED_UNVERIFIED)


@dataclass
class VerifyPlan:
    targets: list[dict[str, Any]] = field(default_factory=list)  # violation summaries waiting for proof
    folders: dict[str, str] = field(default_factory=dict)  # folder to sweep -> zone its files had
    violation_ids: list[int] = field(default_factory=list)


@dataclass
class VerifyResult:
    sweep_ids: list[int] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)  # id, path, before, after
    unchanged: list[dict[str, Any]] = field(default_factory=list)


def plan(store: Any, host: str, path_prefix: str | None = None) -> VerifyPlan:
    """What to re-scan on ``host`` for the claims (under ``path_prefix``, if given)."""
    targets = store.list_violations(ViolationFilter(host=host, states=PENDING_STATES, path_prefix=path_prefix))
    result = VerifyPlan(targets=targets, violation_ids=[t["id"] for t in targets])
    for target in targets:
        result.folders.setdefault(_folder(target["path"]), target["zone"])
        for copy in store.linked_copies(target["file_id"]):
            if copy.host == host and copy.present:
                result.folders.setdefault(_folder(copy.path), "")
    return result


def _folder(path: str) -> str:
    return posixpath.dirname(path) or path


def outermost(folders: list[str]) -> list[str]:
    """The folders not inside another one of the list (sweeping a parent covers its children)."""
    kept: list[str] = []
    for folder in sorted(set(folders)):
        if not any(folder == k or folder.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(folder)
    return kept


def with_register_zones(settings: Settings, folders: dict[str, str]) -> Settings:
    """Keep each file's stored zone when the given zone rules say nothing about its folder
    (verify run without the sweep's --zone flags); the folder then is the share root."""
    zones = ZoneMap(settings.zones, settings.default_zone)
    extra = [ZoneRule(zone=zone, path=folder, share_root=folder)
             for folder, zone in sorted(folders.items())
             if zone and zone != settings.default_zone and zones.zone_for(folder) == settings.default_zone]
    return settings.with_overrides(zones=list(settings.zones) + extra) if extra else settings


def run_verify(settings: Settings, store: Any, path_prefix: str | None = None) -> VerifyResult:
    """Re-scan the claims' scope on this host and report every state that changed."""
    from .sweep import Sweep

    the_plan = plan(store, settings.host_name, path_prefix)
    result = VerifyResult()
    if not the_plan.targets:
        return result
    before = {t["id"]: t["state"] for t in the_plan.targets}
    roots = outermost(list(the_plan.folders))
    missing = [r for r in roots if not os.path.lexists(r)]
    if missing:  # first, so the folders that do exist are judged with those copies gone
        result.sweep_ids.append(_record_missing(settings, store, missing))
    present = [r for r in roots if r not in missing]
    if present:
        sweep = Sweep(with_register_zones(settings, the_plan.folders), store, kind="verify")
        result.sweep_ids.append(sweep.run(present).sweep_id)
    for target in store.list_violations(ViolationFilter(host=settings.host_name, path_prefix=path_prefix)):
        if target["id"] not in before:
            continue
        row = {"id": target["id"], "path": target["path"], "policy": target["policy"],
               "before": before[target["id"]], "after": target["state"]}
        (result.changes if row["before"] != row["after"] else result.unchanged).append(row)
    return result


def _record_missing(settings: Settings, store: Any, folders: list[str]) -> int:
    """A verify run over folders that are gone: everything known under them is gone too."""
    sweep_id = int(store.begin_sweep(host=settings.host_name, roots=folders, rules_version="-",
                                     policy_versions={}, kind="verify"))
    closed = store.mark_missing(sweep_id, settings.host_name, folders, set())
    store.settle_lifecycle(sweep_id)
    store.finish_sweep(sweep_id, counts={"missing_folder": len(folders)},
                       coverage={"missing_folders": folders, "closed": len(closed.closed)})
    sign_sweep(store, sweep_id, load_or_create_key(settings.key_file))
    return sweep_id
