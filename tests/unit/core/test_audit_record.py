"""Audit records: stable ids, latency, the documented JSON, and hostile input kept as data."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

from audit_samples import (
    ACTOR,
    BACKUP_ID,
    DECIDED_AT,
    EVENT_TIME,
    decided,
    findings,
    revoked_record,
    trigger,
)

from sgcompliance.engine.model import Direction, Peer, PeerKind, Rule
from sgcompliance.engine.policy import Severity
from sgcompliance.records.audit import (
    ARN_LIMIT,
    MAX_FINDINGS,
    REASON_LIMIT,
    SCHEMA_VERSION,
    AuditAction,
    audit_record,
    clip,
    highest_severity,
    latency_ms,
    to_json,
)
from sgcompliance.remediation.audit_records import plan_audit_record
from sgcompliance.remediation.plan import Action, Mode, RemediationPlan, pre_image_hash

DOCUMENTED_FIELDS = {
    "schema_version", "record_id", "event_id", "event_name", "event_time", "decided_at",
    "latency_ms", "actor", "account_id", "region", "group_id", "policy_id", "policy_digest",
    "mode", "dry_run", "action", "outcome", "reason", "findings", "findings_truncated",
    "pre_image_hash", "plan_id", "backup_id", "revoked_rule_ids", "backup_version",
    "backup_sha256", "changed_rule_ids", "not_revoked_rule_ids", "tag_changes",
}  # fmt: skip


# --- identity -------------------------------------------------------------------------------


def test_a_duplicate_delivery_reaching_the_same_decision_has_the_same_record_id() -> None:
    # GIVEN the same event decided twice, the second time a minute later
    first = revoked_record()
    again = revoked_record(decided_at=DECIDED_AT + timedelta(minutes=1))
    # THEN both records share one id
    assert first.record_id == again.record_id


def test_another_decision_on_the_same_event_and_group_has_another_record_id() -> None:
    assert decided(AuditAction.FLAG).record_id != decided(AuditAction.REVOKE).record_id


def test_another_group_of_the_same_event_has_another_record_id() -> None:
    assert revoked_record(group_id="sg-1").record_id != revoked_record(group_id="sg-2").record_id


def test_the_same_event_id_in_another_account_has_another_record_id() -> None:
    # GIVEN a sweep id shared by every account-region of the sweep
    here = decided(AuditAction.NONE, account_id="111111111111")
    there = decided(AuditAction.NONE, account_id="222222222222")
    assert here.record_id != there.record_id


# --- latency --------------------------------------------------------------------------------


def test_latency_is_the_time_from_the_event_to_the_decision_in_milliseconds() -> None:
    assert revoked_record().latency_ms == 2345


def test_a_naive_event_time_is_taken_as_utc() -> None:
    naive = EVENT_TIME.replace(tzinfo=None)
    assert latency_ms(naive, DECIDED_AT) == 2345


def test_clock_skew_never_makes_latency_negative() -> None:
    assert latency_ms(DECIDED_AT + timedelta(seconds=1), DECIDED_AT) == 0


def test_a_decision_without_an_event_time_has_no_latency() -> None:
    record = audit_record(
        trigger(event_time=None), decided_at=DECIDED_AT, action=AuditAction.IGNORED
    )
    assert record.latency_ms is None
    assert to_json(record)["event_time"] is None


# --- the JSON document ----------------------------------------------------------------------


def test_the_json_document_has_exactly_the_documented_fields() -> None:
    assert set(to_json(revoked_record())) == DOCUMENTED_FIELDS


def test_the_json_document_carries_the_decision() -> None:
    # GIVEN a revoke after an SSH world-open change  WHEN rendered
    doc = to_json(revoked_record())
    # THEN it names the trigger, the decision and the undo
    assert doc["schema_version"] == SCHEMA_VERSION
    assert doc["event_time"] == "2026-11-27T12:00:00.000Z"
    assert doc["decided_at"] == "2026-11-27T12:00:02.345Z"
    assert doc["actor"] == ACTOR
    assert doc["action"] == "revoke"
    assert doc["outcome"] == "applied"
    assert doc["backup_id"] == BACKUP_ID
    assert doc["revoked_rule_ids"] == ["sgr-00000000000000000"]
    assert doc["findings"] == [
        {
            "finding_id": "0" * 32,
            "check_id": "cis-5.2-ssh-world",
            "severity": "critical",
            "rule_id": "sgr-00000000000000000",
        }
    ]


def test_decided_at_is_rendered_in_utc_whatever_its_zone() -> None:
    local = DECIDED_AT.astimezone(timezone(timedelta(hours=9)))
    record = audit_record(trigger(), decided_at=local, action=AuditAction.NONE)
    assert to_json(record)["decided_at"] == "2026-11-27T12:00:02.345Z"


def test_a_plan_gives_the_record_its_action_mode_group_findings_and_pre_image_hash() -> None:
    # GIVEN a lockdown plan for a group with two rules
    rules = (
        Rule("sgr-1", "sg-9", Direction.INGRESS, "tcp", 22, 22, Peer(PeerKind.IPV4, "0.0.0.0/0")),
        Rule("sgr-2", "sg-9", Direction.EGRESS, "-1", None, None, Peer(PeerKind.IPV4, "0.0.0.0/0")),
    )
    plan = RemediationPlan(
        "plan-1", Mode.EMERGENCY, Action.LOCKDOWN, "111111111111", "eu-west-1", "sg-9", "web",
        rules, tuple(findings(2)), revoke_ingress=("sgr-1",), revoke_egress=("sgr-2",),
    )  # fmt: skip
    # WHEN recorded
    record = plan_audit_record(
        trigger(), plan, decided_at=DECIDED_AT, outcome="applied", backup_id=BACKUP_ID,
        revoked_rule_ids=["sgr-1", "sgr-2"],
    )  # fmt: skip
    # THEN everything about the decision comes from the plan
    assert (record.action, record.mode, record.group_id) == (
        AuditAction.LOCKDOWN,
        "emergency_remediation",
        "sg-9",
    )
    assert record.pre_image_hash == pre_image_hash(rules)
    assert record.plan_id == "plan-1"
    assert len(record.findings) == 2


def test_a_blast_radius_downgrade_gives_its_note_as_the_reason() -> None:
    plan = RemediationPlan(
        "plan-2", Mode.REMOVE, Action.FLAG, "111111111111", "eu-west-1", "sg-9", "web", (), (),
        note="blast-radius limit: 60 rules would be revoked",
    )  # fmt: skip
    record = plan_audit_record(trigger(), plan, decided_at=DECIDED_AT, outcome="applied")
    assert record.action is AuditAction.FLAG
    assert record.reason.startswith("blast-radius limit")


def test_the_highest_severity_is_taken_across_records() -> None:
    low = revoked_record(found=findings(3, Severity.LOW))
    high = revoked_record(group_id="sg-2", found=findings(1, Severity.HIGH))
    assert highest_severity([low, high]) == "high"
    assert highest_severity([decided(AuditAction.NONE)]) is None


# --- hostile input --------------------------------------------------------------------------


def test_newlines_and_html_in_an_actor_are_kept_as_data() -> None:
    # GIVEN an actor name crafted to break log lines and HTML views
    hostile = 'arn:aws:sts::1:assumed-role/x/a\n{"forged": true}<script>alert(1)</script>'
    record = audit_record(trigger(actor=hostile), decided_at=DECIDED_AT, action=AuditAction.NONE)
    # WHEN rendered as one JSON line
    line = json.dumps(to_json(record))
    # THEN it stays one line and reads back exactly
    assert "\n" not in line
    assert json.loads(line)["actor"] == hostile


def test_a_huge_actor_is_clipped_to_the_limit_with_a_marker() -> None:
    record = audit_record(
        trigger(actor="A" * 100_000), decided_at=DECIDED_AT, action=AuditAction.IGNORED
    )
    assert record.actor is not None
    assert len(record.actor) <= ARN_LIMIT
    kept = record.actor.index("...")
    assert record.actor == "A" * kept + f"...[truncated {100_000 - kept} chars]"


def test_a_huge_reason_is_clipped_to_the_limit() -> None:
    record = decided(AuditAction.ERROR, reason="x" * 1_000_000)
    assert len(record.reason) <= REASON_LIMIT
    assert "truncated" in record.reason


def test_clip_leaves_short_text_alone() -> None:
    assert clip("sg-0abc", 128) == "sg-0abc"


def test_a_lone_surrogate_becomes_storable_text() -> None:
    # GIVEN a JSON event whose event name holds "\ud800" (valid JSON, invalid UTF-8)
    bad = replace(trigger(), event_name=json.loads('"Authorize\\ud800"'))
    record = audit_record(bad, decided_at=DECIDED_AT, action=AuditAction.IGNORED)
    # THEN the record encodes to UTF-8
    assert record.event_name.encode() == b"Authorize?"


def test_findings_beyond_the_limit_are_counted_not_kept() -> None:
    record = revoked_record(found=findings(MAX_FINDINGS + 5))
    assert len(record.findings) == MAX_FINDINGS
    assert record.findings_truncated == 5
    assert record.violation_count == MAX_FINDINGS + 5


def test_a_non_utc_event_time_keeps_its_instant() -> None:
    tokyo = datetime(2026, 11, 27, 21, 0, tzinfo=timezone(timedelta(hours=9)))
    record = audit_record(trigger(event_time=tokyo), decided_at=DECIDED_AT, action=AuditAction.NONE)
    assert record.event_time == datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
