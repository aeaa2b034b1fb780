"""Resolving findings that are gone: which stored findings are this export's to resolve, what
the archiving re-import carries, and what happens when Security Hub answers badly."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from sgcompliance.errors import AccessDeniedError
from sgcompliance.records.securityhub_export import (
    ResolutionScope,
    archived,
    is_stale,
    resolve_gone,
)

ACCOUNT, REGION = "111111111111", "eu-west-1"
WHERE = (ACCOUNT, REGION)
PRODUCT = f"arn:aws:securityhub:{REGION}:{ACCOUNT}:product/{ACCOUNT}/default"
SCOPE = ResolutionScope("cis", frozenset({"SSH"}), frozenset({WHERE}))
LATER = "2026-11-28T08:00:00.000Z"


def stored(finding_id: str, **changes: Any) -> dict[str, Any]:
    """A finding as GetFindings returns it, with the fields Security Hub adds."""
    finding: dict[str, Any] = {
        "SchemaVersion": "2018-10-08", "Id": finding_id, "ProductArn": PRODUCT,
        "ProductName": "sgcompliance", "CompanyName": "sgcompliance", "GeneratorId": "SSH",
        "AwsAccountId": ACCOUNT, "Types": ["t"], "CreatedAt": "c", "UpdatedAt": "u",
        "Severity": {"Label": "HIGH"}, "Title": "SSH", "Description": "d",
        "ProductFields": {"ProviderName": "sgcompliance", "sgcompliance/PolicyId": "cis"},
        "Resources": [{"Type": "AwsEc2SecurityGroup", "Id": "arn:sg", "Region": REGION}],
        "Compliance": {"Status": "FAILED", "RelatedRequirements": ["CIS 5.2"]},
        "Workflow": {"Status": "NEW"}, "WorkflowState": "NEW", "RecordState": "ACTIVE",
        "ProcessedAt": "p", "Note": {"Text": "a person's note", "UpdatedBy": "bob"},
    }  # fmt: skip
    finding.update(changes)
    return finding


@dataclass
class FakeHub:
    findings: list[dict[str, Any]]
    imported: list[Mapping[str, Any]] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    reject_import: frozenset[str] = frozenset()

    def active_findings(self, product_arn: str, policy_id: str) -> Sequence[Mapping[str, Any]]:
        assert (product_arn, policy_id) == (PRODUCT, "cis")
        return self.findings  # like moto: the filters are not applied

    def import_findings(self, documents: Sequence[Mapping[str, Any]]) -> list[Any]:
        self.imported.extend(documents)
        return [Rejected(d["Id"]) for d in documents if d["Id"] in self.reject_import]

    def resolve_workflows(self, product_arn: str, finding_ids: Sequence[str]) -> list[Any]:
        assert product_arn == PRODUCT
        self.resolved.extend(finding_ids)
        return []


@dataclass(frozen=True)
class Rejected:
    finding_id: str
    code: str = "InvalidInput"
    message: str = "no"


def run(hub: FakeHub, current: frozenset[str] = frozenset(), *, dry_run: bool = False) -> Any:
    return resolve_gone(current, SCOPE, lambda a, r: hub, lambda a, r: PRODUCT, LATER,
                        dry_run=dry_run)  # fmt: skip


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ({"Id": "current"}, "still found"),
        ({"RecordState": "ARCHIVED"}, "already archived"),
        ({"GeneratorId": "RDP"}, "a check this run did not run"),
        ({"AwsAccountId": "222222222222"}, "another account"),
        ({"ProductArn": PRODUCT.replace(REGION, "us-east-1")}, "another region's product"),
        ({"ProductFields": {"ProviderName": "other", "sgcompliance/PolicyId": "cis"}}, "tool"),
        ({"ProductFields": {"ProviderName": "sgcompliance", "sgcompliance/PolicyId": "x"}}, "pol"),
        ({"ProductFields": "not a map"}, "malformed fields"),
        ({"Resources": []}, "no resource"),
        ({"Resources": "arn:sg"}, "malformed resources"),
        ({"Resources": [{"Type": "AwsAccount", "Id": "AWS::::Account:1"}]}, "not a group"),
        ({"Resources": [{"Type": "AwsEc2SecurityGroup", "Region": "us-east-1"}]}, "region"),
    ],
)
def test_a_finding_outside_what_the_scan_vouches_for_is_not_stale(
    change: dict[str, Any], why: str
) -> None:
    assert not is_stale(stored("f1", **change), {"current"}, SCOPE, WHERE, PRODUCT), why


def test_a_finding_of_a_scope_not_read_is_not_stale() -> None:
    elsewhere = ResolutionScope("cis", frozenset({"SSH"}), frozenset())
    assert not is_stale(stored("f1"), set(), elsewhere, WHERE, PRODUCT)


def test_the_re_import_keeps_the_provider_fields_and_archives() -> None:
    document = archived(stored("f1"), LATER)
    assert (document["RecordState"], document["UpdatedAt"]) == ("ARCHIVED", LATER)
    assert document["Compliance"] == {"Status": "PASSED", "RelatedRequirements": ["CIS 5.2"]}
    # What Security Hub or a person added is not sent back
    assert {"Workflow", "WorkflowState", "ProcessedAt", "Note"}.isdisjoint(document)
    assert document["Resources"] == stored("f1")["Resources"]


def test_open_findings_are_archived_and_resolved_a_suppressed_one_keeps_its_workflow() -> None:
    hub = FakeHub([stored("new"), stored("suppressed", Workflow={"Status": "SUPPRESSED"}),
                   stored("current")])  # fmt: skip
    report = run(hub, frozenset({"current"}))
    assert sorted(d["Id"] for d in hub.imported) == ["new", "suppressed"]
    assert hub.resolved == ["new"]
    assert (report.stale, report.resolved, report.ok) == (2, 2, True)


def test_a_finding_security_hub_would_not_archive_is_not_resolved() -> None:
    hub = FakeHub([stored("a"), stored("b")], reject_import=frozenset({"a"}))
    report = run(hub)
    assert hub.resolved == ["b"]
    assert [f.finding_id for s in report.scopes for f in s.failed] == ["a"]
    assert (report.resolved, report.ok) == (1, False)


def test_a_finding_returned_twice_is_resolved_once() -> None:
    hub = FakeHub([stored("a"), stored("a")])
    run(hub)
    assert ([d["Id"] for d in hub.imported], hub.resolved) == (["a"], ["a"])


def test_a_dry_run_changes_nothing() -> None:
    hub = FakeHub([stored("a")])
    report = run(hub, dry_run=True)
    assert (hub.imported, hub.resolved) == ([], [])
    assert (report.stale, report.resolved) == (1, 0)


def test_a_scope_that_cannot_be_queried_is_reported_and_left_alone() -> None:
    def denied(account: str, region: str) -> FakeHub:
        raise AccessDeniedError("GetFindings: access denied", aws_code="AccessDeniedException")

    report = resolve_gone(frozenset(), SCOPE, denied, lambda a, r: PRODUCT, LATER)
    assert [s.error for s in report.scopes] == ["AccessDeniedException: GetFindings: access denied"]
    assert not report.ok
