"""The audit trail: a structured log entry per record, every sink written, failures contained."""

from __future__ import annotations

import io
import json
import logging
import uuid
from datetime import UTC, datetime

import pytest
from aws_lambda_powertools import Logger

from sgcompliance.engine.policy import Severity
from sgcompliance.errors import AccessDeniedError
from sgcompliance.records.audit import (
    AuditAction,
    AuditRecord,
    StoredRecord,
    Trigger,
    audit_record,
    to_json,
)
from sgcompliance.records.audit_log import (
    AUDIT_KEY,
    AUDIT_LOGGER,
    AuditTrail,
    LogAuditSink,
)
from sgcompliance.remediation.audit_records import outcome_audit_record
from sgcompliance.remediation.plan import Action, Mode, PlannedFinding, RemediationPlan
from sgcompliance.remediation.remediator import GroupOutcome, Outcome

EVENT_TIME = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
DECIDED_AT = datetime(2026, 11, 27, 12, 0, 1, tzinfo=UTC)
TRIGGER = Trigger(
    "ev-1", "AuthorizeSecurityGroupIngress", "111111111111", "eu-west-1", EVENT_TIME,
    "arn:aws:sts::111111111111:assumed-role/dev/alice\n<b>",
)  # fmt: skip


def record(group_id: str = "sg-1") -> AuditRecord:
    return audit_record(
        TRIGGER, decided_at=DECIDED_AT, action=AuditAction.FLAG, group_id=group_id, mode="flag_only"
    )


class ListSink:
    """Keeps records by id, as S3 does: a record id written before is not written again."""

    def __init__(self, where: str | None = None) -> None:
        self.where = where
        self.written: list[AuditRecord] = []

    def location(self, record: AuditRecord) -> str | None:
        return None if self.where is None else f"{self.where}/{record.record_id}.json"

    def write(self, record: AuditRecord) -> StoredRecord:
        created = all(r.record_id != record.record_id for r in self.written)
        if created:
            self.written.append(record)
        return StoredRecord(self.location(record) or "list", created)


class BrokenSink(ListSink):
    def write(self, record: AuditRecord) -> StoredRecord:
        raise AccessDeniedError(
            f"PutObject {record.record_id}: AccessDenied", operation="PutObject"
        )


# --- the log --------------------------------------------------------------------------------


def test_a_record_is_logged_once_at_info_with_the_record_as_structured_data(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # GIVEN the default log sink  WHEN a record is written
    with caplog.at_level(logging.INFO, logger=AUDIT_LOGGER):
        stored = LogAuditSink().write(record())
    # THEN one INFO entry carries the whole JSON record
    (entry,) = caplog.records
    assert entry.levelno == logging.INFO
    assert getattr(entry, AUDIT_KEY) == to_json(record())
    assert stored == StoredRecord("log", created=True)


def test_a_powertools_logger_writes_the_record_as_one_json_line() -> None:
    # GIVEN a powertools Logger writing to a buffer; powertools configures a service's logger
    # once per process, so this test's service name is its own
    buffer = io.StringIO()
    service = f"sgc-audit-test-{uuid.uuid4().hex}"
    logger = Logger(service=service, logger_handler=logging.StreamHandler(buffer))
    # WHEN a record with a newline in its actor is written
    LogAuditSink(logger).write(record())
    # THEN it is one JSON line whose audit_record key is the record
    (line,) = buffer.getvalue().splitlines()
    logged = json.loads(line)
    assert logged[AUDIT_KEY] == to_json(record())
    assert logged["message"] == f"audit record {record().record_id}"


def test_a_second_write_of_a_record_is_reported_as_seen_before() -> None:
    # GIVEN a record already in the trail (a first delivery of the event)
    trail = AuditTrail([LogAuditSink(), ListSink("s3://b")])
    first = trail.write(record())
    # WHEN the duplicate delivery reaches the same decision
    again = trail.write(record())
    # THEN the trail says so (the caller need not alert twice)
    assert not first.seen_before
    assert again.seen_before


def test_the_log_sink_has_no_address() -> None:
    assert LogAuditSink().location(record()) is None


# --- the trail ------------------------------------------------------------------------------


def test_the_trail_writes_every_sink() -> None:
    log_sink, s3_sink = ListSink(), ListSink("s3://b/audit")
    result = AuditTrail([log_sink, s3_sink]).write(record())
    assert log_sink.written == s3_sink.written == [record()]
    assert result.locations == ["list", f"s3://b/audit/{record().record_id}.json"]
    assert result.ok


def test_a_failing_sink_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    # GIVEN an S3 sink that is denied, before the log sink
    log_sink = ListSink()
    result = AuditTrail([BrokenSink("s3://b"), log_sink]).write(record())
    # THEN the log still gets the record and the failure is reported, not raised
    assert log_sink.written == [record()]
    assert result.errors == [f"PutObject {record().record_id}: AccessDenied"]
    assert not result.ok
    assert "not written by BrokenSink" in caplog.text


def test_the_alert_pointer_is_the_first_addressable_location() -> None:
    trail = AuditTrail([ListSink(), ListSink("s3://b/audit")])
    one, two = record("sg-1"), record("sg-2")
    assert trail.locations([one, two]) == {
        one.record_id: f"s3://b/audit/{one.record_id}.json",
        two.record_id: f"s3://b/audit/{two.record_id}.json",
    }


def test_a_trail_without_addressable_sinks_gives_no_pointer() -> None:
    assert AuditTrail([LogAuditSink()]).locations([record()]) == {}


# --- from a remediation outcome -------------------------------------------------------------


def plan(action: Action = Action.REVOKE) -> RemediationPlan:
    found = (PlannedFinding("f" * 32, "cis-5.2", Severity.CRITICAL, "sgr-1", "ssh from world"),)
    return RemediationPlan(
        "plan-1", Mode.REMOVE, action, "111111111111", "eu-west-1", "sg-1", "web", (), found,
        revoke_ingress=("sgr-1",),
    )  # fmt: skip


def test_an_applied_outcome_is_recorded_with_its_backup_and_revoked_rules() -> None:
    outcome = GroupOutcome(plan(), Outcome.APPLIED, backup_id="sg-1.b", revoked=["sgr-1"])
    result = outcome_audit_record(TRIGGER, outcome, decided_at=DECIDED_AT, policy_id="cis")
    assert (result.action, result.outcome, result.backup_id) == (
        AuditAction.REVOKE,
        "applied",
        "sg-1.b",
    )
    assert result.revoked_rule_ids == ("sgr-1",)
    assert result.policy_id == "cis"
    assert not result.dry_run


def test_a_failed_outcome_gives_its_error_as_the_reason() -> None:
    outcome = GroupOutcome(plan(), Outcome.FAILED, error="verification failed")
    result = outcome_audit_record(TRIGGER, outcome, decided_at=DECIDED_AT)
    assert (result.outcome, result.reason) == ("failed", "verification failed")


def test_a_dry_run_outcome_is_marked_as_a_dry_run() -> None:
    result = outcome_audit_record(
        TRIGGER, GroupOutcome(plan(), Outcome.DRY_RUN), decided_at=DECIDED_AT
    )
    assert result.dry_run
    assert result.revoked_rule_ids == ()
