"""Backups in S3: versioned bucket, SSE-KMS, one object per backup under `prefix/group/`, one
receipt per backup under `prefix/receipts/group/`, and a batch's manifest under
`prefix/manifests/`.

Both are written with `If-None-Match: *`, so neither is ever overwritten by this tool. An
unversioned bucket is refused unless explicitly allowed: a backup that a later write can
silently replace is not a backup. A rollback reads the exact version its receipt pins, and a
receipt with more than one version (or a delete marker) is reported as rewritten.

Every answer must be S3's (`errors.aws_answer`): a proxy answering HTTP 200 with an HTML page
would otherwise "store" a backup nowhere, list no backups, or be read as one.
"""

from __future__ import annotations

import builtins
import json
import logging
from typing import TYPE_CHECKING, Any

from sgcompliance.adapters.aws.errors import aws_answer, translating
from sgcompliance.errors import (
    AwsApiError,
    BackupError,
    DocumentLimitError,
    InputError,
    NotFoundError,
    SgcError,
)
from sgcompliance.remediation.backup import (
    MAX_BACKUP_BYTES,
    MAX_BACKUP_DEPTH,
    MAX_BACKUP_ITEMS,
    BackupRecord,
    LoadedBackup,
    StoredBackup,
    canonical_bytes,
    canonical_json,
    from_document,
    group_of,
    sha256_hex,
    to_document,
)
from sgcompliance.remediation.manifest import (
    BackupManifest,
    LoadedManifest,
    manifest_digest,
    manifest_from_document,
    manifest_to_document,
)
from sgcompliance.remediation.receipt import (
    MAX_RECEIPT_BYTES,
    MAX_RECEIPT_DEPTH,
    MAX_RECEIPT_ITEMS,
    BackupReceipt,
    receipt_from_document,
    receipt_to_document,
)
from sgcompliance.sources.documents import Limits, parse_json, too_large

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import GetObjectRequestTypeDef, PutObjectRequestTypeDef

log = logging.getLogger(__name__)

RECEIPTS = "receipts"
MANIFESTS = "manifests"
# What S3 answers a conditional write when the key exists (or another write to it is racing).
EXISTS_CODES = frozenset({"PreconditionFailed", "ConditionalRequestConflict"})
NO_VERSION_CODES = frozenset({"NoSuchVersion", "InvalidArgument"})
BACKUP_LIMITS = Limits("backup", MAX_BACKUP_BYTES, MAX_BACKUP_DEPTH, MAX_BACKUP_ITEMS)
RECEIPT_LIMITS = Limits("receipt", MAX_RECEIPT_BYTES, MAX_RECEIPT_DEPTH, MAX_RECEIPT_ITEMS)


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
        _check_id(backup_id)
        return f"{self.prefix}{group_of(backup_id)}/{backup_id}.json"

    def _receipt_key(self, backup_id: str) -> str:
        _check_id(backup_id)
        return f"{self.prefix}{RECEIPTS}/{group_of(backup_id)}/{backup_id}.json"

    def _uri(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def check(self) -> None:
        """Refuse an unversioned bucket (once per store) unless allowed."""
        if self._checked:
            return
        try:
            with translating("GetBucketVersioning", scope=self.bucket):
                response = self.client.get_bucket_versioning(Bucket=self.bucket)
                answer = aws_answer(response, "GetBucketVersioning", scope=self.bucket)
                status = answer.get("Status")
        except SgcError as exc:
            raise BackupError(f"backup bucket {self.bucket}: {exc}") from exc
        if status != "Enabled" and not self.allow_unversioned:
            raise BackupError(
                f"backup bucket {self.bucket} does not have versioning enabled",
                hint="enable versioning on the bucket (the Terraform hub module does), "
                "or pass --allow-unversioned-backups knowingly",
            )
        self._checked = True

    def put(self, record: BackupRecord) -> StoredBackup:
        self.check()
        key = self._key(record.backup_id)
        body = json.dumps(to_document(record), indent=2, sort_keys=True).encode()
        version = self._put_once(key, body, f"backup {record.backup_id}")
        location = self._uri(key) + (f"?versionId={version}" if version else "")
        digest = sha256_hex(canonical_bytes(record))
        return StoredBackup(record.backup_id, location, version, digest)

    def _put_once(self, key: str, body: bytes, what: str) -> str | None:
        """Create `key` (never replace it); the version S3 gave the object."""
        params: PutObjectRequestTypeDef = {
            "Bucket": self.bucket, "Key": key, "Body": body, "ContentType": "application/json",
            "ServerSideEncryption": "aws:kms", "IfNoneMatch": "*",
            # A bucket with Object Lock refuses a write without an integrity checksum.
            "ChecksumAlgorithm": "SHA256",
        }  # fmt: skip
        if self.kms_key_id:
            params["SSEKMSKeyId"] = self.kms_key_id
        try:
            with translating("PutObject", scope=self._uri(key)):
                response = self.client.put_object(**params)
                aws_answer(response, "PutObject", scope=self._uri(key))
        except AwsApiError as exc:
            if exc.aws_code in EXISTS_CODES:
                raise BackupError(
                    f"{what} exists already at {self._uri(key)}; it is never overwritten",
                    hint="a backup id is unique per plan and time: another run wrote this one",
                ) from exc
            raise BackupError(f"cannot store {what}: {exc}") from exc
        except SgcError as exc:
            raise BackupError(f"cannot store {what}: {exc}") from exc
        return response.get("VersionId") or None

    def put_manifest(self, manifest: BackupManifest) -> StoredBackup:
        self.check()
        key = self._manifest_key(manifest.manifest_id)
        body = json.dumps(manifest_to_document(manifest), indent=2, sort_keys=True).encode()
        version = self._put_once(key, body, f"manifest {manifest.manifest_id}")
        location = self._uri(key) + (f"?versionId={version}" if version else "")
        return StoredBackup(manifest.manifest_id, location, version, manifest_digest(manifest))

    def load_manifest(self, manifest_id: str, version_id: str | None = None) -> LoadedManifest:
        key = self._manifest_key(manifest_id)
        where = self._uri(key) + (f" version {version_id}" if version_id else "")
        doc, version = self._read(key, version_id, f"no manifest at {where}", BACKUP_LIMITS)
        try:
            manifest = manifest_from_document(doc, where)
        except InputError as exc:
            raise BackupError(f"{where} is not a valid manifest: {exc}") from exc
        return LoadedManifest(manifest, sha256_hex(canonical_json(doc)), version or version_id)

    def _manifest_key(self, manifest_id: str) -> str:
        _check_id(manifest_id)
        return f"{self.prefix}{MANIFESTS}/{manifest_id}.json"

    def get(self, backup_id: str) -> BackupRecord:
        return self.load(backup_id).record

    def load(self, backup_id: str, version_id: str | None = None) -> LoadedBackup:
        key = self._key(backup_id)
        where = self._uri(key) + (f" version {version_id}" if version_id else "")
        missing = f"no backup {backup_id!r} at {where}"
        doc, version = self._read(key, version_id, missing, BACKUP_LIMITS)
        try:
            record = from_document(doc, where)
        except InputError as exc:
            raise BackupError(f"backup {backup_id} is not a valid backup record: {exc}") from exc
        # The digest is of the canonical form of what was read: storage may be pretty-printed.
        return LoadedBackup(record, sha256_hex(canonical_json(doc)), version or version_id)

    def _read(
        self, key: str, version_id: str | None, missing: str, limits: Limits
    ) -> tuple[Any, str | None]:
        """The parsed JSON object (that version when given) and the version read; no more
        than the limit + 1 byte is read, and the document is parsed within its limits."""
        params: GetObjectRequestTypeDef = {"Bucket": self.bucket, "Key": key}
        if version_id:
            params["VersionId"] = version_id
        try:
            with translating("GetObject", scope=self._uri(key)):
                response = self.client.get_object(**params)
                # Read (bounded) before judged, so that a refused answer leaves no half-read
                # connection behind.
                body = response["Body"].read(limits.max_bytes + 1)
                aws_answer(response, "GetObject", scope=self._uri(key))
        except NotFoundError as exc:
            raise BackupError(missing) from exc
        except AwsApiError as exc:
            if exc.aws_code in NO_VERSION_CODES and version_id:
                raise BackupError(missing) from exc
            raise BackupError(f"cannot read {self._uri(key)}: {exc}") from exc
        except SgcError as exc:
            raise BackupError(f"cannot read {self._uri(key)}: {exc}") from exc
        uri = self._uri(key)
        try:
            if len(body) > limits.max_bytes:
                raise too_large(len(body), uri, limits, exact=False)
            text = body.decode("utf-8")
            del body  # not held while the text is parsed
            doc = parse_json(text, uri, limits)
        except UnicodeDecodeError as exc:
            raise BackupError(f"{uri} is not UTF-8 text (byte {exc.start:,} is not)") from exc
        except DocumentLimitError as exc:
            raise BackupError(f"{uri} is not read: {exc.detail}", hint=exc.hint) from exc
        except InputError as exc:
            where = "" if exc.path == "$" else f"{exc.path}: "
            raise BackupError(f"{uri} is not valid JSON: {where}{exc.detail}") from exc
        return doc, response.get("VersionId") or None

    def list(self, group_id: str | None = None) -> builtins.list[str]:
        """Backup ids, oldest first: objects `prefix/GROUP/ID.json` whose id names that group
        (receipts and anything else under the prefix are not backups)."""
        prefix = f"{self.prefix}{group_id}/" if group_id else self.prefix
        ids = []
        for key in self._keys(prefix):
            parts = key.removeprefix(self.prefix).split("/")
            if len(parts) != 2 or parts[0] == RECEIPTS or not parts[1].endswith(".json"):
                continue
            backup_id = parts[1].removesuffix(".json")
            if group_of(backup_id) == parts[0]:
                ids.append(backup_id)
        return sorted(ids)

    def _keys(self, prefix: str) -> builtins.list[str]:
        keys: builtins.list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        with translating("ListObjectsV2", scope=self._uri(prefix)):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
                answer = aws_answer(page, "ListObjectsV2", scope=self._uri(prefix))
                keys.extend(o["Key"] for o in answer.get("Contents", []))
        return keys

    def put_receipt(self, receipt: BackupReceipt) -> None:
        if receipt.group_id != group_of(receipt.backup_id):
            raise BackupError(
                f"receipt of {receipt.backup_id} names group {receipt.group_id}: not stored"
            )
        self.check()
        key = self._receipt_key(receipt.backup_id)
        body = json.dumps(receipt_to_document(receipt), indent=2, sort_keys=True).encode()
        self._put_once(key, body, f"receipt of {receipt.backup_id}")

    def receipt(self, backup_id: str) -> BackupReceipt | None:
        """The receipt, read at its only version; BackupError when it has more than one or a
        delete marker: it was written once, so anything else is a change made around the tool."""
        key = self._receipt_key(backup_id)
        versions, markers = self._versions(key)
        if not versions and not markers:
            return None
        if len(versions) != 1 or markers:
            raise BackupError(
                f"the receipt of {backup_id} was rewritten: {self._uri(key)} has "
                f"{len(versions)} version(s) and {markers} delete marker(s), a receipt has one",
                hint="someone changed the backup store around sgc: investigate before "
                "restoring; `--force-unverified` rolls back regardless, knowingly",
            )
        # Read the version listed, so a write between the listing and the read is not taken.
        went = f"the receipt of {backup_id} went while read"
        doc, _ = self._read(key, versions[0], went, RECEIPT_LIMITS)
        try:
            return receipt_from_document(doc, self._uri(key))
        except InputError as exc:
            raise BackupError(f"the receipt of {backup_id} is unreadable: {exc}") from exc

    def _versions(self, key: str) -> tuple[builtins.list[str], int]:
        """The version ids of exactly `key` (not of keys it prefixes) and its delete markers."""
        versions: builtins.list[str] = []
        markers = 0
        paginator = self.client.get_paginator("list_object_versions")
        with translating("ListObjectVersions", scope=self._uri(key)):
            for page in paginator.paginate(Bucket=self.bucket, Prefix=key):
                answer = aws_answer(page, "ListObjectVersions", scope=self._uri(key))
                versions += [v["VersionId"] for v in answer.get("Versions", []) if v["Key"] == key]
                markers += sum(1 for m in answer.get("DeleteMarkers", []) if m["Key"] == key)
        # An unversioned bucket lists its one object as version "null": read it as the latest.
        return [v if v != "null" else "" for v in versions], markers

    def receipts(self, group_id: str) -> builtins.list[BackupReceipt]:
        """The group's receipts (their latest versions; `receipt` checks the versions of the
        one a rollback uses). Unreadable ones, and ones that name another group or backup than
        their key, are left out and logged."""
        found = []
        for key in self._keys(f"{self.prefix}{RECEIPTS}/{group_id}/"):
            backup_id = key.rsplit("/", 1)[-1].removesuffix(".json")
            try:
                doc, _ = self._read(key, None, f"receipt {key} went while read", RECEIPT_LIMITS)
                receipt = receipt_from_document(doc, self._uri(key))
            except (BackupError, InputError) as exc:
                log.warning("receipt %s left out: %s", self._uri(key), exc)
                continue
            if receipt.backup_id != backup_id or receipt.group_id != group_id:
                named = f"{receipt.backup_id} of {receipt.group_id}"
                log.warning("receipt %s names %s: left out", self._uri(key), named)
                continue
            found.append(receipt)
        return found


def _check_id(backup_id: str) -> None:
    if not backup_id or "/" in backup_id or backup_id.startswith("."):
        raise BackupError(f"invalid backup id {backup_id!r}")
