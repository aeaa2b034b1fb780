"""`sgc diff OLD.json NEW.json`: what changed between two scans, from their JSON reports.

Also reads the previous report that `sgc scan --previous` compares the HTML report with.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from sgcompliance.entrypoints.cli import aws_options as opt
from sgcompliance.entrypoints.cli.console import (
    ExitCode,
    Terminal,
    presentation_for,
    reported_errors,
    write_stdout,
)
from sgcompliance.report.history import ReportFindings, compare, read_report
from sgcompliance.report.history_view import render_comparison
from sgcompliance.sources.documents import MIB, Limits, load_document

# A JSON report of 200,000 rules with 60,000 findings is about 90 MiB; the limits leave room
# for several times that, and bound what a forged file can make the parser do.
REPORT_LIMITS = Limits("report", 1024 * MIB, 32, 64_000_000)


class DiffFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"


def _report_file(metavar: str, which: str) -> object:
    return typer.Argument(
        metavar=metavar,
        exists=True,
        dir_okay=False,
        readable=True,
        help=f"The {which} JSON report, written by `sgc scan --format json`.",
    )


OldReport = Annotated[Path, _report_file("OLD.json", "earlier")]
NewReport = Annotated[Path, _report_file("NEW.json", "later")]


def read_previous(path: Path) -> ReportFindings:
    """A JSON report of an earlier scan, every value checked (exit 2 when it is not one)."""
    return read_report(load_document(path, REPORT_LIMITS), str(path))


def diff(
    old: OldReport,
    new: NewReport,
    format_: Annotated[
        DiffFormat,
        typer.Option(
            "--format", "-f", help="table for people, markdown for a pull request, json for tools."
        ),
    ] = DiffFormat.TABLE,
    no_color: opt.NoColor = False,
) -> None:
    """What changed between two scans: violations new since OLD, fixed since OLD, still open.

    A violation is known by its account, region, group, check and rule content (direction,
    protocol, ports, peer), so a rule deleted and added again is still open. One that NEW's scan
    could not verify (its account-region was not read) is listed apart, never as fixed.

    Exit code 0 when NEW has no violation that OLD did not have, 1 when it has, 2 when a file
    is not a JSON report of `sgc scan` (malformed, or a value of the wrong type).
    """
    terminal = Terminal.from_options(no_color=no_color)
    with reported_errors():
        comparison = compare(read_previous(old), read_previous(new))
    write_stdout(
        render_comparison(comparison, format_.value, presentation_for(sys.stdout, terminal))
    )
    raise typer.Exit(ExitCode.VIOLATIONS if comparison.added else ExitCode.COMPLIANT)
