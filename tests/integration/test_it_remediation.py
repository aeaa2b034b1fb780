"""Write primitives against the moto server: precise revokes, NotFound, authorize, tags."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from sgcompliance.adapters.aws.ec2 import (
    authorize_rules,
    describe_group_rules,
    read_region,
    remove_tags,
    revoke_rules,
    set_tags,
)
from sgcompliance.adapters.aws.gateway import Ec2GroupGateway
from sgcompliance.adapters.local_backups import LocalBackupStore
from sgcompliance.engine.model import Direction
from sgcompliance.engine.scanner import ComplianceScanner
from sgcompliance.errors import AwsApiError, NotFoundError
from sgcompliance.remediation.plan import Mode
from sgcompliance.remediation.remediator import (
    Outcome,
    RemediationSettings,
    SecurityGroupRemediator,
)
from sgcompliance.remediation.rollback import RollbackService
from sgcompliance.sources.snapshot import read_snapshot
from support.estate import create_group, perm
from support.it_policy import admin_policy

pytestmark = pytest.mark.integration

ACCOUNT, REGION = "123456789012", "us-east-1"
SSH = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22}


@pytest.fixture
def group_id(ec2: Any) -> str:
    """A group whose one SSH permission lists 10.0.0.0/8 and 0.0.0.0/0."""
    return create_group(ec2, "ssh", ingress=[perm("tcp", (22, 22), "10.0.0.0/8", "0.0.0.0/0")])


def ingress_cidrs(ec2: Any, gid: str) -> list[str]:
    return sorted(r["CidrIpv4"] for r in describe_group_rules(ec2, gid) if not r["IsEgress"])


def rule_id_for(ec2: Any, gid: str, cidr: str, *, egress: bool = False) -> str:
    rows = describe_group_rules(ec2, gid)
    return next(
        str(r["SecurityGroupRuleId"])
        for r in rows
        if r.get("CidrIpv4") == cidr and r["IsEgress"] is egress
    )


def test_revoking_the_world_rule_keeps_the_private_range(ec2: Any, group_id: str) -> None:
    # GIVEN one permission with 10.0.0.0/8 and 0.0.0.0/0
    world = rule_id_for(ec2, group_id, "0.0.0.0/0")
    # WHEN only the world rule is revoked by id
    revoke_rules(ec2, group_id, Direction.INGRESS, [world])
    # THEN the private range stays
    assert ingress_cidrs(ec2, group_id) == ["10.0.0.0/8"]


def test_revoking_a_rule_that_is_already_gone_raises_not_found(ec2: Any, group_id: str) -> None:
    world = rule_id_for(ec2, group_id, "0.0.0.0/0")
    revoke_rules(ec2, group_id, Direction.INGRESS, [world])
    with pytest.raises(NotFoundError) as info:
        revoke_rules(ec2, group_id, Direction.INGRESS, [world])
    assert info.value.operation == "RevokeSecurityGroupIngress"


def test_revoking_in_a_deleted_group_raises_not_found(ec2: Any, group_id: str) -> None:
    world = rule_id_for(ec2, group_id, "0.0.0.0/0")
    ec2.delete_security_group(GroupId=group_id)
    with pytest.raises(NotFoundError):
        revoke_rules(ec2, group_id, Direction.INGRESS, [world])


def test_egress_rules_are_revoked_by_id(ec2: Any, group_id: str) -> None:
    egress = rule_id_for(ec2, group_id, "0.0.0.0/0", egress=True)
    revoke_rules(ec2, group_id, Direction.EGRESS, [egress])
    assert [r for r in describe_group_rules(ec2, group_id) if r["IsEgress"]] == []


def test_authorize_returns_the_new_rule_ids(ec2: Any, group_id: str) -> None:
    perm = {**SSH, "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "192.168.0.0/16"}]}
    new_ids = authorize_rules(ec2, group_id, Direction.INGRESS, [perm])
    assert new_ids == [rule_id_for(ec2, group_id, "192.168.0.0/16")]


def test_authorizing_an_existing_rule_reports_the_duplicate(ec2: Any, group_id: str) -> None:
    perm = {**SSH, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
    with pytest.raises(AwsApiError) as info:
        authorize_rules(ec2, group_id, Direction.INGRESS, [perm])
    assert info.value.aws_code == "InvalidPermission.Duplicate"


def test_tags_are_set_and_removed(ec2: Any, group_id: str) -> None:
    set_tags(ec2, group_id, {"sgc:status": "flagged", "keep": "me"})
    remove_tags(ec2, group_id, ["sgc:status"])
    tags = ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]["Tags"]
    assert {t["Key"]: t["Value"] for t in tags} == {"keep": "me"}


def test_remediator_over_the_gateway_revokes_only_the_world_rule_and_rolls_back(
    ec2: Any, group_id: str, tmp_path: Path
) -> None:
    # GIVEN a scan of the region finding SSH open to the world
    snapshot = read_snapshot(read_region(ec2, ACCOUNT, REGION))
    scanner = ComplianceScanner(admin_policy(), today=lambda: date(2026, 1, 1))
    result = scanner.scan([snapshot])
    backups = LocalBackupStore(tmp_path / "backups")
    remediator = SecurityGroupRemediator(
        scanner,
        backups,
        lambda: datetime(2026, 1, 1, tzinfo=UTC),
        RemediationSettings(mode=Mode.REMOVE),
    )
    gateway = Ec2GroupGateway(ec2, ACCOUNT, REGION)
    # WHEN remediating through the EC2 gateway
    run = remediator.run(result, lambda account, region: gateway)
    # THEN the world rule is gone, verified, and the private range stays
    assert [o.outcome for o in run.outcomes] == [Outcome.APPLIED]
    assert run.outcomes[0].verified
    assert ingress_cidrs(ec2, group_id) == ["10.0.0.0/8"]
    # AND rolling back restores it
    backup_id = run.outcomes[0].backup_id
    assert backup_id is not None
    RollbackService(backups).rollback(backup_id, lambda a, r: gateway, dry_run=False)
    assert ingress_cidrs(ec2, group_id) == ["0.0.0.0/0", "10.0.0.0/8"]
