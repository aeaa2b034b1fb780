"""Operator actions: strict validation, a precise message for the first bad field."""

from __future__ import annotations

from typing import Any

import pytest

from sgcompliance.events.classify import (
    OperatorAction,
    OperatorVerb,
    RejectCode,
    Rejected,
    classify,
)


def test_a_bare_scan_means_the_configured_scope() -> None:
    assert classify({"action": "scan"}) == OperatorAction(OperatorVerb.SCAN)


def test_duplicate_accounts_are_kept_once_in_order() -> None:
    found = classify(
        {"action": "scan", "accounts": ["222222222222", "111111111111", "222222222222"]}
    )
    assert isinstance(found, OperatorAction)
    assert found.accounts == ("222222222222", "111111111111")


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"action": 3}, "action must be one of scan, remediate, rollback, got a number"),
        ({"action": "scan", "mode": "flag_only"}, "scan: unknown field 'mode'"),
        ({"action": "scan", "acounts": []}, "scan: unknown field 'acounts'"),
        ({"action": "scan", "accounts": "111111111111"}, "accounts must be an array"),
        (
            {"action": "scan", "accounts": ["1"]},
            "accounts[0] must be a 12-digit account id, got '1'",
        ),
        ({"action": "scan", "regions": ["eu-west-1", None]}, "regions[1] must be an AWS region"),
        ({"action": "scan", "group_ids": ["web"]}, "group_ids[0] must be a security group id"),
        ({"action": "remediate", "mode": "fix"}, "mode must be one of flag_only"),
        ({"action": "remediate", "dry_run": "yes"}, "dry_run must be true or false, got a string"),
        ({"action": "rollback"}, "rollback: backup_id is required"),
        ({"action": "rollback", "backup_id": "../../x"}, "backup_id must be a backup id"),
        ({"action": "rollback", "backup_id": "b", "accounts": []}, "unknown field 'accounts'"),
        ({"action": "scan", "request_id": "a b"}, "request_id must be 1-128 of"),
    ],
)
def test_each_bad_field_is_named(doc: dict[str, Any], message: str) -> None:
    found = classify(doc)
    assert isinstance(found, Rejected)
    assert found.reason_code is RejectCode.BAD_OPERATOR_ACTION
    assert message in found.message


def test_a_remediate_may_ask_for_a_dry_run_in_another_mode() -> None:
    found = classify({"action": "remediate", "mode": "emergency_remediation", "dry_run": True})
    assert isinstance(found, OperatorAction)
    assert (found.mode, found.dry_run) == ("emergency_remediation", True)
