"""S3AuditSink against the moto server: dated keys, SSE-KMS, one object per record id."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from sgcompliance.adapters.aws.s3_audit import S3AuditSink
from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.errors import SgcError
from sgcompliance.records.audit import AuditAction, AuditRecord, Trigger, audit_record, to_json
from sgcompliance.records.audit_log import AuditTrail, LogAuditSink

pytestmark = pytest.mark.integration

BUCKET = "sgc-audit"
REGION = "us-east-1"
EVENT_TIME = datetime(2026, 11, 27, 23, 59, 59, tzinfo=UTC)


def record(decided_at: datetime = EVENT_TIME + timedelta(seconds=2)) -> AuditRecord:
    """A decision made just after midnight on an event from the day before."""
    trigger = Trigger(
        "ev-1", "AuthorizeSecurityGroupIngress", "111111111111", "eu-west-1", EVENT_TIME,
        "arn:aws:sts::111111111111:assumed-role/dev/alice",
    )  # fmt: skip
    return audit_record(
        trigger, decided_at=decided_at, action=AuditAction.FLAG, group_id="sg-0abc",
        mode="flag_only",
    )  # fmt: skip


@pytest.fixture
def s3(factory: ClientFactory) -> Any:
    client = factory.client("s3", REGION)
    client.create_bucket(Bucket=BUCKET)
    client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return client


@pytest.fixture
def kms_key(factory: ClientFactory) -> str:
    key_id: str = factory.client("kms", REGION).create_key()["KeyMetadata"]["KeyId"]
    return key_id


def test_a_record_is_stored_under_its_event_date_encrypted_with_the_kms_key(
    s3: Any, kms_key: str
) -> None:
    # GIVEN a sink with a KMS key  WHEN a record is written
    sink = S3AuditSink(s3, BUCKET, prefix="audit", kms_key_id=kms_key)
    written = record()
    stored = sink.write(written)
    # THEN it sits at prefix/yyyy/mm/dd/record_id.json, SSE-KMS with that key, as documented
    key = f"audit/2026/11/27/{written.record_id}.json"
    assert stored.location == f"s3://{BUCKET}/{key}" == sink.location(written)
    assert stored.created
    head = s3.head_object(Bucket=BUCKET, Key=key)
    assert head["ServerSideEncryption"] == "aws:kms"
    assert kms_key in head["SSEKMSKeyId"]
    body = json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())
    assert body == to_json(written)


def test_a_duplicate_delivery_writes_the_record_once(s3: Any) -> None:
    # GIVEN the record of an event already stored
    sink = S3AuditSink(s3, BUCKET)
    first = sink.write(record())
    # WHEN the same event is decided the same way again, a day later
    again = sink.write(record(decided_at=EVENT_TIME + timedelta(days=1)))
    # THEN the same object is addressed, the sink says it was there, and the versioned bucket
    # holds one version of it
    assert again.location == first.location
    assert (first.created, again.created) == (True, False)
    versions = s3.list_object_versions(Bucket=BUCKET).get("Versions", [])
    assert len(versions) == 1


def test_a_missing_bucket_raises_a_translated_error(factory: ClientFactory) -> None:
    sink = S3AuditSink(factory.client("s3", REGION), "no-such-bucket")
    with pytest.raises(SgcError) as info:
        sink.write(record())
    assert "PutObject" in str(info.value)


def test_the_trail_points_alerts_at_the_s3_copy_and_writes_both(s3: Any) -> None:
    sink = S3AuditSink(s3, BUCKET)
    trail = AuditTrail([LogAuditSink(), sink])
    written = record()
    result = trail.write(written)
    assert result.ok
    assert trail.locations([written]) == {written.record_id: sink.location(written)}
    assert result.locations == ["log", sink.location(written)]
