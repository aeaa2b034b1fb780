"""OCSF: Compliance Finding (class 2003) records, validated with the py-ocsf-models package
(a development dependency only), plus the cloud-profile attributes that package lacks."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from formats_estate import GENERATED_AT, PRESENTATION, assert_golden, estate_result

from sgcompliance.engine.policy import Severity
from sgcompliance.report.documents.ocsf import OcsfWriter, ocsf_records

models = pytest.importorskip(
    "py_ocsf_models.events.findings.compliance_finding",
    reason="py-ocsf-models (a dev dependency) is not installed: `make install` adds it",
)
cloud_model = pytest.importorskip("py_ocsf_models.objects.cloud")

# OCSF 1.5.0 attributes the model package does not define: the cloud profile's `cloud` object
# (checked against the package's Cloud object below) and `compliance.status`.
NOT_IN_MODEL = {"cloud", "compliance.status"}


def records() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads(OcsfWriter().render(estate_result(), PRESENTATION))
    return loaded


# Free-form objects in OCSF: their keys are the producer's own.
FREE_FORM = {"data", "unmapped"}


def paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path of a JSON value, list items merged (`a.b`, `resources.uid`)."""
    found: set[str] = set()
    if isinstance(value, dict):
        for key, item in value.items():
            found.add(prefix + key)
            if key not in FREE_FORM:
                found |= paths(item, f"{prefix}{key}.")
    elif isinstance(value, list):
        for item in value:
            found |= paths(item, prefix)
    return found


def dropped_by_model(record: dict[str, Any]) -> set[str]:
    """Attributes the model ignored: anything here is not an OCSF attribute it knows."""
    model = models.ComplianceFinding.model_validate(record)
    kept = paths(model.model_dump(mode="json", exclude_none=True))
    return {p for p in paths(record) - kept if p.split(".")[0] != "cloud" or p == "cloud"}


def test_golden_ocsf_of_the_fixed_estate() -> None:
    assert_golden("ocsf", "estate.ocsf.json")


def test_every_record_is_a_valid_compliance_finding() -> None:
    for record in records():
        assert dropped_by_model(record) <= NOT_IN_MODEL
        cloud_model.Cloud.model_validate(record["cloud"])


def test_an_unknown_attribute_would_be_noticed() -> None:
    record = records()[0] | {"made_up": 1}
    assert "made_up" in dropped_by_model(record)


def test_records_are_class_2003_in_category_2_created() -> None:
    record = records()[0]
    assert (record["class_uid"], record["category_uid"], record["activity_id"]) == (2003, 2, 1)
    assert record["type_uid"] == 200301


def test_time_is_the_callers_in_epoch_milliseconds() -> None:
    assert records()[0]["time"] == int(GENERATED_AT.timestamp()) * 1000 + 250


def test_the_finding_info_uid_is_the_finding_id() -> None:
    assert [r["finding_info"]["uid"] for r in records()] == [
        f.finding_id for f in sorted(estate_result().findings, key=lambda f: f.sort_key())
    ]


def test_compliance_names_the_control_its_standards_and_a_failed_status() -> None:
    compliance = records()[0]["compliance"]
    assert compliance["control"] == "EC2.13"
    assert compliance["standards"] == ["AWS FSBP", "CIS AWS Foundations Benchmark v1.2.0"]
    assert (compliance["status_id"], compliance["status"]) == (3, "Fail")


def test_the_resource_is_the_group_arn_and_the_cloud_its_account_and_region() -> None:
    record = records()[-1]
    assert record["resources"][0]["uid"] == (
        "arn:aws:ec2:us-east-1:222222222222:security-group/sg-0b0000000000000b1"
    )
    assert record["cloud"]["account"]["uid"] == "222222222222"
    assert (record["cloud"]["provider"], record["cloud"]["region"]) == ("AWS", "us-east-1")


def test_exempted_findings_are_suppressed() -> None:
    exempted = [r for r in records() if r["unmapped"]["exempted_by"] is not None]
    assert {(r["status_id"], r["status"]) for r in exempted} == {(3, "Suppressed")}


@pytest.mark.parametrize(
    ("severity", "severity_id"),
    [(Severity.INFO, 1), (Severity.LOW, 2), (Severity.MEDIUM, 3), (Severity.HIGH, 4),
     (Severity.CRITICAL, 5)],
)  # fmt: skip
def test_severity_ids_follow_ocsf(severity: Severity, severity_id: int) -> None:
    finding = dataclasses.replace(estate_result().findings[0], severity=severity)
    result = dataclasses.replace(estate_result(), findings=(finding,))
    assert ocsf_records(result, None)[0]["severity_id"] == severity_id


def test_hostile_strings_stay_data_in_ascii_json() -> None:
    text = OcsfWriter().render(estate_result(), PRESENTATION)
    labels = records()[0]["resources"][0]["labels"]
    assert text.isascii()
    assert 'Owner==HYPERLINK("http://x")' in labels
