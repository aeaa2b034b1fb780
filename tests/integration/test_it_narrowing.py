"""Narrowing on the local AWS: a world-open rule replaced by the policy's approved ranges and
prefix list through the EC2 gateway, and rolled back to exactly the original."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from sgcompliance.adapters.aws.ec2 import describe_group_rules, read_region
from sgcompliance.adapters.aws.gateway import Ec2GroupGateway
from sgcompliance.adapters.local_backups import LocalBackupStore
from sgcompliance.engine.model import Direction, RegionSnapshot, Rule
from sgcompliance.engine.scanner import ComplianceScanner
from sgcompliance.errors import AccessDeniedError
from sgcompliance.policy.loader import parse_policy
from sgcompliance.remediation.drift import RevokeResult
from sgcompliance.remediation.plan import Mode
from sgcompliance.remediation.remediator import (
    Outcome,
    RemediationSettings,
    SecurityGroupRemediator,
)
from sgcompliance.remediation.rollback import RollbackService
from sgcompliance.sources.snapshot import read_snapshot
from support.estate import create_group, perm

pytestmark = pytest.mark.integration

ACCOUNT, REGION = "123456789012", "us-east-1"


def policy(list_id: str) -> Any:
    web = {
        "id": "WEB",
        "type": "authorized_ports_only",
        "severity": "high",
        "remediation": "narrow",
        "allowed_peers": ["13.32.0.0/15", "2600:9000::/28", list_id],
    }
    return parse_policy({"version": "1", "id": "narrow", "checks": [web]}, "it")


def peers(ec2: Any, group_id: str) -> list[str]:
    return sorted(
        f"{r.get('FromPort')} {r.get('CidrIpv4') or r.get('CidrIpv6') or r.get('PrefixListId')}"
        for r in describe_group_rules(ec2, group_id)
        if not r["IsEgress"]
    )


class RevokeRefusedOnce:
    """The EC2 gateway, but the first revoke is denied (as a policy change might)."""

    def __init__(self, inner: Ec2GroupGateway) -> None:
        self.inner = inner
        self.refused = False

    def revoke(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> RevokeResult:
        if not self.refused:
            self.refused = True
            raise AccessDeniedError("ec2:RevokeSecurityGroupIngress denied")
        return self.inner.revoke(group_id, direction, rules)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


@pytest.fixture
def setup(ec2: Any, tmp_path: Path) -> tuple[str, str]:
    listed = ec2.create_managed_prefix_list(
        PrefixListName="cdn", AddressFamily="IPv4", MaxEntries=5,
        Entries=[{"Cidr": "130.176.0.0/16"}],
    )["PrefixList"]["PrefixListId"]  # fmt: skip
    group_id = create_group(
        ec2,
        "origin",
        ingress=[
            perm("tcp", (8080, 8080), "0.0.0.0/0", "::/0", description="origin"),
            perm("tcp", (443, 443), "0.0.0.0/0"),
            # The region read resolves the prefix lists its rules reference (docs/policy.md).
            perm("tcp", (443, 443), f"pl:{listed}"),
        ],
    )
    return listed, group_id


def remediate(
    ec2: Any, list_id: str, group_id: str, backups: LocalBackupStore, gateway: Any
) -> Any:
    full = read_snapshot(read_region(ec2, ACCOUNT, REGION))
    mine = tuple(g for g in full.groups if g.group_id == group_id)
    snapshot = RegionSnapshot(ACCOUNT, REGION, mine, full.prefix_lists)
    scanner = ComplianceScanner(policy(list_id), today=lambda: date(2026, 12, 5))
    remediator = SecurityGroupRemediator(
        scanner, backups, lambda: datetime(2026, 12, 5, tzinfo=UTC),
        RemediationSettings(mode=Mode.REMOVE),
    )  # fmt: skip
    return remediator.run(scanner.scan([snapshot]), lambda a, r: gateway, [snapshot])


def test_narrowing_replaces_the_world_rules_and_rollback_restores_them(
    ec2: Any, setup: tuple[str, str], tmp_path: Path
) -> None:
    list_id, group_id = setup
    original = peers(ec2, group_id)
    backups = LocalBackupStore(tmp_path / "backups")
    gateway = Ec2GroupGateway(ec2, ACCOUNT, REGION)
    run = remediate(ec2, list_id, group_id, backups, gateway)
    # THEN the world rules of tcp 8080 are replaced by the approved ranges of their family
    (outcome,) = run.outcomes
    assert (outcome.outcome, outcome.verified) == (Outcome.APPLIED, True)
    assert peers(ec2, group_id) == sorted(
        [
            "443 0.0.0.0/0",
            f"443 {list_id}",
            "8080 13.32.0.0/15",
            "8080 2600:9000::/28",
            f"8080 {list_id}",
        ]
    )
    # The replacements keep the rule's description (moto drops it on prefix-list rules).
    described = {
        r.get("Description")
        for r in describe_group_rules(ec2, group_id)
        if r.get("FromPort") == 8080 and not r.get("PrefixListId")
    }
    assert described == {"origin"}
    # AND a second run changes nothing
    again = remediate(ec2, list_id, group_id, backups, gateway)
    assert [o.outcome for o in again.outcomes] == []
    # AND the rollback restores exactly the original and removes the narrowed rules
    assert outcome.backup_id is not None
    back = RollbackService(backups).rollback(outcome.backup_id, lambda a, r: gateway, dry_run=False)
    assert back.verified
    assert len(back.removed_rules) == 3
    assert peers(ec2, group_id) == original


def test_a_revoke_denied_after_the_authorize_is_reported_and_a_new_run_finishes(
    ec2: Any, setup: tuple[str, str], tmp_path: Path
) -> None:
    list_id, group_id = setup
    original = peers(ec2, group_id)
    backups = LocalBackupStore(tmp_path / "backups")
    gateway = RevokeRefusedOnce(Ec2GroupGateway(ec2, ACCOUNT, REGION))
    (failed,) = remediate(ec2, list_id, group_id, backups, gateway).outcomes
    assert failed.outcome is Outcome.FAILED
    assert "authorized 3 narrowed rule(s)" in (failed.error or "")
    assert len(peers(ec2, group_id)) == len(original) + 3
    (done,) = remediate(ec2, list_id, group_id, backups, gateway).outcomes
    assert done.outcome is Outcome.APPLIED
    assert "8080 0.0.0.0/0" not in peers(ec2, group_id)
    service = RollbackService(backups)
    for backup_id in reversed(backups.list(group_id)):
        service.rollback(backup_id, lambda a, r: gateway, dry_run=False)
    assert peers(ec2, group_id) == original
