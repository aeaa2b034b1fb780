"""Rollback degrades rule by rule: one rule that cannot come back is reported with its reason
and does not keep the others out; the group's tags say so. Tags of a newer remediation stay."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import pytest
from rollback_world import (
    FROM_PEER,
    GROUP,
    HTTPS,
    LOCKDOWN,
    MAIL_OUT,
    NOW,
    PEER,
    SSH_V4,
    SSH_V6,
    AllOrNothing,
    World,
    by_id,
    peer_group_deleted,
)

from sgcompliance.engine.model import Direction, Rule
from sgcompliance.errors import AccessDeniedError, ThrottledError
from sgcompliance.remediation.backup import parse_pointer
from sgcompliance.remediation.plan import MANAGED_TAG_KEYS, TAG_BACKUP, TAG_STATUS


def test_a_rule_whose_peer_group_was_deleted_is_reported_and_the_others_come_back() -> None:
    # GIVEN a lockdown, after which the group the database rule referenced was deleted
    world = World()
    backup_id = world.remediate(LOCKDOWN)
    world.wrap = lambda gateway: AllOrNothing(gateway, peer_group_deleted)
    # WHEN it is rolled back
    outcome = world.service().rollback(backup_id, world.gateway_for, dry_run=False)
    # THEN every other rule is back, and the one that cannot be is reported with its reason
    assert outcome.status == "partial"
    assert sorted(r.rule_id for r in outcome.restored_rules) == sorted(set(LOCKDOWN) - {FROM_PEER})
    (failed,) = outcome.failed
    assert failed.rule.rule_id == FROM_PEER
    assert failed.aws_code == "InvalidGroup.NotFound"
    assert f"peer group {PEER} no longer exists" in failed.reason
    # AND what came back is verified, and the group says the rollback is partial
    assert outcome.verified
    tags = world.ours.groups[GROUP].tags
    assert tags[TAG_STATUS] == "rollback-partial"
    pointer = parse_pointer(tags[TAG_BACKUP])
    assert pointer is not None
    assert pointer.backup_id == backup_id


def test_a_partial_rollback_is_recorded_with_the_rule_and_its_reason() -> None:
    world = World()
    backup_id = world.remediate((SSH_V4, FROM_PEER))
    world.wrap = lambda gateway: AllOrNothing(gateway, peer_group_deleted)
    world.service().rollback(backup_id, world.gateway_for, dry_run=False)
    (record,) = world.records
    assert record.outcome == "partial"
    assert record.rollback is not None
    assert record.rollback.restored_rule_ids == (SSH_V4,)
    assert [i for i, _ in record.rollback.failed] == [FROM_PEER]


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("InvalidPrefixListID.NotFound", "prefix list"),
        ("InvalidPrefixListId.NotFound", "prefix list"),
        ("RulesPerSecurityGroupLimitExceeded", "limit of rules"),
        ("InvalidParameterValue", "InvalidParameterValue: "),
    ],
)
def test_each_refusal_is_reported_in_the_operators_terms(code: str, reason: str) -> None:
    world = World()
    backup_id = world.remediate((SSH_V4, HTTPS))
    world.wrap = lambda gateway: AllOrNothing(
        gateway, lambda rule: code if rule.rule_id == HTTPS else None
    )
    outcome = world.service().rollback(backup_id, world.gateway_for, dry_run=False)
    (failed,) = outcome.failed
    assert reason in failed.reason
    assert [r.rule_id for r in outcome.restored_rules] == [SSH_V4]


def test_a_rollback_where_nothing_fails_makes_one_call_per_direction() -> None:
    world = World()
    backup_id = world.remediate(LOCKDOWN)
    counting = AllOrNothing(world.ours, lambda rule: None)
    world.wrap = lambda gateway: counting
    world.service().rollback(backup_id, world.gateway_for, dry_run=False)
    assert counting.calls == [4, 1]


def test_a_duplicate_from_a_retried_call_authorizes_only_what_is_missing() -> None:
    # GIVEN a first call that AWS carried out but whose answer was lost, so the client's retry
    # fails as a duplicate (the fake: the first attempt adds the IPv4 rule, then fails)
    world = World()
    backup_id = world.remediate((SSH_V4, SSH_V6))
    first = [True]

    def duplicate_once(rule: Rule) -> str | None:
        if first[0] and rule.rule_id == SSH_V6:
            first[0] = False
            world.ours.add_rule(GROUP, by_id(SSH_V4)[0])
            return "InvalidPermission.Duplicate"
        return None

    world.wrap = lambda gateway: AllOrNothing(gateway, duplicate_once)
    # WHEN it is rolled back
    outcome = world.service().rollback(backup_id, world.gateway_for, dry_run=False)
    # THEN the missing rule is authorized, the other counted as present, nothing failed
    assert [r.rule_id for r in outcome.restored_rules] == [SSH_V6]
    assert [r.rule_id for r in outcome.present_rules] == [SSH_V4]
    assert (outcome.status, outcome.verified) == ("restored", True)


def test_access_denied_is_not_tried_rule_by_rule() -> None:
    world = World()
    backup_id = world.remediate((SSH_V4, SSH_V6))
    denied = AllOrNothing(world.ours, lambda rule: "UnauthorizedOperation")
    world.wrap = lambda gateway: denied
    with pytest.raises(AccessDeniedError):
        world.service().rollback(backup_id, world.gateway_for, dry_run=False)
    # One call of both rules, not one per rule after it: the role may not authorize at all.
    assert denied.calls == [2]
    assert [r.outcome for r in world.records] == ["failed"]


def test_rolling_back_an_older_backup_leaves_the_newer_remediations_tags() -> None:
    # GIVEN two remediations of the group: the older revoked SSH, the newer the database rule
    world = World()
    older = world.remediate((SSH_V4,), suffix="1")
    newer = world.remediate((FROM_PEER,), at=NOW + timedelta(hours=1), suffix="2")
    tags = dict(world.ours.groups[GROUP].tags)
    # WHEN the older one is rolled back
    outcome = world.service().rollback(older, world.gateway_for, dry_run=False)
    # THEN its rule is back, the tags (naming the newer remediation) are untouched, and it says so
    assert [r.rule_id for r in outcome.restored_rules] == [SSH_V4]
    assert world.ours.groups[GROUP].tags == tags
    assert outcome.removed_tags == []
    assert newer in outcome.tags_note


def test_rolling_back_the_newer_backup_removes_the_tags() -> None:
    world = World()
    world.remediate((SSH_V4,), suffix="1")
    newer = world.remediate((FROM_PEER,), at=NOW + timedelta(hours=1), suffix="2")
    outcome = world.service().rollback(newer, world.gateway_for, dry_run=False)
    assert not set(MANAGED_TAG_KEYS) & set(world.ours.groups[GROUP].tags)
    assert set(outcome.removed_tags) == {TAG_STATUS, TAG_BACKUP, "sgc:violations"}


def test_a_second_rollback_skips_every_rule_and_writes_nothing() -> None:
    world = World()
    backup_id = world.remediate((SSH_V4, SSH_V6))
    service = world.service()
    service.rollback(backup_id, world.gateway_for, dry_run=False)
    writes = list(world.ours.writes)
    again = service.rollback(backup_id, world.gateway_for, dry_run=False)
    assert (again.restored, len(again.already_present), again.verified) == (0, 2, True)
    assert world.ours.writes == writes


def test_a_restore_stopped_part_way_records_the_rules_it_put_back() -> None:
    # GIVEN a remediation that revoked an inbound and an outbound rule, and a role that may
    # authorize inbound rules only
    world = World()
    backup_id = world.remediate((SSH_V4, MAIL_OUT))
    world.wrap = lambda gateway: AllOrNothing(
        world.ours, lambda rule: "UnauthorizedOperation" if rule.rule_id == MAIL_OUT else None
    )
    # WHEN it is rolled back  THEN it stops on the denial
    with pytest.raises(AccessDeniedError):
        world.service().rollback(backup_id, world.gateway_for, dry_run=False)
    # AND its audit record says it failed, and names the inbound rule it had put back
    (record,) = world.records
    assert record.outcome == "failed"
    assert record.rollback is not None
    assert record.rollback.restored_rule_ids == (SSH_V4,)
    assert "UnauthorizedOperation" in " ".join(record.rollback.unverified)


class ThrottledOnRule(AllOrNothing):
    """All or nothing as AWS, and throttled on a call naming `rule_id` alone."""

    def __init__(self, inner: Any, refuse: Any, rule_id: str) -> None:
        super().__init__(inner, refuse)
        self.rule_id = rule_id

    def authorize(self, group_id: str, direction: Direction, rules: Sequence[Rule]) -> None:
        if [r.rule_id for r in rules] == [self.rule_id]:
            raise ThrottledError("Throttling: rate exceeded", aws_code="Throttling")
        super().authorize(group_id, direction, rules)


def test_a_restore_stopped_rule_by_rule_records_the_rules_it_put_back_before() -> None:
    # GIVEN a rollback whose one call fails for one rule (its peer group deleted), so the rules
    # go one by one, and the second of those calls is throttled
    world = World()
    backup_id = world.remediate((SSH_V4, HTTPS, FROM_PEER))
    world.wrap = lambda gateway: ThrottledOnRule(world.ours, peer_group_deleted, HTTPS)
    # WHEN it is rolled back  THEN it stops on the throttling
    with pytest.raises(ThrottledError):
        world.service().rollback(backup_id, world.gateway_for, dry_run=False)
    # AND its record names the rule put back before it stopped, and says what stopped it
    (record,) = world.records
    assert record.rollback is not None
    assert record.rollback.restored_rule_ids == (SSH_V4,)
    assert record.reason.endswith("stopped: Throttling: rate exceeded")
    assert "refused" not in record.reason


def test_an_unexpected_error_in_a_rollback_is_audited_before_it_is_raised() -> None:
    world = World()
    backup_id = world.remediate((SSH_V4,))

    def defect(rule: Rule) -> str | None:
        raise RuntimeError("a defect")

    world.wrap = lambda gateway: AllOrNothing(world.ours, defect)
    with pytest.raises(RuntimeError):
        world.service().rollback(backup_id, world.gateway_for, dry_run=False)
    (record,) = world.records
    assert record.outcome == "failed"
    assert "stopped: stopped part way by an unexpected error (RuntimeError: a defect)" in (
        record.reason
    )
