"""Rollback trusts nothing it cannot verify: the backup must be the version and digest its
receipt pins, of the group its key names, and only the rules the receipt lists come back."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from rollback_world import (
    ACCOUNT,
    FROM_PEER,
    GROUP,
    HTTPS,
    LOCKDOWN,
    NOW,
    OTHER_ACCOUNT,
    SSH_V4,
    SSH_V6,
    VICTIM,
    World,
    by_id,
)

from sgcompliance.engine.model import Peer, PeerKind
from sgcompliance.errors import BackupError
from sgcompliance.records.audit import AuditAction
from sgcompliance.remediation.backup import BackupRecord
from sgcompliance.remediation.plan import MANAGED_TAG_KEYS


def test_a_verified_backup_restores_its_revoked_rules_and_removes_the_tags() -> None:
    # GIVEN a lockdown of group A with its backup and receipt
    world = World()
    before = world.rule_lines()
    backup_id = world.remediate(LOCKDOWN)
    # WHEN it is rolled back
    outcome = world.service().rollback(backup_id, world.gateway_for, dry_run=False)
    # THEN every rule is back, verified, and the remediation's tags are gone
    assert (outcome.status, outcome.restored, outcome.verified) == ("restored", 5, True)
    assert world.rule_lines() == before
    assert not set(MANAGED_TAG_KEYS) & set(world.ours.groups[GROUP].tags)
    assert (outcome.account_id, outcome.region, outcome.group_id) == (ACCOUNT, "eu-west-1", GROUP)


def test_only_the_rules_the_receipt_lists_as_revoked_come_back() -> None:
    # GIVEN a plan to revoke both SSH rules, of which the remediator removed only the IPv4 one
    # (the IPv6 one was gone before its call: not ours to restore)
    world = World()
    backup_id = world.remediate((SSH_V4, SSH_V6), revoked=(SSH_V4,))
    world.ours.delete_rule(GROUP, SSH_V6)
    # WHEN it is rolled back
    outcome = world.service().rollback(backup_id, world.gateway_for, dry_run=False)
    # THEN only the IPv4 rule is authorized; the other is reported as not restored
    assert [r.rule_id for r in outcome.restored_rules] == [SSH_V4]
    assert outcome.not_restored == (SSH_V6,)
    assert world.ours.writes.count("authorize sg-0aaa0000000000001 ingress 1") == 1
    assert by_id(SSH_V6)[0].describe() not in world.rule_lines()


def test_latest_never_chooses_a_forged_document_under_the_groups_key() -> None:
    # GIVEN a genuine remediation of group A, and later a document under A's key naming group B
    # of another account, dated in the future, with no receipt
    world = World()
    genuine = world.remediate((SSH_V4,))
    world.forge_for_victim(NOW + timedelta(days=365))
    # WHEN group A's latest backup is chosen
    chosen = world.service().latest(GROUP)
    # THEN it is the genuine one
    assert chosen == genuine


def test_latest_never_chooses_a_forged_receipt_dated_in_the_future() -> None:
    world = World()
    genuine = world.remediate((SSH_V4,))
    forged = world.forge_for_victim(NOW + timedelta(days=365))
    world.forge_receipt(forged, NOW + timedelta(days=365))
    assert world.service().latest(GROUP) == genuine


def test_a_forged_receipt_chosen_as_latest_is_refused_and_nothing_is_written() -> None:
    # GIVEN a forgery naming group B in another account, with a consistent receipt filed under A
    world = World()
    world.remediate((SSH_V4,))
    forged = world.forge_for_victim(NOW + timedelta(minutes=1))
    world.forge_receipt(forged, NOW + timedelta(minutes=1))
    service = world.service()
    assert service.latest(GROUP) == forged
    writes = list(world.ours.writes)
    # WHEN it is rolled back THEN it is refused for naming another group and account
    with pytest.raises(BackupError, match=f"stored under group {GROUP}"):
        service.rollback(forged, world.gateway_for, dry_run=False)
    assert world.victim.writes == []
    assert world.ours.writes == writes


def test_an_explicit_forged_backup_id_is_refused_and_no_group_is_touched() -> None:
    # GIVEN a forged document naming group B in another account under A's key
    world = World()
    forged = world.forge_for_victim(NOW + timedelta(days=365))
    # WHEN it is rolled back by id
    with pytest.raises(BackupError) as refused:
        world.service().rollback(forged, world.gateway_for, dry_run=False)
    # THEN it is refused for having no receipt and naming another group; nothing was written
    assert "no receipt" in str(refused.value)
    assert f"{OTHER_ACCOUNT}/eu-west-1/{VICTIM}" in str(refused.value)
    assert world.victim.writes == []
    assert world.ours.writes == []


def test_a_new_version_written_over_a_backup_is_never_what_is_restored() -> None:
    # GIVEN a remediation, then a new version of its backup that adds a world-open rule to revoke
    world = World()
    backup_id = world.remediate((SSH_V4,))
    original = world.store.load(backup_id, "v1").record
    rogue = replace(by_id(HTTPS)[0], peer=Peer(PeerKind.IPV4, "0.0.0.0/0"))
    forged_plan = replace(
        original.plan,
        pre_image=(*original.plan.pre_image, replace(rogue, rule_id="sgr-9")),
        revoke_ingress=(SSH_V4, "sgr-9"),
    )
    world.store.tamper(backup_id, replace(original, plan=forged_plan))
    # WHEN it is rolled back
    outcome = world.service().rollback(backup_id, world.gateway_for, dry_run=False)
    # THEN the version the receipt pins is read: only the original rule comes back
    assert [r.rule_id for r in outcome.restored_rules] == [SSH_V4]
    assert rogue.describe() not in world.rule_lines()


def test_content_that_differs_from_the_receipts_digest_is_refused() -> None:
    # GIVEN a receipt without a version (as from a directory store) and the content changed
    world = World()
    backup_id = world.remediate((SSH_V4,))
    (receipt,) = world.store.receipts_by_id[backup_id]
    world.store.receipts_by_id[backup_id] = [replace(receipt, version_id=None)]
    original = world.store.get(backup_id)
    world.store.tamper(backup_id, replace(original, policy_id="changed"))
    # WHEN it is rolled back THEN the digest does not match and nothing is written
    with pytest.raises(BackupError, match="not what was stored"):
        world.service().rollback(backup_id, world.gateway_for, dry_run=False)
    assert world.ours.writes.count("authorize sg-0aaa0000000000001 ingress 1") == 0


def test_a_rewritten_receipt_is_refused() -> None:
    world = World()
    backup_id = world.remediate((SSH_V4,))
    (receipt,) = world.store.receipts_by_id[backup_id]
    world.store.receipts_by_id[backup_id].append(replace(receipt, revoked=LOCKDOWN))
    with pytest.raises(BackupError, match="rewritten"):
        world.service().rollback(backup_id, world.gateway_for, dry_run=False)


def test_a_plan_revoking_rules_outside_its_pre_image_is_refused() -> None:
    world = World()
    forged = world.forge_for_victim(NOW)
    record = world.store.get(forged)
    stray = replace(record.plan, group_id=GROUP, account_id=ACCOUNT, revoke_ingress=("sgr-x",))
    world.store.tamper(forged, BackupRecord(forged, record.created_at, stray))
    with pytest.raises(BackupError, match="pre-image does not hold: sgr-x"):
        world.service().rollback(forged, world.gateway_for, dry_run=False)


def test_a_forced_rollback_restores_and_lists_what_could_not_be_verified() -> None:
    # GIVEN a backup whose receipt is missing (the remediation stopped before writing it)
    world = World()
    backup_id = world.remediate((SSH_V4, FROM_PEER))
    del world.store.receipts_by_id[backup_id]
    # WHEN it is rolled back with force
    outcome = world.service().rollback(
        backup_id, world.gateway_for, dry_run=False, force_unverified=True
    )
    # THEN the plan's revoked rules come back, and the outcome and its record say it was forced
    assert sorted(r.rule_id for r in outcome.restored_rules) == [SSH_V4, FROM_PEER]
    assert any("no receipt" in p for p in outcome.problems)
    (record,) = world.records
    assert record.rollback is not None
    assert record.rollback.forced
    assert "forced past: no receipt" in record.reason


def test_a_request_for_another_group_is_refused_even_when_forced() -> None:
    world = World()
    backup_id = world.remediate((SSH_V4,))
    with pytest.raises(BackupError, match=f"request names group {VICTIM}"):
        world.service().rollback(
            backup_id, world.gateway_for, dry_run=False, group_id=VICTIM, force_unverified=True
        )
    assert world.ours.writes.count("authorize sg-0aaa0000000000001 ingress 1") == 0


def test_every_rollback_is_one_audit_record_refused_ones_too() -> None:
    # GIVEN a genuine backup and a forged one
    world = World()
    genuine = world.remediate((SSH_V4, SSH_V6))
    forged = world.forge_for_victim(NOW)
    service = world.service()
    # WHEN both are rolled back
    service.rollback(genuine, world.gateway_for, dry_run=False, request_id="CHG-1")
    with pytest.raises(BackupError):
        service.rollback(forged, world.gateway_for, dry_run=False, request_id="CHG-2")
    # THEN there is one rollback record each: what came back, and why the other was refused
    restored, refused = world.records
    assert {restored.action, refused.action} == {AuditAction.ROLLBACK}
    assert (restored.outcome, restored.event_id, restored.backup_id) == (
        "restored",
        "CHG-1",
        genuine,
    )
    assert restored.rollback is not None
    assert restored.rollback.restored_rule_ids == (SSH_V4, SSH_V6)
    assert restored.revoked_rule_ids == ()
    assert (refused.outcome, refused.group_id) == ("refused", GROUP)
    assert refused.rollback is not None
    assert any("no receipt" in p for p in refused.rollback.unverified)


def test_a_dry_run_names_the_group_writes_nothing_and_is_recorded_as_such() -> None:
    world = World()
    backup_id = world.remediate((SSH_V4,))
    writes = list(world.ours.writes)
    outcome = world.service().rollback(backup_id, world.gateway_for, dry_run=True)
    assert (outcome.account_id, outcome.group_id, outcome.group_name) == (ACCOUNT, GROUP, "web")
    assert [r.rule_id for r in outcome.plan.authorize] == [SSH_V4]
    assert world.ours.writes == writes
    assert [(r.outcome, r.dry_run) for r in world.records] == [("dry_run", True)]
