"""`sgc export`: send findings to other security services. `sgc export securityhub` imports
them into AWS Security Hub as ASFF findings, from a snapshot file or a live scan, and resolves
the findings an earlier export sent that the scan no longer finds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sgcompliance.adapters.aws.estate import Runtime
from sgcompliance.adapters.aws.securityhub import SecurityHubImporter
from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.fleet import FleetScanResult
from sgcompliance.entrypoints.bootstrap import build_runtime
from sgcompliance.entrypoints.cli import aws_options as opt
from sgcompliance.entrypoints.cli.console import ExitCode, Terminal, reported_errors
from sgcompliance.entrypoints.cli.live import judge
from sgcompliance.entrypoints.cli.option_groups import takes_option_groups
from sgcompliance.records.securityhub_export import (
    ExportReport,
    FindingsKeeper,
    ResolutionReport,
    ResolutionScope,
    export_findings,
    resolve_gone,
)
from sgcompliance.report.documents.asff import asff_documents, asff_time
from sgcompliance.report.documents.finding_documents import securityhub_product_arn

export_app = typer.Typer(
    name="export", help="Send findings to other security services.", no_args_is_help=True
)

# Failed findings listed on the terminal; the rest are counted.
SHOWN_FAILURES = 50
# Findings a dry run lists by id; the rest are counted.
SHOWN_STALE = 200

DryRun = Annotated[
    bool,
    typer.Option(
        "--dry-run",
        help="Import nothing and resolve nothing: show what would be imported and resolved.",
    ),
]
Resolve = Annotated[
    bool,
    typer.Option(
        "--resolve/--no-resolve",
        help="Archive and resolve this policy's findings the scan no longer finds, in the "
        "account-regions it read completely.",
    ),
]


def _importer_for(runtime: Runtime) -> Callable[[str, str], SecurityHubImporter]:
    def importer(account_id: str, region: str) -> SecurityHubImporter:
        client = runtime.clients.client(account_id, "securityhub", region)
        return SecurityHubImporter(client, scope=f"{account_id}/{region}")

    return importer


def export_view(report: ExportReport) -> Table:
    table = Table(title="Security Hub import", title_justify="left")
    for column in ("Account", "Region", "Sent", "Imported", "Failed", "Calls"):
        table.add_column(column, justify="right" if column not in ("Account", "Region") else "left")
    for scope in report.scopes:
        table.add_row(
            scope.account_id, scope.region, str(scope.sent), str(scope.imported),
            str(len(scope.failed)), str(scope.batches),
        )  # fmt: skip
    return table


def failures_view(report: ExportReport) -> Table:
    table = Table(title=f"Failed findings ({len(report.failed)})", title_justify="left")
    for column in ("Finding id", "Account/region", "Error"):
        table.add_column(column, overflow="fold")
    for failed in report.failed[:SHOWN_FAILURES]:
        where = f"{failed.account_id}/{failed.region}"
        # Security Hub echoes finding text in its messages: shown literally, never as markup.
        table.add_row(failed.finding_id, where, escape(f"{failed.code}: {failed.message}"))
    return table


@export_app.command("securityhub")
@takes_option_groups
def securityhub(
    *,
    source: opt.ScanInput,
    aws: opt.AwsTarget,
    max_workers: opt.MaxWorkers = 8,
    resolve: Resolve = True,
    dry_run: DryRun = False,
    quiet: opt.Quiet = False,
    no_color: opt.NoColor = False,
) -> None:
    """Import the findings into AWS Security Hub (BatchImportFindings, 100 per call).

    Each finding goes to Security Hub of the account and region it is about, as a finding of
    that account's `default` product; exempted findings arrive with workflow status SUPPRESSED.
    Re-running updates the same findings (the id is the finding id).

    Then, in every account-region the scan read completely, the policy's findings still ACTIVE
    in Security Hub that the scan no longer finds are archived (RecordState ARCHIVED,
    Compliance PASSED) and their workflow set to RESOLVED (a SUPPRESSED one stays suppressed).
    An account-region that could not be read is never touched. --no-resolve skips this step;
    --dry-run changes nothing and lists what would be resolved.

    Exit code 0 when every finding was imported and resolved, 3 when some were rejected or an
    account-region could not be read, 2 when the input, policy or command line is wrong.
    """  # fmt: skip
    terminal = Terminal.from_options(quiet=quiet, no_color=no_color)
    errors = Console(stderr=True, no_color=not terminal.color, highlight=False)
    with reported_errors():
        target = aws.target("export")
        result, complete = judge(source, target, max_workers, False, terminal)
        documents = asff_documents(result, datetime.now(UTC))
        runtime = build_runtime(target)
        if dry_run:
            report = ExportReport(())
            terminal.stderr().print(f"Dry run: {len(documents)} findings would be imported.")
        else:
            report = export_findings(documents, _importer_for(runtime))
            terminal.stderr().print(export_view(report))
        if report.failed:
            # Failures are errors: shown even with --quiet.
            errors.print(failures_view(report))
        resolution = None
        if resolve:
            keepers: Callable[[str, str], FindingsKeeper] = _importer_for(runtime)
            resolution = resolve_gone(
                frozenset(str(d["Id"]) for d in documents),
                resolution_scope(result),
                keepers,
                securityhub_product_arn,
                asff_time(datetime.now(UTC)),
                dry_run=dry_run,
            )
            show_resolution(resolution, terminal, errors)
    resolved_ok = resolution is None or resolution.ok
    ok = report.ok and complete and resolved_ok
    raise typer.Exit(ExitCode.COMPLIANT if ok else ExitCode.PARTIAL)


def resolution_scope(result: ScanResult) -> ResolutionScope:
    """What this scan vouches for: its policy's enabled checks, in the account-regions it read
    (one that failed is left out even should the result name it)."""
    scopes = set(result.scopes)
    if isinstance(result, FleetScanResult):
        scopes -= {(f.scope.account_id, f.scope.region) for f in result.coverage.failed}
    checks = frozenset(c.id for c in result.policy.checks if c.enabled)
    return ResolutionScope(result.policy.id, checks, frozenset(scopes))


def resolution_view(report: ResolutionReport) -> Table:
    verb = "Would resolve" if report.dry_run else "Resolved"
    table = Table(title="Security Hub findings no longer found", title_justify="left")
    for column in ("Account", "Region", verb, "Failed", "Workflow not set", "Error"):
        table.add_column(column, overflow="fold")
    for scope in report.scopes:
        if not (scope.stale_ids or scope.error):
            continue
        table.add_row(
            scope.account_id, scope.region,
            str(len(scope.stale_ids) if report.dry_run else scope.resolved),
            str(len(scope.failed)), str(len(scope.workflow_failed)), escape(scope.error),
        )  # fmt: skip
    return table


def show_resolution(report: ResolutionReport, terminal: Terminal, errors: Console) -> None:
    console = terminal.stderr()
    if report.dry_run:
        # What a dry run exists to show: on stdout, one finding id per line.
        out = terminal.stdout()
        stale = [(s, i) for s in report.scopes for i in s.stale_ids]
        for scope, finding_id in stale[:SHOWN_STALE]:
            out.print(f"would resolve {finding_id} {scope.account_id}/{scope.region}")
        if len(stale) > SHOWN_STALE:
            out.print(f"... and {len(stale) - SHOWN_STALE} more")
    if report.stale or not report.ok:
        (console if report.ok else errors).print(resolution_view(report))
    else:
        console.print(f"No finding to resolve in {len(report.scopes)} account-regions.")
    workflow = [f for s in report.scopes for f in s.workflow_failed]
    if workflow:
        errors.print(
            f"{len(workflow)} archived findings kept their workflow status "
            f"(BatchUpdateFindings: {escape(workflow[0].code)}: {escape(workflow[0].message)})"
        )
