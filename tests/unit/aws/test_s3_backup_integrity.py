"""S3 backup store integrity: a backup or receipt is written once and never overwritten, a
backup is read at exactly the version asked for with the digest of what was read, receipts are
kept apart from backups, and a receipt with more than one version is reported as rewritten."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import boto3
import pytest
from moto import mock_aws
from test_s3_backups import BUCKET, record

from sgcompliance.adapters.aws.s3_backups import S3BackupStore
from sgcompliance.errors import BackupError
from sgcompliance.remediation.backup import canonical_bytes, group_of, sha256_hex, to_document
from sgcompliance.remediation.receipt import BackupReceipt, ReceiptState, receipt_to_document


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield client


@pytest.fixture
def store(s3: Any) -> S3BackupStore:
    return S3BackupStore(s3, BUCKET)


def receipt_for(backup_id: str, sha256: str = "0" * 64, version: str | None = "v") -> BackupReceipt:
    return BackupReceipt(
        backup_id=backup_id, account_id="111111111111", region="eu-west-1",
        group_id=group_of(backup_id), created_at="2026-11-27T12:00:01+00:00", sha256=sha256,
        version_id=version, plan_id="plan-0123456789abcdef", state=ReceiptState.APPLIED,
        revoked=("sgr-1",),
    )  # fmt: skip


def write_around_the_tool(s3: Any, key: str, document: Any) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=json.dumps(document).encode())


def test_put_returns_the_version_and_the_digest_of_the_canonical_bytes(
    store: S3BackupStore,
) -> None:
    # GIVEN a record  WHEN it is stored
    original = record()
    stored = store.put(original)
    # THEN the store names the S3 version it got and the sha256 of the canonical bytes
    assert stored.version_id
    assert stored.sha256 == sha256_hex(canonical_bytes(original))
    assert stored.location.endswith(f"?versionId={stored.version_id}")


def test_a_backup_is_never_overwritten(store: S3BackupStore) -> None:
    # GIVEN a stored backup
    original = record()
    stored = store.put(original)
    # WHEN a record under the same id is stored again
    with pytest.raises(BackupError, match="exists already"):
        store.put(replace(original, policy_id="other"))
    # THEN the stored backup is still the first one, with its only version
    assert store.load(original.backup_id) == store.load(original.backup_id, stored.version_id)
    assert store.get(original.backup_id) == original


def test_load_reads_the_pinned_version_and_digests_what_it_read(
    store: S3BackupStore, s3: Any
) -> None:
    # GIVEN a stored backup, then a new version written over it around the tool
    original = record()
    stored = store.put(original)
    key = f"backups/sg-0abc/{original.backup_id}.json"
    forged = to_document(replace(original, policy_id="forged"))
    write_around_the_tool(s3, key, forged)
    # WHEN the pinned version and the newest one are loaded
    pinned = store.load(original.backup_id, stored.version_id)
    newest = store.load(original.backup_id)
    # THEN the pinned one is the original with the stored digest; the newest one is not
    assert (pinned.record, pinned.sha256, pinned.version_id) == (
        original, stored.sha256, stored.version_id
    )  # fmt: skip
    assert newest.record.policy_id == "forged"
    assert newest.sha256 != stored.sha256


def test_a_version_that_does_not_exist_is_a_clear_error(store: S3BackupStore) -> None:
    original = record()
    store.put(original)
    with pytest.raises(BackupError, match="no backup"):
        store.load(original.backup_id, "no-such-version")


def test_a_receipt_round_trips_beside_the_backups(store: S3BackupStore, s3: Any) -> None:
    # GIVEN a backup and its receipt
    original = record()
    store.put(original)
    receipt = receipt_for(original.backup_id)
    # WHEN the receipt is stored and read back
    store.put_receipt(receipt)
    # THEN it is the same receipt, under receipts/GROUP/, encrypted, and listed as the group's
    assert store.receipt(original.backup_id) == receipt
    key = f"backups/receipts/sg-0abc/{original.backup_id}.json"
    assert s3.head_object(Bucket=BUCKET, Key=key)["ServerSideEncryption"] == "aws:kms"
    assert store.receipts("sg-0abc") == [receipt]


def test_receipts_are_never_listed_as_backups(store: S3BackupStore) -> None:
    original = record()
    store.put(original)
    store.put_receipt(receipt_for(original.backup_id))
    assert store.list() == [original.backup_id]
    assert store.list("sg-0abc") == [original.backup_id]


def test_a_receipt_is_never_overwritten(store: S3BackupStore) -> None:
    receipt = receipt_for(record().backup_id)
    store.put_receipt(receipt)
    with pytest.raises(BackupError, match="exists already"):
        store.put_receipt(replace(receipt, revoked=("sgr-1", "sgr-2")))
    assert store.receipt(receipt.backup_id) == receipt


def test_a_receipt_written_again_around_the_tool_is_reported_rewritten(
    store: S3BackupStore, s3: Any
) -> None:
    # GIVEN a receipt, and a second version of it written around the tool
    receipt = receipt_for(record().backup_id)
    store.put_receipt(receipt)
    key = f"backups/receipts/sg-0abc/{receipt.backup_id}.json"
    write_around_the_tool(s3, key, receipt_to_document(replace(receipt, revoked=("sgr-2",))))
    # WHEN it is read THEN it is refused as rewritten
    with pytest.raises(BackupError, match="rewritten"):
        store.receipt(receipt.backup_id)


def test_a_receipt_deleted_and_written_again_is_reported_rewritten(
    store: S3BackupStore, s3: Any
) -> None:
    receipt = receipt_for(record().backup_id)
    key = f"backups/receipts/sg-0abc/{receipt.backup_id}.json"
    store.put_receipt(receipt)
    s3.delete_object(Bucket=BUCKET, Key=key)
    with pytest.raises(BackupError, match="rewritten"):
        store.receipt(receipt.backup_id)


def test_a_backup_without_a_receipt_has_none(store: S3BackupStore) -> None:
    original = record()
    store.put(original)
    # A receipt of another backup whose key this one's prefixes does not count either.
    store.put_receipt(receipt_for(original.backup_id + "0"))
    assert store.receipt(original.backup_id) is None


def test_a_receipt_naming_another_group_than_its_key_is_left_out_of_the_groups(
    store: S3BackupStore, s3: Any
) -> None:
    # GIVEN a receipt under group A's prefix that names group B
    genuine = receipt_for(record().backup_id)
    store.put_receipt(genuine)
    forged = replace(receipt_for(record(second=9).backup_id), group_id="sg-0bbb")
    key = f"backups/receipts/sg-0abc/{forged.backup_id}.json"
    write_around_the_tool(s3, key, receipt_to_document(forged))
    # WHEN group A's receipts are listed THEN only the genuine one is
    assert store.receipts("sg-0abc") == [genuine]


def test_a_receipt_naming_another_group_than_its_id_is_not_stored(store: S3BackupStore) -> None:
    receipt = replace(receipt_for(record().backup_id), group_id="sg-0bbb")
    with pytest.raises(BackupError, match="names group"):
        store.put_receipt(receipt)
