"""`sgc export`: send findings to other security services. `sgc export securityhub` imports
them into AWS Security Hub as ASFF findings, from a snapshot file or a live scan."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sgcompliance.app.scanner import ComplianceScanner, utc_today
from sgcompliance.app.securityhub_export import ExportReport, FindingsImporter, export_findings
from sgcompliance.aws.securityhub import SecurityHubImporter
from sgcompliance.core.evaluate import ScanResult
from sgcompliance.entrypoints import aws_options as opt
from sgcompliance.entrypoints.bootstrap import Runtime, Target, build_runtime
from sgcompliance.entrypoints.console import ExitCode, Terminal, reported_errors
from sgcompliance.entrypoints.live_cli import live_scan
from sgcompliance.policy.loader import DEFAULT_POLICY, load_policy
from sgcompliance.report.asff import asff_documents

export_app = typer.Typer(
    name="export", help="Send findings to other security services.", no_args_is_help=True
)

# Failed findings listed on the terminal; the rest are counted.
SHOWN_FAILURES = 50


def _scan(
    input_ref: str | None, target: Target, day: date, max_workers: int, terminal: Terminal,
    policy_ref: str,
) -> tuple[ScanResult, bool]:  # fmt: skip
    policy = load_policy(policy_ref)
    if input_ref is None:
        return live_scan(target, policy, lambda: day, max_workers, False, terminal)
    # Imported here: `cli` registers this sub-app, so a module-level import would be circular.
    from sgcompliance.entrypoints.cli import read_input  # noqa: PLC0415

    return ComplianceScanner(policy, today=lambda: day).scan(read_input(input_ref)), True


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
def securityhub(
    input_ref: Annotated[
        str | None,
        typer.Option(
            "--input",
            "-i",
            metavar="FILE",
            help="Snapshot file (JSON or YAML), or - for stdin. Without it, scan AWS live.",
        ),
    ] = None,
    policy_ref: Annotated[
        str, typer.Option("--policy", "-p", metavar="FILE|builtin:NAME", help="Policy to judge by.")
    ] = DEFAULT_POLICY,
    today: Annotated[
        datetime | None,
        typer.Option(
            formats=["%Y-%m-%d"],
            metavar="YYYY-MM-DD",
            help="Date that exemption expiry is judged against (default: today, UTC).",
        ),
    ] = None,
    profile: opt.Profile = None,
    endpoint_url: opt.EndpointUrl = None,
    regions: opt.Regions = None,
    accounts: opt.Accounts = None,
    accounts_file: opt.AccountsFile = None,
    organization: opt.Organization = False,
    role_name: opt.RoleName = None,
    external_id: opt.ExternalId = None,
    max_attempts: opt.MaxAttempts = 10,
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
        target = opt.make_target(
            profile=profile, endpoint_url=endpoint_url, regions=regions, accounts=accounts,
            accounts_file=accounts_file, organization=organization, role_name=role_name,
            external_id=external_id, max_attempts=max_attempts, purpose="export",
        )  # fmt: skip
        day = today.date() if today is not None else utc_today()
        result, complete = _scan(input_ref, target, day, max_workers, terminal, policy_ref)
        documents = asff_documents(result, datetime.now(UTC))
        runtime = build_runtime(target)
        report = export_findings(documents, _importer_for(runtime))
        terminal.stderr().print(export_view(report))
        if report.failed:
            # Failures are errors: shown even with --quiet.
            errors = Console(stderr=True, no_color=not terminal.color, highlight=False)
            errors.print(failures_view(report))
    raise typer.Exit(ExitCode.COMPLIANT if report.ok and complete else ExitCode.PARTIAL)
