"""`sgc doctor`: inspect a deployed hub and its members, read-only, and say what is missing.

Runs with the hub account's credentials in the hub's region: it reads the hub's runtime
parameters (the accounts, regions, member role and ExternalId they name), then the hub's trail,
rule, queues, key policy, subscriptions and Lambda concurrency, and in each member account the
member role (assumed with the ExternalId) and the forwarding rule of every governed region
(read through --inspect-role-name).
"""

from __future__ import annotations

from typing import Annotated

import typer

from sgcompliance.config.parameters import DEFAULT_PATH
from sgcompliance.deployment.checks import Result, Status, exit_code
from sgcompliance.deployment.doctor import diagnose
from sgcompliance.entrypoints.bootstrap import doctor_wiring
from sgcompliance.entrypoints.cli import aws_options as opt
from sgcompliance.entrypoints.cli.console import reported_errors

INSPECT_ROLE = "OrganizationAccountAccessRole"


def _line(result: Result) -> str:
    line = f"{result.status.value:<8} {result.where:<28} {result.check}: {result.detail}"
    if result.status is not Status.OK and result.hint:
        line += f"\n         hint: {result.hint}"
    return line


def doctor(
    profile: opt.Profile = None,
    endpoint_url: opt.EndpointUrl = None,
    region: Annotated[
        str | None,
        typer.Option(help="The hub's region (default: the profile's or AWS_REGION)."),
    ] = None,
    parameter_path: Annotated[
        str, typer.Option(help="The hub's runtime parameters (the hub module's /NAME).")
    ] = DEFAULT_PATH,
    inspect_role_name: Annotated[
        str,
        typer.Option(
            help="A role in each member account that may read its EventBridge rules and "
            "CloudTrail trails (the member role may not)."
        ),
    ] = INSPECT_ROLE,
    accounts: Annotated[
        list[str] | None,
        typer.Option(help="Check only these member accounts (repeat or comma-separate)."),
    ] = None,
) -> None:
    """Check a deployed hub and its members, read-only: one line per check, ok, missing or
    unknown, with a hint for what is not ok.

    Exit code 0 when every check is ok, 1 when something is missing, 3 when something could not
    be checked (3 wins over 1), 2 when the command line or the hub's parameters are wrong.
    """
    with reported_errors():
        probe, deployment = doctor_wiring(
            profile, endpoint_url, region, parameter_path, inspect_role_name
        )
        only = [a.strip() for value in accounts or () for a in value.split(",") if a.strip()]
        results = diagnose(probe, deployment, only_accounts=only)
    for result in results:
        typer.echo(_line(result))
    counts = {s: sum(1 for r in results if r.status is s) for s in Status}
    typer.echo(
        f"{counts[Status.OK]} ok, {counts[Status.MISSING]} missing, "
        f"{counts[Status.UNKNOWN]} unknown"
    )
    raise typer.Exit(int(exit_code(results)))
