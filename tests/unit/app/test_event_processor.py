"""The change-event use case against fakes for every port: decisions, order, alerts, metrics."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sgcompliance.engine.model import Peer, PeerKind
from sgcompliance.engine.policy import Severity
from sgcompliance.errors import AccessDeniedError, ThrottledError
from sgcompliance.records.audit import AuditAction
from sgcompliance.remediation.plan import TAG_CHECKS, TAG_STATUS, Mode
from support.pipeline_world import (
    EVENT_TIME,
    GROUP,
    MEMBER,
    NOW,
    REGION,
    SSH_V4,
    SSH_V6,
    emitted,
    event_for,
    open_ssh_group,
    private_group,
    world,
)


def only_decision(body: dict[str, Any]) -> dict[str, Any]:
    (decided,) = body["decisions"]
    assert isinstance(decided, dict)
    return decided


def test_a_world_open_ssh_rule_is_revoked_after_a_backup_and_alerted_once() -> None:
    # GIVEN remove_non_compliant_rules and a group the change opened to the world on tcp 22
    w = world()
    # WHEN the AuthorizeSecurityGroupIngress event arrives
    body = w.app.handle(event_for()).body
    # THEN both world rules are revoked, the private one stays, and the backup came first
    decided = only_decision(body)
    assert (decided["action"], decided["outcome"]) == ("revoke", "applied")
    assert decided["revoked_rule_ids"] == [SSH_V4, SSH_V6]
    assert [r.rule_id for r in w.gateway.groups[GROUP].rules] == ["sgr-06f70819203142536"]
    assert list(w.adapters.backups_store.records) == [decided["backup_id"]]
    assert w.writes[0].startswith(f"tag {GROUP}")  # the backup pointer before the revoke
    assert w.writes[1].startswith(f"revoke {GROUP}")
    # AND one alert went out, pointing at the audit record and the rollback
    (alert,) = w.alerts
    group = alert.body()["groups"][0]
    assert group["audit"]["uri"] == f"memory://audit/{decided['record_id']}"
    assert group["rollback"] == f"sgc rollback {decided['backup_id']} --backup-bucket sgc-backups"
    assert alert.attributes["severity"] == "critical"


def test_the_audit_record_names_the_actor_policy_mode_and_latency() -> None:
    w = world()
    w.app.handle(event_for())
    (record,) = w.audit
    assert record.actor is not None
    assert record.actor.endswith("/alice@example.com")
    assert (record.account_id, record.region, record.group_id) == (MEMBER, REGION, GROUP)
    assert (record.policy_id, record.mode) == ("strict", Mode.REMOVE.value)
    assert record.event_time == EVENT_TIME
    assert record.latency_ms == 2000  # NOW - eventTime
    assert record.pre_image_hash is not None


def test_a_compliant_change_is_described_only_and_recorded_without_an_alert() -> None:
    # GIVEN a change that left only a private rule
    w = world(private_group())
    # WHEN its event is handled
    body = w.app.handle(event_for()).body
    # THEN one read, no write, a "none" record and no alert
    assert only_decision(body)["action"] == AuditAction.NONE.value
    assert w.calls == [f"read-group {MEMBER}/{REGION} {GROUP}"]
    assert w.writes == []
    assert w.alerts == []


def test_flag_only_tags_the_group_and_revokes_nothing() -> None:
    w = world(mode=Mode.FLAG_ONLY)
    body = w.app.handle(event_for()).body
    assert only_decision(body)["action"] == "flag"
    assert [x for x in w.writes if x.startswith("revoke")] == []
    assert w.gateway.groups[GROUP].tags[TAG_STATUS] == "flagged"
    assert len(w.alerts) == 1


def test_the_account_override_decides_the_mode() -> None:
    # GIVEN flag_only by default and emergency_remediation for this account
    from sgcompliance.config.mode_overrides import ModeOverrides

    overrides = ModeOverrides(accounts={MEMBER: Mode.EMERGENCY})
    w = world(mode=Mode.FLAG_ONLY, mode_overrides=overrides, lockdown_severity=Severity.HIGH)
    # WHEN the event is handled  THEN the group is locked down: every rule revoked
    body = w.app.handle(event_for()).body
    assert only_decision(body)["action"] == "lockdown"
    assert w.gateway.groups[GROUP].rules == ()


def test_more_revokes_than_the_blast_radius_limit_flag_instead() -> None:
    w = world(max_revokes=1)
    decided = only_decision(w.app.handle(event_for()).body)
    assert decided["action"] == "flag"
    assert "blast-radius limit" in decided["reason"]
    assert [x for x in w.writes if x.startswith("revoke")] == []
    assert len(w.alerts) == 1


def test_a_dry_run_changes_nothing_and_says_what_it_would_do() -> None:
    w = world(dry_run=True)
    decided = only_decision(w.app.handle(event_for()).body)
    assert (decided["action"], decided["outcome"]) == ("revoke", "dry_run")
    assert w.writes == []
    assert w.alerts[0].subject.startswith("sgcompliance CRITICAL: would revoke")


def test_a_second_delivery_of_the_same_event_remediates_once_and_alerts_once() -> None:
    # GIVEN the event was handled once
    w = world()
    w.app.handle(event_for())
    writes = list(w.writes)
    # WHEN EventBridge delivers it again
    body = w.app.handle(event_for()).body
    # THEN the group is compliant now: nothing written, no second alert
    assert only_decision(body)["action"] == AuditAction.NONE.value
    assert w.writes == writes
    assert len(w.alerts) == 1


def test_a_second_delivery_in_flag_only_mode_is_recognised_as_a_duplicate() -> None:
    # GIVEN flag_only: the second delivery reaches the same decision as the first
    w = world(mode=Mode.FLAG_ONLY)
    w.app.handle(event_for())
    tags = dict(w.gateway.groups[GROUP].tags)
    # WHEN delivered again
    w.app.handle(event_for())
    # THEN the flags are unchanged, the audit store already had the record: no second alert
    assert w.gateway.groups[GROUP].tags == tags
    assert len(w.alerts) == 1
    assert emitted(w.pipeline.metrics)["EventsIgnored[duplicate]"] == 1


def test_a_group_deleted_before_the_describe_is_recorded_as_gone() -> None:
    w = world(open_ssh_group(group_id="sg-0ffffffffffffffff"))
    decided = only_decision(w.app.handle(event_for()).body)
    assert (decided["action"], decided["outcome"]) == ("none", "group_gone")
    assert w.alerts == []


def test_a_throttled_describe_is_an_error_record_and_asks_for_a_retry() -> None:
    w = world()
    w.adapters.member_groups.failures[(MEMBER, REGION)] = ThrottledError("Throttling")
    response = w.app.handle(event_for())
    assert response.retry
    assert only_decision(response.body)["action"] == AuditAction.ERROR.value


def test_access_denied_is_an_error_record_alerted_and_not_retried() -> None:
    w = world()
    w.adapters.member_groups.failures[(MEMBER, REGION)] = AccessDeniedError("AccessDenied")
    response = w.app.handle(event_for())
    assert not response.retry
    decided = only_decision(response.body)
    assert decided["action"] == "error"
    assert "AccessDenied" in decided["reason"]
    assert w.alerts[0].subject.startswith("sgcompliance ERROR")
    assert emitted(w.pipeline.metrics)["RemediationErrors"] == 1


def test_a_call_by_group_name_is_resolved_to_the_default_vpc_group() -> None:
    # GIVEN a call that named the default group by name only (no id anywhere in the event)
    event = event_for("authorize_ingress_by_name", responseElements=None)
    default = open_ssh_group(group_id="sg-0123456789abcdef0")
    w = world(type(default)(**{**_fields(default), "name": "default"}))
    # WHEN handled  THEN the group is found by its name and judged
    body = w.app.handle(event).body
    assert only_decision(body)["group_id"] == "sg-0123456789abcdef0"
    assert w.calls[0] == f"named {MEMBER}/{REGION} ['default']"


def test_a_created_group_is_judged_by_the_id_in_the_response() -> None:
    created = "sg-0d4e5f60718293a4b"
    w = world(private_group(group_id=created))
    body = w.app.handle(event_for("create_security_group")).body
    assert only_decision(body)["group_id"] == created


def test_every_step_is_counted_in_the_metrics() -> None:
    w = world()
    w.app.handle(event_for())
    metrics = emitted(w.pipeline.metrics)
    assert metrics["GroupsScanned"] == 1
    assert metrics["RulesEvaluated"] == 3
    assert metrics["Violations[critical]"] == 2
    assert metrics["RulesRevoked"] == 2
    assert metrics["TimeToRemediate"] == (NOW - EVENT_TIME).total_seconds() * 1000
    assert "ScanDuration" in metrics


def _fields(group: Any) -> dict[str, Any]:
    return {name: getattr(group, name) for name in group.__dataclass_fields__}


def test_a_rule_fixed_in_place_while_the_backup_is_written_is_not_revoked() -> None:
    # GIVEN a developer who narrows the IPv4 SSH rule in place (same id) to the office range
    # just as the handler writes its backup pointer
    w = world()
    office = Peer(PeerKind.IPV4, "10.20.0.0/16")
    w.gateway.before("tag", lambda: w.gateway.modify_rule(GROUP, SSH_V4, peer=office))
    # WHEN the event arrives
    decided = only_decision(w.app.handle(event_for()).body)
    # THEN only the IPv6 world rule is revoked: the revoke names content, which the fixed rule
    # no longer holds
    assert decided["revoked_rule_ids"] == [SSH_V6]
    rules = {r.rule_id: r for r in w.gateway.groups[GROUP].rules}
    assert rules[SSH_V4].peer == office
    (record,) = w.audit
    assert record.changed_rule_ids == (SSH_V4,)
    assert record.not_revoked_rule_ids == (SSH_V4,)
    # AND the receipt says so, so that a rollback puts back the IPv6 rule alone
    receipt = w.adapters.backups_store.receipt(str(decided["backup_id"]))
    assert receipt is not None
    assert (receipt.revoked, receipt.not_revoked) == ((SSH_V6,), (SSH_V4,))


def test_a_flagged_group_fixed_by_its_owner_is_marked_compliant_on_its_next_event() -> None:
    # GIVEN a group flagged earlier, now holding only a private rule
    flagged = replace(private_group(), tags={TAG_STATUS: "flagged", TAG_CHECKS: "EC2.13"})
    w = world(flagged, mode=Mode.FLAG_ONLY)
    # WHEN a change event about it arrives
    decided = only_decision(w.app.handle(event_for()).body)
    # THEN its flags are cleared and the record says so
    assert (decided["action"], decided["outcome"]) == ("none", "flags_cleared")
    tags = w.gateway.groups[GROUP].tags
    assert tags[TAG_STATUS] == "compliant"
    assert TAG_CHECKS not in tags
