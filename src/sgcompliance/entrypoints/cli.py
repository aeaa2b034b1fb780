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
from sgcompliance.core.evaluate import ScanResult
from sgcompliance.core.model import RegionSnapshot
from sgcompliance.core.snapshot import read_snapshots
from sgcompliance.documents import load_document, parse_json
from sgcompliance.entrypoints import aws_options as opt
from sgcompliance.entrypoints.console import (
    ExitCode,
    presentation_for,
    reported_errors,
    show_error,
    write_stdout,
)
from sgcompliance.entrypoints.live_cli import live_scan, register
from sgcompliance.entrypoints.local_cli import local_app
from sgcompliance.entrypoints.policy_cli import policy_app
from sgcompliance.policy.loader import DEFAULT_POLICY, load_policy
from sgcompliance.report.formats import format_names, render

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


def _check_format(value: str) -> str:
    if value not in format_names():
        raise typer.BadParameter(f"{value!r} is not one of: {', '.join(format_names())}")
    return value


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
    report_format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="|".join(format_names()),
            help=f"Report format: {', '.join(format_names())}.",
            callback=_check_format,
        ),
    ] = "table",
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", metavar="FILE", dir_okay=False, help="Write the report here."
        ),
    ] = None,
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
) -> None:
    """Judge security groups against a policy: a snapshot file (--input), or AWS live.

    Exit code 0 when compliant, 1 when violations are found (exempted findings do not count),
    2 when the input, the policy or the command line is wrong, 3 when an account-region of a
    live scan could not be read (the others are still reported).
    """
    complete = True
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
            result, complete = live_scan(target, policy, lambda: day, max_workers, stats)
        write_report(result, report_format, output)
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


def write_report(result: ScanResult, report_format: str, output: Path | None) -> None:
    if output is None:
        write_stdout(render(result, report_format, presentation_for(sys.stdout)))
        return
    text = render(result, report_format, presentation_for(None))
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise SgcError(
            f"{output}: cannot write the report: {exc.strerror or exc}",
            hint="check that the directory exists and is writable",
        ) from exc
    typer.echo(
        f"wrote {report_format} report to {output}: {len(result.violations)} violations, "
        f"{len(result.exempted)} exempted",
        err=True,
    )


def main() -> None:
    """Console script `sgc`; the backstop keeps any sub-command's expected errors traceback-free."""
    try:
        app()
    except SgcError as exc:
        show_error(exc)
        raise SystemExit(ExitCode.USAGE) from None
