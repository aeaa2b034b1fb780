"""S3 backup store: versioning required, SSE-KMS on every object, exact round trip, written
once, read at a pinned version; receipts beside the backups, written once, rewrites detected."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from sgcompliance.adapters.aws.s3_backups import S3BackupStore
from sgcompliance.engine.model import Direction, Peer, PeerKind, Rule
from sgcompliance.errors import BackupError
from sgcompliance.remediation.backup import BackupRecord, backup_id_for
from sgcompliance.remediation.plan import Action, Mode, RemediationPlan

BUCKET = "sgc-backups"


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        kms = boto3.client("kms", region_name="us-east-1")
        s3.create_bucket(Bucket=BUCKET)
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        yield {"s3": s3, "key": key_id}


def record(group_id: str = "sg-0abc", second: int = 0) -> BackupRecord:
    rules = (
        Rule(
            "sgr-1",
            group_id,
            Direction.INGRESS,
            "tcp",
            22,
            22,
            Peer(PeerKind.IPV4, "0.0.0.0/0"),
            "ssh",
        ),
        Rule(
            "sgr-2", group_id, Direction.INGRESS, "tcp", 22, 22, Peer(PeerKind.IPV4, "10.0.0.0/8")
        ),
    )
    plan = RemediationPlan(
        "plan-0123456789abcdef", Mode.REMOVE, Action.REVOKE, "111111111111", "eu-west-1",
        group_id, "web", rules, (), revoke_ingress=("sgr-1",),
    )  # fmt: skip
    created = datetime(2026, 11, 27, 12, 0, second, tzinfo=UTC)
    return BackupRecord(backup_id_for(plan, created), created.isoformat(), plan, "p", "d")


def versioned(aws: dict[str, Any]) -> None:
    aws["s3"].put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})


def test_a_backup_round_trips_exactly_and_is_kms_encrypted(aws: dict[str, Any]) -> None:
    versioned(aws)
    store = S3BackupStore(aws["s3"], BUCKET, kms_key_id=aws["key"])
    original = record()
    stored = store.put(original)
    assert stored.location.startswith(f"s3://{BUCKET}/backups/sg-0abc/")
    assert store.get(original.backup_id) == original
    head = aws["s3"].head_object(Bucket=BUCKET, Key=f"backups/sg-0abc/{original.backup_id}.json")
    assert head["ServerSideEncryption"] == "aws:kms"


def test_an_unversioned_bucket_is_refused_before_anything_is_written(aws: dict[str, Any]) -> None:
    store = S3BackupStore(aws["s3"], BUCKET)
    with pytest.raises(BackupError, match="versioning"):
        store.put(record())
    assert aws["s3"].list_objects_v2(Bucket=BUCKET).get("KeyCount") == 0


def test_an_unversioned_bucket_is_accepted_when_explicitly_allowed(aws: dict[str, Any]) -> None:
    store = S3BackupStore(aws["s3"], BUCKET, allow_unversioned=True)
    store.put(record())
    assert len(store.list()) == 1


def test_list_filters_by_group_and_orders_by_time(aws: dict[str, Any]) -> None:
    versioned(aws)
    store = S3BackupStore(aws["s3"], BUCKET, prefix="sgc")
    later, earlier, other = record(second=5), record(second=1), record("sg-0def")
    for r in (later, earlier, other):
        store.put(r)
    assert store.list("sg-0abc") == [earlier.backup_id, later.backup_id]
    assert len(store.list()) == 3


def test_a_missing_backup_is_a_clear_error(aws: dict[str, Any]) -> None:
    versioned(aws)
    with pytest.raises(BackupError, match="no backup"):
        S3BackupStore(aws["s3"], BUCKET).get("sg-0abc.20260101T000000000000Z.deadbeef")


def test_a_missing_bucket_is_a_backup_error(aws: dict[str, Any]) -> None:
    with pytest.raises(BackupError, match="no-such-bucket"):
        S3BackupStore(aws["s3"], "no-such-bucket").put(record())
