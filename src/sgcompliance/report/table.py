"""The terminal report: a summary header, the account-regions that could not be read (a banner,
when any), the violations, the exempted findings, and what a remediation run did when one ran.

Untrusted values go through `terminal_text.literal`: shown exactly, never parsed as markup.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime

from rich import box
from rich.table import Table
from rich.text import Text

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.findings import Finding
from sgcompliance.engine.policy import Severity
from sgcompliance.report.coverage import failure_line, failures, incomplete_heading, time_text
from sgcompliance.report.formats import Presentation
from sgcompliance.report.passes import group_passes
from sgcompliance.report.records import SEVERITIES_DESC, by_severity, rule_summary
from sgcompliance.report.remediation_table import (
    remediation_heading,
    remediation_table,
    rollback_commands,
)
from sgcompliance.report.remediation_view import RemediationReport
from sgcompliance.report.terminal_text import lines, literal, plain_lines, report_console

SEVERITY_STYLE: dict[Severity, str] = {
    Severity.CRITICAL: "bold white on red",
    Severity.HIGH: "bold red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "cyan",
    Severity.INFO: "dim",
}

# Below this many columns the location is stacked into one column instead of four.
WIDE_LAYOUT_MIN_WIDTH = 110


class TableWriter:
    def render(
        self,
        result: ScanResult,
        presentation: Presentation,
        remediation: RemediationReport | None = None,
    ) -> str:
        buffer = io.StringIO()
        console = report_console(buffer, presentation)
        layout = _Layout(
            wide=console.width >= WIDE_LAYOUT_MIN_WIDTH,
            box=box.SIMPLE_HEAD if presentation.unicode else box.ASCII2,
        )
        console.print(summary(result, presentation.generated_at))
        banner = incomplete_banner(result)
        if banner.plain:
            # Unwrapped: one line per account-region, whatever the width (grep finds it whole).
            console.print(banner, soft_wrap=True)
        violations = by_severity(result.violations)
        if violations:
            console.print(violations_table(violations, layout))
        elif banner.plain:
            console.print(Text("No violations in the account-regions that were read.", "bold"))
        else:
            console.print(Text("No violations.", style="bold green"))
        exempted = by_severity(result.exempted)
        if exempted:
            console.print()
            console.print(exempted_table(exempted, layout))
        if remediation is not None:
            console.print()
            console.print(remediation_heading(remediation))
            if remediation.entries:
                console.print(remediation_table(remediation, layout.box))
                undo = rollback_commands(remediation)
                if undo.plain:
                    console.print()
                    console.print(undo, soft_wrap=True)
        return plain_lines(buffer.getvalue(), presentation)


def summary(result: ScanResult, at: datetime | None = None) -> Text:
    policy = result.policy
    accounts = len({account for account, _ in result.scopes})
    counts = result.by_severity()
    digest = f" (digest {policy.digest[:12]})" if policy.digest else ""
    when = time_text(at)
    passes = list(group_passes(result))
    text = Text()
    text.append("sgcompliance scan", style="bold")
    text.append("  policy ")
    text.append_text(literal(policy.id, "bold"))
    text.append(digest)
    if when is not None:
        text.append(f"  at {when}")
    text.append(
        f"\nScanned {_count(result.groups_scanned, 'group')} and "
        f"{_count(result.rules_evaluated, 'rule')} in "
        f"{_count(len(result.scopes), 'account/region scope')} "
        f"({_count(accounts, 'account')})."
    )
    text.append(f"\nViolations: {len(result.violations)}", style="bold")
    text.append("  (")
    for i, severity in enumerate(SEVERITIES_DESC):
        text.append(", " if i else "")
        text.append(f"{severity.value} {counts.get(severity.value, 0)}", SEVERITY_STYLE[severity])
    text.append(")")
    text.append(f"   Exempted: {len(result.exempted)}")
    text.append(
        f"\nPassed: {_count(sum(len(p.checks) for p in passes), 'check')} "
        f"on {_count(len(passes), 'group')}\n"
    )
    return text


def incomplete_banner(result: ScanResult) -> Text:
    """What could not be read, one line per account-region; empty when everything was."""
    heading = incomplete_heading(result)
    if not heading:
        return Text()
    text = Text()
    text.append(heading + ":", style="bold red")
    for failure in failures(result):
        text.append("\n  ")
        text.append_text(literal(failure_line(failure), "red"))
    text.append("\n")
    return text


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


@dataclass(frozen=True, slots=True)
class _Layout:
    wide: bool = True
    box: box.Box = box.SIMPLE_HEAD


def _new_table(title: str, layout: _Layout) -> Table:
    return Table(
        title=title,
        title_justify="left",
        title_style="bold",
        box=layout.box,
        show_edge=False,
        show_lines=True,
    )


def _location_columns(table: Table, findings: list[Finding], layout: _Layout) -> None:
    if not layout.wide:
        # Narrow terminals: the same facts stacked in fewer columns, so nothing is cut off.
        table.add_column("Severity / Check", overflow="fold", max_width=18)
        table.add_column("Where", overflow="fold")
        return
    # Ids keep their full width: a folded id cannot be copied into a console or a ticket.
    group_width = max(len(f.group_id) for f in findings)
    rule_width = max(len(f.rule_id or "") for f in findings)
    check_width = max(len(f.check_id) for f in findings)
    table.add_column("Severity", no_wrap=True)
    table.add_column(
        "Check", overflow="fold", min_width=check_width, max_width=max(check_width, 17)
    )
    table.add_column("Account\nRegion", overflow="fold", max_width=16)
    table.add_column(
        "Group", overflow="fold", min_width=group_width, max_width=max(group_width, 28)
    )
    table.add_column("Rule", overflow="fold", min_width=rule_width, max_width=max(rule_width, 24))


def violations_table(findings: list[Finding], layout: _Layout = _Layout()) -> Table:
    table = _new_table(f"Violations ({len(findings)})", layout)
    _location_columns(table, findings, layout)
    table.add_column("Message", overflow="fold", ratio=1)
    for finding in findings:
        cells = _location_cells(finding, descriptions=True)
        table.add_row(*(cells if layout.wide else _stacked(cells)), literal(_message(finding)))
    return table


def exempted_table(findings: list[Finding], layout: _Layout = _Layout()) -> Table:
    table = _new_table(f"Exempted ({len(findings)})", layout)
    _location_columns(table, findings, layout)
    table.add_column("Exemption", overflow="fold")
    for finding in findings:
        exemption = finding.exempted_by
        assert exemption is not None  # exempted findings carry their exemption
        expires = exemption.expires.isoformat() if exemption.expires else "never"
        cells = _location_cells(finding, descriptions=False)
        exemption_cell = lines(
            literal(exemption.id),
            literal(f"owner {exemption.owner}"),
            literal(f"expires {expires}"),
            literal(f"ticket {exemption.ticket}" if exemption.ticket else "", "dim"),
        )
        table.add_row(*(cells if layout.wide else _stacked(cells)), exemption_cell)
    return table


def _stacked(cells: tuple[Text, ...]) -> tuple[Text, Text]:
    severity, check, where, group, rule = cells
    return lines(severity, check), lines(where, group, rule)


def _location_cells(finding: Finding, *, descriptions: bool) -> tuple[Text, ...]:
    group = finding.group
    rule = finding.rule
    if rule is None:
        rule_cell = Text("(whole group)", style="dim")
    else:
        quoted = f'"{rule.description}"' if descriptions and rule.description else ""
        rule_cell = lines(
            literal(rule.rule_id, "dim"), literal(rule_summary(rule)), literal(quoted, "italic")
        )
    return (
        Text(finding.severity.value.upper(), style=SEVERITY_STYLE[finding.severity]),
        literal(finding.check_id),
        lines(literal(finding.account_id), literal(finding.region, "dim")),
        lines(literal(group.group_id), literal(group.name, "dim")),
        rule_cell,
    )


def _message(finding: Finding) -> str:
    """The engine's message without the rule text the Rule column already shows."""
    if finding.rule is None:
        return finding.message
    return finding.message.removeprefix(f"{finding.rule.describe()}: ")
