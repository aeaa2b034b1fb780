"""Live commands: scan, snapshot, remediate and roll back real accounts (or the local AWS)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sgcompliance.adapters.aws.estate import Runtime
from sgcompliance.adapters.local_backups import LocalBackupStore
from sgcompliance.engine.collector import collector_paused
from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.fleet import Coverage, Scope, with_coverage
from sgcompliance.engine.model import RegionSnapshot, SecurityGroup
from sgcompliance.engine.policy import Policy
from sgcompliance.engine.scanner import ComplianceScanner
from sgcompliance.engine.selection import EVERYTHING, Selection
from sgcompliance.entrypoints.bootstrap import Target, build_runtime
from sgcompliance.entrypoints.cli import aws_options as opt
from sgcompliance.entrypoints.cli.console import (
    ExitCode,
    ListingFormat,
    Terminal,
    reported_errors,
    show_table,
    write_stdout,
)
from sgcompliance.entrypoints.cli.filters import ScanFilters, show_selection
from sgcompliance.entrypoints.cli.fleet_view import (
    read_scopes,
    rollback_header,
    rollback_view,
    show_scopes,
    stats_table,
)
from sgcompliance.entrypoints.cli.option_groups import takes_option_groups
from sgcompliance.entrypoints.cli.pipeline import audit_sinks
from sgcompliance.entrypoints.cli.remediate import remediate
from sgcompliance.entrypoints.cli.report_output import write_atomically
from sgcompliance.entrypoints.cli.rollback_bulk import (
    bulk_exit_code,
    chosen_backups,
    roll_back_all,
    scopes_of,
)
from sgcompliance.errors import ConfigError, InputError, SgcError
from sgcompliance.policy.loader import load_policy
from sgcompliance.records.audit_log import AuditTrail
from sgcompliance.remediation.backup import check_run_id
from sgcompliance.remediation.ports import BackupStore
from sgcompliance.remediation.rollback import RollbackOutcome, RollbackService
from sgcompliance.remediation.rollback_bulk import BulkRollback, Request, backups_of_run
from sgcompliance.sources.documents import load_document, parse_json
from sgcompliance.sources.snapshot import read_snapshots

backups_app = typer.Typer(name="backups", help="Backups written before every remediation.")


def live_scan(
    target: Target,
    policy: Policy,
    today: Callable[[], Any],
    max_workers: int,
    stats: bool,
    terminal: Terminal,
    selection: Selection = EVERYTHING,
) -> tuple[ScanResult, bool]:
    """Scan every account-region; returns the result, which carries its coverage (so every
    report format says what could not be read), and whether every scope was read."""
    runtime = build_runtime(target)
    scanner = ComplianceScanner(policy, today=today)
    results = read_scopes(runtime, runtime.reader_for(scanner), max_workers, terminal)
    snapshots = selection.snapshots([r.snapshot for r in results if r.snapshot is not None])
    scan = selection.result(scanner.scan(snapshots))
    result = with_coverage(scan, Coverage.of(results))
    show_scopes(terminal, results, result, timed=stats)
    if stats:
        terminal.stderr().print(stats_table(runtime.counter.snapshot(), len(results)))
    return result, result.coverage.complete


def judge(
    source: opt.ScanInput,
    target: Target,
    max_workers: int,
    stats: bool,
    terminal: Terminal,
    filters: ScanFilters | None = None,
) -> tuple[ScanResult, bool]:
    """Judge the snapshot file when one is given, else every account-region of the target live,
    as narrowed by `filters`; returns the result and whether everything meant to be judged was
    read."""
    loaded = load_policy(source.policy_ref)
    selection = (filters or ScanFilters()).selection(loaded)
    show_selection(terminal, selection)
    policy = selection.policy(loaded)
    day = source.day()
    if source.input_ref is None:
        return live_scan(target, policy, lambda: day, max_workers, stats, terminal, selection)
    snapshots = selection.snapshots(read_input(source.input_ref))
    return selection.result(ComplianceScanner(policy, today=lambda: day).scan(snapshots)), True


def register(app: typer.Typer) -> None:
    app.command()(snapshot)
    app.command()(remediate)
    app.command()(rollback)
    app.add_typer(backups_app, name="backups")


@takes_option_groups
def snapshot(
    *,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            dir_okay=False,
            callback=opt.not_a_format,
            help="Snapshot file to write.",
        ),
    ],
    aws: opt.AwsTarget,
    max_workers: opt.MaxWorkers = 8,
    stats: opt.Stats = False,
    quiet: opt.Quiet = False,
    no_color: opt.NoColor = False,
) -> None:
    """Write the security groups of every account-region as an offline snapshot file.

    `sgc scan --input FILE` replays it. Exit code 3 when some account-region could not be read.
    """
    terminal = Terminal.from_options(quiet=quiet, no_color=no_color)
    with reported_errors():
        runtime = build_runtime(aws.target("snapshot"))
        results = read_scopes(runtime, runtime.read_document, max_workers, terminal)
        documents = [r.snapshot for r in results if r.snapshot is not None]
        text = json.dumps(documents, indent=2, sort_keys=True, default=str) + "\n"
        write_atomically(output, text)
        show_scopes(terminal, results, None, timed=stats)
        console = terminal.stderr()
        console.print(f"wrote {len(documents)} account-region snapshot(s) to {output}")
        if stats:
            console.print(stats_table(runtime.counter.snapshot(), len(results)))
    raise typer.Exit(ExitCode.COMPLIANT if all(r.ok for r in results) else ExitCode.PARTIAL)


@takes_option_groups
def rollback(
    *,
    backup_ids: Annotated[
        list[str] | None, typer.Argument(help="Backup ids to restore.", show_default=False)
    ] = None,
    run: Annotated[
        str | None,
        typer.Option(
            "--run",
            metavar="RUN_ID",
            help="Every backup of this remediation run (the run id `sgc remediate` prints; an "
            "event's CloudTrail event id; a sweep id). With --group, that group's only.",
        ),
    ] = None,
    group: Annotated[
        str | None,
        typer.Option(help="Group whose backup to restore; with BACKUP_ID, the group it must be."),
    ] = None,
    latest: Annotated[
        bool, typer.Option("--latest", help="With --group: its newest backup with a receipt.")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be restored.")
    ] = False,
    force_unverified: Annotated[
        bool,
        typer.Option(
            "--force-unverified",
            help="Restore from a backup that does not match its receipt (or has none), "
            "listing in red what could not be verified.",
        ),
    ] = False,
    max_workers: Annotated[
        int,
        # A group's backups go one after another; groups at once share their account-region's
        # client, whose connection pool holds 10.
        typer.Option(min=1, max=10, help="Groups restored at once (several ids or --run)."),
    ] = 8,
    backups: opt.BackupLocation,
    kms_key_id: opt.KmsKey = None,
    audit: opt.AuditLocation,
    profile: opt.Profile = None,
    endpoint_url: opt.EndpointUrl = None,
    role_name: opt.RoleName = None,
    external_id: opt.ExternalId = None,
    max_attempts: opt.MaxAttempts = 10,
    stats: opt.Stats = False,
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            rich_help_panel=opt.OUTPUT,
            help="Print only what did not go as planned (refusals, failures, rules not "
            "restored); the exit code tells the rest.",
        ),
    ] = False,
    no_color: opt.NoColor = False,
) -> None:
    """Re-authorize exactly the rules a remediation revoked, from its verified backup.

    The backup must be the version and digest its receipt pins, of the group and account its
    key and receipt name; only the rules the receipt lists as revoked come back. The account,
    region and group are shown before anything changes. A rule that cannot come back (its peer
    group or prefix list deleted, the group full) is reported with its reason and the others are
    restored. The sgc:* tags are removed only when the group's sgc:backup tag names this backup.

    Several ids, or --run RUN_ID (every backup of one `sgc remediate` run, event or sweep), are
    each checked and restored the same way, groups concurrently (--max-workers), one line per
    backup and a summary; a refused backup does not stop the others.

    Exit codes: 0 restored and verified (or a dry run); 2 refused (unverifiable backup, wrong
    group or run) or a usage error; 3 a restored rule could not be verified (or, for several,
    a restore failed); 4 partially restored: some rules could not come back, and the group is
    tagged sgc:status=rollback-partial. For several backups the first that applies of 2, 3, 4.
    Every rollback, refused ones and dry runs included, leaves an audit record (--audit-bucket,
    --audit-dir, or beside the backups as for `sgc remediate`).
    """
    console = Terminal.from_options(no_color=no_color).stdout()
    with reported_errors():
        ids = list(dict.fromkeys(backup_ids or ()))
        chosen_id = _chosen(ids, run, group, latest)
        base = _runtime_for_backups(profile, endpoint_url, role_name, external_id, max_attempts)
        target = backups.target(kms_key_id, True)
        trail = AuditTrail(audit_sinks(base, target, audit.target()))
        store = base.backups(target)
        service = RollbackService(store, record=trail.write)
        if chosen_id is None and (run is not None or len(ids) > 1):
            request = Request(dry_run, force_unverified, group, run)
            bulk = BulkRollback(
                service, base.gateway, max_workers=max_workers, read_groups=_groups_of(base)
            )
            chosen_ids = chosen_backups(store, ids, request)
            results = roll_back_all(bulk, chosen_ids, request, console, quiet=quiet)
            _print_stats(stats, base, scopes_of(results))
            raise typer.Exit(bulk_exit_code(results))
        chosen = chosen_id or service.latest(str(group))
        checked = service.check(chosen, group_id=group, force_unverified=force_unverified)
        if not quiet or not checked.verified:
            console.print(rollback_header(checked, dry_run))
        outcome = service.restore(checked, base.gateway, dry_run=dry_run)
        if not quiet or rollback_exit_code(outcome) is not ExitCode.COMPLIANT:
            console.print(rollback_view(outcome))
        _print_stats(stats, base, 1)
    raise typer.Exit(rollback_exit_code(outcome))


def _chosen(ids: list[str], run: str | None, group: str | None, latest: bool) -> str | None:
    """The one backup id asked for; None for several ids, `--run` or `--group G --latest`;
    SgcError for any other mix."""
    if run is not None:
        check_run_id(run)
    if ids and run is None and not latest:
        return ids[0] if len(ids) == 1 else None
    if not ids and not latest and run is not None:
        return None
    if not ids and run is None and group is not None and latest:
        return None
    raise SgcError(
        "give BACKUP_ID... (optionally with --group GROUP_ID), --run RUN_ID, or "
        "--group GROUP_ID --latest",
        hint="list backups with `sgc backups list`",
    )


def _groups_of(runtime: Runtime) -> Callable[[str, str], tuple[SecurityGroup, ...]]:
    return lambda account_id, region: runtime.groups_by_content(Scope(account_id, region))


def _print_stats(stats: bool, runtime: Runtime, scopes: int) -> None:
    if stats:
        Console(stderr=True).print(stats_table(runtime.counter.snapshot(), scopes))


def rollback_exit_code(outcome: RollbackOutcome) -> ExitCode:
    if outcome.dry_run:
        return ExitCode.COMPLIANT
    if outcome.partial:
        return ExitCode.PARTIALLY_RESTORED
    return ExitCode.COMPLIANT if outcome.verified else ExitCode.PARTIAL


def _runtime_for_backups(
    profile: str | None, endpoint_url: str | None, role_name: str | None,
    external_id: str | None, max_attempts: int,
) -> Runtime:  # fmt: skip
    """Accounts come from the backup itself: any account other than the caller's is assumed."""
    target = Target(
        profile=profile, endpoint_url=endpoint_url, role_name=role_name, external_id=external_id,
        max_attempts=max_attempts, purpose="rollback",
    )  # fmt: skip
    return build_runtime(target)


@backups_app.command("list")
@takes_option_groups
def list_backups(
    *,
    group: Annotated[str | None, typer.Option(help="Only this group's backups.")] = None,
    run: Annotated[
        str | None,
        typer.Option("--run", metavar="RUN_ID", help="Only the backups named after this run."),
    ] = None,
    backups: opt.BackupLocation,
    profile: opt.Profile = None,
    endpoint_url: opt.EndpointUrl = None,
    format_: Annotated[
        ListingFormat,
        typer.Option("--format", "-f", help="table for people, json for tools."),
    ] = ListingFormat.TABLE,
    no_color: opt.NoColor = False,
) -> None:
    """List stored backups, oldest first, with what each remediation did.

    The Receipt column says what sgc recorded after revoking: the rules it removed (a rollback
    restores those only), or "none" for a document sgc never recorded revoking anything under:
    `sgc rollback` refuses it without --force-unverified. The Run column is the run the document
    records (`sgc rollback --run RUN_ID` restores a run's backups). A --backup-dir is read
    without any AWS call. Backup ids are never cut: piped, each row is one line however long.
    """
    terminal = Terminal.from_options(no_color=no_color)
    with reported_errors():
        if run is not None:
            check_run_id(run)
        store = _listing_store(backups, profile, endpoint_url)
        listed = store.list(group) if run is None else backups_of_run(store, run, group)
        rows = [backup_row(store, backup) for backup in listed]
        if format_ is ListingFormat.JSON:
            write_stdout(json.dumps(rows, indent=2, sort_keys=True) + "\n")
            return
        show_table(terminal, backups_table(rows))


def _listing_store(
    backups: opt.BackupLocation, profile: str | None, endpoint_url: str | None
) -> BackupStore:
    """A local directory is read as it is; only a bucket needs AWS (and its credentials)."""
    if backups.backup_bucket is None and backups.backup_dir is not None:
        return LocalBackupStore(backups.backup_dir)
    if backups.backup_bucket is None:
        raise ConfigError(
            "no backup store given", hint="pass --backup-dir DIR or --backup-bucket BUCKET"
        )
    runtime = _runtime_for_backups(profile, endpoint_url, None, None, 3)
    return runtime.backups(backups.target(None, True))


def backup_row(store: BackupStore, backup_id: str) -> dict[str, Any]:
    """One backup as `--format json` writes it; the table shows the same values."""
    record = store.get(backup_id)
    plan = record.plan
    return {
        "backup_id": backup_id,
        "account_id": plan.account_id,
        "region": plan.region,
        "group_id": plan.group_id,
        "group_name": plan.group_name,
        "mode": plan.mode.value,
        "revoke_count": plan.revoke_count,
        "receipt": _receipt(store, backup_id),
        "run_id": record.run_id,
        "created_at": record.created_at,
    }


def _receipt(store: BackupStore, backup_id: str) -> dict[str, Any] | None:
    try:
        receipt = store.receipt(backup_id)
    except SgcError as exc:
        return {"state": "untrusted", "problem": str(exc)}
    if receipt is None:
        return None
    return {"state": receipt.state.value, "revoked": len(receipt.revoked)}


def backups_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(title="Backups", title_justify="left")
    # The id is what `sgc rollback` needs: never wrapped, never cut.
    table.add_column("Backup id", no_wrap=True, overflow="ignore")
    for column in ("Account/region", "Group", "Mode", "Revoked", "Receipt", "Run", "Created"):
        table.add_column(column)
    for row in rows:
        # Documents in the store are data, not markup: a forged one may hold anything.
        cells = (
            row["backup_id"], f"{row['account_id']}/{row['region']}",
            f"{row['group_id']} ({row['group_name']})", row["mode"], str(row["revoke_count"]),
        )  # fmt: skip
        run_id, created = escape(row["run_id"] or ""), escape(row["created_at"])
        table.add_row(*map(escape, cells), _receipt_cell(row["receipt"]), run_id, created)
    return table


def _receipt_cell(receipt: dict[str, Any] | None) -> str:
    if receipt is None:
        return "none"
    if receipt["state"] == "untrusted":
        return f"[red]untrusted: {escape(receipt['problem'])}[/]"
    return f"{receipt['state']}: {receipt['revoked']} revoked"


STDIN = "-"


def read_input(ref: str) -> list[RegionSnapshot]:
    if ref == STDIN:
        source = "<stdin>"
        document = parse_json(sys.stdin.read(), source)
    else:
        source = ref
        document = load_document(Path(ref))
    # The model is made of the document's strings, and neither holds a reference cycle: a
    # collection while it is made walks the whole document and finds nothing (half the time of
    # reading 190,000 rule rows, measured).
    with collector_paused():
        snapshots = read_snapshots(document, source)
    if not snapshots:
        raise InputError(
            "the list holds no snapshots", source=source, hint="give at least one account/region"
        )
    return snapshots
