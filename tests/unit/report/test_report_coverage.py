"""A report of a scan that covered less than was asked says so, in every format: the account-
regions that could not be read, with their reasons; and a complete scan says it was complete."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import jsonschema
import pytest
from formats_estate import PRESENTATION, estate_result
from test_report_asff import validation_errors
from test_report_sarif import schema

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.fleet import Coverage, Scope, ScopeFailure, with_coverage
from sgcompliance.report.formats import Presentation, format_names, render

DENIED = Scope("333333333333", "eu-west-1")
NOWHERE = Scope("111111111111", "xx-west-9")
# A reason is estate-controlled text too (an AWS message may quote a name): it stays data.
HOSTILE_REASON = "AssumeRole failed: AccessDenied: <script>alert(1)</script> =cmd|' /C calc'!A0"
NOWHERE_REASON = (
    "DescribeSecurityGroups in 111111111111/xx-west-9: the endpoint's answer is not an AWS "
    "response (an HTML page) (xx-west-9 is not a region this AWS SDK knows)"
)


def partial() -> ScanResult:
    result = estate_result()
    read = tuple(Scope(a, r) for a, r in result.scopes)
    failed = (
        ScopeFailure(NOWHERE, NOWHERE_REASON, "SGC504"),
        ScopeFailure(DENIED, HOSTILE_REASON, "SGC501"),
    )
    return with_coverage(result, Coverage((*read, DENIED, NOWHERE), failed))


def complete() -> ScanResult:
    result = estate_result()
    return with_coverage(result, Coverage(tuple(Scope(a, r) for a, r in result.scopes)))


def rendered(result: ScanResult, name: str, presentation: Presentation = PRESENTATION) -> str:
    return render(result, name, presentation)


def test_json_has_a_coverage_section_with_requested_scanned_and_failed_scopes() -> None:
    coverage = json.loads(rendered(partial(), "json"))["coverage"]
    assert coverage["complete"] is False
    assert coverage["summary"] == "2 of 4 account-regions could not be read"
    assert coverage["requested"] == [
        {"account_id": "111111111111", "region": "eu-west-1"},
        {"account_id": "111111111111", "region": "xx-west-9"},
        {"account_id": "222222222222", "region": "us-east-1"},
        {"account_id": "333333333333", "region": "eu-west-1"},
    ]
    assert [s["region"] for s in coverage["scanned"]] == ["eu-west-1", "us-east-1"]
    assert coverage["failed"] == [
        {"account_id": "111111111111", "region": "xx-west-9", "error_code": "SGC504",
         "reason": NOWHERE_REASON},
        {"account_id": "333333333333", "region": "eu-west-1", "error_code": "SGC501",
         "reason": HOSTILE_REASON},
    ]  # fmt: skip


def test_a_scan_of_snapshots_covered_exactly_its_snapshots() -> None:
    coverage = json.loads(rendered(estate_result(), "json"))["coverage"]
    assert coverage["complete"] is True
    assert coverage["failed"] == []
    assert coverage["requested"] == coverage["scanned"]
    assert len(coverage["scanned"]) == 2


def test_jsonl_has_the_coverage_record_after_the_summary() -> None:
    lines = [json.loads(line) for line in rendered(partial(), "jsonl").splitlines()]
    assert lines[1]["record"] == "coverage"
    assert lines[1]["complete"] is False
    assert [f["region"] for f in lines[1]["failed"]] == ["xx-west-9", "eu-west-1"]


def rows(result: ScanResult) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(rendered(result, "csv"), newline="")))


def test_csv_ends_with_one_not_scanned_row_per_account_region() -> None:
    found = rows(partial())
    assert len(found) == len(estate_result().findings) + 2
    tail = [(r["status"], r["account_id"], r["region"], r["reason"]) for r in found[-2:]]
    assert tail == [
        ("not_scanned", "111111111111", "xx-west-9", "SGC504"),
        ("not_scanned", "333333333333", "eu-west-1", "SGC501"),
    ]
    assert found[-1]["message"] == HOSTILE_REASON  # not a formula: it starts with a letter
    assert found[-2]["check_id"] == "SGC.SCOPE_NOT_SCANNED"


def test_csv_of_a_complete_scan_has_findings_only() -> None:
    assert {r["status"] for r in rows(complete())} == {"violation", "exempted"}


def sarif_run(result: ScanResult) -> dict[str, Any]:
    run: dict[str, Any] = json.loads(rendered(result, "sarif"))["runs"][0]
    return run


def test_sarif_says_the_execution_was_not_successful_and_names_each_account_region() -> None:
    [invocation] = sarif_run(partial())["invocations"]
    assert invocation["executionSuccessful"] is False
    notes = invocation["toolExecutionNotifications"]
    assert [n["level"] for n in notes] == ["error", "error"]
    assert (
        notes[0]["message"]["text"] == f"111111111111/xx-west-9 could not be read: {NOWHERE_REASON}"
    )
    assert notes[1]["properties"] == {
        "accountId": "333333333333", "region": "eu-west-1", "errorCode": "SGC501"
    }  # fmt: skip
    log = json.loads(rendered(partial(), "sarif"))
    assert list(jsonschema.Draft4Validator(schema()).iter_errors(log)) == []


def test_sarif_of_a_complete_scan_was_successful() -> None:
    assert sarif_run(complete())["invocations"] == [
        {"executionSuccessful": True, "startTimeUtc": "2026-11-27T08:30:15Z"}
    ]


def test_asff_adds_a_not_available_document_per_account_region_valid_for_import() -> None:
    documents = json.loads(rendered(partial(), "asff"))
    extra = [d for d in documents if d["GeneratorId"] == "SGC.SCOPE_NOT_SCANNED"]
    assert [(d["AwsAccountId"], d["Resources"][0]["Region"]) for d in extra] == [
        ("111111111111", "xx-west-9"), ("333333333333", "eu-west-1"),
    ]  # fmt: skip
    assert {d["Compliance"]["Status"] for d in extra} == {"NOT_AVAILABLE"}
    assert extra[1]["Resources"][0] == {
        "Type": "AwsAccount", "Id": "AWS::::Account:333333333333", "Partition": "aws",
        "Region": "eu-west-1",
    }  # fmt: skip
    assert HOSTILE_REASON in extra[1]["Description"]
    assert validation_errors(extra) == ""
    assert len(documents) == len(estate_result().findings) + 2


def test_asff_ids_of_not_scanned_documents_are_stable() -> None:
    first = json.loads(rendered(partial(), "asff"))[-1]["Id"]
    assert first == json.loads(rendered(partial(), "asff"))[-1]["Id"]
    assert first.startswith("sgcompliance/not-scanned/333333333333/eu-west-1/")


def test_ocsf_adds_a_warning_compliance_finding_per_account_region() -> None:
    models = pytest.importorskip("py_ocsf_models.events.findings.compliance_finding")
    records = json.loads(rendered(partial(), "ocsf"))
    extra = [r for r in records if r["compliance"]["control"] == "SGC.SCOPE_NOT_SCANNED"]
    assert [(r["cloud"]["account"]["uid"], r["cloud"]["region"]) for r in extra] == [
        ("111111111111", "xx-west-9"), ("333333333333", "eu-west-1"),
    ]  # fmt: skip
    assert {(r["compliance"]["status_id"], r["compliance"]["status"]) for r in extra} == {
        (2, "Warning")
    }
    assert extra[1]["unmapped"]["reason"] == HOSTILE_REASON
    for record in extra:
        models.ComplianceFinding.model_validate(record)


@pytest.mark.parametrize("name", ["asff", "ocsf"])
def test_finding_documents_of_a_complete_scan_are_findings_only(name: str) -> None:
    assert len(json.loads(rendered(complete(), name))) == len(estate_result().findings)


def test_the_table_has_a_banner_naming_each_account_region() -> None:
    text = rendered(partial(), "table", Presentation(width=400))
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("INCOMPLETE SCAN"))
    assert lines[start] == (
        "INCOMPLETE SCAN: 2 of 4 account-regions could not be read; their security groups were "
        "not judged, so this report cannot say they are compliant:"
    )
    assert lines[start + 1 : start + 3] == [
        f"  111111111111/xx-west-9: {NOWHERE_REASON}",
        f"  333333333333/eu-west-1: {HOSTILE_REASON}",
    ]


def test_a_partial_scan_without_violations_does_not_say_no_violations() -> None:
    empty = with_coverage(
        ScanResult(estate_result().policy, (), 0, 0),
        Coverage((NOWHERE,), (ScopeFailure(NOWHERE, NOWHERE_REASON, "SGC504"),)),
    )
    text = rendered(empty, "table", Presentation(width=400))
    assert "No violations." not in text
    assert "No violations in the account-regions that were read." in text
    assert "INCOMPLETE SCAN: 1 of 1 account-region could not be read" in text


def test_the_table_of_a_complete_scan_has_no_banner() -> None:
    assert "INCOMPLETE" not in rendered(complete(), "table")


def test_the_html_page_has_a_banner_with_every_reason_escaped() -> None:
    page = rendered(partial(), "html")
    start = page.index('<section id="coverage" class="callout danger" role="alert">')
    banner = page[start : page.index("</section>", start)]
    assert "2 of 4 account-regions could not be read" in banner
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in banner
    assert "<script>" not in banner
    assert banner.count("<li>") == 2


def test_the_html_page_of_a_complete_scan_has_no_banner() -> None:
    assert 'id="coverage"' not in rendered(complete(), "html")


@pytest.mark.parametrize("name", format_names())
def test_every_format_names_the_account_region_that_was_not_read(name: str) -> None:
    assert "xx-west-9" in rendered(partial(), name)
