"""`sgc checks list` and `sgc checks show ID`: the check catalog on the command line."""

from __future__ import annotations

import difflib
import json
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from sgcompliance.entrypoints.cli import aws_options as opt
from sgcompliance.entrypoints.cli.console import (
    ListingFormat,
    Terminal,
    reported_errors,
    write_stdout,
)
from sgcompliance.errors import SgcError
from sgcompliance.policy.catalog import CatalogEntry, catalog
from sgcompliance.policy.catalog_doc import automatic_remediation
from sgcompliance.policy.catalog_example import example_findings, example_lines
from sgcompliance.report.records import finding_record
from sgcompliance.report.table import SEVERITY_STYLE

checks_app = typer.Typer(
    name="checks",
    help="The checks of the built-in packs: what each means and how to fix it.",
    no_args_is_help=True,
)


CatalogFormat = ListingFormat


Format = Annotated[
    CatalogFormat, typer.Option("--format", "-f", help="table for people, json for tools.")
]


class UnknownCheckError(SgcError):
    code = "SGC111"
    hint = "list the checks with `sgc checks list`"


@checks_app.command("list")
def list_checks(format_: Format = CatalogFormat.TABLE, no_color: opt.NoColor = False) -> None:
    """Every check: id, severity, title and the built-in packs that include it."""
    entries = list(catalog().values())
    if format_ is CatalogFormat.JSON:
        write_stdout(_json([summary_record(e) for e in entries]))
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False)
    for column in ("Check", "Severity", "Title", "Packs"):
        table.add_column(column, overflow="fold")
    for e in entries:
        severity = e.check.severity
        table.add_row(
            e.id, Text(severity.value, SEVERITY_STYLE[severity]), e.check.title, ", ".join(e.packs)
        )
    _print(table, no_color)


@checks_app.command("show")
def show_check(
    check_id: Annotated[str, typer.Argument(metavar="CHECK_ID", help="e.g. EC2.19 or CIS-5.2.")],
    format_: Format = CatalogFormat.TABLE,
    no_color: opt.NoColor = False,
) -> None:
    """What a check means, its severity and references, and how to fix a finding by hand."""
    with reported_errors():
        entry = find_entry(check_id)
    if format_ is CatalogFormat.JSON:
        write_stdout(_json(detail_record(entry)))
        return
    # Not wrapped by the writer: a wrapped CLI step could not be pasted into a shell.
    _print(entry_view(entry), no_color, soft_wrap=True)


def find_entry(check_id: str) -> CatalogEntry:
    """The entry for an id, matched without regard to case; a clear error with close ids."""
    entries = catalog()
    by_folded = {key.casefold(): entry for key, entry in entries.items()}
    entry = by_folded.get(check_id.strip().casefold())
    if entry is not None:
        return entry
    close = difflib.get_close_matches(check_id.upper(), list(entries), n=3, cutoff=0.5)
    suggestion = f"; did you mean {' or '.join(close)}?" if close else ""
    raise UnknownCheckError(f"no check {check_id!r}{suggestion}")


def summary_record(entry: CatalogEntry) -> dict[str, Any]:
    check = entry.check
    return {
        "id": entry.id,
        "title": check.title,
        "severity": check.severity.value,
        "type": check.type.value,
        "packs": list(entry.packs),
    }


def detail_record(entry: CatalogEntry) -> dict[str, Any]:
    return {
        **summary_record(entry),
        "meaning": entry.meaning,
        "references": [
            {"standard": r.standard, "control": r.control, "url": r.url or None}
            for r in entry.references
        ],
        "automatic_remediation": entry.check.remediation.value,
        "console_steps": list(entry.console_steps),
        "cli_steps": list(entry.cli_steps),
        "example_findings": [finding_record(f) for f in example_findings(entry)[:1]],
    }


def entry_view(entry: CatalogEntry) -> Group:
    check = entry.check
    heading = Text()
    heading.append(entry.id, style="bold")
    heading.append("  ")
    heading.append(check.severity.value.upper(), SEVERITY_STYLE[check.severity])
    heading.append(f"\n{check.title}\nPacks: {', '.join(entry.packs)}")
    example = [line for f in example_findings(entry)[:1] for line in example_lines(f)]
    return Group(
        heading,
        _section("What it means", [entry.meaning]),
        _section(
            "References", [f"- {r}" + (f"  {r.url}" if r.url else "") for r in entry.references]
        ),
        _section("Automatic remediation", [automatic_remediation(entry)]),
        _section("Fix it in the AWS console", _numbered(entry.console_steps)),
        _section("Fix it with the AWS CLI (replace the upper-case placeholders)", entry.cli_steps),
        _section("Example finding", example),
    )


def _section(title: str, body: Any) -> Text:
    text = Text()
    text.append(f"\n{title}\n", style="bold underline")
    text.append("\n".join(body))
    return text


def _numbered(steps: tuple[str, ...]) -> list[str]:
    return [f"{n}. {step}" for n, step in enumerate(steps, start=1)]


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=True) + "\n"


def _print(renderable: Any, no_color: bool, *, soft_wrap: bool = False) -> None:
    console: Console = Terminal.from_options(no_color=no_color).stdout()
    if console.is_terminal:
        console.print(renderable, soft_wrap=soft_wrap)
        return
    # Piped: plain text without the cell padding's trailing blanks, stable for diffs.
    with console.capture() as captured:
        console.print(renderable, soft_wrap=soft_wrap)
    write_stdout("".join(line.rstrip() + "\n" for line in captured.get().splitlines()))
