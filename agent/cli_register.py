"""`pii-agent violations, verify, attest and report` commands (registered on agent.cli.main)."""

from __future__ import annotations

import sys
from typing import Any

import click

from . import logs
from .cli import (
    EXIT_OK,
    EXIT_VIOLATIONS,
    ExitError,
    build_settings,
    config_option,
    db_option,
    main,
    make_sweep_or_exit,
    open_store,
    rules_option,
    zone_option,
)

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
    from .zones import canonical

    overrides: dict[str, Any] = {"zone": zone, "db_url": db_url, "rules_dir": rules_dir, "workers": 1}
    if host:
        overrides["host"] = host
    settings = build_settings(config, **overrides)
    logs.configure(settings.log_file, settings.log_level)
    store = open_store(settings)
    try:
        make_sweep_or_exit(settings, store, False)  # rules and policies load, or exit 2 before any change
        # this host's folder, as sweeps record it (symlinks resolved)
        result = run_verify(settings, store, canonical(path_prefix) if path_prefix else None)
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
