"""Backups in S3: versioned bucket, SSE-KMS, one object per backup under `prefix/group/`.

An unversioned bucket is refused unless explicitly allowed: a backup that a later write can
silently overwrite is not a backup.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sgcompliance.aws.errors import translating
from sgcompliance.core.backup import BackupRecord, from_document, group_of, to_document
from sgcompliance.core.errors import BackupError, NotFoundError, SgcError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client


class S3BackupStore:
    def __init__(
        self,
        client: S3Client,
        bucket: str,
        *,
        prefix: str = "backups/",
        kms_key_id: str | None = None,
        allow_unversioned: bool = False,
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.kms_key_id = kms_key_id
        self.allow_unversioned = allow_unversioned
        self._checked = False

    def _key(self, backup_id: str) -> str:
        return f"{self.prefix}{group_of(backup_id)}/{backup_id}.json"

    def check(self) -> None:
        """Refuse an unversioned bucket (once per store) unless allowed."""
        if self._checked:
            return
        try:
            with translating("GetBucketVersioning", scope=self.bucket):
                status = self.client.get_bucket_versioning(Bucket=self.bucket).get("Status")
        except SgcError as exc:
            raise BackupError(f"backup bucket {self.bucket}: {exc}") from exc
        if status != "Enabled" and not self.allow_unversioned:
            raise BackupError(
                f"backup bucket {self.bucket} does not have versioning enabled",
                hint="enable versioning on the bucket (the Terraform hub module does), "
                "or pass --allow-unversioned-backups knowingly",
            )
        self._checked = True

    def put(self, record: BackupRecord) -> str:
        self.check()
        key = self._key(record.backup_id)
        body = json.dumps(to_document(record), indent=2, sort_keys=True).encode()
        try:
            with translating("PutObject", scope=f"s3://{self.bucket}/{key}"):
                if self.kms_key_id:
                    response = self.client.put_object(
                        Bucket=self.bucket, Key=key, Body=body, ContentType="application/json",
                        ServerSideEncryption="aws:kms", SSEKMSKeyId=self.kms_key_id,
                    )  # fmt: skip
                else:
                    response = self.client.put_object(
                        Bucket=self.bucket, Key=key, Body=body, ContentType="application/json",
                        ServerSideEncryption="aws:kms",
                    )  # fmt: skip
        except SgcError as exc:
            raise BackupError(f"cannot store backup {record.backup_id}: {exc}") from exc
        version = response.get("VersionId")
        return f"s3://{self.bucket}/{key}" + (f"?versionId={version}" if version else "")

    def get(self, backup_id: str) -> BackupRecord:
        key = self._key(backup_id)
        try:
            with translating("GetObject", scope=f"s3://{self.bucket}/{key}"):
                body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except NotFoundError as exc:
            raise BackupError(
                f"no backup {backup_id!r} in s3://{self.bucket}/{self.prefix}"
            ) from exc
        except SgcError as exc:
            raise BackupError(f"cannot read backup {backup_id}: {exc}") from exc
        try:
            doc = json.loads(body)
        except ValueError as exc:
            raise BackupError(f"backup {backup_id} is not valid JSON: {exc}") from exc
        return from_document(doc, f"s3://{self.bucket}/{key}")

    def list(self, group_id: str | None = None) -> list[str]:
        prefix = f"{self.prefix}{group_id}/" if group_id else self.prefix
        ids: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        with translating("ListObjectsV2", scope=f"s3://{self.bucket}/{prefix}"):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                ids.extend(
                    o["Key"].rsplit("/", 1)[-1].removesuffix(".json")
                    for o in page.get("Contents", [])
                    if o["Key"].endswith(".json")
                )
        return sorted(ids)
