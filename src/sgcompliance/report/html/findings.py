"""The HTML report's tables of groups by exposure and of every finding, with a filter."""

from __future__ import annotations

from collections.abc import Iterable

from sgcompliance.engine.findings import Finding
from sgcompliance.report.html.guidance import fix_anchor
from sgcompliance.report.html.history import HistoryMarks
from sgcompliance.report.html.text import plural, severity_badge, text
from sgcompliance.report.html.view import ATTACHMENT_LABEL, GroupFindings, exposure_order
from sgcompliance.report.records import SEVERITIES_DESC, by_severity, rule_summary


def attachment_badge(group: GroupFindings) -> str:
    attachment = group.group.attachment
    return f'<span class="badge att-{attachment.value}">{ATTACHMENT_LABEL[attachment]}</span>'


def group_link(group: GroupFindings) -> str:
    g = group.group
    return (
        f'<a class="mono" href="#{text(group.anchor)}">{text(g.group_id)}</a>'
        f'<span class="sub">{text(g.name)}</span>'
    )


def _exposure_row(group: GroupFindings) -> str:
    g = group.group
    worst = severity_badge(group.worst) if group.worst else ""
    return (
        f'<tr data-attachment="{g.attachment.value}"><td>{attachment_badge(group)}</td>'
        f'<td>{group_link(group)}</td><td class="mono">{text(g.account_id)}</td>'
        f'<td class="nowrap">{text(g.region)}</td><td class="mono">{text(g.vpc_id or "-")}</td>'
        f'<td class="num">{len(group.violations)}</td><td>{worst}</td></tr>'
    )


def exposure_section(groups: tuple[GroupFindings, ...]) -> str:
    ordered = exposure_order(groups)
    if not ordered:
        body = '<p class="empty-note">No group has a violation.</p>'
    else:
        rows = "".join(_exposure_row(g) for g in ordered)
        body = (
            '<table class="grid" id="exposure"><thead><tr><th>Attachment</th><th>Group</th>'
            '<th>Account</th><th>Region</th><th>VPC</th><th class="num">Violations</th>'
            f"<th>Worst</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    return (
        '<section class="card" id="exposure-section"><h2>Groups with violations by exposure</h2>'
        '<p class="lede">Exposed groups protect an interface with a public address; unattached '
        "groups protect nothing today but take effect as soon as they are attached.</p>"
        f"{body}</section>"
    )


def message_of(finding: Finding) -> str:
    """The engine's message without the rule text already shown beside it."""
    if finding.rule is None:
        return finding.message
    return finding.message.removeprefix(f"{finding.rule.describe()}: ")


def status_of(finding: Finding) -> str:
    """The status words never break inside a word; only an exemption id (the policy's text,
    of any length) may break anywhere."""
    if finding.exempted_by is not None:
        exemption = text(finding.exempted_by.id)
        return (
            '<span class="status exempted"><span class="status-word">exempted</span> by '
            f'<span class="status-id">{exemption}</span></span>'
        )
    if finding.expired_exemption is not None:
        expired = text(finding.expired_exemption.id)
        return (
            '<span class="status expired"><span class="status-word">violation</span> · '
            f'exemption <span class="status-id">{expired}</span> '
            '<span class="status-word">expired</span></span>'
        )
    return '<span class="status violation"><span class="status-word">violation</span></span>'


def _finding_row(finding: Finding, history: HistoryMarks | None) -> str:
    rule = finding.rule
    rule_cell = (
        '<span class="sub">whole group</span>'
        if rule is None
        else f'<span class="mono">{text(rule.rule_id)}</span>'
        f'<span class="sub">{text(rule_summary(rule))}</span>'
    )
    kind = "violation" if finding.is_violation else "exempted"
    since = history.mark(finding) if history is not None else ""
    return (
        f'<tr class="{kind}" data-severity="{finding.severity.value}">'
        f"<td>{severity_badge(finding.severity)}</td>"
        f'<td><a class="mono" href="#{text(fix_anchor(finding.check_id))}">'
        f'{text(finding.check_id)}</a><span class="sub">{text(finding.title)}</span></td>'
        f'<td><span class="mono">{text(finding.account_id)}</span>'
        f'<span class="sub">{text(finding.region)}</span></td>'
        # The name too: the filter searches the row's text, and people know groups by name.
        f'<td><span class="mono">{text(finding.group_id)}</span>'
        f'<span class="sub group-name-cell">{text(finding.group.name)}</span></td>'
        f"<td>{rule_cell}</td>"
        f'<td class="message">{text(message_of(finding))}</td>'
        f'<td class="status-cell">{status_of(finding)}{since}</td></tr>'
    )


def _filter_controls(total: int) -> str:
    options = "".join(f'<option value="{s.value}">{s.value}</option>' for s in SEVERITIES_DESC)
    return (
        '<div class="filters"><label>Filter <input id="finding-filter" type="search" '
        'placeholder="group id or name, check, peer, text…" autocomplete="off"></label>'
        '<label>Severity <select id="severity-filter"><option value="">all</option>'
        f'{options}</select></label><span class="shown"><span id="finding-shown">{total}</span>'
        f" of {plural(total, 'finding')} shown</span></div>"
    )


def findings_section(findings: Iterable[Finding], history: HistoryMarks | None = None) -> str:
    ordered = by_severity(findings)
    if not ordered:
        body = '<p class="empty-note">No findings.</p>'
    else:
        rows = "".join(_finding_row(f, history) for f in ordered)
        body = (
            _filter_controls(len(ordered))
            + '<table class="grid" id="findings"><thead><tr><th>Severity</th><th>Check</th>'
            "<th>Account / region</th><th>Group</th><th>Rule</th><th>Message</th>"
            f"<th>Status</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    return f'<section class="card" id="findings-section"><h2>All findings</h2>{body}</section>'
