"""The HTML report beside the previous scan's JSON report: each violation new since it is
marked in the findings table, and a section near the top counts what is new, fixed, still open
and could not be verified, listing the fixed ones (the previous file's own text, escaped)."""

from __future__ import annotations

from dataclasses import dataclass

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.findings import Finding
from sgcompliance.report.history import (
    Comparison,
    FindingKey,
    ReportFindings,
    Violation,
    compare,
    current_findings,
    finding_key,
)
from sgcompliance.report.html.summary import tile
from sgcompliance.report.html.text import plural, text

NEW_MARK = '<span class="since new" title="not in the previous report">new</span>'


@dataclass(frozen=True, slots=True)
class HistoryMarks:
    comparison: Comparison
    added: frozenset[FindingKey]

    def mark(self, finding: Finding) -> str:
        """The "new" mark of a violation the previous report did not hold, else ""."""
        if finding.is_violation and finding_key(finding) in self.added:
            return NEW_MARK
        return ""


def history_marks(result: ScanResult, previous: ReportFindings | None) -> HistoryMarks | None:
    if previous is None:
        return None
    comparison = compare(previous, current_findings(result))
    return HistoryMarks(comparison, frozenset(v.key for v in comparison.added))


def _fixed_row(violation: Violation) -> str:
    return (
        f'<tr><td><span class="badge sev-{text(violation.severity)}">{text(violation.severity)}'
        f'</span></td><td class="mono">{text(violation.check_id)}</td>'
        f'<td><span class="mono">{text(violation.account_id)}</span>'
        f'<span class="sub">{text(violation.region)}</span></td>'
        f'<td><span class="mono">{text(violation.group_id)}</span>'
        f'<span class="sub">{text(violation.group_name)}</span></td>'
        f'<td class="message">{text(violation.rule_summary or "whole group")}</td></tr>'
    )


def history_section(marks: HistoryMarks | None) -> str:
    if marks is None:
        return ""
    c = marks.comparison
    when = f" of {text(c.old.generated_at)}" if c.old.generated_at else ""
    policy = (
        ""
        if c.same_policy
        else '<p class="callout warning">The previous report was judged by another policy '
        f"({text(c.old.policy_id)}): a change may be the policy's, not the estate's.</p>"
    )
    unverified = (
        f'<p class="callout warning">{plural(len(c.unverified), "violation")} of the previous '
        "report could not be verified: this scan did not read their account-regions.</p>"
        if c.unverified
        else ""
    )
    fixed = (
        '<table class="grid" id="fixed"><thead><tr><th>Severity</th><th>Check</th>'
        "<th>Account / region</th><th>Group</th><th>Rule</th></tr></thead><tbody>"
        + "".join(_fixed_row(v) for v in c.fixed)
        + "</tbody></table>"
        if c.fixed
        else '<p class="sub">Nothing was fixed since the previous scan.</p>'
    )
    return (
        '<section class="card" id="history-section"><h2>Since the previous scan</h2>'
        f'<p class="lede">Compared with the previous report{when} '
        f'(<span class="mono">{text(c.old.source)}</span>). New violations are marked '
        "<em>new</em> in the findings table.</p>"
        f"{policy}{unverified}"
        '<div class="tiles">'
        + tile("new", "New violations", len(c.added))
        + tile("fixed", "Fixed", len(c.fixed))
        + tile("still-open", "Still open", len(c.still_open))
        + tile("now-exempted", "Now exempted", len(c.exempted))
        + tile("unverified", "Not verified", len(c.unverified))
        + f"</div><h3>Fixed since the previous scan</h3>{fixed}</section>"
    )
