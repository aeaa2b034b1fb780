"""Rollback restores the exact original rules; rules or groups that vanish between plan and apply
do not fail the run. Against the moto server, through the product's wiring."""

from __future__ import annotations

from pathlib import Path

import pytest

from sgcompliance.adapters.local_backups import LocalBackupStore
from sgcompliance.remediation.plan import MANAGED_TAG_KEYS, Mode
from sgcompliance.remediation.remediator import Outcome, RemediationSettings
from sgcompliance.remediation.rollback import RollbackService
from support.live_estate import Estate, build_estate, estate_policy, read_state
from support.live_runs import prepare, remediate, roll_back_everything, write_calls

pytestmark = pytest.mark.integration

REGION = "eu-west-1"


@pytest.fixture
def estate(endpoint: str) -> Estate:
    return build_estate(endpoint)


@pytest.fixture
def store(tmp_path: Path) -> LocalBackupStore:
    return LocalBackupStore(tmp_path / "backups")


@pytest.mark.parametrize("mode", [Mode.REMOVE, Mode.EMERGENCY])
def test_rollback_restores_the_exact_original_rule_set_and_tags(
    estate: Estate, store: LocalBackupStore, mode: Mode
) -> None:
    # GIVEN a remediated estate (odd protocols, IPv6, prefix lists, references, egress included)
    before = read_state(estate)
    remediate(estate, estate_policy(estate), RemediationSettings(mode), store)
    assert read_state(estate) != before
    # WHEN every backup is rolled back
    restored = roll_back_everything(estate, store)
    # THEN the describe output, normalized (no rule ids), and the tags are as before
    after = read_state(estate)
    assert restored > 0
    assert {k: g.lines for k, g in after.items()} == {k: g.lines for k, g in before.items()}
    assert {k: g.tags for k, g in after.items() if k[2] != "default"} == {
        k: g.tags for k, g in before.items() if k[2] != "default"
    }


def test_rollback_removes_the_tags_the_remediation_wrote(
    estate: Estate, store: LocalBackupStore
) -> None:
    remediate(estate, estate_policy(estate), RemediationSettings(Mode.REMOVE), store)
    roll_back_everything(estate, store)
    revoked_groups = {estate.key_of(store.get(b).plan.group_id) for b in store.list()}
    after = read_state(estate)
    assert all(not set(MANAGED_TAG_KEYS) & set(after[key].tags) for key in revoked_groups)


def test_a_second_rollback_authorizes_nothing(estate: Estate, store: LocalBackupStore) -> None:
    # GIVEN a remediation that was rolled back
    remediate(estate, estate_policy(estate), RemediationSettings(Mode.EMERGENCY), store)
    roll_back_everything(estate, store)
    rolled_back = read_state(estate)
    runtime = estate.runtime(purpose="rollback")
    runtime.counter.reset()
    # WHEN the same backups are rolled back again
    service = RollbackService(store)
    outcomes = [service.rollback(b, runtime.gateway, dry_run=False) for b in store.list()]
    # THEN every rule is found present and skipped, and nothing was written
    assert all(o.restored == 0 and o.plan.skipped and o.verified for o in outcomes)
    assert write_calls(runtime.counter.snapshot().calls) == {}
    assert read_state(estate) == rolled_back


def test_a_rollback_dry_run_writes_nothing(estate: Estate, store: LocalBackupStore) -> None:
    remediate(estate, estate_policy(estate), RemediationSettings(Mode.REMOVE), store)
    remediated = read_state(estate)
    runtime = estate.runtime(purpose="rollback")
    runtime.counter.reset()
    service = RollbackService(store)
    outcomes = [service.rollback(b, runtime.gateway, dry_run=True) for b in store.list()]
    assert all(o.plan.authorize for o in outcomes)
    assert write_calls(runtime.counter.snapshot().calls) == {}
    assert read_state(estate) == remediated


def test_a_rule_deleted_between_plan_and_apply_does_not_fail_the_group(
    estate: Estate, store: LocalBackupStore
) -> None:
    # GIVEN a plan to revoke both world-open RDP rules of a group
    prepared = prepare(estate, estate_policy(estate), RemediationSettings(Mode.REMOVE), store)
    account = estate.accounts[0]
    group_id = estate.group_ids[account, REGION, "rdp-dual"]
    v4 = estate.rule_id("rdp-dual", account, REGION, "in tcp 3389..3389 0.0.0.0/0 'rdp'")
    v6 = estate.rule_id("rdp-dual", account, REGION, "in tcp 3389..3389 ::/0 'rdp'")
    assert set(prepared.plan_for(group_id).revoke_ingress) == {v4, v6}
    # AND someone deletes one of them before the plan is applied
    estate.ec2(account, REGION).revoke_security_group_ingress(
        GroupId=group_id, SecurityGroupRuleIds=[v6]
    )
    # WHEN the plans are applied
    run = prepared.apply()
    # THEN the group is read again after its backup, judged again, and the rule still there
    # revoked under a new backup; the gone rule is named as changed since read
    outcome = next(o for o in run.outcomes if o.plan.group_id == group_id)
    assert (outcome.outcome, outcome.verified) == (Outcome.APPLIED, True)
    assert (outcome.changed, outcome.revoked) == ([v6], [v4])
    receipt = store.receipt(str(outcome.backup_id))
    assert receipt is not None
    assert receipt.revoked == (v4,)
    assert read_state(estate)[account, REGION, "rdp-dual"].lines == {
        "in tcp 443..443 10.0.0.0/8 'https'",
        "out -1 -1..-1 0.0.0.0/0",
    }
    assert run.ok


def test_a_group_deleted_between_plan_and_apply_is_reported_gone_and_the_others_finish(
    estate: Estate, store: LocalBackupStore
) -> None:
    prepared = prepare(estate, estate_policy(estate), RemediationSettings(Mode.REMOVE), store)
    account = estate.accounts[0]
    group_id = estate.group_ids[account, REGION, "all-open"]
    estate.ec2(account, REGION).delete_security_group(GroupId=group_id)
    run = prepared.apply()
    by_group = {o.plan.group_id: o.outcome for o in run.outcomes}
    assert by_group.pop(group_id) is Outcome.GROUP_GONE
    assert set(by_group.values()) == {Outcome.APPLIED}
    assert run.ok
