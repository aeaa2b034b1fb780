"""The HTML report's content: the scan's counts, exposure, rule tables with the offending peer
marked, the remediation diff with backups and rollback commands, and a golden file."""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

from report_samples import compliant_result, sample_result

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.remediation.plan import Mode, plan_group
from sgcompliance.report.formats import Presentation, ReportWriter
from sgcompliance.report.html.page import HtmlWriter
from sgcompliance.report.remediation_view import RemediationEntry, RemediationReport

GOLDEN = Path(__file__).resolve().parents[2] / "fixtures" / "html" / "sample_report.html"
WEB, DB = "sg-0000000000000000a", "sg-0000000000000000b"
SSH_RULE, DESC_RULE = "sgr-0000000000000000a", "sgr-0000000000000000b"


def remediation(result: ScanResult, outcome: str = "applied") -> RemediationReport:
    web = [f for f in result.findings if f.group_id == WEB]
    plan = plan_group(web[0].group, web, Mode.REMOVE)
    assert plan is not None
    applied = outcome == "applied"
    entry = RemediationEntry(
        plan, outcome, "bk-0001" if applied else None, plan.revoke_ingress if applied else ()
    )
    return RemediationReport(Mode.REMOVE, dry_run=not applied, entries=(entry,))


def render(result: ScanResult | None = None, report: RemediationReport | None = None) -> str:
    return HtmlWriter().render(result or sample_result(), Presentation(), report)


def count(page: str, key: str) -> int:
    found = re.search(rf'data-count="{key}">(\d+)<', page)
    assert found is not None, key
    return int(found.group(1))


def rule_row(page: str, rule_id: str) -> str:
    found = re.search(rf'<tr class="rule [a-z]+" data-rule="{rule_id}">.*?</tr>', page)
    assert found is not None, rule_id
    return found.group(0)


def test_the_writer_implements_the_report_writer_interface() -> None:
    assert isinstance(HtmlWriter(), ReportWriter)


def test_the_page_is_one_complete_document_ending_in_a_newline() -> None:
    page = render()
    assert page.startswith('<!DOCTYPE html>\n<html lang="en">')
    assert page.endswith("</html>\n")


def test_the_headline_counts_are_the_scans() -> None:
    result, page = sample_result(), render()
    assert count(page, "groups-scanned") == result.groups_scanned == 2
    assert count(page, "rules-evaluated") == result.rules_evaluated == 3
    assert count(page, "violations") == len(result.violations) == 3
    assert count(page, "exempted") == len(result.exempted) == 1
    assert count(page, "expired-exemptions") == 1


def test_the_severity_legend_lists_every_severity_with_its_count() -> None:
    page = render()
    shown = [count(page, f"severity-{s}") for s in ("critical", "high", "medium", "low", "info")]
    assert shown == [1, 0, 1, 1, 0]


def test_each_scanned_account_and_region_gets_a_bar() -> None:
    page = render()
    assert '<text class="label"' in page
    assert page.count(">111111111111</text>") == 1
    assert page.count(">eu-west-1</text>") == 1


def test_a_group_with_violations_is_listed_under_its_attachment() -> None:
    # GIVEN the sample groups, whose attachment the snapshot did not say
    page = render()
    start = page.index('id="exposure"')
    exposure = page[start : page.index("</table>", start)]
    # THEN the violating group is listed, and the group with only exempted findings is not
    assert 'data-attachment="unknown"' in exposure
    assert WEB in exposure
    assert DB not in exposure


def words(html: str) -> str:
    """The text of some markup, its tags taken out."""
    return re.sub(r"<[^>]+>", "", html)


def test_the_peer_of_a_violating_rule_is_highlighted() -> None:
    row = rule_row(render(), SSH_RULE)
    assert 'class="rule offending"' in row
    # A peer may break after its `/` (a cross-account peer must fit its column).
    assert '<mark class="peer offending-peer">0.0.0.0/<wbr>0</mark>' in row


def test_the_peer_of_an_exempted_rule_is_marked_as_exempted_not_offending() -> None:
    row = rule_row(render(), "sgr-0000000000000000c")
    assert '<mark class="peer exempted-peer">::/<wbr>0</mark>' in row
    assert "exempted by EX-1" in words(row)


def test_a_group_level_finding_is_shown_above_the_rule_table() -> None:
    page = render()
    assert '<ul class="group-level">' in page
    assert "has 2 rules, more than the maximum of 1" in page


def test_an_expired_exemption_is_named_in_the_finding_status() -> None:
    assert "violation · exemption EX-OLD expired" in words(render())


def test_without_a_remediation_there_is_no_remediation_section() -> None:
    page = render()
    assert 'id="remediation-section"' not in page
    assert 'href="#remediation-section"' not in page


def test_a_remediation_shows_removed_and_kept_rules() -> None:
    result = sample_result()
    page = render(result, remediation(result))
    removed = re.findall(r'<tr class="diff removed" data-rule="([^"]+)"', page)
    kept = re.findall(r'<tr class="diff kept" data-rule="([^"]+)"', page)
    assert removed == [SSH_RULE]
    assert kept == [DESC_RULE]
    assert count(page, "rules-removed") == 1


def test_an_applied_remediation_shows_its_backup_and_rollback_command() -> None:
    result = sample_result()
    page = render(result, remediation(result))
    assert '<code class="backup-id">bk-0001</code>' in page
    assert "<code>sgc rollback bk-0001</code>" in page


def test_a_dry_run_lists_the_planned_removals_and_needs_no_rollback() -> None:
    result = sample_result()
    page = render(result, remediation(result, outcome="dry_run"))
    assert re.findall(r'<tr class="diff removed" data-rule="([^"]+)"', page) == [SSH_RULE]
    assert "No backup was written" in page
    assert "sgc rollback" not in page


def test_a_dry_run_counts_its_removals_as_planned_not_done() -> None:
    result = sample_result()
    page = render(result, remediation(result, outcome="dry_run"))
    assert count(page, "rules-removed") == 0
    assert count(page, "rules-planned") == 1


def test_the_blast_radius_guard_is_shown_as_a_warning() -> None:
    result = sample_result()
    report = replace(remediation(result), blast_radius_note="blast-radius limit: 9 rules")
    assert '<p class="callout warning">blast-radius limit: 9 rules</p>' in render(result, report)


def test_a_compliant_result_says_there_is_nothing_to_fix() -> None:
    page = render(compliant_result())
    assert count(page, "violations") == 0
    assert "No group has a violation." in page
    assert "No findings." in page


def test_the_same_result_renders_byte_for_byte_the_same() -> None:
    result = sample_result()
    assert render(result, remediation(result)) == render(result, remediation(result))


def test_the_sample_renders_exactly_as_the_golden_file() -> None:
    # Set SGC_UPDATE_GOLDEN=1 to rewrite the file after an intended change, then review the diff.
    result = sample_result()
    page = render(result, remediation(result))
    if os.environ.get("SGC_UPDATE_GOLDEN") == "1":
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(page, encoding="utf-8")
    assert page == GOLDEN.read_text(encoding="utf-8")
