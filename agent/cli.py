"""The `pii-agent` command line.

Exit codes: 0 ran and found no open violation, 1 ran and open violations exist,
2 usage or configuration error, 4 failed (the register unwritable, a bug: no verdict);
a command stopped by Ctrl-C, SIGTERM or SIGHUP exits 130, 143 or 129 (128 + the signal),
a sweep after recording what it scanned.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path
from typing import Any

import click

from . import logs
from .settings import ConfigError, Settings, load
from .zones import parse_zone_flag

EXIT_OK, EXIT_VIOLATIONS, EXIT_USAGE = 0, 1, 2
EXIT_STALE = 3  # `status`: no agent status, or too old to trust
EXIT_FAILED = 4  # an unexpected failure must not read as a verdict ("violations found" is 1)
EXIT_SIGINT = 130


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


class _Commands(click.Group):
    """Keeps exit codes meaningful to a scheduler: a failure is 4 and Ctrl-C is 130, where
    click would exit 1 for both, the code that means "open violations"."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("pii-agent: interrupted", err=True)
            ctx.exit(EXIT_SIGINT)
        except Exception as e:
            click.echo(traceback.format_exc(), err=True, nl=False)
            click.echo(f"pii-agent: failed: {type(e).__name__}: {e}", err=True)
            ctx.exit(EXIT_FAILED)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
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
    from rich.console import Console

    from .heap import batch_work
    from .interrupts import Terminated, exit_code, sigterm_interrupts
    from .output import SweepProgress, print_summary

    settings = build_settings(config, zone=zone, db_url=db_url, rules_dir=rules_dir, workers=workers)
    show = not quiet and sys.stderr.isatty()
    console = Console(stderr=True) if show else None
    logs.configure(settings.log_file, settings.log_level, console)
    store = open_store(settings)
    stopped: BaseException | None = None
    try:
        runner = make_sweep_or_exit(settings, store, full)
        with SweepProgress(enabled=show, console=console) as progress, sigterm_interrupts(), batch_work():
            try:
                summary = runner.run(list(paths), progress=progress.update)
            except (KeyboardInterrupt, Terminated) as e:  # the sweep has recorded itself as interrupted
                summary, stopped = runner.summary, e
    finally:
        store.close()
    print_summary(summary)
    sys.exit(exit_code(stopped) if stopped else EXIT_VIOLATIONS if summary.open_violations else EXIT_OK)


def make_sweep_or_exit(settings: Settings, store: Any, full: bool) -> Any:
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
        engine = load_engine(folder, check_examples=False)
    except RulesError as e:
        raise ExitError(str(e)) from None
    failures = engine.run_examples()
    for failure in failures:
        click.echo(f"FAIL {failure}")
    click.echo(f"{'FAILED' if failures else 'OK'}: {len(failures)} failing example(s)")
    sys.exit(EXIT_VIOLATIONS if failures else EXIT_OK)


def _shipped_rules() -> Path:
    from rules import default_rules_dir

    return default_rules_dir()


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


# Commands of the agent, the policy lifecycle and the register live in their own modules;
# importing them registers them on `main`.
from . import cli_agent, cli_policy, cli_register  # noqa: E402,F401

if __name__ == "__main__":  # pragma: no cover - `python -m agent.cli`
    # Run as __main__, this module is not the agent.cli the command modules registered
    # their commands on: hand over to that one.
    from agent.cli import main as registered_main

    registered_main()
