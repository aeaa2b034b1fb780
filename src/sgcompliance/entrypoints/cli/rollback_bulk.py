"""`sgc rollback ID ID ...` and `sgc rollback --run RUN_ID`: many backups, one line each.

The lines come as groups finish (the order varies), then one summary line. The exit code is
the most pressing status among the backups: 2 when any was refused (a backup that may be
forged or tampered with, left untouched: the store needs looking at first), else 3 when any
restore failed or could not be verified (a group in a state nobody has seen), else 4 when some
rules could not come back (each is listed with its reason), else 0.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence

from rich.console import Console
from rich.markup import escape

from sgcompliance.entrypoints.cli.console import ExitCode
from sgcompliance.errors import BackupError
from sgcompliance.remediation.ports import BackupStore
from sgcompliance.remediation.rollback_bulk import (
    BackupResult,
    BulkRollback,
    Request,
    Status,
    backups_of_run,
    counts,
)

STYLE = {
    Status.RESTORED: "green",
    Status.DRY_RUN: "cyan",
    Status.PARTIAL: "yellow",
    Status.UNVERIFIED: "red",
    Status.FAILED: "red",
    Status.REFUSED: "bold red",
}
AS_PLANNED = frozenset({Status.RESTORED, Status.DRY_RUN})
# Most pressing first: the first status present gives the exit code.
EXIT_CODES = (
    (Status.REFUSED, ExitCode.USAGE),
    (Status.FAILED, ExitCode.PARTIAL),
    (Status.UNVERIFIED, ExitCode.PARTIAL),
    (Status.PARTIAL, ExitCode.PARTIALLY_RESTORED),
)


def chosen_backups(store: BackupStore, backup_ids: Sequence[str], request: Request) -> list[str]:
    """The ids named, or every backup of the requested run; BackupError when a run has none."""
    if request.run_id is None:
        return list(backup_ids)
    found = backups_of_run(store, request.run_id, request.group_id)
    if not found:
        of_group = f" of group {request.group_id}" if request.group_id else ""
        raise BackupError(
            f"no backup{of_group} of run {request.run_id!r} in the backup store",
            hint="`sgc remediate` prints its run id; backups written before runs were recorded "
            "carry none: `sgc backups list` shows each backup's run, roll those back by id",
        )
    return found


def roll_back_all(
    bulk: BulkRollback,
    backup_ids: Sequence[str],
    request: Request,
    console: Console,
    *,
    quiet: bool = False,
) -> list[BackupResult]:
    """Restore every backup, printing its line as its group finishes, then the summary; with
    `quiet`, only the lines of backups that did not go as planned."""
    of_run = f" of run {escape(request.run_id)!r}" if request.run_id else ""
    verb = "Dry run of the rollback of" if request.dry_run else "Rolling back"
    if not quiet:
        console.print(
            f"[bold]{verb} {len(set(backup_ids))} backup(s){of_run}[/], each checked against "
            f"its receipt before its group is changed ({bulk.max_workers} group(s) at once)"
        )
    started = time.perf_counter()
    results = []
    for result in bulk.run(backup_ids, request):
        results.append(result)
        if not quiet or result.status not in AS_PLANNED:
            console.print(result_line(result), highlight=False)
    if not quiet:
        console.print(summary_line(results, time.perf_counter() - started), highlight=False)
    return results


def result_line(result: BackupResult) -> str:
    """`status  BACKUP_ID  ACCOUNT/REGION GROUP (NAME): what happened`; everything from the
    store or AWS is escaped: a forged document may hold markup."""
    status = f"[{STYLE[result.status]}]{result.status.value.replace('_', ' '):<10}[/]"
    outcome = result.outcome
    if outcome is None:
        return f"{status} {escape(result.backup_id)}: {escape(result.reason)}"
    name = f" ({escape(outcome.group_name)})" if outcome.group_name else ""
    where = f"{outcome.account_id}/{outcome.region} {escape(outcome.group_id)}{name}"
    return f"{status} {escape(result.backup_id)}  {where}: {'; '.join(_details(result))}"


def _details(result: BackupResult) -> list[str]:
    outcome = result.outcome
    assert outcome is not None  # only restores that ran have details
    verb = "would re-authorize" if outcome.dry_run else "re-authorized"
    authorized = len(outcome.plan.authorize) if outcome.dry_run else outcome.restored
    details = [f"{verb} {authorized} rule(s)"]
    if outcome.already_present:
        details.append(f"{len(outcome.already_present)} already present")
    details += [
        f"[red]NOT restored: {escape(f.rule.describe())}: {escape(f.reason)}[/]"
        for f in outcome.failed
    ]
    if outcome.not_restored:
        details.append(f"{len(outcome.not_restored)} not revoked by the remediation: left alone")
    if not outcome.dry_run and not outcome.verified and not outcome.failed:
        details.append("[red]NOT verified[/]")
    if outcome.problems:
        problems = "; ".join(outcome.problems)
        details.append(f"[red]UNVERIFIED backup, forced: {escape(problems)}[/]")
    if outcome.removed_tags:
        details.append(f"tags removed: {', '.join(outcome.removed_tags)}")
    if outcome.status_tag:
        details.append(f"tagged sgc:status={outcome.status_tag}")
    if outcome.tags_note:
        details.append(escape(outcome.tags_note))
    return details


def summary_line(results: Sequence[BackupResult], seconds: float) -> str:
    tally = ", ".join(
        f"{n} {status.value.replace('_', ' ')}" for status, n in counts(results).items() if n
    )
    return f"[bold]{len(results)} backup(s) in {seconds:.1f} s: {tally or 'none'}[/]"


def bulk_exit_code(results: Iterable[BackupResult]) -> ExitCode:
    present = {r.status for r in results}
    return next((code for status, code in EXIT_CODES if status in present), ExitCode.COMPLIANT)


def scopes_of(results: Iterable[BackupResult]) -> int:
    """Account-regions the restores reached (for the per-scope column of `--stats`)."""
    return len({(r.outcome.account_id, r.outcome.region) for r in results if r.outcome})
