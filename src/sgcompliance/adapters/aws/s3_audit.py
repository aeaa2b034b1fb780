"""Audit records in S3: one object per record at `prefix/yyyy/mm/dd/record_id.json`, SSE-KMS.

The date is the triggering event's (the decision's when there is none), so a duplicate delivery
of an event, even days later, addresses the same key; the write is conditional (If-None-Match)
and a record that is already there is left as it is. Keys are built only from the record id (a
hash) and the date, never from event text. Only an answer of S3 counts (`errors.aws_answer`): a
proxy's HTML page answered with HTTP 200 neither passes the check nor stores a record.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sgcompliance.adapters.aws.errors import aws_answer, translating
from sgcompliance.errors import AwsApiError
from sgcompliance.records.audit import AuditRecord, StoredRecord, as_utc, to_json

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import PutObjectRequestTypeDef

# S3 answers a conditional write whose object exists with 412, or 409 while another write of
# the same key is in flight: either way the record is (being) stored.
ALREADY_STORED = frozenset({"PreconditionFailed", "ConditionalRequestConflict"})


class S3AuditSink:
    def __init__(
        self,
        client: S3Client,
        bucket: str,
        *,
        prefix: str = "audit/",
        kms_key_id: str | None = None,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.kms_key_id = kms_key_id

    def key(self, record: AuditRecord) -> str:
        day = as_utc(record.event_time or record.decided_at)
        return f"{self.prefix}{day:%Y/%m/%d}/{record.record_id}.json"

    def location(self, record: AuditRecord) -> str:
        return f"s3://{self.bucket}/{self.key(record)}"

    def check(self) -> None:
        """The bucket answers: before a run's first change, not after it."""
        with translating("HeadBucket", scope=f"s3://{self.bucket}"):
            response = self.client.head_bucket(Bucket=self.bucket)
            aws_answer(response, "HeadBucket", scope=f"s3://{self.bucket}")

    def write(self, record: AuditRecord) -> StoredRecord:
        key = self.key(record)
        body = json.dumps(to_json(record), sort_keys=True, ensure_ascii=True).encode()
        request: PutObjectRequestTypeDef = {
            "Bucket": self.bucket,
            "Key": key,
            "Body": body,
            "ContentType": "application/json",
            "IfNoneMatch": "*",
            "ServerSideEncryption": "aws:kms",
            # A bucket with Object Lock refuses a write without an integrity checksum.
            "ChecksumAlgorithm": "SHA256",
        }
        if self.kms_key_id:
            request["SSEKMSKeyId"] = self.kms_key_id
        try:
            with translating("PutObject", scope=f"s3://{self.bucket}/{key}"):
                response = self.client.put_object(**request)
                aws_answer(response, "PutObject", scope=f"s3://{self.bucket}/{key}")
        except AwsApiError as exc:
            if exc.aws_code not in ALREADY_STORED:
                raise
            return StoredRecord(self.location(record), created=False)
        return StoredRecord(self.location(record))
