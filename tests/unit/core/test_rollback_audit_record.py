"""The audit record of a rollback: its own action, what came back by backup rule id, what did
not and why, what could not be verified; records of other decisions keep their exact shape."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sgcompliance.records.audit import (
    AuditAction,
    RollbackAudit,
    Trigger,
    audit_record,
    rollback_audit_record,
    to_json,
)

TRIGGER = Trigger("rollback-0123", "SgcRollback", "111111111111", "eu-west-1")
DECIDED = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
BACKUP_ID = "sg-0aaa0000000000001.20261127T120000000000Z.00000001"


def partial() -> RollbackAudit:
    return RollbackAudit(
        restored_rule_ids=("sgr-1", "sgr-2"),
        already_present_rule_ids=("sgr-3",),
        failed=(("sgr-4", "its peer group sg-0ccc no longer exists (InvalidGroup.NotFound)"),),
        unverified=(),
        forced=False,
    )


def test_a_rollback_record_says_what_came_back_and_what_did_not() -> None:
    # GIVEN a partial rollback WHEN it is recorded
    record = rollback_audit_record(
        TRIGGER, decided_at=DECIDED, backup_id=BACKUP_ID, group_id="sg-0aaa0000000000001",
        outcome="partial", detail=partial(), plan_id="plan-1",
    )  # fmt: skip
    doc = json.loads(json.dumps(to_json(record)))
    # THEN its action is rollback, nothing is listed as revoked, and the detail is all there
    assert (doc["action"], doc["outcome"], doc["revoked_rule_ids"]) == ("rollback", "partial", [])
    assert doc["rollback"] == {
        "restored_rule_ids": ["sgr-1", "sgr-2"],
        "already_present_rule_ids": ["sgr-3"],
        "failed": [
            {
                "rule_id": "sgr-4",
                "reason": "its peer group sg-0ccc no longer exists (InvalidGroup.NotFound)",
            }
        ],
        "unverified": [],
        "forced": False,
    }
    assert "not restored: sgr-4" in doc["reason"]


def test_a_forced_rollback_record_names_what_it_forced_past() -> None:
    detail = RollbackAudit(("sgr-1",), (), (), ("no receipt of the backup",), forced=True)
    record = rollback_audit_record(
        TRIGGER, decided_at=DECIDED, backup_id=BACKUP_ID, group_id=None,
        outcome="restored", detail=detail,
    )  # fmt: skip
    assert record.reason.endswith("forced past: no receipt of the backup")
    assert to_json(record)["rollback"]["forced"] is True


def test_hostile_sizes_are_clipped() -> None:
    detail = RollbackAudit(
        ("x" * 500,), (), (("sgr-1", "y" * 5000),), tuple("z" * 10 for _ in range(100)), True
    )
    record = rollback_audit_record(
        TRIGGER, decided_at=DECIDED, backup_id=BACKUP_ID, group_id=None,
        outcome="refused", detail=detail,
    )  # fmt: skip
    assert record.rollback is not None
    assert len(record.rollback.restored_rule_ids[0]) <= 128
    assert len(record.rollback.failed[0][1]) <= 256
    assert len(record.rollback.unverified) == 20
    assert len(record.reason) <= 2048


def test_other_records_have_no_rollback_field() -> None:
    record = audit_record(TRIGGER, decided_at=DECIDED, action=AuditAction.NONE)
    assert "rollback" not in to_json(record)
