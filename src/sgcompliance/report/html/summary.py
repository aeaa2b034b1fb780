"""The top of the HTML report: the title block, the banner of a scan that could not read every
account-region, the headline counts and the charts."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.model import Attachment
from sgcompliance.engine.policy import Severity
from sgcompliance.report.coverage import (
    coverage_of,
    failure_line,
    failures,
    incomplete_heading,
    time_text,
)
from sgcompliance.report.html.charts import Bar, Segment, bar_chart, severity_ring
from sgcompliance.report.html.text import plural, text
from sgcompliance.report.html.view import (
    ATTACHMENT_LABEL,
    GroupFindings,
    Tally,
    attachment_counts,
    by_account,
    by_region,
    severity_counts,
)
from sgcompliance.report.passes import pass_count


def title_block(result: ScanResult, *, remediation: bool, at: datetime | None = None) -> str:
    policy = result.policy
    coverage = coverage_of(result)
    accounts = {s.account_id for s in coverage.requested}
    regions = {s.region for s in coverage.requested}
    when = time_text(at)
    scanned = (
        f'<p class="meta">Scanned <time datetime="{when}" id="scan-time">'
        f"{when.replace('T', ' ').replace('Z', ' UTC')}</time></p>"
        if when
        else ""
    )
    digest = (
        f'<span class="digest" title="{text(policy.digest)}">digest {text(policy.digest[:12])}'
        "</span>"
        if policy.digest
        else ""
    )
    kind = "Remediation report" if remediation else "Compliance scan"
    return (
        '<header class="masthead"><div class="wrap">'
        f'<p class="kicker">sgcompliance · {kind}</p>'
        "<h1>Security group compliance report</h1>"
        f'<p class="meta">Policy <strong>{text(policy.id)}</strong> '
        f"version {text(policy.version)} {digest}</p>"
        f"{scanned}"
        f'<p class="meta" id="scan-coverage">Asked: {plural(len(accounts), "account")} · '
        f"{plural(len(regions), 'region')} · "
        f"{plural(len(coverage.requested), 'account-region')}; {text(coverage.summary())}</p>"
        "</div></header>"
    )


def coverage_banner(result: ScanResult) -> str:
    """A danger callout naming every account-region that could not be read; "" when none."""
    heading = incomplete_heading(result)
    if not heading:
        return ""
    items = "".join(f"<li>{text(failure_line(f))}</li>" for f in failures(result))
    return (
        '<section id="coverage" class="callout danger" role="alert">'
        f"<strong>{text(heading)}:</strong><ul>{items}</ul></section>"
    )


def tile(key: str, label: str, value: int, *, alert: bool = False) -> str:
    tone = " alert" if alert and value else ""
    return (
        f'<div class="tile{tone}"><span class="tile-value" data-count="{key}">{value}</span>'
        f'<span class="tile-label">{label}</span></div>'
    )


def tiles(result: ScanResult, groups: tuple[GroupFindings, ...]) -> str:
    exposed = attachment_counts(groups)[Attachment.EXPOSED]
    violating = sum(1 for g in groups if g.violations)
    expired = sum(1 for f in result.violations if f.expired_exemption is not None)
    return (
        '<section class="tiles" aria-label="Headline counts">'
        + tile("groups-scanned", "Groups scanned", result.groups_scanned)
        + tile("rules-evaluated", "Rules evaluated", result.rules_evaluated)
        + tile("violations", "Violations", len(result.violations), alert=True)
        + tile("groups-violating", "Groups with violations", violating)
        + tile("exposed-groups", "Exposed groups with violations", exposed, alert=True)
        + tile("exempted", "Exempted findings", len(result.exempted))
        + tile("expired-exemptions", "Expired exemptions", expired, alert=True)
        + tile("passed", "Checks passed (per group)", pass_count(result))
        + "</section>"
    )


def _legend(counts: Mapping[Severity, int]) -> str:
    items = "".join(
        f'<li><span class="swatch sev-{s.value}"></span>{s.value}'
        f'<span class="legend-count" data-count="severity-{s.value}">{n}</span></li>'
        for s, n in counts.items()
    )
    return f'<ul class="legend">{items}</ul>'


def _severity_bars(tallies: tuple[Tally, ...]) -> list[Bar]:
    return [
        Bar(t.label, tuple(Segment(f"sev-{s.value}", s.value, n) for s, n in t.counts.items()))
        for t in tallies
    ]


def _card(title: str, body: str, extra: str = "") -> str:
    return f'<div class="card chart-card{extra}"><h3>{title}</h3>{body}</div>'


def charts(result: ScanResult, groups: tuple[GroupFindings, ...]) -> str:
    counts = severity_counts(result)
    attachment = [
        Bar(ATTACHMENT_LABEL[a], (Segment(f"att-{a.value}", ATTACHMENT_LABEL[a], n),))
        for a, n in attachment_counts(groups).items()
    ]
    ring = f'<div class="ring-wrap">{severity_ring(counts)}{_legend(counts)}</div>'
    accounts = bar_chart("By account", _severity_bars(by_account(result)))
    regions = bar_chart("By region", _severity_bars(by_region(result)))
    return (
        '<section class="charts" aria-label="Charts">'
        + _card("Violations by severity", ring)
        + _card("Groups with violations by attachment", bar_chart("By attachment", attachment))
        + _card("Violations by account", accounts)
        + _card("Violations by region", regions)
        + "</section>"
    )
