"""Operator actions through the handler's use case: scan, remediate, rollback."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from sgcompliance.records.audit import AuditAction
from sgcompliance.remediation.plan import Mode
from support.pipeline_world import GROUP, MEMBER, OTHER, REGION, SSH_V4, SSH_V6, event_for, world


def roundtrip(body: dict[str, Any]) -> dict[str, Any]:
    """What the caller receives: the result must survive JSON."""
    loaded: dict[str, Any] = json.loads(json.dumps(body))
    return loaded


def test_a_scan_lists_violations_and_changes_nothing() -> None:
    w = world()
    body = roundtrip(w.app.handle({"action": "scan", "request_id": "CHG-1"}).body)
    assert (body["action"], body["status"], body["request_id"]) == ("scan", "ok", "CHG-1")
    assert body["groups_scanned"] == 1
    assert {v["rule_id"] for v in body["violations"]} == {SSH_V4, SSH_V6}
    assert body["by_severity"]["critical"] == 2
    assert w.writes == []


def test_requested_accounts_outside_the_scope_are_refused_not_scanned() -> None:
    w = world()
    request = {"action": "scan", "accounts": [MEMBER, "333333333333"]}
    body = w.app.handle(request).body
    assert body["refused"] == ["333333333333"]
    assert [s["account_id"] for s in body["scopes"]] == [MEMBER]


def test_a_remediation_in_dry_run_plans_without_writing() -> None:
    w = world()
    request = {"action": "remediate", "accounts": [MEMBER], "dry_run": True, "request_id": "CHG-2"}
    body = roundtrip(w.app.handle(request).body)
    (decided,) = body["decisions"]
    assert (decided["action"], decided["outcome"]) == ("revoke", "dry_run")
    assert w.writes == []


def test_a_remediation_revokes_and_sends_one_summary_alert() -> None:
    w = world(mode=Mode.FLAG_ONLY)
    request = {"action": "remediate", "accounts": [MEMBER], "mode": "remove_non_compliant_rules"}
    body = w.app.handle(request).body
    assert body["decisions"][0]["revoked_rule_ids"] == [SSH_V4, SSH_V6]
    assert body["alert_message_id"] == "msg-1"
    assert w.alerts[0].body()["kind"] == "sweep"


def test_a_configured_dry_run_is_not_turned_off_by_a_request() -> None:
    w = world(dry_run=True)
    request = {"action": "remediate", "accounts": [MEMBER], "dry_run": False}
    body = w.app.handle(request).body
    assert body["dry_run"] is True
    assert w.writes == []


def test_a_revoking_mode_without_a_backup_bucket_is_refused() -> None:
    w = world(mode=Mode.FLAG_ONLY, backup_bucket=None)
    body = w.app.handle({"action": "remediate", "mode": "emergency_remediation"}).body
    assert body["status"] == "refused"
    assert w.writes == []


def test_a_rollback_restores_exactly_what_was_revoked() -> None:
    # GIVEN a remediation of the fixture's change
    w = world()
    backup_id = w.app.handle(event_for()).body["decisions"][0]["backup_id"]
    # WHEN the operator rolls it back
    body = roundtrip(w.app.handle({"action": "rollback", "backup_id": backup_id}).body)
    # THEN both rules are back, the managed tags are gone, and it was verified
    assert (body["status"], body["restored"], body["verified"]) == ("ok", 2, True)
    assert (body["account_id"], body["region"], body["group_id"]) == (MEMBER, REGION, GROUP)
    ports = sorted(r.from_port or 0 for r in w.gateway.groups[GROUP].rules)
    assert ports == [22, 22, 443]
    assert not any(k.startswith("sgc:") for k in w.gateway.groups[GROUP].tags)


def test_a_rollback_of_an_account_outside_the_scope_is_refused() -> None:
    w = world()
    backup_id = w.app.handle(event_for()).body["decisions"][0]["backup_id"]
    w.configs.value = replace(w.configs.value, accounts=(OTHER,))
    body = w.app.handle({"action": "rollback", "backup_id": backup_id}).body
    assert body["status"] == "refused"


def test_a_rollback_of_an_unknown_backup_is_an_error_result() -> None:
    w = world()
    request = {
        "action": "rollback",
        "backup_id": "sg-0a1b2c3d4e5f60718.20261127T101533000000Z.1a2b3c4d",
    }
    body = w.app.handle(request).body
    assert (body["status"], body["code"], body["retryable"]) == ("error", "SGC400", False)


def test_a_rollback_is_one_audit_record_of_its_own_action() -> None:
    w = world()
    backup_id = w.app.handle(event_for()).body["decisions"][0]["backup_id"]
    request = {"action": "rollback", "backup_id": backup_id, "request_id": "CHG-9"}
    w.app.handle(request)
    (record,) = [r for r in w.audit if r.action is AuditAction.ROLLBACK]
    assert (record.event_id, record.event_name, record.outcome) == (
        "CHG-9", "OperatorRollback", "restored"
    )  # fmt: skip
    assert record.rollback is not None
    assert sorted(record.rollback.restored_rule_ids) == [SSH_V4, SSH_V6]


def test_a_rollback_answers_what_failed_whether_partial_and_what_was_unverified() -> None:
    w = world()
    backup_id = w.app.handle(event_for()).body["decisions"][0]["backup_id"]
    body = roundtrip(w.app.handle({"action": "rollback", "backup_id": backup_id}).body)
    assert (body["failed"], body["partial"], body["problems"]) == ([], False, [])
    assert body["not_restored"] == []


def test_a_rollback_of_a_document_without_receipt_is_refused_recorded_and_changes_nothing() -> None:
    # GIVEN a remediated group, and a document under its key written around the tool
    w = world()
    backup_id = w.app.handle(event_for()).body["decisions"][0]["backup_id"]
    store = w.adapters.backups_store
    forged_id = backup_id.rsplit(".", 1)[0] + ".ffffffff"
    store.tamper(forged_id, replace(store.get(backup_id), backup_id=forged_id))
    writes = list(w.writes)
    # WHEN the operator rolls it back
    body = w.app.handle({"action": "rollback", "backup_id": forged_id}).body
    # THEN it is refused with the reason, audited, and nothing is written
    assert (body["status"], body["code"]) == ("error", "SGC400")
    assert "no receipt" in body["error"]
    assert w.writes == writes
    (record,) = [r for r in w.audit if r.action is AuditAction.ROLLBACK]
    assert record.outcome == "refused"
