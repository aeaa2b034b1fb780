"""How to fix each check that found something, and what each check found compliant.

The fix of a built-in check comes from the check catalog (`policy/catalog.json`: what it means,
the console steps, the AWS CLI commands); a check of the operator's own policy is explained by
its description. Both are shown as text: a policy is the operator's input, never markup.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.policy.catalog import catalog_data
from sgcompliance.report.controls import CheckInfo, check_catalog
from sgcompliance.report.html.text import plural, severity_badge, text
from sgcompliance.report.passes import passes_by_check


def fix_anchor(check_id: str) -> str:
    """The element id of a check's fix, unescaped."""
    return f"fix-{check_id}"


def _steps(entry: dict[str, Any]) -> str:
    console = [str(step) for step in entry.get("console", ()) if isinstance(step, str)]
    cli = [str(step) for step in entry.get("cli", ()) if isinstance(step, str)]
    parts = []
    if console:
        items = "".join(f"<li>{text(step)}</li>" for step in console)
        parts.append(f'<h4>In the AWS console</h4><ol class="steps">{items}</ol>')
    if cli:
        commands = "\n".join(text(step) for step in cli)
        parts.append(f'<h4>With the AWS CLI</h4><pre class="command"><code>{commands}</code></pre>')
    return "".join(parts)


def _fix_card(info: CheckInfo, count: int, entry: dict[str, Any]) -> str:
    meaning = entry.get("meaning")
    explanation = meaning if isinstance(meaning, str) and meaning else info.help_text
    references = (
        f'<p class="sub">References: {text(", ".join(info.references))}</p>'
        if info.references
        else ""
    )
    return (
        f'<article class="fix" id="{text(fix_anchor(info.check_id))}">'
        f'<h3>{severity_badge(info.severity)} <span class="mono">{text(info.check_id)}</span> '
        f"{text(info.title)}</h3>"
        f'<p class="sub">{plural(count, "violation")} · automatic remediation: '
        f"{text(info.remediation.value)}</p>"
        f'<p class="fix-text">{text(explanation)}</p>{references}{_steps(entry)}</article>'
    )


def guidance_section(result: ScanResult) -> str:
    """One card per check with a violation, most violations first; "" when none."""
    counts = Counter(f.check_id for f in result.violations)
    if not counts:
        return ""
    catalog = check_catalog(result)
    texts = catalog_data()
    cards = "".join(
        _fix_card(catalog[check_id], count, texts.get(check_id, {}))
        for check_id, count in sorted(counts.items(), key=lambda i: (-i[1], i[0]))
    )
    return (
        '<section class="card" id="guidance-section"><h2>How to fix</h2>'
        '<p class="lede">For each check with violations: what it means and how to fix it by '
        f"hand; <code>sgc remediate</code> does it with a backup and a rollback.</p>{cards}"
        "</section>"
    )


def passed_section(result: ScanResult) -> str:
    """Per check of the policy: the groups it passed, found in violation, and exempted."""
    passed = passes_by_check(result)
    violations = Counter(f.check_id for f in result.violations)
    exempted = Counter(f.check_id for f in result.exempted)
    rows = "".join(
        f'<tr data-check="{text(check_id)}"><td class="mono">{text(check_id)}</td>'
        f"<td>{text(info.title)}</td>"
        f'<td class="num" data-count="passed-{text(check_id)}">{len(passed.get(check_id, ()))}'
        f'</td><td class="num">{violations[check_id]}</td>'
        f'<td class="num">{exempted[check_id]}</td></tr>'
        for check_id, info in check_catalog(result).items()
    )
    return (
        '<section class="card" id="passed-section"><h2>Checks and what they found</h2>'
        '<p class="lede">Per check: the security groups it applied to and found compliant '
        "(passed), in violation, and exempted. The JSON and SARIF reports name every group that "
        "passed.</p>"
        '<table class="grid" id="passed"><thead><tr><th>Check</th><th>Title</th>'
        '<th class="num">Groups passed</th><th class="num">Violations</th>'
        f'<th class="num">Exempted</th></tr></thead><tbody>{rows}</tbody></table></section>'
    )
