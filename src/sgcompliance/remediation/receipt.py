"""Backup receipts: the tool's own record of a backup it stored and of what it then revoked.

A receipt is written once, after the revokes of its plan, to the backup store beside the backup
(never over an existing receipt). It pins the backup's version and digest and lists the rules
this tool actually removed, so that a rollback restores only those, from that exact document;
`--latest` is chosen among receipts, never among whatever objects the backup prefix holds.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sgcompliance.engine.model import Rule
from sgcompliance.engine.rule_codec import rule_to_row
from sgcompliance.errors import InputError
from sgcompliance.remediation.backup import MAX_RULES, counted
from sgcompliance.sources.snapshot import parse_rule

RECEIPT_VERSION = 1
# What a receipt read back may be (the stores read no further than MAX_RECEIPT_BYTES + 1):
# one of MAX_RULES rule ids in each list is about 600 KB.
MAX_RECEIPT_BYTES = 1024 * 1024
MAX_RECEIPT_DEPTH = 8
MAX_RECEIPT_ITEMS = 100_000


class ReceiptState(StrEnum):
    APPLIED = "applied"  # revokes done and verified (tags may still have failed)
    PARTIAL = "partial"  # some planned rules were not removed by this tool
    NOTHING = "nothing"  # the group changed: nothing of this backup's plan was revoked


@dataclass(frozen=True, slots=True)
class BackupReceipt:
    backup_id: str
    account_id: str
    region: str
    group_id: str
    created_at: str
    sha256: str
    version_id: str | None
    plan_id: str
    state: ReceiptState
    # Rule ids this tool revoked (a subset of the plan's), and planned ids it did not revoke:
    # gone or changed before its call reached them.
    revoked: tuple[str, ...] = ()
    not_revoked: tuple[str, ...] = ()
    # Rules this tool authorized in place of revoked ones (remediation narrow), by content:
    # a rollback removes exactly these.
    authorized: tuple[Rule, ...] = ()


def receipt_to_document(receipt: BackupReceipt) -> dict[str, Any]:
    return {
        "receipt_version": RECEIPT_VERSION,
        "backup_id": receipt.backup_id,
        "account_id": receipt.account_id,
        "region": receipt.region,
        "group_id": receipt.group_id,
        "created_at": receipt.created_at,
        "sha256": receipt.sha256,
        "version_id": receipt.version_id,
        "plan_id": receipt.plan_id,
        "state": receipt.state.value,
        "revoked": list(receipt.revoked),
        "not_revoked": list(receipt.not_revoked),
        # Only where something was authorized: other receipts are as they were before.
        **(
            {"authorized": [rule_to_row(r) for r in receipt.authorized]}
            if receipt.authorized
            else {}
        ),
    }


def receipt_from_document(doc: Any, source: str = "") -> BackupReceipt:
    """Read a receipt back; its lists are counted before any id is read (MAX_RULES)."""
    try:
        if not isinstance(doc, dict) or doc.get("receipt_version") != RECEIPT_VERSION:
            raise ValueError(f"expected receipt_version {RECEIPT_VERSION}")
        revoked = counted(doc["revoked"], MAX_RULES, "rule ids", "$.revoked", source)
        not_revoked = counted(doc["not_revoked"], MAX_RULES, "rule ids", "$.not_revoked", source)
        authorized = counted(doc.get("authorized", []), MAX_RULES, "rules", "$.authorized", source)
        version = doc.get("version_id")
        return BackupReceipt(
            backup_id=_text(doc["backup_id"]),
            account_id=_text(doc["account_id"]),
            region=_text(doc["region"]),
            group_id=_text(doc["group_id"]),
            created_at=_text(doc["created_at"]),
            sha256=_text(doc["sha256"]),
            version_id=None if version is None else _text(version),
            plan_id=_text(doc["plan_id"]),
            state=ReceiptState(doc["state"]),
            revoked=tuple(_text(i) for i in revoked),
            not_revoked=tuple(_text(i) for i in not_revoked),
            authorized=tuple(
                parse_rule(row, source, f"$.authorized[{i}]") for i, row in enumerate(authorized)
            ),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"not a valid backup receipt ({str(exc)[:120]})", source=source) from exc


def _text(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value
