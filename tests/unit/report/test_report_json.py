"""The JSON report: the required shape, stable order, and untrusted strings kept intact."""

from __future__ import annotations

import json
from typing import Any

from report_samples import HOSTILE, MARKUP_NAME, compliant_result, sample_result

from sgcompliance.report.formats import Presentation
from sgcompliance.report.json_report import JsonWriter

REQUIRED_FINDING_KEYS = {
    "finding_id", "check_id", "severity", "account_id", "region", "group_id", "rule_id",
    "reason", "message", "exempted_by",
}  # fmt: skip
REQUIRED_SUMMARY_KEYS = {
    "policy_id", "policy_digest", "groups_scanned", "rules_evaluated", "violations", "exempted",
    "by_severity", "by_check", "scopes",
}  # fmt: skip


def report() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(JsonWriter().render(sample_result(), Presentation()))
    return loaded


def finding(check_id: str, group_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(
        f for f in report()["findings"] if f["check_id"] == check_id and f["group_id"] == group_id
    )
    return found


def test_the_document_has_exactly_summary_coverage_findings_and_passes() -> None:
    assert set(report()) == {"summary", "coverage", "findings", "passed"}


def test_every_finding_has_the_required_fields() -> None:
    for item in report()["findings"]:
        assert item.keys() >= REQUIRED_FINDING_KEYS


def test_the_summary_has_the_required_fields_and_counts() -> None:
    summary = report()["summary"]
    assert summary.keys() >= REQUIRED_SUMMARY_KEYS
    assert (summary["violations"], summary["exempted"]) == (3, 1)
    assert (summary["groups_scanned"], summary["rules_evaluated"]) == (2, 3)
    assert summary["policy_id"] == "sample"
    assert summary["scopes"] == [{"account_id": "111111111111", "region": "eu-west-1"}]


def test_by_severity_lists_every_severity_even_at_zero() -> None:
    # GIVEN violations of critical, medium and low only THEN high and info are listed as 0
    assert report()["summary"]["by_severity"] == {
        "critical": 1, "high": 0, "medium": 1, "low": 1, "info": 0,
    }  # fmt: skip


def test_by_check_counts_violations_not_exempted_findings() -> None:
    assert report()["summary"]["by_check"] == {"DESC": 1, "SIZE": 1, "SSH": 1}


def test_an_exempted_finding_names_its_exemption() -> None:
    assert finding("SSH", "sg-0000000000000000b")["exempted_by"] == {
        "id": "EX-1",
        "owner": 'dba "team" [bold]',
        "reason": "legacy replica",
        "ticket": "SEC-1",
        "expires": "2027-01-31",
    }


def test_a_violation_has_a_null_exemption_and_names_the_expired_one() -> None:
    item = finding("SSH", "sg-0000000000000000a")
    assert item["exempted_by"] is None
    assert item["expired_exemption"]["id"] == "EX-OLD"
    assert item["expired_exemption"]["ticket"] is None


def test_a_group_level_finding_has_null_rule_fields() -> None:
    item = finding("SIZE", "sg-0000000000000000a")
    assert (item["rule_id"], item["rule"]) == (None, None)


def test_a_rule_finding_carries_the_rule_in_compact_and_structured_form() -> None:
    rule = finding("SSH", "sg-0000000000000000a")["rule"]
    assert rule["summary"] == "tcp 22 from 0.0.0.0/0"
    assert (rule["protocol"], rule["from_port"], rule["to_port"]) == ("tcp", 22, 22)
    assert (rule["peer"], rule["direction"]) == ("0.0.0.0/0", "ingress")


def test_findings_are_in_location_order() -> None:
    keys = [(f["group_id"], f["rule_id"] or "", f["check_id"]) for f in report()["findings"]]
    assert keys == sorted(keys)


def test_keys_are_sorted_at_every_level_so_output_diffs_cleanly() -> None:
    text = JsonWriter().render(sample_result(), Presentation())
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True) + "\n"


def test_the_same_result_renders_byte_for_byte_the_same() -> None:
    first = JsonWriter().render(sample_result(), Presentation())
    assert JsonWriter().render(sample_result(), Presentation()) == first


def test_hostile_strings_round_trip_exactly() -> None:
    # GIVEN quotes, a newline, <script>, rich markup and an escape character in names and tags
    item = finding("SSH", "sg-0000000000000000a")
    assert item["rule"]["description"] == HOSTILE
    assert item["group_tags"] == {"Owner": HOSTILE}
    assert item["group_name"] == MARKUP_NAME


def test_output_is_ascii_so_no_terminal_encoding_can_break_it() -> None:
    text = JsonWriter().render(sample_result(), Presentation())
    assert text.isascii()


def test_a_compliant_result_has_no_findings_and_zero_violations() -> None:
    loaded = json.loads(JsonWriter().render(compliant_result(), Presentation()))
    assert (loaded["findings"], loaded["summary"]["violations"]) == ([], 0)
