"""SIGHUP or a changed rules folder: reload config and rules, then make stored results right.

New detectors and policies apply to every scan from now on. Stored results judged by
older rules are fixed up: a detector change needs content re-read (a full walk); a
policy change needs only a re-judgement of stored facts, done by ``agent.reapply``
when that module exists, else by a full walk too.
"""

from __future__ import annotations

import dataclasses
import importlib.util
from typing import TYPE_CHECKING, Any

from ..policy import versions

if TYPE_CHECKING:
    from .daemon import Daemon

# Settings read once at start: changing them needs a restart (said in the log).
RESTART_ONLY = ("db_url", "zones", "watch_workers", "watch_queue_max", "watch_poll_seconds", "status_file",
                "status_interval_seconds", "log_file", "log_level", "nice", "ionice_idle", "read_rate_mb",
                "pause_file", "pause_command", "pause_on_battery", "reconcile_interval_seconds",
                "reconcile_jitter_seconds", "full_rescan_interval_seconds", "metrics_file")


def apply_reload(daemon: Daemon, why: str) -> None:
    log = daemon.log
    old = daemon.runtime.current
    try:
        settings = daemon.reload_settings() if daemon.reload_settings else daemon.runtime.settings
        fresh = daemon.runtime.reload(settings)
    except Exception as e:  # keep running on the old rules; say loudly why
        message = getattr(e, "message", None) or str(e)
        daemon.counters.add("reload_failed")
        daemon.last_error.set("reload_failed", message)
        log.error("reload_failed", reason=why, error=message, keeping="previous rules and settings")
        return
    daemon.counters.add("reloads")
    stale = [f.name for f in dataclasses.fields(settings)
             if f.name in RESTART_ONLY and getattr(settings, f.name) != getattr(old.settings, f.name)]
    log.info("rules_reloaded", reason=why, rules_version=fresh.scanner.engine.version,
             policy_versions=versions(fresh.policies), restart_needed_for=stale)
    if fresh.scanner.engine.version != old.scanner.engine.version:
        daemon.schedule.request("detectors changed", full=True)
    elif versions(fresh.policies) != versions(old.policies):
        _rejudge(daemon, settings)


def _rejudge(daemon: Daemon, settings: Any) -> None:
    if importlib.util.find_spec("agent.reapply") is None:
        daemon.log.info("reconcile_full_scheduled", reason="policies changed; agent.reapply not available")
        daemon.schedule.request("policies changed", full=True)
        return
    from agent.reapply import reapply  # type: ignore[import-not-found,unused-ignore]

    try:
        result = reapply(settings, daemon.store, host=settings.host_name)  # this agent judges its own files
        daemon.log.info("policies_reapplied", result=str(result))
    except Exception as e:
        daemon.last_error.set("reapply_failed", str(e))
        daemon.log.error("reapply_failed", error=str(e), answer="full re-scan scheduled")
        daemon.schedule.request("policies changed", full=True)
