"""The remediation part of the HTML report: per group, the rules removed and kept, the backup
that holds the pre-image, and the command that puts the removed rules back."""

from __future__ import annotations

from sgcompliance.engine.model import Rule
from sgcompliance.report.html.text import description_of, peer_text, plural, text
from sgcompliance.report.remediation_view import RemediationEntry, RemediationReport

_OUTCOME_LABEL = {
    "dry_run": "dry run: nothing changed",
    "applied": "applied",
    "unchanged": "already compliant",
    "group_gone": "group no longer exists",
    "applied_tagging_failed": "applied; outcome tags not written",
    "applied_unrecorded": "applied; receipt not stored",
    "changed_since_read": "changed since read: judged again, nothing revoked",
    "failed": "failed",
}


_SIGN = {"removed": "\u2212", "kept": "=", "added": "+"}


def _diff_row(rule: Rule, state: str) -> str:
    sign = _SIGN[state]
    # A rule added by narrowing has no id until AWS gives it one.
    rule_id = "new" if state == "added" else rule.rule_id
    return (
        f'<tr class="diff {state}" data-rule="{text(rule_id)}">'
        f'<td class="sign" aria-label="{state}">{sign}</td>'
        f'<td class="mono">{text(rule_id)}</td><td>{rule.direction.value}</td>'
        f'<td class="mono">{text(rule.port_text)}</td><td class="peer-cell">{peer_text(rule)}</td>'
        f'<td class="desc">{description_of(rule)}</td></tr>'
    )


def _diff_table(entry: RemediationEntry) -> str:
    removed = {r.rule_id for r in entry.removed_rules}
    rows = "".join(
        _diff_row(r, "removed" if r.rule_id in removed else "kept") for r in entry.plan.pre_image
    ) + "".join(_diff_row(r, "added") for r in entry.added_rules)
    if not rows:
        return '<p class="empty-note">The group had no rules.</p>'
    return (
        '<table class="grid diff-table"><colgroup><col class="c-sign"><col class="c-rule">'
        '<col class="c-dir"><col class="c-ports"><col class="c-peer"><col></colgroup>'
        "<thead><tr><th></th><th>Rule</th><th>Direction</th>"
        "<th>Ports</th><th>Peer</th><th>Description</th></tr></thead>"
        f"<tbody>{rows}</tbody></table>"
    )


def _recovery(entry: RemediationEntry) -> str:
    command = entry.rollback_command
    if entry.backup_id is None or command is None:
        return '<p class="sub">No backup was written: nothing was changed that needs undoing.</p>'
    return (
        '<dl class="recovery"><dt>Backup</dt>'
        f'<dd><code class="backup-id">{text(entry.backup_id)}</code></dd>'
        f'<dt>Rollback</dt><dd><pre class="command"><code>{text(command)}</code></pre></dd></dl>'
    )


def _entry_card(entry: RemediationEntry) -> str:
    plan = entry.plan
    removed, kept, added = len(entry.removed_rules), len(entry.kept_rules), len(entry.added_rules)
    outcome = _OUTCOME_LABEL.get(entry.outcome, entry.outcome)
    error = f'<p class="callout danger">{text(entry.error)}</p>' if entry.error else ""
    note = f'<p class="callout warning">{text(plan.note)}</p>' if plan.note else ""
    return (
        f'<article class="card remediation-entry" data-group="{text(plan.group_id)}">'
        '<header class="group-head"><div>'
        f'<h3><span class="mono">{text(plan.group_id)}</span> '
        f'<span class="group-name">{text(plan.group_name)}</span></h3>'
        f'<p class="sub">account <span class="mono">{text(plan.account_id)}</span> · '
        f"{text(plan.region)} · action {plan.action.value} · "
        f'<span data-count="removed">{removed}</span> removed, '
        f'<span data-count="kept">{kept}</span> kept'
        + (f', <span data-count="added">{added}</span> added' if added else "")
        + "</p></div>"
        f'<div class="group-badges"><span class="badge outcome-{text(entry.outcome)}">'
        f"{text(outcome)}</span></div></header>"
        f"{error}{note}{_diff_table(entry)}{_recovery(entry)}</article>"
    )


def _tally(report: RemediationReport) -> str:
    """Rules taken out, and rules only planned: a dry run changes nothing, whatever it lists."""
    planned = sum(len(e.removed_rules) for e in report.entries if e.outcome == "dry_run")
    removed = sum(len(e.removed_rules) for e in report.entries if e.outcome != "dry_run")
    return (
        f"{plural(len(report.entries), 'group')}: "
        f'<span data-count="rules-removed">{removed}</span> '
        f"{'rule' if removed == 1 else 'rules'} removed, "
        f'<span data-count="rules-planned">{planned}</span> planned in a dry run.'
    )


def remediation_section(report: RemediationReport | None) -> str:
    if report is None:
        return ""
    run = "Dry run" if report.dry_run else "Run"
    guard = (
        f'<p class="callout warning">{text(report.blast_radius_note)}</p>'
        if report.blast_radius_note
        else ""
    )
    cards = "".join(_entry_card(e) for e in report.entries)
    if not cards:
        cards = '<p class="empty-note">No group needed remediation.</p>'
    return (
        '<section id="remediation-section"><h2 class="section-title">Remediation</h2>'
        f'<p class="lede">{run} in mode <strong>{report.mode.value}</strong>, '
        f"{_tally(report)}</p>{guard}{cards}</section>"
    )
