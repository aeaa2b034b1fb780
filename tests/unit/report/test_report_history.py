"""History: two reports compared by what each violation is about (account, region, group,
check, rule content), a partial or exempting newer scan never reading as a fix, and report
files written by anyone refused with the path of their first wrong value."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from typing import Any

import pytest
from formats_estate import estate_result

from sgcompliance.engine.evaluate import ScanResult, evaluate
from sgcompliance.engine.fleet import Coverage, Scope, ScopeFailure, with_coverage
from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.engine.policy import Exemption, Policy
from sgcompliance.policy.loader import load_policy
from sgcompliance.report.formats import Presentation, render
from sgcompliance.report.history import (
    ReportInputError,
    compare,
    current_findings,
    finding_key,
    key_of,
    read_report,
)
from sgcompliance.report.html.page import HtmlWriter
from sgcompliance.report.records import finding_record
from support.estate import group, rule, snapshot

TODAY = date(2026, 11, 27)
EU, US = "eu-west-1", "us-east-1"


def policy(*exemptions: Exemption) -> Policy:
    return dataclasses.replace(load_policy("builtin:aws-fsbp"), exemptions=exemptions)


def scan(snapshots: list[RegionSnapshot], *exemptions: Exemption) -> ScanResult:
    return evaluate(policy(*exemptions), snapshots, today=TODAY)


def old_estate() -> list[RegionSnapshot]:
    return [
        snapshot(group(rule("sgr-1", "0.0.0.0/0", ports=22), rule("sgr-2", "0.0.0.0/0", ports=5432),
                       group_id="sg-web"), region=EU),
        snapshot(group(rule("sgr-9", "0.0.0.0/0", ports=3389), group_id="sg-us", region=US),
                 region=US),
    ]  # fmt: skip


def as_file(result: ScanResult) -> Any:
    """The result's JSON report as another run would read it back."""
    return json.loads(render(result, "json"))


def test_the_key_of_a_finding_is_the_key_of_its_json_record() -> None:
    for finding in estate_result().findings:
        assert finding_key(finding) == key_of(finding_record(finding))
    written = read_report(as_file(estate_result()), "estate.json")
    assert written.violations.keys() == current_findings(estate_result()).violations.keys()


def test_new_fixed_and_still_open_ignore_a_rules_new_id() -> None:
    # GIVEN ssh removed, postgres deleted and added again under a new id, rdp opened on web
    new = [
        snapshot(group(rule("sgr-2b", "0.0.0.0/0", ports=5432), rule("sgr-3", "0.0.0.0/0",
                       ports=3389), group_id="sg-web"), region=EU),
        old_estate()[1],
    ]  # fmt: skip
    comparison = compare(
        read_report(as_file(scan(old_estate())), "old"), current_findings(scan(new))
    )
    # THEN postgres is still open, ssh fixed, rdp new on sg-web; sg-us untouched
    assert {(v.group_id, v.key[6]) for v in comparison.fixed} == {("sg-web", 22)}
    assert {(v.group_id, v.key[6]) for v in comparison.added} == {("sg-web", 3389)}
    assert {(v.group_id, v.key[6]) for v in comparison.still_open} == {
        ("sg-web", 5432), ("sg-us", 3389)
    }  # fmt: skip
    assert comparison.same_policy


def test_a_violation_in_an_account_region_not_read_is_unverified_not_fixed() -> None:
    # GIVEN the newer scan could not read us-east-1
    eu_only = scan([old_estate()[0]])
    partial = with_coverage(
        eu_only,
        Coverage(
            (Scope("111111111111", EU), Scope("111111111111", US)),
            (ScopeFailure(Scope("111111111111", US), "AccessDenied", "AccessDenied"),),
        ),
    )
    comparison = compare(current_findings(scan(old_estate())), current_findings(partial))
    assert comparison.fixed == ()
    assert {v.group_id for v in comparison.unverified} == {"sg-us"}


def test_a_violation_now_exempted_is_not_fixed() -> None:
    waiver = Exemption("EX-1", "ops", "bastion", None, None, group_ids=frozenset({"sg-us"}))
    comparison = compare(
        current_findings(scan(old_estate())), current_findings(scan(old_estate(), waiver))
    )
    assert comparison.fixed == ()
    assert {v.group_id for v in comparison.exempted} == {"sg-us"}


def _report(**finding: Any) -> dict[str, Any]:
    base = as_file(estate_result())
    base["findings"][0].update(finding)
    return base


BAD_REPORTS: dict[str, tuple[Any, str]] = {
    "a list": ([], "$"),
    "no findings": ({"summary": {}}, "$.findings"),
    "findings an object": ({"findings": {}}, "$.findings"),
    "a finding a string": ({"findings": ["x"]}, "$.findings[0]"),
    "a number for an account": (_report(account_id=111111111111), "$.findings[0].account_id"),
    "a rule a list": (_report(rule=[]), "$.findings[0].rule"),
    "a port as text": (
        _report(
            rule={
                "direction": "ingress",
                "protocol": "tcp",
                "from_port": "22",
                "to_port": 22,
                "peer": "0.0.0.0/0",
            }
        ),
        "$.findings[0].rule.from_port",
    ),
    "a port true": (
        _report(
            rule={
                "direction": "ingress",
                "protocol": "tcp",
                "from_port": True,
                "to_port": 22,
                "peer": "0.0.0.0/0",
            }
        ),
        "$.findings[0].rule.from_port",
    ),
    "a summary list": ({"summary": [], "findings": []}, "$.summary"),
    "scanned an object": ({"findings": [], "coverage": {"scanned": {}}}, "$.coverage.scanned"),
    "a scope without region": (
        {"findings": [], "coverage": {"scanned": [{"account_id": "1"}]}},
        "$.coverage.scanned[0].region",
    ),
}


@pytest.mark.parametrize(("document", "path"), BAD_REPORTS.values(), ids=BAD_REPORTS.keys())
def test_a_malformed_or_forged_report_names_its_first_wrong_value(document: Any, path: str) -> None:
    with pytest.raises(ReportInputError) as raised:
        read_report(document, "old.json")
    assert raised.value.path == path
    assert str(raised.value).startswith(f"old.json: {path}: ")


def test_the_html_report_marks_new_violations_and_lists_the_fixed_ones_escaped() -> None:
    # GIVEN a previous report whose group name someone replaced with markup
    old = as_file(scan(old_estate()))
    for finding in old["findings"]:
        finding["group_name"] = '<script id="pwned">1</script>'
    new = scan([snapshot(group(rule("sgr-3", "0.0.0.0/0", ports=3389), group_id="sg-web"),
                         region=EU), old_estate()[1]])  # fmt: skip
    previous = read_report(old, "old.json")
    page = HtmlWriter().render(new, Presentation(previous=previous))
    comparison = compare(previous, current_findings(new))
    assert page.count('class="since new"') == len(comparison.added) > 0
    assert page.count("<tr>", page.index('id="fixed"')) >= len(comparison.fixed) > 0
    assert '<script id="pwned">' not in page
    assert "&lt;script id=&quot;pwned&quot;&gt;" in page
