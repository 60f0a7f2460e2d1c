"""`policy reapply`: re-judge every stored file under the current policies, reading no file.

Each violation keeps the policy version that opened it; the version that last judged it
goes beside it (``last_policy_version``) and into an event. The change itself is recorded
(store table ``policy_changes``): versions before and after, what opened, what closed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from store import Store
from store.policy_changes import ChangedViolation, Rejudgement

from . import logs
from .policy import Policy, load_policies, versions
from .settings import Settings
from .stored_facts import stored_judge

ACTOR = "pii-agent policy reapply"


@dataclass
class ReapplyResult:
    old_versions: dict[str, str] | None  # what last judged the files (None: nothing had)
    new_versions: dict[str, str]
    files_judged: int = 0
    kept: int = 0
    opened: list[ChangedViolation] = field(default_factory=list)
    closed: list[ChangedViolation] = field(default_factory=list)
    change_id: int | None = None  # the policy_changes row (None in a dry run)
    dry_run: bool = False

    @property
    def changed_policies(self) -> dict[str, tuple[str | None, str | None]]:
        """policy id -> (old version, new version) for every policy added, removed or edited."""
        old = self.old_versions or {}
        ids = sorted(set(old) | set(self.new_versions))
        return {pid: (old.get(pid), self.new_versions.get(pid)) for pid in ids
                if old.get(pid) != self.new_versions.get(pid)}

    def opened_by_policy(self) -> dict[str, int]:
        return _count(self.opened)

    def closed_by_policy(self) -> dict[str, int]:
        return _count(self.closed)

    def __str__(self) -> str:
        verb = "would open" if self.dry_run else "opened"
        return (f"{self.files_judged} files re-judged; {verb} {len(self.opened)} {self.opened_by_policy()}, "
                f"{'would close' if self.dry_run else 'closed'} {len(self.closed)} {self.closed_by_policy()}")


def _count(items: list[ChangedViolation]) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items:
        out[item.policy_id] = out.get(item.policy_id, 0) + 1
    return out


def current_policies(settings: Settings) -> list[Policy]:
    if settings.rules_dir:
        return load_policies(Path(settings.rules_dir))
    from rules import default_rules_dir

    return load_policies(default_rules_dir())


def reapply(settings: Settings, store: Store, *, dry_run: bool = False, host: str | None = None) -> ReapplyResult:
    """Re-judge the stored files (every host's, or ``host``'s) under the policies of
    ``settings``; open, keep and close violations and record the change. ``dry_run``:
    change nothing, say what would change."""
    policies = current_policies(settings)
    return reapply_policies(policies, store, dry_run=dry_run, host=host)


def reapply_policies(policies: list[Policy], store: Store, *, dry_run: bool = False,
                     host: str | None = None) -> ReapplyResult:
    new = versions(policies)
    old = store.last_policy_versions(host)
    label = "policy reapply " + ", ".join(f"{pid} v{ver}" for pid, ver in sorted(new.items()))
    outcome: Rejudgement = store.rejudge_stored(stored_judge(policies), label=label, host=host, dry_run=dry_run)
    result = ReapplyResult(old_versions=old, new_versions=new, files_judged=outcome.files_judged,
                           kept=outcome.kept, opened=outcome.opened, closed=outcome.closed, dry_run=dry_run)
    if not dry_run:
        result.change_id = store.record_policy_change(actor=ACTOR, host=host, old_versions=old or {},
                                                      new_versions=new, result=outcome)
    _log(result)
    return result


def _log(result: ReapplyResult) -> None:
    log = logs.get()
    for item in result.opened if not result.dry_run else []:
        log.warning("violation_opened", violation_id=item.violation_id, path=item.path, policy=item.policy_id,
                    reason="policy reapply")
    for item in result.closed if not result.dry_run else []:
        log.info("violation_closed", violation_id=item.violation_id, path=item.path, policy=item.policy_id,
                 reason="policy reapply")
    log.info("policy_reapplied", dry_run=result.dry_run, files=result.files_judged,
             changed=result.changed_policies, opened=result.opened_by_policy(), closed=result.closed_by_policy(),
             change_id=result.change_id)
