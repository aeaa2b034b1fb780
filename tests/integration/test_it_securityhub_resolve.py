"""Fixed findings leave Security Hub: a re-export archives (RecordState ARCHIVED, Compliance
PASSED) the findings the scan no longer finds, in the account-regions it read, and nothing else.

On the moto server (5.2): GetFindings ignores its filters, so the adapter's results are checked
again client-side (`is_stale`), which these tests exercise with findings the filters would have
excluded; BatchUpdateFindings is not implemented, so the workflow step is reported as not done
(`workflow_failed`) and the archive stands."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from sgcompliance.adapters.aws.securityhub import SecurityHubImporter
from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.engine.evaluate import ScanResult, evaluate
from sgcompliance.engine.fleet import Coverage, Scope, ScopeFailure, with_coverage
from sgcompliance.engine.model import Direction, Peer, PeerKind, RegionSnapshot, Rule, SecurityGroup
from sgcompliance.engine.policy import (
    Check,
    CheckType,
    Policy,
    PortSpec,
    Remediation,
    RestrictedPorts,
    Severity,
    Sources,
)  # fmt: skip
from sgcompliance.entrypoints.cli.export import resolution_scope
from sgcompliance.records.securityhub_export import (
    ResolutionReport,
    ResolutionScope,
    export_findings,
    resolve_gone,
)
from sgcompliance.report.documents.asff import asff_documents
from sgcompliance.report.documents.finding_documents import securityhub_product_arn

pytestmark = pytest.mark.integration

ACCOUNT = "123456789012"  # the caller's own account on the moto server
REGION = "us-east-1"
AT = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
LATER = "2026-11-28T08:00:00.000Z"


def policy() -> Policy:
    ssh = RestrictedPorts((PortSpec(frozenset({"tcp"}), (22, 22)),), Sources())
    check = Check("SSH", "SSH from the world", CheckType.RESTRICTED_PORTS, Severity.HIGH,
                  Remediation.REMOVE, ssh)  # fmt: skip
    return Policy("it-ssh", "1", (check,))


def scan(open_groups: range, region: str = REGION) -> ScanResult:
    groups = []
    for i in open_groups:
        group_id = f"sg-{i:017x}"
        rule = Rule(f"sgr-{i:017x}", group_id, Direction.INGRESS, "tcp", 22, 22,
                    Peer(PeerKind.IPV4, "0.0.0.0/0"))  # fmt: skip
        groups.append(SecurityGroup(group_id, f"g{i}", ACCOUNT, region, (rule,)))
    snapshot = RegionSnapshot(ACCOUNT, region, tuple(groups))
    return evaluate(policy(), [snapshot], today=date(2026, 11, 27))


def keeper(factory: ClientFactory) -> Any:
    def keeper_for(account_id: str, region: str) -> SecurityHubImporter:
        assert account_id == ACCOUNT
        return SecurityHubImporter(factory.client("securityhub", region))

    return keeper_for


def export(factory: ClientFactory, result: ScanResult) -> list[dict[str, Any]]:
    documents = asff_documents(result, AT)
    assert export_findings(documents, keeper(factory)).ok
    return documents


def resolve(
    factory: ClientFactory, result: ScanResult, *, dry_run: bool = False
) -> ResolutionReport:
    current = frozenset(str(d["Id"]) for d in asff_documents(result, AT))
    return resolve_gone(
        current, resolution_scope(result), keeper(factory), securityhub_product_arn, LATER,
        dry_run=dry_run,
    )  # fmt: skip


def states(factory: ClientFactory, region: str = REGION) -> dict[str, tuple[str, str]]:
    pages = factory.client("securityhub", region).get_paginator("get_findings").paginate()
    return {
        f["Id"]: (f["RecordState"], f["Compliance"]["Status"])
        for page in pages
        for f in page["Findings"]
    }


def test_a_fixed_finding_is_archived_and_passed_and_the_others_stay(
    factory: ClientFactory,
) -> None:
    # GIVEN three world-open groups exported
    first = export(factory, scan(range(3)))
    # WHEN two are fixed and the export runs again
    result = scan(range(1))
    export(factory, result)
    report = resolve(factory, result)
    # THEN the two fixed findings are archived and PASSED, the open one is untouched
    gone = {str(d["Id"]) for d in first[1:]}
    assert report.stale == report.resolved == 2
    found = states(factory)
    assert {i: found[i] for i in gone} == dict.fromkeys(gone, ("ARCHIVED", "PASSED"))
    assert found[first[0]["Id"]] == ("ACTIVE", "FAILED")
    # AND moto has no BatchUpdateFindings: the workflow step is reported, not hidden
    assert {f.finding_id for s in report.scopes for f in s.workflow_failed} == gone
    assert not report.ok


def test_a_second_run_finds_nothing_more_to_resolve(factory: ClientFactory) -> None:
    export(factory, scan(range(2)))
    result = scan(range(0))
    resolve(factory, result)
    assert resolve(factory, result).stale == 0


def test_a_dry_run_lists_what_would_be_resolved_and_changes_nothing(
    factory: ClientFactory,
) -> None:
    docs = export(factory, scan(range(2)))
    before = states(factory)
    report = resolve(factory, scan(range(0)), dry_run=True)
    assert sorted(i for s in report.scopes for i in s.stale_ids) == sorted(d["Id"] for d in docs)
    assert report.resolved == 0
    assert states(factory) == before


def test_an_account_region_not_read_is_never_touched(factory: ClientFactory) -> None:
    # GIVEN findings in us-east-1 and eu-west-1, and a re-scan that read us-east-1 only
    export(factory, scan(range(2)))
    west = export(factory, scan(range(2), "eu-west-1"))
    result = scan(range(0))
    # WHEN resolved
    report = resolve(factory, result)
    # THEN eu-west-1 was not even queried, and its findings are still active
    assert [(s.account_id, s.region) for s in report.scopes] == [(ACCOUNT, REGION)]
    assert set(states(factory, "eu-west-1").values()) == {("ACTIVE", "FAILED")}
    assert len(west) == 2


def test_findings_of_another_policy_another_provider_or_check_are_left_alone(
    factory: ClientFactory,
) -> None:
    # GIVEN, beside this policy's finding, the same finding under another policy id, one of
    # another provider in the same default product, and one of a check this run did not run
    (mine,) = export(factory, scan(range(1)))
    other_policy = {
        **mine,
        "Id": "other-policy",
        "ProductFields": {**mine["ProductFields"], "sgcompliance/PolicyId": "x"},
    }
    other_tool = {
        **mine,
        "Id": "other-tool",
        "ProductFields": {**mine["ProductFields"], "ProviderName": "another-tool"},
    }
    other_check = {**mine, "Id": "other-check", "GeneratorId": "RDP"}
    SecurityHubImporter(factory.client("securityhub", REGION)).import_findings(
        [other_policy, other_tool, other_check]
    )  # fmt: skip
    # WHEN a scan that finds nothing is resolved
    report = resolve(factory, scan(range(0)))
    # THEN only this policy's finding of a check it ran was archived
    assert [i for s in report.scopes for i in s.stale_ids] == [mine["Id"]]
    found = states(factory)
    assert [found[i][0] for i in ("other-policy", "other-tool", "other-check")] == ["ACTIVE"] * 3


def test_the_scope_excludes_a_region_the_coverage_says_failed() -> None:
    # GIVEN a result that names us-east-1 while its coverage says us-east-1 failed to read
    failed = ScopeFailure(Scope(ACCOUNT, REGION), "AccessDenied", "AccessDenied")
    coverage = Coverage((Scope(ACCOUNT, REGION),), (failed,))
    # THEN the resolution scope leaves it out; a full read keeps it
    assert resolution_scope(with_coverage(scan(range(1)), coverage)).scopes == frozenset()
    assert resolution_scope(scan(range(1))) == ResolutionScope(
        "it-ssh", frozenset({"SSH"}), frozenset({(ACCOUNT, REGION)})
    )
