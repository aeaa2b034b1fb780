"""`sgc diff` output: a comparison of two reports as JSON (every list), a terminal table or
Markdown (new and fixed in full, the rest counted; the summary line last).

Every value shown came from one of the two files, which anyone may have written: the table
shows it literally (`terminal_text.literal`), Markdown escapes what would be markup.
"""

from __future__ import annotations

import html
import io
from typing import Any

from rich import box
from rich.table import Table
from rich.text import Text

from sgcompliance.engine.policy import Severity
from sgcompliance.report.formats import Presentation
from sgcompliance.report.history import Comparison, ReportFindings, Violation
from sgcompliance.report.json_text import indented
from sgcompliance.report.plain_text import one_line
from sgcompliance.report.terminal_text import lines, literal, plain_lines, report_console

DIFF_FORMATS = ("table", "json", "markdown")
# Markdown's own characters in a table cell; `|` would end the cell.
_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_[]()#|~!"})


_RANKS = {s.value: s.rank for s in Severity}


def by_severity(violations: tuple[Violation, ...]) -> list[Violation]:
    """Most severe first (a severity the file made up last), then in location order."""
    return sorted(violations, key=lambda v: -_RANKS.get(v.severity, 0))


def counts(c: Comparison) -> dict[str, int]:
    return {
        "new": len(c.added),
        "fixed": len(c.fixed),
        "still_open": len(c.still_open),
        "now_exempted": len(c.exempted),
        "unverified": len(c.unverified),
    }


def summary_line(c: Comparison) -> str:
    n = counts(c)
    line = f"{n['new']} new since the last scan, {n['fixed']} fixed, {n['still_open']} still open"
    if n["now_exempted"]:
        line += f", {n['now_exempted']} now exempted"
    if n["unverified"]:
        line += f", {n['unverified']} not verified (their account-regions were not read)"
    return line


def violation_record(v: Violation) -> dict[str, Any]:
    _, _, _, _, direction, protocol, from_port, to_port, peer = v.key
    rule = (
        None
        if direction is None
        else {"direction": direction, "protocol": protocol, "from_port": from_port,
              "to_port": to_port, "peer": peer}
    )  # fmt: skip
    return {
        "account_id": v.account_id,
        "region": v.region,
        "group_id": v.group_id,
        "group_name": v.group_name,
        "check_id": v.check_id,
        "severity": v.severity,
        "rule": rule,
        "rule_summary": v.rule_summary,
        "message": v.message,
        "finding_id": v.finding_id,
    }


def _report(r: ReportFindings) -> dict[str, Any]:
    return {
        "source": r.source,
        "policy_id": r.policy_id,
        "policy_digest": r.policy_digest,
        "generated_at": r.generated_at,
        "violations": len(r.violations),
    }


def comparison_json(c: Comparison) -> str:
    document = {
        "old_report": _report(c.old),
        "new_report": _report(c.new),
        "same_policy": c.same_policy,
        "counts": counts(c),
        "new": [violation_record(v) for v in c.added],
        "fixed": [violation_record(v) for v in c.fixed],
        "still_open": [violation_record(v) for v in c.still_open],
        "now_exempted": [violation_record(v) for v in c.exempted],
        "unverified": [violation_record(v) for v in c.unverified],
    }
    return indented(document).decode("ascii") + "\n"


def _md(value: object) -> str:
    return html.escape(one_line(str(value)), quote=False).translate(_MARKDOWN)


def _md_table(title: str, violations: tuple[Violation, ...]) -> list[str]:
    out = [f"## {title} ({len(violations)})", ""]
    if not violations:
        return [*out, "None.", ""]
    out += [
        "| Severity | Check | Account | Region | Group | Rule |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for v in by_severity(violations):
        group = f"{_md(v.group_id)} {_md(v.group_name)}".strip()
        out.append(
            f"| {_md(v.severity)} | {_md(v.check_id)} | {_md(v.account_id)} | {_md(v.region)} "
            f"| {group} | {_md(v.rule_summary or 'whole group')} |"
        )
    return [*out, ""]


def comparison_markdown(c: Comparison) -> str:
    out = ["# Security groups since the last scan", ""]
    if not c.same_policy:
        out += [f"Judged by another policy than before ({_md(c.old.policy_id)}).", ""]
    out += _md_table("New since the last scan", c.added)
    out += _md_table("Fixed since the last scan", c.fixed)
    if c.exempted:
        out += _md_table("Now exempted", c.exempted)
    if c.unverified:
        out += _md_table("Not verified (account-region not read)", c.unverified)
    out += [f"{len(c.still_open)} still open.", "", f"**{_md(summary_line(c))}**"]
    return "\n".join(out) + "\n"


def _table(title: str, violations: tuple[Violation, ...], boxed: box.Box) -> Table:
    table = Table(
        title=f"{title} ({len(violations)})", title_justify="left", title_style="bold",
        box=boxed, show_edge=False,
    )  # fmt: skip
    for column in ("Severity", "Check", "Account / region", "Group", "Rule"):
        table.add_column(column, overflow="fold")
    for v in by_severity(violations):
        table.add_row(
            literal(v.severity.upper()),
            literal(v.check_id),
            lines(literal(v.account_id), literal(v.region, "dim")),
            lines(literal(v.group_id), literal(v.group_name, "dim")),
            literal(v.rule_summary or "(whole group)"),
        )
    return table


def comparison_table(c: Comparison, presentation: Presentation) -> str:
    buffer = io.StringIO()
    console = report_console(buffer, presentation)
    boxed = box.SIMPLE_HEAD if presentation.unicode else box.ASCII2
    old_when = f" ({c.old.generated_at})" if c.old.generated_at else ""
    new_when = f" ({c.new.generated_at})" if c.new.generated_at else ""
    heading = Text("sgcompliance diff", style="bold")
    heading.append("  ")
    heading.append_text(literal(f"{c.old.source}{old_when} -> {c.new.source}{new_when}"))
    console.print(heading)
    if not c.same_policy:
        console.print(literal(f"Judged by another policy than before ({c.old.policy_id})."))
    for title, violations in (
        ("New since the last scan", c.added),
        ("Fixed since the last scan", c.fixed),
        ("Now exempted", c.exempted),
        ("Not verified: their account-regions were not read", c.unverified),
    ):
        if violations or title.startswith(("New", "Fixed")):
            console.print()
            console.print(_table(title, violations, boxed))
    console.print()
    console.print(Text(summary_line(c), style="bold"))
    return plain_lines(buffer.getvalue(), presentation)


def render_comparison(c: Comparison, name: str, presentation: Presentation) -> str:
    if name == "json":
        return comparison_json(c)
    if name == "markdown":
        return comparison_markdown(c)
    return comparison_table(c, presentation)
