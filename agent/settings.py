"""Settings: one typed object built from defaults < config YAML < CLI flags.

Every setting is declared once, here, with its default and its help text; the
sample config (deploy/pii-agent.yaml.sample) and the README are checked against
this list by the tests. A broken config is an error naming the key, never a
silent fallback to defaults.
"""

from __future__ import annotations

import copy
import os
import socket
from dataclasses import dataclass, field, fields
from functools import partial
from pathlib import Path
from typing import Any

import yaml

from scanner.limits import ScanLimits
from scanner.model import Confidence

_LIMITS = ScanLimits()  # the scanner's own defaults


class ConfigError(Exception):
    """The configuration is wrong; the message says where and why."""


def _setting(default: Any, help: str, **kw: Any) -> Any:
    if isinstance(default, list | dict):
        return field(default_factory=partial(copy.copy, default), metadata={"help": help, **kw})
    return field(default=default, metadata={"help": help, **kw})


@dataclass(frozen=True)
class ZoneRule:
    """Paths under ``path`` (or matching the glob ``path``) belong to ``zone``.

    ``share_root`` is where access is computed up to (the folder a share exports);
    it defaults to ``path``. ``network`` marks a remote mount the watcher must poll.
    """

    zone: str
    path: str
    share_root: str | None = None
    network: bool = False


@dataclass(frozen=True)
class Settings:
    db_url: str | None = _setting(None, "SQLAlchemy URL of the register; default: SQLite in the user data directory.")
    rules_dir: str | None = _setting(None, "Folder with detectors/ and policies/; default: the rules shipped with pii-agent.")
    zones: list[ZoneRule] = _setting([], "Zone rules: list of {zone, path, share_root, network}. Unmatched paths get default_zone.")
    default_zone: str = _setting("local", "Zone of a path that no zone rule matches.")
    host: str | None = _setting(None, "Host name recorded with every file; default: this machine's name.")
    key_file: str | None = _setting(None, "File holding the HMAC key for value hashes (created 0600 on first use); default: in the data directory.")
    report_threshold: str = _setting("medium", "Lowest confidence listed by `findings` and used by policies unless they say otherwise: low, medium or high.")
    workers: int = _setting(0, "Worker processes for sweeps; 0 means one per CPU core.")
    prefilter: str = _setting("auto", "Byte prefilter engine: auto (hyperscan when installed), hyperscan or regex.")
    exclude: list[str] = _setting([], "Glob patterns (fnmatch on the full path) of files and folders not to scan; each exclusion is counted in the sweep record.")
    max_file_bytes: int = _setting(_LIMITS.max_file_bytes, "Files larger than this are recorded as too_large without being read.")
    per_file_seconds: float = _setting(_LIMITS.per_file_seconds, "A file still being scanned after this many seconds is recorded as timeout.")
    archive_max_total_bytes: int = _setting(_LIMITS.archive_max_total_bytes, "Uncompressed bytes read from one archive (all members, all levels).")
    archive_max_members: int = _setting(_LIMITS.archive_max_members, "Members read from one archive (all levels).")
    archive_max_depth: int = _setting(_LIMITS.archive_max_depth, "Deepest archive nesting read (outer.zip!inner.zip is 2).")
    archive_max_ratio: float = _setting(_LIMITS.archive_max_ratio, "Largest compression ratio of a member before it counts as a bomb.")
    max_cells: int = _setting(_LIMITS.max_cells, "Spreadsheet cells read from one workbook.")
    broad_groups: list[str] = _setting([], "POSIX group names that count as 'everyone' (e.g. users, domain users) besides others.")
    log_file: str | None = _setting(None, "Write JSON log lines here instead of stderr.")
    log_level: str = _setting("info", "Lowest log level written: debug, info, warning or error.")
    # --- the agent (`pii-agent watch`) ---
    watch_settle_seconds: float = _setting(1.0, "watch: a changed file is scanned once no event and no mtime change has been seen for this long.")
    watch_poll_seconds: float = _setting(30.0, "watch: polling interval for roots whose zone rule says network: true (shares send no events).")
    watch_workers: int = _setting(1, "watch: threads scanning changed files (each loads its own rules); 0 means one.")
    watch_queue_max: int = _setting(100000, "watch: most distinct paths waiting to be scanned; past it events are dropped and a reconciliation walk is run.")
    reconcile_interval_seconds: float = _setting(3600.0, "watch: a reconciliation walk (unchanged files cost a stat) runs this often, plus jitter.")
    reconcile_jitter_seconds: float = _setting(300.0, "watch: up to this many random seconds are added to each reconciliation interval.")
    full_rescan_interval_seconds: float = _setting(604800.0, "watch: every file is re-read this often (default weekly), and after a rules change.")
    status_file: str | None = _setting(None, "watch: JSON health file written every status_interval_seconds; default status.json in the data directory.")
    status_interval_seconds: float = _setting(5.0, "watch: how often the status file is written, observers checked and the rules folder compared.")
    metrics_file: str | None = _setting(None, "watch: also write the counters as a Prometheus text file here (node_exporter textfile collector).")
    nice: int = _setting(10, "watch: added to the CPU niceness of the agent (0 leaves it as is); Windows: below-normal priority class.")
    ionice_idle: bool = _setting(True, "watch: put the agent in the idle I/O scheduling class on Linux (background I/O mode on Windows).")
    read_rate_mb: int = _setting(0, "watch: most megabytes per second the agent reads from disk (0: no limit).")
    pause_file: str | None = _setting(None, "watch: while this file exists, scanning pauses (events still queue).")
    pause_command: str | None = _setting(None, "watch: a shell command run every few seconds; exit status 0 pauses scanning (e.g. user is active).")
    pause_on_battery: bool = _setting(True, "watch: pause scanning while the machine runs on battery (Linux /sys/class/power_supply).")

    def scan_limits(self) -> ScanLimits:
        return ScanLimits(
            max_file_bytes=self.max_file_bytes,
            per_file_seconds=self.per_file_seconds,
            archive_max_total_bytes=self.archive_max_total_bytes,
            archive_max_members=self.archive_max_members,
            archive_max_depth=self.archive_max_depth,
            archive_max_ratio=self.archive_max_ratio,
            max_cells=self.max_cells,
        )

    @property
    def threshold(self) -> Confidence:
        return Confidence.parse(self.report_threshold)

    @property
    def host_name(self) -> str:
        return self.host or socket.gethostname()

    @property
    def worker_count(self) -> int:
        return self.workers if self.workers > 0 else (os.cpu_count() or 1)

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with the non-None values of ``changes`` applied and validated."""
        merged = {**_as_dict(self), **{k: v for k, v in changes.items() if v is not None}}
        return from_mapping(merged, source="command line")


def setting_docs() -> dict[str, tuple[Any, str]]:
    """name -> (default, help) for every setting."""
    out: dict[str, tuple[Any, str]] = {}
    for f in fields(Settings):
        default = f.default_factory() if callable(f.default_factory) else f.default
        out[f.name] = (default, f.metadata["help"])
    return out


def _as_dict(settings: Settings) -> dict[str, Any]:
    return {f.name: getattr(settings, f.name) for f in fields(settings)}


def _coerce(name: str, value: Any, default: Any, source: str) -> Any:
    if name == "zones":
        return _parse_zones(value, source)
    if name in ("db_url", "rules_dir", "host", "key_file", "log_file", "status_file", "metrics_file", "pause_file", "pause_command"):
        if value is None or isinstance(value, str):
            return value
        raise ConfigError(f"{source}: {name} must be a string")
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{source}: {name} must be true or false")
    if isinstance(default, int) and not isinstance(default, bool):
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
        raise ConfigError(f"{source}: {name} must be a whole number >= 0, got {value!r}")
    if isinstance(default, float):
        if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
            return float(value)
        raise ConfigError(f"{source}: {name} must be a number > 0, got {value!r}")
    if isinstance(default, list):
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
        raise ConfigError(f"{source}: {name} must be a list of strings")
    if isinstance(default, str):
        if isinstance(value, str):
            return value
        raise ConfigError(f"{source}: {name} must be a string, got {value!r}")
    return value


def _parse_zones(value: Any, source: str) -> list[ZoneRule]:
    if not isinstance(value, list):
        raise ConfigError(f"{source}: zones must be a list of {{zone, path}} entries")
    rules: list[ZoneRule] = []
    for i, item in enumerate(value):
        if isinstance(item, ZoneRule):
            rules.append(item)
            continue
        if not isinstance(item, dict) or not {"zone", "path"} <= item.keys():
            raise ConfigError(f"{source}: zones[{i}] needs 'zone' and 'path'")
        unknown = item.keys() - {"zone", "path", "share_root", "network"}
        if unknown:
            raise ConfigError(f"{source}: zones[{i}] has unknown keys: {', '.join(sorted(unknown))}")
        rules.append(ZoneRule(zone=str(item["zone"]), path=str(item["path"]),
                              share_root=item.get("share_root"), network=bool(item.get("network", False))))
    return rules


def _validate(settings: Settings, source: str) -> Settings:
    try:
        Confidence.parse(settings.report_threshold)
    except ValueError as e:
        raise ConfigError(f"{source}: report_threshold: {e}") from None
    if settings.prefilter not in ("auto", "hyperscan", "regex"):
        raise ConfigError(f"{source}: prefilter must be auto, hyperscan or regex")
    if settings.log_level not in ("debug", "info", "warning", "error"):
        raise ConfigError(f"{source}: log_level must be debug, info, warning or error")
    return settings


def from_mapping(data: dict[str, Any], *, source: str, base: Settings | None = None) -> Settings:
    """Settings from a mapping of setting names; unknown names are an error."""
    docs = setting_docs()
    unknown = set(data) - set(docs)
    if unknown:
        raise ConfigError(f"{source}: unknown setting(s): {', '.join(sorted(unknown))}")
    values = _as_dict(base) if base else {}
    for name, value in data.items():
        values[name] = _coerce(name, value, docs[name][0], source)
    return _validate(Settings(**values), source)


def load(config_file: str | os.PathLike[str] | None = None) -> Settings:
    """Defaults, then the YAML config file if given."""
    if config_file is None:
        return Settings()
    path = Path(config_file)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise ConfigError(f"{path}: cannot read config: {e.strerror or e}") from None
    except yaml.YAMLError as e:
        raise ConfigError(f"{path}: not valid YAML: {e}") from None
    if data is None:
        return Settings()
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: the config must be a mapping of setting names to values")
    return from_mapping(data, source=str(path))
