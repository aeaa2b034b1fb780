"""The directory backup store: a backup or receipt is written once, never replaced; receipts
live apart from backups; the digest is of the canonical content, however the file is laid out."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from rollback_world import SSH_V4, plan

from sgcompliance.adapters.local_backups import LocalBackupStore, NoBackupStore
from sgcompliance.errors import BackupError
from sgcompliance.remediation.backup import BackupRecord, canonical_bytes, sha256_hex
from sgcompliance.remediation.receipt import BackupReceipt, ReceiptState

BACKUP_ID = "sg-0aaa0000000000001.20261127T120000000000Z.00000001"


def record() -> BackupRecord:
    return BackupRecord(BACKUP_ID, "2026-11-27T12:00:00+00:00", plan((SSH_V4,)))


def receipt(sha256: str = "0" * 64) -> BackupReceipt:
    return BackupReceipt(
        BACKUP_ID, "111111111111", "eu-west-1", "sg-0aaa0000000000001",
        "2026-11-27T12:00:01+00:00", sha256, None, "plan-0", ReceiptState.APPLIED, (SSH_V4,),
    )  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> LocalBackupStore:
    return LocalBackupStore(tmp_path / "backups")


def test_put_and_load_agree_on_the_digest_of_the_canonical_content(
    store: LocalBackupStore,
) -> None:
    # GIVEN a backup stored as an indented file
    stored = store.put(record())
    assert "\n  " in Path(stored.location).read_text()
    # WHEN it is loaded THEN its digest is the stored one, of the canonical bytes
    loaded = store.load(BACKUP_ID, "ignored")
    assert loaded.sha256 == stored.sha256 == sha256_hex(canonical_bytes(record()))
    assert (loaded.record, loaded.version_id, stored.version_id) == (record(), None, None)


def test_a_backup_file_is_never_replaced(store: LocalBackupStore) -> None:
    store.put(record())
    with pytest.raises(BackupError, match="exists already"):
        store.put(replace(record(), policy_id="other"))
    assert store.get(BACKUP_ID) == record()
    assert [p.name for p in Path(store.directory).rglob("*.tmp")] == []


def test_a_changed_file_no_longer_matches_the_stored_digest(store: LocalBackupStore) -> None:
    stored = store.put(record())
    path = Path(stored.location)
    doc = json.loads(path.read_text())
    doc["plan"]["revoke_ingress"] = ["sgr-1", "sgr-3"]
    path.write_text(json.dumps(doc))
    assert store.load(BACKUP_ID).sha256 != stored.sha256


def test_a_receipt_is_written_once_and_read_back(store: LocalBackupStore) -> None:
    store.put_receipt(receipt())
    with pytest.raises(BackupError, match="exists already"):
        store.put_receipt(receipt("1" * 64))
    assert store.receipt(BACKUP_ID) == receipt()
    assert store.receipts("sg-0aaa0000000000001") == [receipt()]
    assert (store.directory / "receipts" / "sg-0aaa0000000000001" / f"{BACKUP_ID}.json").exists()


def test_receipts_are_not_listed_as_backups(store: LocalBackupStore) -> None:
    store.put(record())
    store.put_receipt(receipt())
    assert store.list() == [BACKUP_ID]
    assert store.list("sg-0aaa0000000000001") == [BACKUP_ID]


def test_a_backup_without_a_receipt_has_none_and_a_corrupt_one_is_an_error(
    store: LocalBackupStore,
) -> None:
    assert store.receipt(BACKUP_ID) is None
    path = store.directory / "receipts" / "sg-0aaa0000000000001" / f"{BACKUP_ID}.json"
    path.parent.mkdir(parents=True)
    path.write_text("{")
    with pytest.raises(BackupError, match="not valid JSON"):
        store.receipt(BACKUP_ID)
    assert store.receipts("sg-0aaa0000000000001") == []


def test_without_a_store_nothing_is_backed_up_or_recorded() -> None:
    none = NoBackupStore()
    with pytest.raises(BackupError, match="no backup store"):
        none.put(record())
    with pytest.raises(BackupError, match="no backup store"):
        none.put_receipt(receipt())
    assert (none.receipt(BACKUP_ID), none.receipts("sg-0aaa0000000000001")) == (None, [])
