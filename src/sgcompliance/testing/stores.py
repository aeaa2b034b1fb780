"""In-memory stores: `MemoryBackups` for `BackupStore`, `MemoryAuditSink` for `AuditSink`."""

from __future__ import annotations

import builtins
import json

from sgcompliance.errors import BackupError
from sgcompliance.records.audit import AuditRecord, StoredRecord
from sgcompliance.remediation.backup import (
    BackupRecord,
    LoadedBackup,
    StoredBackup,
    canonical_bytes,
    canonical_json,
    from_document,
    sha256_hex,
)
from sgcompliance.remediation.manifest import (
    BackupManifest,
    LoadedManifest,
    manifest_from_document,
    manifest_to_document,
)
from sgcompliance.remediation.receipt import BackupReceipt


class MemoryBackups:
    """Stands in for `remediation.ports.BackupStore`: a versioned, write-once store in memory,
    like the S3 bucket with versioning.

    `put` refuses an id that exists and `put_receipt` a receipt that exists (BackupError);
    `load` reads a version (`v1`, `v2`, ...) with the SHA-256 of its bytes; `receipt` raises
    BackupError when a receipt was rewritten. With `fail`, every write raises BackupError (the
    store is unavailable). `tamper` and writing `receipts_by_id` directly are an attacker's
    writes around the tool. Writes are appended to `log` ("backup <group>", "receipt <group>").
    """

    def __init__(self, log: builtins.list[str] | None = None, *, fail: bool = False) -> None:
        self.records: dict[str, BackupRecord] = {}
        self.versions: dict[str, builtins.list[bytes]] = {}
        self.receipts_by_id: dict[str, builtins.list[BackupReceipt]] = {}
        self.manifests: dict[str, builtins.list[bytes]] = {}
        self.log: builtins.list[str] = log if log is not None else []
        self.fail = fail

    def put(self, record: BackupRecord) -> StoredBackup:
        if self.fail:
            raise BackupError("store unavailable")
        if record.backup_id in self.versions:
            raise BackupError(f"backup {record.backup_id} exists already")
        self.records[record.backup_id] = record
        self.versions[record.backup_id] = [canonical_bytes(record)]
        self.log.append(f"backup {record.plan.group_id}")
        return StoredBackup(
            record.backup_id,
            f"memory://{record.backup_id}",
            "v1",
            sha256_hex(canonical_bytes(record)),
        )

    def put_manifest(self, manifest: BackupManifest) -> StoredBackup:
        if self.fail:
            raise BackupError("store unavailable")
        if manifest.manifest_id in self.manifests:
            raise BackupError(f"manifest {manifest.manifest_id} exists already")
        data = canonical_json(manifest_to_document(manifest))
        self.manifests[manifest.manifest_id] = [data]
        self.log.append(f"manifest {manifest.account_id}/{manifest.region}")
        return StoredBackup(manifest.manifest_id, "memory://manifest", "v1", sha256_hex(data))

    def load_manifest(self, manifest_id: str, version_id: str | None = None) -> LoadedManifest:
        versions = self.manifests.get(manifest_id)
        if not versions:
            raise BackupError(f"no manifest {manifest_id}")
        index = len(versions) if version_id is None else int(version_id.removeprefix("v"))
        if not 1 <= index <= len(versions):
            raise BackupError(f"no version {version_id} of {manifest_id}")
        data = versions[index - 1]
        return LoadedManifest(manifest_from_document(json.loads(data)), sha256_hex(data),
                              f"v{index}")  # fmt: skip

    def tamper(self, backup_id: str, record: BackupRecord) -> None:
        """A new version under an existing (or new) id, written around the tool."""
        self.records[backup_id] = record
        self.versions.setdefault(backup_id, []).append(canonical_bytes(record))

    def get(self, backup_id: str) -> BackupRecord:
        if backup_id not in self.records:
            raise BackupError(f"no backup {backup_id}")
        return self.records[backup_id]

    def load(self, backup_id: str, version_id: str | None = None) -> LoadedBackup:
        if backup_id not in self.versions:
            raise BackupError(f"no backup {backup_id}")
        versions = self.versions[backup_id]
        index = len(versions) if version_id is None else int(version_id.removeprefix("v"))
        if not 1 <= index <= len(versions):
            raise BackupError(f"no version {version_id} of {backup_id}")
        data = versions[index - 1]
        record = from_document(json.loads(data))
        return LoadedBackup(record, sha256_hex(data), f"v{index}")

    def list(self, group_id: str | None = None) -> builtins.list[str]:
        """Backup ids (of one group, or all), sorted: ids start with the group and the time."""
        return sorted(k for k, r in self.records.items() if group_id in (None, r.plan.group_id))

    def put_receipt(self, receipt: BackupReceipt) -> None:
        if self.fail:
            raise BackupError("store unavailable")
        if receipt.backup_id in self.receipts_by_id:
            raise BackupError(f"receipt of {receipt.backup_id} exists already")
        self.receipts_by_id[receipt.backup_id] = [receipt]
        self.log.append(f"receipt {receipt.group_id}")

    def receipt(self, backup_id: str) -> BackupReceipt | None:
        found = self.receipts_by_id.get(backup_id)
        if not found:
            return None
        if len(found) > 1:
            raise BackupError(f"the receipt of {backup_id} was rewritten")
        return found[0]

    def receipts(self, group_id: str) -> builtins.list[BackupReceipt]:
        return [r[0] for r in self.receipts_by_id.values() if r[0].group_id == group_id]


class MemoryAuditSink:
    """Stands in for `records.audit_log.AuditSink`, answering like the S3 sink: each record is
    addressable (`memory://audit/<record id>`) and a second write of a record id keeps the first
    record and says `created=False`. `records` holds them by id; `writes` counts every write."""

    def __init__(self) -> None:
        self.records: dict[str, AuditRecord] = {}
        self.writes = 0

    def location(self, record: AuditRecord) -> str:
        return f"memory://audit/{record.record_id}"

    def write(self, record: AuditRecord) -> StoredRecord:
        self.writes += 1
        created = record.record_id not in self.records
        self.records.setdefault(record.record_id, record)
        return StoredRecord(self.location(record), created)
