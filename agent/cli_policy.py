"""`pii-agent policy` commands (registered on agent.cli.main)."""

from __future__ import annotations

import sys
from pathlib import Path

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
    open_store,
    rules_option,
)


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
