"""`sgc policy`: print the schema, validate policy files, run policy unit tests.

Exit codes: 0 success, 1 a policy test failed, 2 a usage or input error (the message names the
file and the JSON path).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from sgcompliance.errors import InputError, PolicyError
from sgcompliance.policy.cases import (
    CaseError,
    Outcome,
    describe_finding,
    discover,
    load_case,
    run_case,
)
from sgcompliance.policy.governance import policy_warnings
from sgcompliance.policy.loader import load_policy, schema

policy_app = typer.Typer(
    name="policy",
    help="Work with policy documents: schema, validation, policy unit tests.",
    no_args_is_help=True,
)

USAGE_ERROR = 2
TEST_FAILED = 1


def report_error(exc: InputError | PolicyError) -> None:
    """Every problem of a bad document on stderr: `PATH: message (hint: ...)`."""
    if isinstance(exc, PolicyError | CaseError):
        what = "policy" if isinstance(exc, PolicyError) else "test case"
        count = len(exc.problems)
        typer.echo(f"{exc.source}: invalid {what} ({count} problem{'s' * (count != 1)})", err=True)
        for path, message, hint in exc.problems:
            typer.echo(f"  {path}: {message} (hint: {hint})", err=True)
    else:
        typer.echo(f"{exc} (hint: {exc.hint})", err=True)


@policy_app.command("schema")
def schema_command() -> None:
    """Print the policy document's JSON Schema (draft 2020-12)."""
    typer.echo(json.dumps(schema(), indent=2))


@policy_app.command("validate")
def validate_command(
    file: Annotated[str, typer.Argument(help="A policy file (.json/.yaml/.yml) or builtin:NAME")],
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail (exit 2) on warnings about exemptions too")
    ] = False,
) -> None:
    """Check a policy: print "valid", or every problem with its JSON path (exit 2).

    Warnings name exemptions that cover every check or account, never expire, or can be granted
    by the people they exempt (rule tags, bare group tags)."""
    try:
        policy = load_policy(file)
    except (InputError, PolicyError) as exc:
        report_error(exc)
        raise typer.Exit(USAGE_ERROR) from exc
    enabled = sum(1 for c in policy.checks if c.enabled)
    typer.echo(
        f"{file}: valid (policy {policy.id}, {len(policy.checks)} checks, {enabled} enabled, "
        f"{len(policy.exemptions)} exemptions, digest {policy.digest[:12]})"
    )
    warnings = policy_warnings(policy)
    for line in warnings:
        typer.echo(f"warning: {line}", err=True)
    if strict and warnings:
        typer.echo(f"{file}: {len(warnings)} warning(s) with --strict", err=True)
        raise typer.Exit(USAGE_ERROR)


@policy_app.command("test")
def run_tests_command(
    directory: Annotated[Path, typer.Argument(help="A directory of policy test case files")],
) -> None:
    """Run the policy test cases of a directory: PASS/FAIL each, exit 1 if any fails."""
    if not directory.is_dir():
        typer.echo(f"{directory}: not a directory", err=True)
        raise typer.Exit(USAGE_ERROR)
    paths = discover(directory)
    if not paths:
        typer.echo(f"{directory}: no test cases (.json, .yaml, .yml files) found", err=True)
        raise typer.Exit(USAGE_ERROR)
    passed = failed = errors = 0
    for path in paths:
        try:
            outcome = run_case(load_case(path))
        except (InputError, PolicyError) as exc:
            errors += 1
            typer.echo(f"ERROR {path.name}")
            report_error(exc)
            continue
        print_outcome(outcome)
        passed, failed = passed + outcome.passed, failed + (not outcome.passed)
    summary = f"{passed} passed, {failed} failed"
    typer.echo(summary + (f", {errors} errors" if errors else ""))
    if errors:
        raise typer.Exit(USAGE_ERROR)
    if failed:
        raise typer.Exit(TEST_FAILED)


def print_outcome(outcome: Outcome) -> None:
    case = outcome.case
    typer.echo(f"{'PASS' if outcome.passed else 'FAIL'} {case.name} ({case.source.name})")
    for expectation in outcome.missing:
        typer.echo(f"  - missing:    {expectation}")
    for finding in outcome.unexpected:
        typer.echo(f"  + unexpected: {describe_finding(finding)}")
