"""The `pii-agent` command line.

Exit codes: 0 ran and found no open violation, 1 ran and open violations exist,
2 usage or configuration error.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from . import logs
from .settings import ConfigError, Settings, load
from .zones import parse_zone_flag

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE = 0, 1, 2
EXIT_STALE = 3  # `status`: no agent status, or too old to trust


class ExitError(click.ClickException):
    """A configuration or usage problem: message to stderr, exit 2."""

    exit_code = EXIT_USAGE


def build_settings(config: str | None, **flags: Any) -> Settings:
    """defaults < config file < flags; a broken config is exit 2 with the reason."""
    try:
        settings = load(config)
        zones = [parse_zone_flag(z) for z in flags.pop("zone", ()) or ()]
        if zones:
            flags["zones"] = list(settings.zones) + zones
        return settings.with_overrides(**flags)
    except (ConfigError, ValueError) as e:
        raise ExitError(str(e)) from None


def open_store(settings: Settings) -> Any:
    from store import Store, default_db_url

    try:
        return Store.open(settings.db_url or default_db_url())
    except Exception as e:  # a bad URL or an unreachable server is the user's to fix
        raise ExitError(f"cannot open the register at {settings.db_url or default_db_url()}: {e}") from None


config_option = click.option("--config", "config", type=click.Path(dir_okay=False), help="YAML config file.")
db_option = click.option("--db", "db_url", help="SQLAlchemy URL of the register (default: SQLite in the data directory).")
rules_option = click.option("--rules", "rules_dir", type=click.Path(file_okay=False, exists=True),
                            help="Rules folder (detectors/, policies/) instead of the shipped rules.")
zone_option = click.option("--zone", "zone", multiple=True, metavar="NAME=PATH",
                           help="Paths under PATH are in zone NAME (e.g. shared=/srv/share). Repeatable.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pii-agent")
def main() -> None:
    """Find pension PII on shares and disks, judge it against policy, keep a PII-safe register."""


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@zone_option
@db_option
@config_option
@rules_option
@click.option("--workers", type=int, help="Worker processes (0: one per core).")
@click.option("--full", is_flag=True, help="Re-read every file, even unchanged ones.")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar; print only the summary.")
def sweep(paths: tuple[str, ...], zone: tuple[str, ...], db_url: str | None, config: str | None,
          rules_dir: str | None, workers: int | None, full: bool, quiet: bool) -> None:
    """Scan PATH... once and update the register. Paths under no --zone are 'local'."""
    from .output import SweepProgress, print_summary
    from .sweep import Sweep

    settings = build_settings(config, zone=zone, db_url=db_url, rules_dir=rules_dir, workers=workers)
    logs.configure(settings.log_file, settings.log_level)
    store = open_store(settings)
    try:
        runner = _make_sweep(settings, store, full)
        show = not quiet and sys.stderr.isatty()
        with SweepProgress(enabled=show) as progress:
            summary = runner.run(list(paths), progress=progress.update)
    finally:
        store.close()
    print_summary(summary)
    sys.exit(EXIT_VIOLATIONS if summary.open_violations else EXIT_OK)


def _make_sweep(settings: Settings, store: Any, full: bool) -> Any:
    from scanner.detect import RulesError

    from .policy import PolicyError
    from .sweep import Sweep

    try:
        return Sweep(settings, store, full=full)
    except (RulesError, PolicyError) as e:
        raise ExitError(f"rules: {e}") from None


@main.command()
@db_option
@config_option
@click.option("--format", "fmt", type=click.Choice(["jsonl", "json", "csv", "table"]), default="table",
              show_default=True)
@click.option("--all", "include_all", is_flag=True, help="Also list findings below the reporting threshold.")
def findings(db_url: str | None, config: str | None, fmt: str, include_all: bool) -> None:
    """Export every file with a finding, a violation or a non-clean outcome."""
    from .output import write_findings

    settings = build_settings(config, db_url=db_url)
    store = open_store(settings)
    try:
        rows = list(store.export_files(min_confidence=int(settings.threshold), include_all=include_all))
        open_count = store.open_violation_count()
    finally:
        store.close()
    write_findings(rows, fmt, sys.stdout)
    sys.exit(EXIT_VIOLATIONS if open_count else EXIT_OK)


@main.group()
def rules() -> None:
    """Check and test detector and policy rules."""


@rules.command("check")
@click.argument("rules_dir", required=False, type=click.Path(file_okay=False, exists=True))
def rules_check(rules_dir: str | None) -> None:
    """Load and validate every detector and policy (examples included)."""
    from scanner.detect import RulesError, load_engine

    from .policy import PolicyError, load_policies

    folder = Path(rules_dir) if rules_dir else None
    try:
        engine = load_engine(folder)
        policies = load_policies(folder or _shipped_rules())
    except (RulesError, PolicyError) as e:
        raise ExitError(str(e)) from None
    click.echo(f"OK: {len(engine.detector_ids)} detectors ({', '.join(engine.detector_ids)}), "
               f"{len(policies)} policies ({', '.join(p.id + ' v' + p.version for p in policies)})")


@rules.command("test")
@click.argument("rules_dir", required=False, type=click.Path(file_okay=False, exists=True))
def rules_test(rules_dir: str | None) -> None:
    """Run every detector's positive and negative examples through the real engine."""
    from scanner.detect import RulesError, load_engine

    folder = Path(rules_dir) if rules_dir else None
    try:
        engine = load_engine(folder, validate_examples=False) if _accepts_flag() else load_engine(folder)
    except RulesError as e:
        raise ExitError(str(e)) from None
    failures = engine.run_examples()
    for failure in failures:
        click.echo(f"FAIL {failure}")
    click.echo(f"{'FAILED' if failures else 'OK'}: {len(failures)} failing example(s)")
    sys.exit(EXIT_VIOLATIONS if failures else EXIT_OK)


def _accepts_flag() -> bool:
    import inspect

    from scanner.detect import load_engine

    return "validate_examples" in inspect.signature(load_engine).parameters


def _shipped_rules() -> Path:
    from rules import default_rules_dir

    return default_rules_dir()


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
    from .watch.runtime import Runtime

    def load_settings() -> Any:
        return build_settings(config, zone=zone, db_url=db_url, rules_dir=rules_dir)

    settings = load_settings()
    roots = watch_roots(paths, settings)
    if not roots:
        raise ExitError("watch: give PATH... or zone rules with paths in the config")
    logs.configure(settings.log_file, settings.log_level)
    store = open_store(settings)
    try:
        runtime = _make_runtime(settings, make_sweep(store), Runtime)
        code = Daemon(runtime, store, roots, reload_settings=load_settings).run()
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


@main.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False))
@click.option("--db", "db_url", help="Register for the demo (default: demo.db inside DIRECTORY).")
def demo(directory: str | None, db_url: str | None) -> None:
    """Write a folder of fake office files (a share and a PC folder) and sweep it."""
    from .demo import run_demo

    sys.exit(run_demo(directory, db_url))


@main.group()
def config() -> None:
    """Show configuration."""


@config.command("sample")
def config_sample() -> None:
    """Print a sample config with every setting, its default and meaning."""
    from .settings_doc import sample_config

    click.echo(sample_config(), nl=False)


@config.command("show")
@config_option
def config_show(config: str | None) -> None:
    """Print the effective settings (defaults < config file) as YAML."""
    import dataclasses

    import yaml

    settings = build_settings(config)
    data = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}
    data["zones"] = [dataclasses.asdict(z) for z in settings.zones]
    click.echo(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), nl=False)



@main.group()
def policy() -> None:
    """Re-judge the register under changed policies, or preview a change."""


@policy.command("reapply")
@db_option
@config_option
@rules_option
@click.option("--host", help="Only this host's files (default: every host in the register).")
@click.option("--dry-run", is_flag=True, help="Change nothing; show what would open and close.")
def policy_reapply(db_url: str | None, config: str | None, rules_dir: str | None, host: str | None,
                   dry_run: bool) -> None:
    """Re-judge every stored file under the current policies, reading no file.

    Violations open and close to match; each keeps the policy version that opened it.
    The change is recorded (versions before and after, what opened and closed)."""
    from .policy import PolicyError
    from .reapply import reapply

    settings = build_settings(config, db_url=db_url, rules_dir=rules_dir)
    logs.configure(settings.log_file, settings.log_level)
    store = open_store(settings)
    try:
        try:
            result = reapply(settings, store, dry_run=dry_run, host=host)
        except PolicyError as e:
            raise ExitError(f"rules: {e}") from None
        open_count = store.open_violation_count(host)
    finally:
        store.close()
    for pid, (old, new) in result.changed_policies.items():
        click.echo(f"policy {pid}: {old or '-'} -> {new or '-'}")
    if result.old_versions is not None and not result.changed_policies:
        click.echo("no policy changed since the last sweep or reapply")
    verb = ("would open", "would close") if dry_run else ("opened", "closed")
    click.echo(f"{result.files_judged} files re-judged from stored facts (no file read)")
    for pid in sorted(set(result.opened_by_policy()) | set(result.closed_by_policy())):
        click.echo(f"  {pid}: {verb[0]} {result.opened_by_policy().get(pid, 0)}, "
                   f"{verb[1]} {result.closed_by_policy().get(pid, 0)}")
    if result.change_id is not None:
        click.echo(f"recorded as policy change #{result.change_id}; open violations: {open_count}")
    sys.exit(EXIT_VIOLATIONS if open_count else EXIT_OK)


@policy.command("diff")
@click.argument("old", type=click.Path(exists=True))
@click.argument("new", type=click.Path(exists=True))
@db_option
@config_option
@click.option("--host", help="Only this host's files (default: every host in the register).")
@click.option("--no-register", is_flag=True, help="Compare the policies only; do not read the register.")
def policy_diff(old: str, new: str, db_url: str | None, config: str | None, host: str | None,
                no_register: bool) -> None:
    """Show what changes from OLD to NEW policies (rules folders, policies folders or
    policy files) and which violations NEW would open and close. Writes nothing."""
    from .policy import PolicyError
    from .policy_diff import policy_diff as compute
    from .policy_diff import render

    settings = build_settings(config, db_url=db_url)
    store = None if no_register else open_store(settings)
    try:
        diff = compute(Path(old), Path(new), store, host=host)
    except PolicyError as e:
        raise ExitError(f"rules: {e}") from None
    finally:
        if store is not None:
            store.close()
    for line in render(diff):
        click.echo(line)
    sys.exit(EXIT_OK)


if __name__ == "__main__":  # pragma: no cover
    main()
