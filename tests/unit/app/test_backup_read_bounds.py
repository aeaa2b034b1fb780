"""Backups and receipts read back from a directory or S3 are bounded (issue #13): at most the
limit + 1 bytes are read, nesting and value counts are limited, and every bad document ends in
a BackupError (or the receipt is left out of a listing), never another exception."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rollback_world import SSH_V4, plan

from sgcompliance.adapters.aws.s3_backups import S3BackupStore
from sgcompliance.adapters.local_backups import LocalBackupStore
from sgcompliance.errors import BackupError, InputError
from sgcompliance.remediation.backup import (
    MAX_BACKUP_BYTES,
    MAX_RULES,
    BackupRecord,
    from_document,
    to_document,
)
from sgcompliance.remediation.receipt import (
    MAX_RECEIPT_BYTES,
    BackupReceipt,
    ReceiptState,
    receipt_from_document,
    receipt_to_document,
)
from support.object_bodies import BodyS3

BACKUP_ID = "sg-0aaa0000000000001.20261127T120000000000Z.00000001"
GROUP = "sg-0aaa0000000000001"
BACKUP_KEY = f"backups/{GROUP}/{BACKUP_ID}.json"
RECEIPT_KEY = f"backups/receipts/{GROUP}/{BACKUP_ID}.json"
DEEP = b"[" * 100_000 + b"]" * 100_000


def record() -> BackupRecord:
    return BackupRecord(BACKUP_ID, "2026-11-27T12:00:00+00:00", plan((SSH_V4,)))


def receipt() -> BackupReceipt:
    return BackupReceipt(
        BACKUP_ID, "111111111111", "eu-west-1", GROUP, "2026-11-27T12:00:01+00:00", "0" * 64,
        None, "plan-0", ReceiptState.APPLIED, (SSH_V4,),
    )  # fmt: skip


def backup_path(directory: Path) -> Path:
    path = directory / GROUP / f"{BACKUP_ID}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def receipt_path(directory: Path) -> Path:
    path = directory / "receipts" / GROUP / f"{BACKUP_ID}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


# --- the directory store -----------------------------------------------------------------------


def test_a_backup_nested_past_the_parser_is_a_backup_error(tmp_path: Path) -> None:
    backup_path(tmp_path).write_bytes(DEEP)
    with pytest.raises(BackupError, match="nested too deeply: 100,000 levels"):
        LocalBackupStore(tmp_path).load(BACKUP_ID)


def test_a_backup_file_over_the_limit_is_refused_unread(tmp_path: Path) -> None:
    # GIVEN a backup file one byte over the limit (sparse: nothing to read but zeros)
    with backup_path(tmp_path).open("wb") as handle:
        handle.truncate(MAX_BACKUP_BYTES + 1)
    # WHEN loaded  THEN a BackupError naming the limit and how far over
    with pytest.raises(BackupError) as refused:
        LocalBackupStore(tmp_path).load(BACKUP_ID)
    assert f"{MAX_BACKUP_BYTES + 1:,} bytes: 1 over the limit of {MAX_BACKUP_BYTES:,}" in str(
        refused.value
    )


def test_a_backup_with_a_huge_integer_says_so(tmp_path: Path) -> None:
    doc = to_document(record())
    text = json.dumps(doc).replace('"format_version": 1', '"format_version": ' + "1" * 5000)
    backup_path(tmp_path).write_text(text)
    with pytest.raises(BackupError, match=r"\$\.format_version: an integer of 5,000 digits"):
        LocalBackupStore(tmp_path).load(BACKUP_ID)


def test_a_receipt_nested_past_the_parser_is_a_backup_error(tmp_path: Path) -> None:
    receipt_path(tmp_path).write_bytes(DEEP)
    with pytest.raises(BackupError, match="nested too deeply"):
        LocalBackupStore(tmp_path).receipt(BACKUP_ID)


def test_a_listing_leaves_an_unreadable_receipt_out(tmp_path: Path) -> None:
    receipt_path(tmp_path).write_bytes(DEEP)
    assert LocalBackupStore(tmp_path).receipts(GROUP) == []


def test_stored_backups_and_receipts_still_read_back(tmp_path: Path) -> None:
    store = LocalBackupStore(tmp_path)
    store.put(record())
    store.put_receipt(receipt())
    assert store.get(BACKUP_ID) == record()
    assert store.receipt(BACKUP_ID) == receipt()


# --- the S3 store ------------------------------------------------------------------------------


def s3_store(objects: dict[str, bytes]) -> tuple[S3BackupStore, BodyS3]:
    client = BodyS3(objects)
    return S3BackupStore(client, "bucket"), client  # type: ignore[arg-type]


def test_s3_reads_at_most_the_limit_plus_one_byte() -> None:
    body = json.dumps(to_document(record())).encode()
    receipt_body = json.dumps(receipt_to_document(receipt())).encode()
    store, client = s3_store({BACKUP_KEY: body, RECEIPT_KEY: receipt_body})
    assert store.get(BACKUP_ID) == record()
    assert store.receipt(BACKUP_ID) == receipt()
    assert client.asked == [MAX_BACKUP_BYTES + 1, MAX_RECEIPT_BYTES + 1]


def test_an_s3_receipt_over_the_limit_is_refused() -> None:
    store, _ = s3_store({RECEIPT_KEY: b" " * (MAX_RECEIPT_BYTES + 10)})
    with pytest.raises(BackupError, match=f"more than {MAX_RECEIPT_BYTES:,} bytes"):
        store.receipt(BACKUP_ID)


def test_an_s3_backup_nested_past_the_parser_is_a_backup_error() -> None:
    store, _ = s3_store({BACKUP_KEY: DEEP})
    with pytest.raises(BackupError, match="nested too deeply"):
        store.load(BACKUP_ID)


def test_an_s3_listing_leaves_an_unreadable_receipt_out() -> None:
    store, _ = s3_store({RECEIPT_KEY: DEEP})
    assert store.receipts(GROUP) == []


# --- the documents -----------------------------------------------------------------------------


def test_a_backup_listing_more_rules_than_a_group_can_hold_is_refused() -> None:
    doc: dict[str, Any] = to_document(record())
    doc["pre_image"] = doc["pre_image"][:1] * (MAX_RULES + 1)
    with pytest.raises(InputError, match=f"pre_image holds {MAX_RULES + 1:,} rules: 1 over"):
        from_document(doc, "b.json")


def test_a_receipt_listing_more_rules_than_a_group_can_hold_is_refused() -> None:
    doc: dict[str, Any] = receipt_to_document(receipt())
    doc["revoked"] = ["sgr-1"] * (MAX_RULES + 5)
    with pytest.raises(InputError, match=f"revoked holds {MAX_RULES + 5:,} rule ids: 5 over"):
        receipt_from_document(doc, "r.json")


@pytest.mark.parametrize("field", ["revoke_ingress", "revoke_egress"])
@pytest.mark.parametrize("value", ["sgr-0123456789abcdef0", {"sgr-1": 1}, 7])
def test_a_backup_whose_rule_id_list_is_not_a_list_is_refused(field: str, value: Any) -> None:
    # GIVEN a backup whose plan gives a revoke list as a bare string (or another non-list)
    doc = to_document(record())
    doc["plan"][field] = value
    # WHEN it is read  THEN it is refused, naming the field: a string is never read as one
    # rule id per character
    with pytest.raises(InputError, match=rf"\$\.plan\.{field} must be a list of rule ids"):
        from_document(doc, "backup.json")


def test_a_backup_whose_rule_id_is_not_a_string_is_refused() -> None:
    doc = to_document(record())
    doc["plan"]["revoke_ingress"] = ["sgr-1", ["sgr-2"]]
    with pytest.raises(InputError, match=r"\$\.plan\.revoke_ingress\[1\] must be a rule id"):
        from_document(doc, "backup.json")


@pytest.mark.parametrize("field", ["revoked", "not_revoked"])
def test_a_receipt_whose_rule_id_list_is_a_string_is_refused(field: str) -> None:
    # GIVEN a receipt listing its revoked rules as one string
    doc = receipt_to_document(receipt())
    doc[field] = "sgr-0123456789abcdef0"
    # WHEN it is read  THEN it is refused, not read as 20 one-character rule ids
    with pytest.raises(InputError, match=rf"\$\.{field} must be a list of rule ids"):
        receipt_from_document(doc, "receipt.json")
