"""`sgc rollback` against the moto server, run in-process as a user runs it: a forged document
in the backup bucket never reaches another account's group, and a rule that cannot come back
(its peer group deleted) is reported while every other rule is restored."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from sgcompliance.adapters.aws.gateway import Ec2GroupGateway
from sgcompliance.adapters.local_backups import LocalBackupStore
from sgcompliance.engine.model import Direction, Peer, PeerKind, Rule
from sgcompliance.entrypoints.cli.app import app
from sgcompliance.local.seed.organization import DemoOrg
from sgcompliance.remediation.backup import (
    BackupRecord,
    backup_id_for,
    parse_pointer,
    pointer_value,
    to_document,
)
from sgcompliance.remediation.plan import TAG_BACKUP, TAG_STATUS, Action, Mode, RemediationPlan
from sgcompliance.remediation.receipt import BackupReceipt, ReceiptState, receipt_to_document
from support.estate import authorize, create_group, perm
from support.live_estate import BUCKET, ORG_REGION, Estate, read_state

pytestmark = pytest.mark.integration

runner = CliRunner()
REGION = ORG_REGION
PARTIAL_EXIT_CODE = 4


def sgc(*args: str) -> Result:
    return runner.invoke(app, list(args), env={"COLUMNS": "400"})


def target(org: DemoOrg) -> list[str]:
    return [
        "--endpoint-url", org.endpoint, "--accounts", ",".join(org.account_ids),
        "--regions", REGION, "--external-id", str(org.role.external_id),
    ]  # fmt: skip


def rollback_args(org: DemoOrg) -> list[str]:
    return ["--endpoint-url", org.endpoint, "--external-id", str(org.role.external_id)]


@pytest.fixture
def policy(org: DemoOrg, tmp_path: Path) -> Path:
    path = tmp_path / "policy.json"
    document = {
        "version": "1",
        "id": "rollback-trust",
        "extends": "builtin:strict",
        "settings": {"trusted_accounts": list(org.account_ids)},
    }
    path.write_text(json.dumps(document))
    return path


def lockdown(org: DemoOrg, policy: Path, *store: str) -> None:
    args = ["--policy", str(policy), *store, *target(org)]
    result = sgc("remediate", "--mode", "emergency_remediation", "--yes", *args)
    assert result.exit_code == 0, result.output


def forged_documents(group_a: str, group_b: str, account_b: str) -> tuple[str, Any, Any]:
    """A backup id under group A, dated next century, whose document restores SSH from the
    world into group B of another account; and a receipt consistent with it."""
    backup_id = f"{group_a}.20991231T000000000000Z.ffffffff"
    world_ssh = Rule(
        "sgr-0f0f0f0f0f0f0f0f0", group_b, Direction.INGRESS, "tcp", 22, 22,
        Peer(PeerKind.IPV4, "0.0.0.0/0"), "forged",
    )  # fmt: skip
    plan = RemediationPlan(
        "plan-ffffffffffffffffffff", Mode.EMERGENCY, Action.LOCKDOWN, account_b, REGION,
        group_b, "victim", (world_ssh,), (), revoke_ingress=(world_ssh.rule_id,),
    )  # fmt: skip
    document = to_document(BackupRecord(backup_id, "2099-12-31T00:00:00+00:00", plan))
    receipt = BackupReceipt(
        backup_id, account_b, REGION, group_a, "2099-12-31T00:00:01+00:00", "0" * 64, None,
        plan.plan_id, ReceiptState.APPLIED, revoked=(world_ssh.rule_id,),
    )  # fmt: skip
    return backup_id, document, receipt_to_document(receipt)


def test_latest_restores_the_group_from_its_genuine_backup_and_never_the_forged_one(
    estate: Estate, org: DemoOrg, policy: Path, bucket: Any
) -> None:
    # GIVEN a lockdown whose backups and receipts are in the bucket
    before = read_state(estate)
    lockdown(org, policy, "--backup-bucket", BUCKET)
    key_a = (org.account_ids[0], REGION, "bastion-ssh")
    key_b = (org.account_ids[1], REGION, "bastion-ssh")
    group_a, group_b = estate.group_ids[key_a], estate.group_ids[key_b]
    # AND, under group A's key, a forged document (and receipt) dated in the future that would
    # open SSH to the world in group B of another account
    forged_id, document, receipt = forged_documents(group_a, group_b, org.account_ids[1])
    bucket.put_object(Bucket=BUCKET, Key=f"backups/{group_a}/{forged_id}.json",
                      Body=json.dumps(document).encode())  # fmt: skip
    bucket.put_object(Bucket=BUCKET, Key=f"backups/receipts/{group_a}/{forged_id}.json",
                      Body=json.dumps(receipt).encode())  # fmt: skip
    locked = read_state(estate)
    # WHEN group A's latest backup is rolled back
    rolled = sgc(
        "rollback", "--group", group_a, "--latest", "--backup-bucket", BUCKET,
        *rollback_args(org),
    )  # fmt: skip
    # THEN group A is restored from its genuine backup, named before anything changed
    assert rolled.exit_code == 0, rolled.output
    assert read_state(estate)[key_a].lines == before[key_a].lines
    assert f"account {org.account_ids[0]}  region {REGION}  group {group_a}" in rolled.stdout
    assert forged_id not in rolled.stdout
    # AND group B, in the other account, was not touched
    assert read_state(estate)[key_b] == locked[key_b]


def test_a_forged_backup_named_by_id_is_refused_and_touches_no_group(
    estate: Estate, org: DemoOrg, policy: Path, bucket: Any
) -> None:
    lockdown(org, policy, "--backup-bucket", BUCKET)
    group_a = estate.group_ids[org.account_ids[0], REGION, "bastion-ssh"]
    group_b = estate.group_ids[org.account_ids[1], REGION, "bastion-ssh"]
    forged_id, document, _ = forged_documents(group_a, group_b, org.account_ids[1])
    bucket.put_object(Bucket=BUCKET, Key=f"backups/{group_a}/{forged_id}.json",
                      Body=json.dumps(document).encode())  # fmt: skip
    locked = read_state(estate)
    refused = sgc("rollback", forged_id, "--backup-bucket", BUCKET, *rollback_args(org))
    assert refused.exit_code == 2, refused.output
    assert "refusing to roll back" in refused.stderr
    assert "no receipt" in refused.stderr
    assert read_state(estate) == locked
    # AND the listing shows which backups sgc recorded revoking anything under
    listed = sgc("backups", "list", "--group", group_a, "--backup-bucket", BUCKET,
                 "--endpoint-url", org.endpoint)  # fmt: skip
    rows = {line.split()[1]: line for line in listed.stdout.splitlines() if group_a in line}
    assert "none" in rows[forged_id]
    assert all("applied" in row for backup_id, row in rows.items() if backup_id != forged_id)


def locked_down_by_hand(ec2: Any, account: str, group_id: str, backups: Path) -> str:
    """A lockdown of the group exactly as the remediator records one (backup, pointer tag,
    revoke by rule id, receipt), made here so that this test depends on rollback alone."""
    group = Ec2GroupGateway(ec2, account, REGION).describe_group(group_id)
    ids = {d: tuple(r.rule_id for r in group.rules if r.direction is d) for d in Direction}
    plan = RemediationPlan(
        "plan-0123456789abcdef0123", Mode.EMERGENCY, Action.LOCKDOWN, account, REGION,
        group_id, group.name, group.rules, (), revoke_ingress=ids[Direction.INGRESS],
        revoke_egress=ids[Direction.EGRESS],
    )  # fmt: skip
    now = datetime.now(UTC)
    store = LocalBackupStore(backups)
    stored = store.put(BackupRecord(backup_id_for(plan, now), now.isoformat(), plan))
    tags = {TAG_BACKUP: pointer_value(stored), TAG_STATUS: "locked-down"}
    ec2.create_tags(Resources=[group_id], Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    ec2.revoke_security_group_ingress(
        GroupId=group_id, SecurityGroupRuleIds=list(ids[Direction.INGRESS])
    )
    ec2.revoke_security_group_egress(
        GroupId=group_id, SecurityGroupRuleIds=list(ids[Direction.EGRESS])
    )
    store.put_receipt(
        BackupReceipt(
            stored.backup_id, account, REGION, group_id, now.isoformat(), stored.sha256,
            stored.version_id, plan.plan_id, ReceiptState.APPLIED,
            revoked=(*ids[Direction.INGRESS], *ids[Direction.EGRESS]),
        )
    )  # fmt: skip
    return stored.backup_id


def test_a_rule_whose_peer_group_was_deleted_is_reported_and_every_other_rule_restored(
    estate: Estate, org: DemoOrg, tmp_path: Path
) -> None:
    # GIVEN a group with world-open SSH, a database rule from a peer group and private HTTPS
    account = org.account_ids[0]
    ec2 = estate.ec2(account, REGION)
    app_id = create_group(ec2, "it-app", description="app")
    peer_id = create_group(ec2, "it-peer", description="peer")
    authorize(
        ec2,
        app_id,
        perm("tcp", (22, 22), "0.0.0.0/0", description="ssh"),
        perm("tcp", (5432, 5432), f"ref:{peer_id}", description="db"),
        perm("tcp", (443, 443), "10.0.0.0/8", description="https"),
    )
    before = read_state(estate)[account, REGION, "it-app"].lines
    # AND a lockdown of it, after which the peer group was deleted
    backups = tmp_path / "backups"
    backup_id = locked_down_by_hand(ec2, account, app_id, backups)
    assert read_state(estate)[account, REGION, "it-app"].lines == frozenset()
    ec2.delete_security_group(GroupId=peer_id)
    # WHEN the lockdown is rolled back
    rolled = sgc(
        "rollback", "--group", app_id, "--latest", "--backup-dir", str(backups),
        *rollback_args(org),
    )  # fmt: skip
    # THEN it exits with the partial-restore code, naming the rule and why it did not come back
    assert rolled.exit_code == PARTIAL_EXIT_CODE, rolled.output
    (line,) = [line for line in rolled.stdout.splitlines() if "5432" in line]
    assert f"NOT restored: its peer group {account}/{peer_id} no longer exists" in line
    assert "(InvalidGroup.NotFound)" in line
    # AND every other rule is back
    after = read_state(estate)[account, REGION, "it-app"]
    assert after.lines == {line for line in before if "5432" not in line}
    # AND the group says the rollback is partial, still pointing at its backup
    assert after.tags[TAG_STATUS] == "rollback-partial"
    pointer = parse_pointer(after.tags[TAG_BACKUP])
    assert pointer is not None
    assert pointer.backup_id == backup_id
