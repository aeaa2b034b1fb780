"""PASS results: every check that applied to a group and found nothing is named as passed, in
the json, jsonl and sarif reports and as a count in the html page and the summary."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, date, datetime

from sgcompliance.engine.evaluate import ScanResult, evaluate
from sgcompliance.engine.policy import (
    Check,
    CheckType,
    DescriptionRequired,
    Exemption,
    Policy,
    PortSpec,
    Remediation,
    RestrictedPorts,
    Selector,
    Severity,
    Sources,
)
from sgcompliance.report.formats import Presentation, render
from sgcompliance.report.passes import pass_count, passed_records, passes_by_check
from support.estate import group, rule, snapshot

WHEN = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)


def _ssh() -> RestrictedPorts:
    return RestrictedPorts((PortSpec(frozenset({"tcp"}), (22, 22)),), Sources())


def result() -> ScanResult:
    checks = (
        Check("SSH", "SSH", CheckType.RESTRICTED_PORTS, Severity.HIGH, Remediation.REMOVE, _ssh()),
        Check("DESC", "Descriptions", CheckType.DESCRIPTION_REQUIRED, Severity.LOW,
              Remediation.FLAG, DescriptionRequired()),
        # Only groups tagged tier=web, only in eu-west-1.
        Check("WEB", "Web SSH", CheckType.RESTRICTED_PORTS, Severity.HIGH, Remediation.FLAG,
              _ssh(), selector=Selector(regions=frozenset({"eu-west-1"}),
                                        group_tags=(("tier", "web"),))),
        Check("OFF", "Disabled", CheckType.DESCRIPTION_REQUIRED, Severity.LOW,
              Remediation.FLAG, DescriptionRequired(), enabled=False),
    )  # fmt: skip
    exempt = Exemption("EX-1", "ops", "bastion", None, None, group_ids=frozenset({"sg-ex"}))
    policy = Policy("p", "1", checks, (exempt,))
    open_ssh = rule("sgr-1", "0.0.0.0/0", description="")
    eu = snapshot(
        group(open_ssh, group_id="sg-open", tags={"tier": "web"}, region="eu-west-1"),
        group(rule("sgr-2", "10.0.0.0/8"), group_id="sg-ok", tags={"tier": "web"},
              region="eu-west-1"),
        group(rule("sgr-4", "0.0.0.0/0"), group_id="sg-ex", region="eu-west-1"),
        region="eu-west-1",
    )  # fmt: skip
    us = snapshot(group(rule("sgr-3", "10.0.0.0/8"), group_id="sg-us", region="us-east-1"),
                  region="us-east-1")  # fmt: skip
    return evaluate(policy, [eu, us], today=date(2026, 11, 27))


def test_a_check_passes_where_it_applied_and_found_nothing() -> None:
    passed = {r["group_id"]: r["checks"] for r in passed_records(result())}
    # sg-open fails SSH, DESC and WEB; sg-ok passes all three; the exempted group passed only
    # what found nothing (DESC); WEB is neither in us-east-1 nor on untagged groups; OFF never.
    assert passed == {"sg-ok": ["DESC", "SSH", "WEB"], "sg-ex": ["DESC"], "sg-us": ["DESC", "SSH"]}
    assert pass_count(result()) == 6


def test_passes_by_check_name_every_group_by_location() -> None:
    assert passes_by_check(result()) == {
        "DESC": ["111111111111/eu-west-1/sg-ex", "111111111111/eu-west-1/sg-ok",
                 "111111111111/us-east-1/sg-us"],
        "SSH": ["111111111111/eu-west-1/sg-ok", "111111111111/us-east-1/sg-us"],
        "WEB": ["111111111111/eu-west-1/sg-ok"],
    }  # fmt: skip


def test_json_names_the_passes_and_the_summary_counts_them() -> None:
    document = json.loads(render(result(), "json", Presentation(generated_at=WHEN)))
    assert document["passed"] == passed_records(result())
    assert document["summary"]["passed_checks"] == 6
    assert document["summary"]["generated_at"] == "2026-11-27T08:30:00Z"


def test_sarif_has_one_pass_result_per_check_with_a_location() -> None:
    log = json.loads(render(result(), "sarif", Presentation(generated_at=WHEN)))
    run = log["runs"][0]
    passes = [r for r in run["results"] if r["kind"] == "pass"]
    assert [(r["ruleId"], r["properties"]["passedGroups"]) for r in passes] == list(
        passes_by_check(result()).items()
    )
    rules = run["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in passes)
    # Code scanning refuses a result without a location.
    assert all(r["locations"] and r["level"] == "none" for r in passes)


def test_a_report_without_groups_has_no_passes() -> None:
    empty = dataclasses.replace(result(), groups=())
    assert passed_records(empty) == []
    assert json.loads(render(empty, "json"))["passed"] == []
    assert json.loads(render(empty, "json"))["summary"]["generated_at"] is None


def test_the_table_and_the_html_page_count_the_passes() -> None:
    table = render(result(), "table", Presentation(width=120, generated_at=WHEN))
    assert "at 2026-11-27T08:30:00Z" in table.splitlines()[0]
    assert "Passed: 6 checks on 3 groups" in table
    page = render(result(), "html", Presentation(generated_at=WHEN))
    assert '<span class="tile-value" data-count="passed">6</span>' in page
    assert 'data-count="passed-SSH">2</td>' in page
