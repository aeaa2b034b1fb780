"""What a person's terminal gets in place of the whole report: the summary, last and short.

A scan of an organization finds thousands of rules; printed one by one on a terminal they push
the summary out of sight. On a terminal, the table report is this summary, printed after the
account-region lines; `--verbose` prints every finding before it, and `--output FILE` (any
format) keeps every detail in a file. Piped or redirected, and in every machine format, the
report is written whole, as before.
"""

from __future__ import annotations

from rich.text import Text

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.entrypoints.cli.console import Terminal
from sgcompliance.report.remediation_view import RemediationReport
from sgcompliance.report.table import incomplete_banner, summary

DETAILS_HINT = (
    "Every finding: --verbose, or a report file: --output FILE --format html|json|csv|sarif"
)


def summary_text(
    result: ScanResult,
    remediation: RemediationReport | None = None,
    *,
    hint: bool = True,
) -> Text:
    """The report's summary, the account-regions that could not be read, what a remediation
    did or would do, and where the details are."""
    text = summary(result)
    text.rstrip()
    banner = incomplete_banner(result)
    if banner.plain:
        text.append("\n")
        text.append_text(banner)
        text.rstrip()
    if remediation is not None:
        text.append("\n")
        text.append(remediation_line(remediation), style="bold")
    if hint:
        text.append("\n")
        text.append(DETAILS_HINT, style="dim")
    return text


def remediation_line(remediation: RemediationReport) -> str:
    removed = sum(len(e.removed_rules) for e in remediation.entries)
    groups = len(remediation.entries)
    if remediation.dry_run:
        return f"Plan: {groups} group(s) to change, {removed} rule(s) to remove (dry run)"
    return f"Remediated: {groups} group(s), {removed} rule(s) removed"


def show_summary(
    terminal: Terminal,
    result: ScanResult,
    remediation: RemediationReport | None = None,
    *,
    hint: bool = True,
) -> None:
    """The summary on stdout, where the report would have gone (even with --quiet: it is the
    report)."""
    console = terminal.stdout()
    console.print(summary_text(result, remediation, hint=hint), soft_wrap=True)
