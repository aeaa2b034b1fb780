"""One card per security group with findings: its facts, tags and every rule, offenders marked.

The whole rule set is shown, not only the offending rules, so a reader sees what stays open
once the offending peer is removed. The peer of a violating rule is highlighted because the
peer, not the port, is what remediation takes away.
"""

from __future__ import annotations

from sgcompliance.engine.findings import Finding
from sgcompliance.engine.model import Rule
from sgcompliance.report.html.findings import attachment_badge, message_of, status_of
from sgcompliance.report.html.text import (
    description_of,
    peer_text,
    plural,
    severity_badge,
    text,
)
from sgcompliance.report.html.view import GroupFindings


def _tags(group: GroupFindings) -> str:
    tags = sorted(group.group.tags.items())
    if not tags:
        return ""
    items = "".join(
        f'<li><span class="tag-key">{text(k)}</span><span class="tag-value">{text(v)}</span></li>'
        for k, v in tags
    )
    return f'<ul class="tags" aria-label="Tags">{items}</ul>'


def _finding_chip(finding: Finding) -> str:
    exempt = (
        f' <span class="sub-inline">exempted by {text(finding.exempted_by.id)}</span>'
        if finding.exempted_by is not None
        else ""
    )
    return (
        f'<li class="{"violation" if finding.is_violation else "exempted"}">'
        f'{severity_badge(finding.severity)} <span class="mono">{text(finding.check_id)}</span>'
        f"{exempt}</li>"
    )


def _rule_row(rule: Rule, findings: tuple[Finding, ...]) -> str:
    if any(f.is_violation for f in findings):
        state = "offending"
    elif findings:
        state = "exempted"
    else:
        state = "clean"
    peer = peer_text(rule)
    if state != "clean":
        peer = f'<mark class="peer {state}-peer">{peer}</mark>'
    chips = "".join(_finding_chip(f) for f in findings)
    return (
        f'<tr class="rule {state}" data-rule="{text(rule.rule_id)}">'
        f'<td class="mono">{text(rule.rule_id)}</td><td>{rule.direction.value}</td>'
        f'<td class="mono">{text(rule.port_text)}</td><td class="peer-cell">{peer}</td>'
        f'<td class="desc">{description_of(rule)}</td>'
        f'<td><ul class="chips">{chips}</ul></td></tr>'
    )


def _group_level(group: GroupFindings) -> str:
    items = "".join(
        f'<li>{severity_badge(f.severity)} <span class="mono">{text(f.check_id)}</span> '
        f"{text(message_of(f))} {status_of(f)}</li>"
        for f in group.group_level
    )
    return f'<ul class="group-level">{items}</ul>' if items else ""


def group_card(group: GroupFindings) -> str:
    g = group.group
    rows = "".join(_rule_row(rule, group.for_rule(rule.rule_id)) for rule in g.rules)
    description = f'<p class="group-desc">{text(g.description)}</p>' if g.description else ""
    worst = severity_badge(group.worst) if group.worst else ""
    return (
        f'<article class="card group" id="{text(group.anchor)}">'
        '<header class="group-head"><div>'
        f'<h3><span class="mono">{text(g.group_id)}</span> '
        f'<span class="group-name">{text(g.name)}</span></h3>'
        f'<p class="sub">account <span class="mono">{text(g.account_id)}</span> · '
        f'{text(g.region)} · vpc <span class="mono">{text(g.vpc_id or "-")}</span> · '
        f"{plural(len(group.violations), 'violation')}</p></div>"
        f'<div class="group-badges">{attachment_badge(group)} {worst}</div></header>'
        f"{description}{_tags(group)}{_group_level(group)}"
        '<table class="grid rules"><colgroup><col class="c-rule"><col class="c-dir">'
        '<col class="c-ports"><col class="c-peer"><col><col class="c-findings"></colgroup>'
        "<thead><tr><th>Rule</th><th>Direction</th><th>Ports</th>"
        "<th>Peer</th><th>Description</th><th>Findings</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></article>"
    )


def groups_section(groups: tuple[GroupFindings, ...]) -> str:
    if not groups:
        return ""
    cards = "".join(group_card(g) for g in groups)
    return (
        '<section id="groups-section"><h2 class="section-title">Groups and their rules</h2>'
        '<p class="lede">Every rule of each group with findings; the highlighted peer is the '
        f"one a violation concerns.</p>{cards}</section>"
    )
