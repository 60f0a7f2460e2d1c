"""`pii-agent watch and status` commands (registered on agent.cli.main)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from . import logs
from .cli import (
    EXIT_OK,
    EXIT_STALE,
    ExitError,
    build_settings,
    config_option,
    db_option,
    main,
    open_store,
    rules_option,
    zone_option,
)
from .settings import Settings


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@zone_option
@db_option
@config_option
@rules_option
def watch(paths: tuple[str, ...], zone: tuple[str, ...], db_url: str | None, config: str | None,
          rules_dir: str | None) -> None:
    """Watch PATH... (default: every zone path) and keep the register current: the agent.

    Runs in the foreground until SIGTERM/SIGINT; SIGHUP reloads config and rules. The
    service wrappers in deploy/ run exactly this."""
    from .watch import make_sweep, watch_roots
    from .watch.daemon import Daemon
    from .watch.journal import ScanJournal
    from .watch.runtime import Runtime
    from .watch.status import status_path

    def load_settings() -> Any:
        return build_settings(config, zone=zone, db_url=db_url, rules_dir=rules_dir)

    settings = load_settings()
    roots = watch_roots(paths, settings)
    if not roots:
        raise ExitError("watch: give PATH... or zone rules with paths in the config")
    logs.configure(settings.log_file, settings.log_level)
    store = open_store(settings)
    try:
        journal = ScanJournal(status_path(settings).with_name("scanning"))
        runtime = _make_runtime(settings, make_sweep(store, journal), Runtime)
        code = Daemon(runtime, store, roots, reload_settings=load_settings, journal=journal).run()
    finally:
        store.close()
    sys.exit(code)


def _make_runtime(settings: Settings, make: Any, runtime_class: Any) -> Any:
    from scanner.detect import RulesError

    from .policy import PolicyError

    try:
        return runtime_class(settings, make)
    except (RulesError, PolicyError) as e:
        raise ExitError(f"rules: {e}") from None


@main.command()
@config_option
@click.option("--status-file", type=click.Path(dir_okay=False), help="Status file (default: from the config).")
@click.option("--json", "as_json", is_flag=True, help="Print the status file as JSON.")
def status(config: str | None, status_file: str | None, as_json: bool) -> None:
    """Show the running agent's health. Exit 0 when fresh, 3 when missing or stale."""
    import json

    from .watch.status import default_status_file, read_status, staleness

    settings = build_settings(config)
    path = Path(status_file or settings.status_file or default_status_file())
    try:
        data = read_status(path)
    except (OSError, ValueError) as e:
        click.echo(f"no agent status at {path}: {e}", err=True)
        sys.exit(EXIT_STALE)
    problem = staleness(data)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for key in ("state", "pid", "host", "uptime_seconds", "queue_depth", "walking", "last_walk",
                    "last_error", "observers", "counters", "updated_at"):
            click.echo(f"{key}: {json.dumps(data.get(key), ensure_ascii=False)}")
    if problem:
        click.echo(f"STALE: {problem}", err=True)
        sys.exit(EXIT_STALE)
    sys.exit(EXIT_OK)
