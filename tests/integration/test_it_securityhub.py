"""`sgc export securityhub` against the moto server's Security Hub: batches of 100, per-finding
failures, re-imports that update instead of duplicating, and findings routed to the account and
region they are about."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from typer import Typer
from typer.testing import CliRunner

from sgcompliance.adapters.aws.api_calls import ApiCallCounter
from sgcompliance.adapters.aws.assume import RoleAssumer, RoleSettings
from sgcompliance.adapters.aws.securityhub import SecurityHubImporter
from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.engine.evaluate import evaluate
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
from sgcompliance.entrypoints.cli.export import export_app
from sgcompliance.records.securityhub_export import ExportReport, export_findings
from sgcompliance.report.documents.asff import asff_documents

ACCOUNT = "123456789012"  # the caller's own account on the moto server
REGION = "us-east-1"
AT = datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
ESTATE = Path(__file__).resolve().parents[1] / "fixtures" / "report" / "estate.json"
IMPORT_CALL = "securityhub:BatchImportFindings"


def ssh_policy() -> Policy:
    ssh = RestrictedPorts((PortSpec(frozenset({"tcp"}), (22, 22)),), Sources())
    check = Check("SSH", "SSH from the world", CheckType.RESTRICTED_PORTS, Severity.HIGH,
                  Remediation.REMOVE, ssh, references=("AWS FSBP EC2.13",))  # fmt: skip
    return Policy("it-ssh", "1", (check,))


def world_ssh_groups(count: int) -> RegionSnapshot:
    groups = []
    for i in range(count):
        group_id = f"sg-{i:017x}"
        rule = Rule(f"sgr-{i:017x}", group_id, Direction.INGRESS, "tcp", 22, 22,
                    Peer(PeerKind.IPV4, "0.0.0.0/0"))  # fmt: skip
        groups.append(SecurityGroup(group_id, f"g{i}", ACCOUNT, REGION, (rule,)))
    return RegionSnapshot(ACCOUNT, REGION, tuple(groups))


def documents(count: int) -> list[dict[str, Any]]:
    result = evaluate(ssh_policy(), [world_ssh_groups(count)], today=date(2026, 11, 27))
    return asff_documents(result, AT)


def export(factory: ClientFactory, docs: list[dict[str, Any]]) -> ExportReport:
    def importer(account_id: str, region: str) -> SecurityHubImporter:
        assert account_id == ACCOUNT
        return SecurityHubImporter(factory.client("securityhub", region))

    return export_findings(docs, importer)


def stored_ids(client: Any) -> list[str]:
    pages = client.get_paginator("get_findings").paginate()
    return [finding["Id"] for page in pages for finding in page["Findings"]]


def test_250_findings_go_in_three_calls_and_all_arrive(
    factory: ClientFactory, counter: ApiCallCounter
) -> None:
    # GIVEN 250 findings of one account and region
    docs = documents(250)
    # WHEN exported
    report = export(factory, docs)
    # THEN three BatchImportFindings calls (100, 100, 50) imported every finding
    assert (report.sent, report.imported, report.batches) == (250, 250, 3)
    assert counter.count(IMPORT_CALL) == 3
    assert sorted(stored_ids(factory.client("securityhub", REGION))) == sorted(
        d["Id"] for d in docs
    )


def test_a_rejected_finding_is_reported_by_id_and_the_rest_are_imported(
    factory: ClientFactory,
) -> None:
    # GIVEN three findings, one without resources (Security Hub rejects it, the call succeeds)
    docs = documents(3)
    docs[1] = {**docs[1], "Resources": []}
    # WHEN exported
    report = export(factory, docs)
    # THEN that finding is reported with Security Hub's error and the other two arrived
    assert [(f.finding_id, f.code) for f in report.failed] == [(docs[1]["Id"], "InvalidInput")]
    assert (report.imported, report.ok) == (2, False)


def test_a_re_export_updates_the_same_findings(factory: ClientFactory) -> None:
    docs = documents(5)
    export(factory, docs)
    export(factory, docs)
    assert len(stored_ids(factory.client("securityhub", REGION))) == 5


def cli() -> Typer:
    app = Typer()
    app.add_typer(export_app, name="export")
    return app


def member_securityhub(factory: ClientFactory, account_id: str, region: str) -> Any:
    assumer = RoleAssumer(factory.sts(), RoleSettings(role_name="sgcompliance-member"))
    credentials = assumer.credentials(account_id).static()
    return factory.client("securityhub", region, credentials, owner=account_id)


@pytest.mark.parametrize(
    ("account_id", "region", "expected"),
    [("111111111111", "eu-west-1", 9), ("222222222222", "us-east-1", 1)],
)
def test_the_cli_imports_each_finding_into_its_own_account_and_region(
    endpoint: str, factory: ClientFactory, account_id: str, region: str, expected: int
) -> None:
    # GIVEN the report estate (two member accounts, two regions) as a snapshot file
    args = ["export", "securityhub", "--input", str(ESTATE), "--policy", "builtin:aws-fsbp",
            "--endpoint-url", endpoint, "--today", "2026-11-27", "--quiet"]  # fmt: skip
    # WHEN exported with the command line
    done = CliRunner().invoke(cli(), args)
    # THEN it succeeds and each account's Security Hub in the finding's region holds its findings
    assert done.exit_code == 0, done.output
    assert len(stored_ids(member_securityhub(factory, account_id, region))) == expected


def test_a_re_export_resolves_what_is_fixed_only_where_it_read(
    endpoint: str, factory: ClientFactory, tmp_path: Path
) -> None:
    # GIVEN the estate exported (9 findings in 111111111111/eu-west-1, 1 in 222222222222)
    base = ["export", "securityhub", "--policy", "builtin:aws-fsbp", "--endpoint-url", endpoint,
            "--today", "2026-11-27", "--quiet"]  # fmt: skip
    assert CliRunner().invoke(cli(), [*base, "--input", str(ESTATE)]).exit_code == 0
    # AND a later snapshot of the first account-region only, every rule since revoked
    first = json.loads(ESTATE.read_text())[0]
    fixed = tmp_path / "fixed.json"
    fixed.write_text(json.dumps([{**first, "SecurityGroupRules": []}]))
    west = member_securityhub(factory, "111111111111", "eu-west-1")
    east = member_securityhub(factory, "222222222222", "us-east-1")
    # WHEN exported with --dry-run
    dry = CliRunner().invoke(cli(), [*base, "--input", str(fixed), "--dry-run"])
    # THEN it lists the 9 findings it would resolve and changes nothing
    assert dry.stdout.count("would resolve ") == 9, dry.output
    assert record_states(west) == ("ACTIVE",) * 9
    # WHEN exported for real
    done = CliRunner().invoke(cli(), [*base, "--input", str(fixed)])
    # THEN the 9 are archived; the account-region the snapshot did not cover is untouched;
    # exit 3: moto has no BatchUpdateFindings, so the workflow step is reported as not done
    assert record_states(west) == ("ARCHIVED",) * 9
    assert record_states(east) == ("ACTIVE",)
    assert done.exit_code == 3, done.output


def record_states(client: Any) -> tuple[str, ...]:
    pages = client.get_paginator("get_findings").paginate()
    return tuple(finding["RecordState"] for page in pages for finding in page["Findings"])
