"""The scan's read (judged from DescribeSecurityGroups first, rule rows and attachment only for
flagged groups) against the full read, on the moto server: the same findings, fewer calls."""

from __future__ import annotations

from typing import Any

import pytest

from sgcompliance.adapters.aws.api_calls import ApiCallCounter
from sgcompliance.adapters.aws.ec2 import read_region
from sgcompliance.adapters.aws.judged_read import filtered_calls, read_judged
from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.model import Attachment
from sgcompliance.engine.scanner import ComplianceScanner
from sgcompliance.policy.loader import load_policy, parse_policy
from sgcompliance.sources.snapshot import read_snapshot
from support.estate import authorize, create_group, create_prefix_list, perm

pytestmark = pytest.mark.integration

ACCOUNT = "123456789012"
REGION = "us-east-1"
SSH_CHECK = {
    "id": "T-SSH", "type": "restricted_ports", "title": "No SSH from the world",
    "severity": "high", "ports": [{"protocols": ["tcp"], "ports": "22"}],
}  # fmt: skip


def ssh_policy(**settings: Any) -> ComplianceScanner:
    doc = {"version": "1", "id": "judged", "checks": [SSH_CHECK], "settings": settings}
    return ComplianceScanner(parse_policy(doc, "test"))


def both(ec2: Any, scanner: ComplianceScanner) -> tuple[ScanResult, ScanResult]:
    full = scanner.scan([read_snapshot(read_region(ec2, ACCOUNT, REGION))])
    return full, scanner.scan([read_judged(ec2, ACCOUNT, REGION, scanner)])


def calls(counter: ApiCallCounter) -> dict[str, int]:
    return counter.snapshot().calls


def test_the_same_findings_ids_exemptions_descriptions_and_attachment(
    ec2: Any, counter: ApiCallCounter
) -> None:
    web = create_group(ec2, "web")
    ids = authorize(ec2, web, perm("tcp", (22, 22), "10.0.0.0/8", "0.0.0.0/0", "::/0"))
    world = create_prefix_list(ec2, "world", "0.0.0.0/0")
    app = create_group(ec2, "app", ingress=[perm("tcp", (3389, 3389), f"pl:{world}")])
    create_group(ec2, "idle", ingress=[perm("tcp", (443, 443), "10.0.0.0/8", description="x")])
    # A described group peer: the local AWS keeps the description in IpPermissions only.
    create_group(ec2, "peer", ingress=[perm("tcp", (8080, 8080), f"ref:{web}", description="lb")])
    subnet = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    ec2.create_network_interface(SubnetId=subnet, Groups=[web])
    exemption = {
        "id": "EX-1", "owner": "ops", "reason": "bastion", "match": {"rule_ids": [ids[1]]},
    }  # fmt: skip
    builtin = load_policy("builtin:strict")
    doc = {"version": "1", "id": "judged", "extends": "builtin:strict", "exemptions": [exemption]}
    for scanner in (ComplianceScanner(builtin), ComplianceScanner(parse_policy(doc, "test"))):
        full, judged = both(ec2, scanner)
        assert judged.findings == full.findings
        assert (judged.groups_scanned, judged.rules_evaluated) == (
            full.groups_scanned,
            full.rules_evaluated,
        )
    assert {f.group.group_id for f in judged.findings} >= {web, app}
    assert any(f.exempted_by is not None and f.rule_id == ids[1] for f in judged.findings)
    web_finding = next(f for f in judged.findings if f.group.group_id == web)
    assert web_finding.group.attachment is Attachment.ATTACHED


def test_a_region_without_findings_costs_one_describe(ec2: Any, counter: ApiCallCounter) -> None:
    listed = create_prefix_list(ec2, "corp", "10.0.0.0/8")
    create_group(ec2, "corp", ingress=[perm("tcp", (22, 22), f"pl:{listed}")])
    scanner = ssh_policy()
    counter.reset()
    snapshot = read_judged(ec2, ACCOUNT, REGION, scanner)
    assert not scanner.scan([snapshot]).findings
    assert calls(counter) == {
        "ec2:DescribeSecurityGroups": 1,
        "ec2:GetManagedPrefixListEntries": 1,
    }
    counter.reset()
    read_judged(ec2, ACCOUNT, REGION, ssh_policy(resolve_prefix_lists=False))
    assert calls(counter) == {"ec2:DescribeSecurityGroups": 1}


def test_flagged_groups_add_their_rules_and_interfaces(ec2: Any, counter: ApiCallCounter) -> None:
    create_group(ec2, "open", ingress=[perm("tcp", (22, 22), "0.0.0.0/0")])
    counter.reset()
    full, judged = both(ec2, ssh_policy())
    assert judged.findings == full.findings
    assert [f.rule_id for f in judged.findings] == [f.rule_id for f in full.findings]
    assert calls(counter)["ec2:DescribeSecurityGroupRules"] == 2  # one per read
    assert calls(counter)["ec2:DescribeNetworkInterfaces"] == 2


def test_a_group_filter_is_used_only_when_it_takes_fewer_calls() -> None:
    assert filtered_calls([3] * 200) == 1
    assert filtered_calls([3] * 201) == 2
    assert filtered_calls([600, 600]) == 2
    assert filtered_calls([]) == 0


def test_a_policy_judging_descriptions_reads_no_row_of_a_group_described_throughout(
    ec2: Any,
) -> None:
    # GIVEN a compliant group whose address peers are all described, in both directions, and
    # one whose group peer is described (the local AWS keeps that description out of its row)
    described = create_group(
        ec2,
        "described",
        ingress=[perm("tcp", (443, 443), "10.0.0.0/8", "fd00::/8", description="internal")],
        egress=[perm("tcp", (443, 443), "10.0.0.0/8", description="internal")],
    )
    ec2.revoke_security_group_egress(
        GroupId=described,
        IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    peer = create_group(
        ec2, "peer", ingress=[perm("tcp", (8080, 8080), f"ref:{described}", description="lb")]
    )
    # WHEN a policy that judges descriptions reads the region
    scanner = ComplianceScanner(load_policy("builtin:strict"))
    full, judged = both(ec2, scanner)
    # THEN the findings are the full read's; the described group was judged from its
    # permissions (its rules carry ids derived from their content, not rows' ids), and the
    # group peer's group from its rows
    assert judged.findings == full.findings
    snapshot = read_judged(ec2, ACCOUNT, REGION, scanner)
    derived = {
        g.group_id: {r.rule_id.startswith("sgr-derived-") for r in g.rules} for g in snapshot.groups
    }
    assert derived[described] == {True}
    assert derived[peer] == {False}
