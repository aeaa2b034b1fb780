"""JSON Lines: one object per line (summary, findings, remediated groups), stable and inert."""

from __future__ import annotations

import json
from typing import Any

from formats_estate import PRESENTATION, assert_golden, estate_result

from sgcompliance.remediation.plan import Action, Mode, RemediationPlan
from sgcompliance.report.jsonl import JsonLinesWriter
from sgcompliance.report.passes import passed_records
from sgcompliance.report.remediation_view import RemediationEntry, RemediationReport


def lines(remediation: RemediationReport | None = None) -> list[dict[str, Any]]:
    text = JsonLinesWriter().render(estate_result(), PRESENTATION, remediation)
    return [json.loads(line) for line in text.splitlines()]


def remediation_report() -> RemediationReport:
    finding = estate_result().violations[0]
    rule = finding.rule
    assert rule is not None
    plan = RemediationPlan(
        "plan-1", Mode.REMOVE, Action.REVOKE, finding.account_id, finding.region,
        finding.group_id, finding.group.name, (rule,), (), revoke_ingress=(rule.rule_id,),
    )  # fmt: skip
    entry = RemediationEntry(plan, "applied", backup_id="bk-1", revoked=(rule.rule_id,))
    return RemediationReport(Mode.REMOVE, False, (entry,))


def test_golden_jsonl_of_the_fixed_estate() -> None:
    assert_golden("jsonl", "estate.jsonl")


def test_the_first_lines_are_the_summary_and_the_coverage_then_one_line_per_finding() -> None:
    # GIVEN the estate's 10 findings WHEN rendered THEN the summary, the coverage, 10 findings,
    # then one line per group that passed a check
    records = lines()
    findings = len(estate_result().findings)
    assert [r["record"] for r in records[:2]] == ["summary", "coverage"]
    assert [r["record"] for r in records[2 : 2 + findings]] == ["finding"] * findings
    passed = records[2 + findings :]
    assert passed
    assert {r["record"] for r in passed} == {"passed"}
    assert len(passed) == len(passed_records(estate_result()))


def test_finding_lines_carry_the_json_report_fields() -> None:
    finding = lines()[2]
    assert finding.keys() >= {"finding_id", "check_id", "severity", "group_id", "rule", "message"}


def test_a_newline_in_a_description_never_splits_a_record() -> None:
    # GIVEN descriptions with \n and \r\n WHEN rendered THEN every line is a whole JSON object
    text = JsonLinesWriter().render(estate_result(), PRESENTATION)
    passed = len(passed_records(estate_result()))
    assert len(text.splitlines()) == 2 + len(estate_result().findings) + passed
    assert text.isascii()


def test_a_remediation_run_adds_one_line_per_group_after_the_findings() -> None:
    records = lines(remediation_report())
    last = records[-1]
    assert last["record"] == "remediation"
    assert (last["mode"], last["outcome"], last["backup_id"]) == (
        "remove_non_compliant_rules", "applied", "bk-1",
    )  # fmt: skip
    passed = len(passed_records(estate_result()))
    assert len(records) == 3 + len(estate_result().findings) + passed
