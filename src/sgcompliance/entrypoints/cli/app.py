"""`sgc`: the command line. The root app, `sgc scan` (offline or live), `sgc version`, sub-apps.

This is an entry point: it reads the clock, the environment and the terminal, and turns expected
errors into one line plus a hint on stderr and exit code 2. Nothing below it does either. `main`
is the last backstop: an unexpected exception (a bug) is one line too, never a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer

from sgcompliance.engine.collector import collector_paused
from sgcompliance.entrypoints.bootstrap import Target
from sgcompliance.entrypoints.cli import aws_options as opt
from sgcompliance.entrypoints.cli.checks import checks_app
from sgcompliance.entrypoints.cli.code_options import CodeInput, code_scan
from sgcompliance.entrypoints.cli.console import (
    ExitCode,
    SgcGroup,
    Terminal,
    reported_errors,
    show_error,
)
from sgcompliance.entrypoints.cli.diff import diff, read_previous
from sgcompliance.entrypoints.cli.doctor import doctor
from sgcompliance.entrypoints.cli.export import export_app
from sgcompliance.entrypoints.cli.filters import ScanFilters
from sgcompliance.entrypoints.cli.live import judge, register
from sgcompliance.entrypoints.cli.local import command_runner, local_app
from sgcompliance.entrypoints.cli.option_groups import takes_option_groups
from sgcompliance.entrypoints.cli.policy import policy_app
from sgcompliance.entrypoints.cli.report_output import report_time, write_report
from sgcompliance.errors import SgcError
from sgcompliance.local.demo.context import CommandRun
from sgcompliance.report.history import ReportFindings
from sgcompliance.version import __version__

# The shell's code for a command stopped by Ctrl-C (SIGINT), which typer uses too.
INTERRUPTED = 130
# Characters of an unexpected exception's text shown: enough to recognise it, never a page.
INTERNAL_DETAIL_LIMIT = 200
INTERNAL_ERROR_HINT = (
    "this is a bug in sgc, not a problem with the input: report it with the command that was "
    "run and this message"
)

app = typer.Typer(
    cls=SgcGroup,
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
app.command()(doctor)
app.command()(diff)
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
    or group could not be read or changed, 4 a rollback partially restored, 5 not confirmed at
    the prompt (nothing changed).
    """


@app.command()
def version() -> None:
    """Print the version."""
    typer.echo(f"sgc {__version__}")


@app.command()
@takes_option_groups
def scan(
    *,
    source: opt.ScanInput,
    report_format: opt.ReportFormat = "table",
    output: opt.ReportOutput = None,
    aws: opt.AwsTarget,
    code: CodeInput,
    filters: ScanFilters,
    max_workers: opt.MaxWorkers = 8,
    stats: opt.Stats = False,
    quiet: opt.Quiet = False,
    verbose: opt.Verbose = False,
    no_color: opt.NoColor = False,
    previous: Annotated[
        Path | None,
        typer.Option(
            metavar="REPORT.json",
            dir_okay=False,
            help="The last scan's JSON report: the html report marks what is new and fixed.",
        ),
    ] = None,
) -> None:
    """Judge security groups against a policy: a snapshot file (--input), or AWS live.

    Or infrastructure code before it deploys: a Terraform plan (--terraform-plan) or a
    CloudFormation template (--cloudformation), by the same checks and exemptions.

    The report goes to stdout, or with --output to a file (the terminal then gets one line).
    On a terminal, a table report is one line per account-region and the summary last;
    --verbose adds every finding. A live scan shows progress on a terminal (not with --quiet,
    nor in CI). --checks, --severity and the other filters narrow what is judged.

    Exit code 0 when compliant, 1 when violations are found (exempted findings do not count),
    2 when the input, the policy or the command line is wrong, 3 when an account-region of a
    live scan could not be read (the others are still reported).
    """
    started = report_time(source.today)
    terminal = Terminal.from_options(quiet=quiet, no_color=no_color, verbose=verbose)
    if code.asked():
        code_scan(code, source, report_format, output, terminal, started, filters, previous)
    with reported_errors():
        last = read_previous(previous) if previous is not None else None
        target = aws.target("scan")
        # A snapshot file's document, model, findings and report hold no reference cycle, and
        # the collector's pauses around each step (reading, judging, writing) would each end
        # in a collection of everything made during it: offline, it stays paused throughout,
        # and what it would have walked is let go before it resumes.
        with collector_paused() if source.input_ref is not None else nullcontext():
            violations, complete = _judge_and_report(
                source, target, max_workers, stats, terminal, filters,
                report_format, output, started, last,
            )  # fmt: skip
    if not complete:
        raise typer.Exit(ExitCode.PARTIAL)
    raise typer.Exit(ExitCode.VIOLATIONS if violations else ExitCode.COMPLIANT)


def _judge_and_report(
    source: opt.ScanInput,
    target: Target,
    max_workers: int,
    stats: bool,
    terminal: Terminal,
    filters: ScanFilters,
    report_format: str,
    output: Path | None,
    started: datetime,
    previous: ReportFindings | None,
) -> tuple[bool, bool]:
    """Judge and write the report; whether there are violations and whether everything meant
    to be judged was read (the result itself is let go on return)."""
    result, complete = judge(source, target, max_workers, stats, terminal, filters)
    write_report(result, report_format, output, terminal, started=started, previous=previous)
    return bool(result.violations), complete


def main() -> None:
    """Console script `sgc`: whatever a sub-command lets escape, the user gets one line and a
    hint on stderr, never a traceback."""
    try:
        app()
    except SgcError as exc:
        show_error(exc)
        raise SystemExit(ExitCode.USAGE) from None
    except KeyboardInterrupt:
        # Typer turns Ctrl-C inside a command into exit 130 already; this is Ctrl-C outside one.
        typer.echo("sgc: interrupted", err=True)
        raise SystemExit(INTERRUPTED) from None
    except Exception as exc:  # the last backstop: a bug, shown as one line
        typer.echo(internal_error_line(exc), err=True)
        typer.echo(f"hint: {INTERNAL_ERROR_HINT}", err=True)
        raise SystemExit(ExitCode.INTERNAL_ERROR) from None


def internal_error_line(exc: BaseException) -> str:
    """`sgc: internal error: Type: message`, on one line of bounded length whatever the
    exception's text holds."""
    text = " ".join("".join(c if c.isprintable() else " " for c in str(exc)).split())
    if len(text) > INTERNAL_DETAIL_LIMIT:
        text = text[: INTERNAL_DETAIL_LIMIT - 3] + "..."
    return f"sgc: internal error: {type(exc).__name__}" + (f": {text}" if text else "")


def run_sgc(args: Sequence[str], *, quiet: bool = False) -> CommandRun:
    """Run `sgc ARGS` in this process, exactly as typed on the command line."""
    return command_runner(typer.main.get_command(app))(args, quiet=quiet)
