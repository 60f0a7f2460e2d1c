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


# --- the register (issue 7): violations lifecycle, verify, attest, report -------------

actor_option = click.option("--actor", help="Who acts (recorded in the event history; default: the OS user).")
_filter_options = [
    click.option("--host", help="Only this host."),
    click.option("--zone", "zone_name", help="Only this zone (shared, local ...)."),
    click.option("--policy", help="Only this policy id."),
    click.option("--severity", help="Only this severity."),
    click.option("--path", "path_prefix", help="Only files under this folder."),
]


def filter_options(func: Any) -> Any:
    for option in reversed(_filter_options):
        func = option(func)
    return func


def _register_call(db_url: str | None, config: str | None, work: Any) -> Any:
    """Open the register, run ``work(store)``, close; a refused move or bad value is exit 2."""
    settings = build_settings(config, db_url=db_url)
    store = open_store(settings)
    try:
        return work(store)
    except (ValueError, KeyError) as e:
        raise ExitError(str(e).strip("'\"")) from None
    finally:
        store.close()


@main.group()
def violations() -> None:
    """List, show and move violations through their lifecycle (every move is an event)."""


@violations.command("list")
@filter_options
@click.option("--state", "states", multiple=True, help="Only these states (repeatable), e.g. open, acknowledged.")
@click.option("--open", "only_open", is_flag=True, help="Only states someone still has to act on.")
@click.option("--older-than", type=int, metavar="DAYS", help="Only violations opened at least DAYS ago.")
@click.option("--limit", type=int, help="At most this many rows.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
@db_option
@config_option
def violations_list(host: str | None, zone_name: str | None, policy: str | None, severity: str | None,
                    path_prefix: str | None, states: tuple[str, ...], only_open: bool, older_than: int | None,
                    limit: int | None, fmt: str, db_url: str | None, config: str | None) -> None:
    """List violations (masked values only; paths in full)."""
    from store.lifecycle import OPEN_STATES

    from .violations import make_filter, write_list

    wanted = tuple(states) + (OPEN_STATES if only_open else ())

    def work(store: Any) -> Any:
        filt = make_filter(host=host, zone=zone_name, policy=policy, severity=severity, states=wanted,
                           path=path_prefix, older_than=older_than)
        return store.list_violations(filt, limit)

    write_list(_register_call(db_url, config, work), fmt, sys.stdout)


@violations.command("show")
@click.argument("violation_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@db_option
@config_option
def violations_show(violation_id: int, fmt: str, db_url: str | None, config: str | None) -> None:
    """One violation: facts, masked findings, linked copies and its full event history."""
    from .violations import write_show

    record = _register_call(db_url, config, lambda store: store.show_violation(violation_id))
    if record is None:
        raise ExitError(f"no violation {violation_id}")
    write_show(record, fmt, sys.stdout)


@violations.command("ack")
@click.argument("ids", nargs=-1, required=True, type=int)
@click.option("--assignee", help="Who will fix it (default: the actor).")
@click.option("--due", help="Due date: YYYY-MM-DD or +Nd.")
@click.option("--note", default="", help="Free text for the history.")
@actor_option
@db_option
@config_option
def violations_ack(ids: tuple[int, ...], assignee: str | None, due: str | None, note: str, actor: str | None,
                   db_url: str | None, config: str | None) -> None:
    """Acknowledge violations: someone owns the fix, by a due date."""
    from .violations import apply, default_actor, parse_due

    who = actor or default_actor()

    def work(store: Any) -> list[str]:
        due_at = parse_due(due)
        return apply(ids, lambda i: store.acknowledge(i, who, assignee=assignee, due_at=due_at, note=note))

    click.echo("\n".join(_register_call(db_url, config, work)))


@violations.command("claim")
@click.argument("ids", nargs=-1, required=True, type=int)
@click.option("--method", required=True, type=click.Choice(["deleted", "moved", "encrypted", "access_restricted"]),
              help="How it was fixed.")
@click.option("--note", default="", help="Free text for the history.")
@actor_option
@db_option
@config_option
def violations_claim(ids: tuple[int, ...], method: str, note: str, actor: str | None, db_url: str | None,
                     config: str | None) -> None:
    """Claim a fix; `pii-agent verify` (or the next sweep) checks it."""
    from .violations import apply, default_actor

    who = actor or default_actor()
    lines = _register_call(db_url, config, lambda store: apply(
        ids, lambda i: store.claim_remediation(i, who, method=method, note=note)))
    click.echo("\n".join(lines))


@violations.command("accept")
@click.argument("ids", nargs=-1, required=True, type=int)
@click.option("--reason", required=True, help="Why the risk is accepted.")
@actor_option
@db_option
@config_option
def violations_accept(ids: tuple[int, ...], reason: str, actor: str | None, db_url: str | None,
                      config: str | None) -> None:
    """Accept the risk of violations (they stay in the register, out of the open count)."""
    from .violations import apply, default_actor

    who = actor or default_actor()
    lines = _register_call(db_url, config, lambda store: apply(
        ids, lambda i: store.accept_risk(i, who, reason=reason)))
    click.echo("\n".join(lines))


@violations.command("false-positive")
@click.argument("ids", nargs=-1, required=True, type=int)
@click.option("--reason", required=True, help="Why it is not pension PII.")
@click.option("--scope", type=click.Choice(["file", "value"]), default="file", show_default=True,
              help="file: this violation only; value: the values everywhere (suppressed in future scans).")
@click.option("--value", help="With --scope value: the masked value (1234-****90) or hash prefix to suppress "
                              "(default: every value in the file).")
@actor_option
@db_option
@config_option
def violations_false_positive(ids: tuple[int, ...], reason: str, scope: str, value: str | None, actor: str | None,
                              db_url: str | None, config: str | None) -> None:
    """Mark violations as false positives, for this file or for its values everywhere."""
    from .violations import apply, default_actor

    who = actor or default_actor()
    lines = _register_call(db_url, config, lambda store: apply(
        ids, lambda i: store.mark_false_positive(i, who, reason=reason, scope=scope, value=value)))
    click.echo("\n".join(lines))


@main.command()
@click.option("--host", help="Host name the files are registered under (default: this host).")
@click.option("--path", "path_prefix", help="Only claims on files under this folder.")
@zone_option
@db_option
@config_option
@rules_option
def verify(host: str | None, path_prefix: str | None, zone: tuple[str, ...], db_url: str | None,
           config: str | None, rules_dir: str | None) -> None:
    """Re-scan what claims point at (their folders and linked copies) and verify or reopen them.

    Exit 0 when every claim checked is verified (or none waits), 1 when some are not."""
    from .verify import run_verify

    overrides: dict[str, Any] = {"zone": zone, "db_url": db_url, "rules_dir": rules_dir, "workers": 1}
    if host:
        overrides["host"] = host
    settings = build_settings(config, **overrides)
    logs.configure(settings.log_file, settings.log_level)
    store = open_store(settings)
    try:
        _make_sweep(settings, store, False)  # rules and policies load, or exit 2 before any change
        result = run_verify(settings, store, path_prefix)
    finally:
        store.close()
    for row in result.changes + result.unchanged:
        click.echo(f"violation {row['id']}: {row['before']} -> {row['after']}  {row['path']}")
    if not result.changes and not result.unchanged:
        click.echo("nothing waits for verification")
    waiting = [r for r in result.changes + result.unchanged if r["after"] != "verified"]
    sys.exit(EXIT_VIOLATIONS if waiting else EXIT_OK)


@main.group()
def attest() -> None:
    """Sweep attestations: signed coverage records."""


@attest.command("verify")
@click.option("--sweep", "sweep_id", type=int, help="Only this sweep (default: every sweep).")
@click.option("--host", help="Only sweeps of this host.")
@db_option
@config_option
def attest_verify(sweep_id: int | None, host: str | None, db_url: str | None, config: str | None) -> None:
    """Check sweep signatures. Exit 1 when one is bad (or the one asked for is unsigned)."""
    from .attest import verify_sweeps
    from .keys import load_or_create_key

    settings = build_settings(config, db_url=db_url)
    key = load_or_create_key(settings.key_file)
    checks = _register_call(db_url, config, lambda store: verify_sweeps(store, key, sweep_id, host))
    for c in checks:
        click.echo(f"sweep {c.sweep_id}: {c.status.upper()} {c.detail}")
    bad = [c for c in checks if c.status == "bad" or (sweep_id is not None and not c.ok)]
    sys.exit(EXIT_VIOLATIONS if bad else EXIT_OK)


@main.command()
@filter_options
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "html"]), default="table",
              show_default=True)
@click.option("--output", "output", type=click.Path(dir_okay=False), help="Write to FILE instead of stdout.")
@click.option("--days", type=int, default=30, show_default=True, help="Days of trend and progress.")
@db_option
@config_option
def report(host: str | None, zone_name: str | None, policy: str | None, severity: str | None,
           path_prefix: str | None, fmt: str, output: str | None, days: int, db_url: str | None,
           config: str | None) -> None:
    """The register at a glance: open violations by severity, policy, zone, host and folder;
    ageing; remediation progress; sweep coverage; distinct pension records exposed."""
    from .report import build_report, write_report
    from .violations import make_filter

    filt = make_filter(host=host, zone=zone_name, policy=policy, severity=severity, path=path_prefix)
    doc = _register_call(db_url, config, lambda store: build_report(store, filt, days=days))
    if output:
        with open(output, "w", encoding="utf-8", newline="") as out:
            write_report(doc, fmt, out)
        click.echo(f"report written to {output}")
    else:
        write_report(doc, fmt, sys.stdout)


if __name__ == "__main__":  # pragma: no cover
    main()
