"""`sgc export`: send findings to other security services. `sgc export securityhub` imports
them into AWS Security Hub as ASFF findings, from a snapshot file or a live scan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sgcompliance.adapters.aws.estate import Runtime
from sgcompliance.adapters.aws.securityhub import SecurityHubImporter
from sgcompliance.entrypoints.bootstrap import build_runtime
from sgcompliance.entrypoints.cli import aws_options as opt
from sgcompliance.entrypoints.cli.console import ExitCode, Terminal, reported_errors
from sgcompliance.entrypoints.cli.live import judge
from sgcompliance.entrypoints.cli.option_groups import takes_option_groups
from sgcompliance.records.securityhub_export import ExportReport, FindingsImporter, export_findings
from sgcompliance.report.documents.asff import asff_documents

export_app = typer.Typer(
    name="export", help="Send findings to other security services.", no_args_is_help=True
)

# Failed findings listed on the terminal; the rest are counted.
SHOWN_FAILURES = 50


def _importer_for(runtime: Runtime) -> Callable[[str, str], FindingsImporter]:
    def importer(account_id: str, region: str) -> FindingsImporter:
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
    quiet: opt.Quiet = False,
    no_color: opt.NoColor = False,
) -> None:
    """Import the findings into AWS Security Hub (BatchImportFindings, 100 per call).

    Each finding goes to Security Hub of the account and region it is about, as a finding of
    that account's `default` product; exempted findings arrive with workflow status SUPPRESSED.
    Re-running updates the same findings (the id is the finding id).

    Exit code 0 when every finding was imported, 3 when some were rejected or an
    account-region could not be read, 2 when the input, policy or command line is wrong.
    """  # fmt: skip
    terminal = Terminal.from_options(quiet=quiet, no_color=no_color)
    with reported_errors():
        target = aws.target("export")
        result, complete = judge(source, target, max_workers, False, terminal)
        documents = asff_documents(result, datetime.now(UTC))
        runtime = build_runtime(target)
        report = export_findings(documents, _importer_for(runtime))
        terminal.stderr().print(export_view(report))
        if report.failed:
            # Failures are errors: shown even with --quiet.
            errors = Console(stderr=True, no_color=not terminal.color, highlight=False)
            errors.print(failures_view(report))
    raise typer.Exit(ExitCode.COMPLIANT if report.ok and complete else ExitCode.PARTIAL)
