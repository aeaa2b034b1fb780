"""ASFF: every document is a valid BatchImportFindings finding (botocore's service model), names
the check, the account's default product and the group ARN, and keeps within Security Hub's
limits whatever the estate's strings are."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Any

import botocore.session
from botocore.validate import ParamValidator
from formats_estate import GENERATED_AT, PRESENTATION, assert_golden, estate_result

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.policy import Severity
from sgcompliance.report.documents.asff import (
    DESCRIPTION_LIMIT,
    TITLE_LIMIT,
    AsffWriter,
    asff_documents,
)
from sgcompliance.report.formats import Presentation


def documents(result: ScanResult | None = None) -> list[dict[str, Any]]:
    text = AsffWriter().render(result or estate_result(), PRESENTATION)
    loaded: list[dict[str, Any]] = json.loads(text)
    return loaded


def document(check_id: str, group_id: str) -> dict[str, Any]:
    return next(
        d for d in documents()
        if d["GeneratorId"] == check_id and d["Resources"][0]["Id"].endswith(group_id)
    )  # fmt: skip


def validation_errors(findings: list[dict[str, Any]]) -> str:
    model = botocore.session.get_session().get_service_model("securityhub")
    shape = model.operation_model("BatchImportFindings").input_shape
    report = ParamValidator().validate({"Findings": findings}, shape)
    return str(report.generate_report()) if report.has_errors() else ""


def with_long_title(result: ScanResult) -> ScanResult:
    findings = tuple(dataclasses.replace(f, title="T" * 600) for f in result.findings)
    return dataclasses.replace(result, findings=findings)


def test_golden_asff_of_the_fixed_estate() -> None:
    assert_golden("asff", "estate.asff.json")


def test_every_document_is_valid_for_batch_import_findings() -> None:
    assert validation_errors(documents()) == ""


def test_the_validator_would_catch_a_missing_required_field() -> None:
    broken = documents()
    del broken[0]["Resources"]
    assert "Resources" in validation_errors(broken)


def test_one_document_per_finding_with_the_finding_id_as_id() -> None:
    assert [d["Id"] for d in documents()] == [
        f.finding_id for f in sorted(estate_result().findings, key=lambda f: f.sort_key())
    ]


def test_the_product_is_the_default_product_of_the_findings_account_and_region() -> None:
    doc = document("EC2.18", "sg-0b0000000000000b1")
    assert doc["ProductArn"] == (
        "arn:aws:securityhub:us-east-1:222222222222:product/222222222222/default"
    )
    assert (doc["AwsAccountId"], doc["SchemaVersion"]) == ("222222222222", "2018-10-08")


def test_the_generator_is_the_check_and_the_requirements_its_references() -> None:
    doc = document("EC2.13", "sg-0a0000000000000a1")
    assert doc["GeneratorId"] == "EC2.13"
    assert doc["Compliance"] == {
        "Status": "FAILED",
        "RelatedRequirements": ["AWS FSBP EC2.13", "CIS AWS Foundations Benchmark v1.2.0 4.1"],
    }
    assert any("CIS AWS Foundations Benchmark" in t for t in doc["Types"])


def test_the_resource_is_the_security_group_by_arn() -> None:
    resource = document("EC2.2", "sg-0a0000000000000a2")["Resources"][0]
    assert resource["Type"] == "AwsEc2SecurityGroup"
    assert (
        resource["Id"] == "arn:aws:ec2:eu-west-1:111111111111:security-group/sg-0a0000000000000a2"
    )
    assert (resource["Partition"], resource["Region"]) == ("aws", "eu-west-1")


def test_times_are_the_callers_in_utc_with_milliseconds() -> None:
    doc = documents()[0]
    assert doc["CreatedAt"] == doc["UpdatedAt"] == "2026-11-27T08:30:15.250Z"


def test_without_a_time_the_epoch_keeps_the_output_reproducible() -> None:
    text = AsffWriter().render(estate_result(), Presentation())
    assert json.loads(text)[0]["CreatedAt"] == "1970-01-01T00:00:00.000Z"


def test_a_non_utc_time_is_written_in_utc() -> None:
    local = datetime(2026, 11, 27, 10, 0, tzinfo=UTC).astimezone()
    assert asff_documents(estate_result(), local)[0]["UpdatedAt"] == "2026-11-27T10:00:00.000Z"


def test_a_long_description_is_clipped_to_the_limit_and_marked() -> None:
    doc = document("EC2.18", "sg-0a0000000000000a3")
    assert len(doc["Description"]) == DESCRIPTION_LIMIT
    assert doc["Description"].endswith("\u2026")


def test_a_long_title_is_clipped_to_the_limit() -> None:
    assert {len(d["Title"]) for d in documents(with_long_title(estate_result()))} == {TITLE_LIMIT}


def test_free_text_is_one_line_without_control_characters() -> None:
    # GIVEN a rule description with \n, \r\n and <script> THEN the description is one line
    doc = document("EC2.13", "sg-0a0000000000000a1")
    for text in (doc["Title"], doc["Description"], doc["Remediation"]["Recommendation"]["Text"]):
        assert text.isprintable()
    assert "<script>alert(1)</script>" in doc["Description"]


def test_exempted_findings_arrive_suppressed_and_violations_new() -> None:
    assert document("EC2.18", "sg-0a0000000000000a3")["Workflow"] == {"Status": "SUPPRESSED"}
    assert document("EC2.18", "sg-0b0000000000000b1")["Workflow"] == {"Status": "NEW"}


def test_severity_labels_follow_security_hub_names() -> None:
    info = dataclasses.replace(estate_result().findings[0], severity=Severity.INFO)
    result = dataclasses.replace(estate_result(), findings=(info,))
    assert asff_documents(result, GENERATED_AT)[0]["Severity"]["Label"] == "INFORMATIONAL"


def test_a_china_region_uses_the_china_partition() -> None:
    finding = dataclasses.replace(estate_result().findings[0], region="cn-north-1")
    result = dataclasses.replace(estate_result(), findings=(finding,))
    doc = asff_documents(result, GENERATED_AT)[0]
    assert doc["ProductArn"].startswith("arn:aws-cn:securityhub:cn-north-1:")
    assert doc["Resources"][0]["Partition"] == "aws-cn"


def test_hostile_tags_stay_data_in_ascii_json() -> None:
    # GIVEN tags holding quotes, newlines, <script>, formulas and non-ASCII text
    text = AsffWriter().render(estate_result(), PRESENTATION)
    tags = document("EC2.13", "sg-0a0000000000000a1")["Resources"][0]["Tags"]
    # THEN the file is ASCII-only JSON and the values read back exactly as written
    assert text.isascii()
    assert tags["Owner"] == '=HYPERLINK("http://x")'
    assert tags["Team"] == "Z\u00fcrich caf\u00e9 \u2615 \u6771\u4eac \u202egnp.exe"
