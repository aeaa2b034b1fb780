"""SARIF 2.1.0: valid against the official schema, one rule per check, one result per finding,
fingerprints that survive re-runs, and message text that cannot forge links."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import jsonschema
from formats_estate import FIXTURES, PRESENTATION, assert_golden, estate_result

from sgcompliance.report.documents.sarif import FINGERPRINT_KEY, SarifWriter, message_text


@cache
def schema() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text())
    return loaded


def log() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(SarifWriter().render(estate_result(), PRESENTATION))
    return loaded


def run() -> dict[str, Any]:
    only: dict[str, Any] = log()["runs"][0]
    return only


def test_golden_sarif_of_the_fixed_estate() -> None:
    assert_golden("sarif", "estate.sarif")


def test_the_log_is_valid_against_the_sarif_2_1_0_schema() -> None:
    jsonschema.Draft4Validator.check_schema(schema())
    errors = list(jsonschema.Draft4Validator(schema()).iter_errors(log()))
    assert errors == []


def test_a_schema_violation_would_be_caught() -> None:
    # GIVEN a result without its required message THEN the schema rejects the log
    broken = log()
    del broken["runs"][0]["results"][0]["message"]
    assert not jsonschema.Draft4Validator(schema()).is_valid(broken)


def test_there_is_one_rule_per_enabled_check_of_the_policy_sorted_by_id() -> None:
    policy_checks = sorted(c.id for c in estate_result().policy.checks if c.enabled)
    assert [r["id"] for r in run()["tool"]["driver"]["rules"]] == policy_checks


def test_a_rule_names_its_cis_and_fsbp_references_in_its_help() -> None:
    rule = next(r for r in run()["tool"]["driver"]["rules"] if r["id"] == "EC2.13")
    assert "AWS FSBP EC2.13" in rule["help"]["text"]
    assert "CIS AWS Foundations Benchmark v1.2.0 4.1" in rule["help"]["text"]
    assert rule["properties"]["controls"] == [
        "AWS FSBP EC2.13", "CIS AWS Foundations Benchmark v1.2.0 4.1",
    ]  # fmt: skip


def test_a_critical_check_has_a_critical_security_severity() -> None:
    rule = next(r for r in run()["tool"]["driver"]["rules"] if r["id"] == "EC2.19")
    assert float(rule["properties"]["security-severity"]) >= 9.0
    assert rule["defaultConfiguration"]["level"] == "error"


def test_there_is_one_result_per_finding_fingerprinted_by_the_finding_id() -> None:
    findings = estate_result().findings
    results = [r for r in run()["results"] if r["kind"] == "fail"]
    assert len(results) == len(findings)
    assert {r["fingerprints"][FINGERPRINT_KEY] for r in results} == {f.finding_id for f in findings}
    assert all(r["partialFingerprints"] == r["fingerprints"] for r in results)


def test_each_result_points_at_its_rule_by_index() -> None:
    rules = run()["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run()["results"])


def test_a_result_locates_the_group_physically_and_logically() -> None:
    location = run()["results"][0]["locations"][0]
    uri = location["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "aws://111111111111/eu-west-1/sg-0a0000000000000a1"
    names = [loc["name"] for loc in location["logicalLocations"]]
    assert names == ["111111111111", "eu-west-1", "sg-0a0000000000000a1", "sgr-0a00000000000a101"]


def test_an_exempted_finding_is_an_accepted_suppression_naming_the_exemption() -> None:
    suppressed = [r for r in run()["results"] if "suppressions" in r]
    assert len(suppressed) == len(estate_result().exempted)
    suppression = suppressed[0]["suppressions"][0]
    assert (suppression["kind"], suppression["status"]) == ("external", "accepted")
    assert "EX-LEGACY" in suppression["justification"]


def test_brackets_in_message_text_cannot_form_an_embedded_link() -> None:
    assert message_text("see [here](0) \\") == "see \\[here\\](0) \\\\"


def test_the_output_is_ascii_so_it_is_byte_stable_under_any_locale() -> None:
    assert SarifWriter().render(estate_result(), PRESENTATION).isascii()
