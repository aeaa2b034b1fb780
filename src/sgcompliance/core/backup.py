"""Backup records: a plan and its group's full pre-image, as a self-describing JSON document.

A backup is written before any change to a group; rollback reads nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sgcompliance.core.errors import InputError
from sgcompliance.core.plan import Action, Mode, PlannedFinding, RemediationPlan
from sgcompliance.core.policy import Severity
from sgcompliance.core.rule_codec import rule_to_row
from sgcompliance.core.snapshot import parse_rule

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class BackupRecord:
    backup_id: str
    created_at: str
    plan: RemediationPlan
    policy_id: str = ""
    policy_digest: str = ""


def backup_id_for(plan: RemediationPlan, created_at: datetime) -> str:
    """Sortable by time within a group, unique per plan, safe in S3 keys and tag values."""
    return f"{plan.group_id}.{created_at:%Y%m%dT%H%M%S%fZ}.{plan.plan_id[-8:]}"


def group_of(backup_id: str) -> str:
    return backup_id.split(".", 1)[0]


def to_document(record: BackupRecord) -> dict[str, Any]:
    plan = record.plan
    return {
        "format_version": FORMAT_VERSION,
        "backup_id": record.backup_id,
        "created_at": record.created_at,
        "policy": {"id": record.policy_id, "digest": record.policy_digest},
        "plan": {
            "plan_id": plan.plan_id,
            "mode": plan.mode.value,
            "action": plan.action.value,
            "account_id": plan.account_id,
            "region": plan.region,
            "group_id": plan.group_id,
            "group_name": plan.group_name,
            "revoke_ingress": list(plan.revoke_ingress),
            "revoke_egress": list(plan.revoke_egress),
            "note": plan.note,
            "findings": [
                {
                    "finding_id": f.finding_id,
                    "check_id": f.check_id,
                    "severity": f.severity.value,
                    "rule_id": f.rule_id,
                    "message": f.message,
                }
                for f in plan.findings
            ],
        },
        "pre_image": [rule_to_row(rule) for rule in plan.pre_image],
    }


def from_document(doc: Any, source: str = "") -> BackupRecord:
    """Read a backup document back; every problem names its JSON path."""
    try:
        return _read(doc, source)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"not a valid backup record ({exc!r})", source=source) from exc


def _read(doc: Any, source: str) -> BackupRecord:
    if not isinstance(doc, dict) or doc.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"expected a backup record of format_version {FORMAT_VERSION}", source=source
        )
    raw = doc["plan"]
    rules = tuple(
        parse_rule(row, source, f"$.pre_image[{i}]") for i, row in enumerate(doc["pre_image"])
    )
    plan = RemediationPlan(
        plan_id=str(raw["plan_id"]),
        mode=Mode(raw["mode"]),
        action=Action(raw["action"]),
        account_id=str(raw["account_id"]),
        region=str(raw["region"]),
        group_id=str(raw["group_id"]),
        group_name=str(raw.get("group_name", "")),
        pre_image=rules,
        findings=tuple(
            PlannedFinding(
                str(f["finding_id"]),
                str(f["check_id"]),
                Severity(f["severity"]),
                f.get("rule_id"),
                str(f.get("message", "")),
            )
            for f in raw["findings"]
        ),
        revoke_ingress=tuple(raw["revoke_ingress"]),
        revoke_egress=tuple(raw["revoke_egress"]),
        note=str(raw.get("note", "")),
    )
    policy = doc.get("policy", {})
    return BackupRecord(
        backup_id=str(doc["backup_id"]),
        created_at=str(doc["created_at"]),
        plan=plan,
        policy_id=str(policy.get("id", "")),
        policy_digest=str(policy.get("digest", "")),
    )
