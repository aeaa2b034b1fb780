"""`sgc`: the command line. The root app, `sgc scan` (offline or live), `sgc version`, sub-apps.

This is an entry point: it reads the clock, the environment and the terminal, and turns expected
errors into one line plus a hint on stderr and exit code 2. Nothing below it does either.
"""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated

import typer

from sgcompliance import __version__
from sgcompliance.app.scanner import ComplianceScanner, utc_today
from sgcompliance.core.errors import InputError, SgcError
from sgcompliance.core.model import RegionSnapshot
from sgcompliance.core.snapshot import read_snapshots
from sgcompliance.documents import load_document, parse_json
from sgcompliance.entrypoints import aws_options as opt
from sgcompliance.entrypoints.checks_cli import checks_app
from sgcompliance.entrypoints.console import ExitCode, Terminal, reported_errors, show_error
from sgcompliance.entrypoints.export_cli import export_app
from sgcompliance.entrypoints.live_cli import live_scan, register
from sgcompliance.entrypoints.local_cli import local_app
from sgcompliance.entrypoints.policy_cli import policy_app
from sgcompliance.entrypoints.report_output import report_time, write_report
from sgcompliance.policy.loader import DEFAULT_POLICY, load_policy

STDIN = "-"


app = typer.Typer(
    name="sgc",
    help="sgcompliance: keep AWS security groups compliant across an AWS Organization.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
app.add_typer(policy_app, name="policy")
app.add_typer(local_app, name="local")
app.add_typer(checks_app, name="checks")
app.add_typer(export_app, name="export")
register(app)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"sgc {__version__}")
        raise typer.Exit(ExitCode.COMPLIANT)


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", help="Print the version and exit.", callback=_show_version, is_eager=True
        ),
    ] = False,
) -> None:
    """sgcompliance: exact security-group compliance for an AWS Organization.

    Exit codes: 0 compliant, 1 violations found, 2 usage or input error, 3 some account-region
    or group could not be read or changed.
    """


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(f"sgc {__version__}")


@app.command()
def scan(
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
        str,
        typer.Option("--policy", "-p", metavar="FILE|builtin:NAME", help="Policy to judge by."),
    ] = DEFAULT_POLICY,
    report_format: opt.ReportFormat = "table",
    output: opt.ReportOutput = None,
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
    stats: opt.Stats = False,
    quiet: opt.Quiet = False,
    no_color: opt.NoColor = False,
) -> None:
    """Judge security groups against a policy: a snapshot file (--input), or AWS live.

    The report goes to stdout, or with --output to a file (the terminal then gets one line).
    A live scan shows progress per account-region on a terminal (not with --quiet, nor in CI).

    Exit code 0 when compliant, 1 when violations are found (exempted findings do not count),
    2 when the input, the policy or the command line is wrong, 3 when an account-region of a
    live scan could not be read (the others are still reported).
    """
    complete = True
    started = report_time()
    terminal = Terminal.from_options(quiet=quiet, no_color=no_color)
    with reported_errors():
        policy = load_policy(policy_ref)
        day: date = today.date() if today is not None else utc_today()
        if input_ref is not None:
            result = ComplianceScanner(policy, today=lambda: day).scan(read_input(input_ref))
        else:
            target = opt.make_target(
                profile=profile, endpoint_url=endpoint_url, regions=regions, accounts=accounts,
                accounts_file=accounts_file, organization=organization, role_name=role_name,
                external_id=external_id, max_attempts=max_attempts, purpose="scan",
            )  # fmt: skip
            result, complete = live_scan(target, policy, lambda: day, max_workers, stats, terminal)
        write_report(result, report_format, output, terminal, started=started)
    if not complete:
        raise typer.Exit(ExitCode.PARTIAL)
    raise typer.Exit(ExitCode.VIOLATIONS if result.violations else ExitCode.COMPLIANT)


def read_input(ref: str) -> list[RegionSnapshot]:
    if ref == STDIN:
        source = "<stdin>"
        document = parse_json(sys.stdin.read(), source)
    else:
        source = ref
        document = load_document(Path(ref))
    snapshots = read_snapshots(document, source)
    if not snapshots:
        raise InputError(
            "the list holds no snapshots", source=source, hint="give at least one account/region"
        )
    return snapshots


def main() -> None:
    """Console script `sgc`; the backstop keeps any sub-command's expected errors traceback-free."""
    try:
        app()
    except SgcError as exc:
        show_error(exc)
        raise SystemExit(ExitCode.USAGE) from None
