"""The remediation section of the terminal report: per group, the rule diff, backup and undo.

The diff lists the group's rules as they were before the run: removed rules marked `-`, kept
rules marked with a blank, so the "after" is the unmarked lines. Untrusted text (names,
descriptions, errors) goes through `literal`, as in the rest of the table report.
"""

from __future__ import annotations

from rich import box
from rich.table import Table
from rich.text import Text

from sgcompliance.engine.model import Rule
from sgcompliance.report.records import rule_summary
from sgcompliance.report.remediation_view import RemediationEntry, RemediationReport
from sgcompliance.report.terminal_text import lines, literal

OUTCOME_STYLE: dict[str, str] = {
    "applied": "green",
    "dry_run": "yellow",
    "unchanged": "dim",
    "group_gone": "dim",
    "applied_tagging_failed": "bold yellow",
    "applied_unrecorded": "bold yellow",
    "changed_since_read": "yellow",
    "failed": "bold red",
}


def remediation_heading(report: RemediationReport) -> Text:
    entries = report.entries
    removed = sum(len(e.removed_rules) for e in entries)
    text = Text()
    text.append("Remediation", style="bold")
    text.append(f"  mode {report.mode.value}")
    if report.dry_run:
        text.append("  (dry run: nothing was changed)", style="yellow")
    verb = "to remove" if report.dry_run else "removed"
    text.append(f"\nGroups: {len(entries)}   Rules {verb}: {removed}")
    if report.blast_radius_note:
        text.append("\n")
        text.append_text(literal(report.blast_radius_note, "yellow"))
    return text


def remediation_table(report: RemediationReport, table_box: box.Box = box.SIMPLE_HEAD) -> Table:
    table = Table(
        title=f"Remediated groups ({len(report.entries)})",
        title_justify="left",
        title_style="bold",
        box=table_box,
        show_edge=False,
        show_lines=True,
    )
    table.add_column("Group", overflow="fold", max_width=30)
    table.add_column("Action\nOutcome", no_wrap=True)
    added = any(e.added_rules for e in report.entries)
    heading = "Rules (- removed, + added)" if added else "Rules (- removed)"
    table.add_column(heading, overflow="fold", ratio=1)
    # Backup ids keep their full width: a folded id cannot be pasted into `sgc rollback`.
    widest = max((len(e.backup_id or "") for e in report.entries), default=0)
    table.add_column("Backup", overflow="fold", min_width=max(widest, 9))
    for entry in sorted_entries(report):
        table.add_row(*_row(entry))
    return table


def sorted_entries(report: RemediationReport) -> list[RemediationEntry]:
    return sorted(report.entries, key=lambda e: (e.plan.account_id, e.plan.region, e.plan.group_id))


def _row(entry: RemediationEntry) -> tuple[Text, ...]:
    plan = entry.plan
    group = lines(
        literal(f"{plan.account_id}/{plan.region}", "dim"),
        literal(plan.group_id),
        literal(plan.group_name, "dim"),
    )
    status = lines(
        Text(plan.action.value),
        Text(entry.outcome, style=OUTCOME_STYLE.get(entry.outcome, "")),
        literal(entry.error or "", "red"),
    )
    backup = literal(entry.backup_id) if entry.backup_id else Text("no backup", style="dim")
    return group, status, _diff(entry), backup


def rollback_commands(report: RemediationReport) -> Text:
    """One command per backed-up group, each on its own line so it can be pasted as is."""
    commands = [e.rollback_command for e in sorted_entries(report) if e.rollback_command]
    if not commands:
        return Text()
    text = Text("Roll back a group with:\n", style="bold")
    text.append_text(lines(*(literal(f"  {command}") for command in commands)))
    return text


def _diff(entry: RemediationEntry) -> Text:
    removed = {r.rule_id for r in entry.removed_rules}
    rows = [
        _diff_line(rule, "- " if rule.rule_id in removed else "  ")
        for rule in sorted(entry.plan.pre_image, key=lambda r: r.rule_id)
    ]
    rows += [_diff_line(rule, "+ ") for rule in entry.added_rules]
    return lines(*rows) if rows else Text("(no rules)", style="dim")


_MARKER_STYLE = {"- ": "red", "+ ": "green", "  ": ""}


def _diff_line(rule: Rule, marker: str) -> Text:
    # A rule added by narrowing has no id until AWS gives it one.
    label = "(new) " if marker == "+ " else f"{rule.rule_id} "
    text = literal(f"{marker}{label}{rule_summary(rule)}", _MARKER_STYLE[marker])
    if rule.description:
        text.append_text(literal(f' "{rule.description}"', "italic"))
    return text
