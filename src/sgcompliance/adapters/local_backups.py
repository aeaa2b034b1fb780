"""Backups in a local directory, for CLI use: one JSON file per backup, and one receipt per
backup under `receipts/GROUP/`, each written once and never replaced.

A directory keeps no versions: the receipt's digest still shows a backup changed after it was
stored, but a rewritten receipt cannot be told from the first one. The directory is as
trustworthy as its permissions; a shared or long-lived store belongs in a versioned bucket.
"""

from __future__ import annotations

import builtins
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from sgcompliance.errors import BackupError, DocumentLimitError, InputError
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
from sgcompliance.sources.documents import Limits, parse_json, read_within

log = logging.getLogger(__name__)

RECEIPTS = "receipts"
MANIFESTS = "manifests"
BACKUP_LIMITS = Limits("backup", MAX_BACKUP_BYTES, MAX_BACKUP_DEPTH, MAX_BACKUP_ITEMS)
RECEIPT_LIMITS = Limits("receipt", MAX_RECEIPT_BYTES, MAX_RECEIPT_DEPTH, MAX_RECEIPT_ITEMS)


class LocalBackupStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, backup_id: str) -> Path:
        _check_id(backup_id)
        return self.directory / group_of(backup_id) / f"{backup_id}.json"

    def _receipt_path(self, backup_id: str) -> Path:
        _check_id(backup_id)
        return self.directory / RECEIPTS / group_of(backup_id) / f"{backup_id}.json"

    def put(self, record: BackupRecord) -> StoredBackup:
        path = self._path(record.backup_id)
        text = json.dumps(to_document(record), indent=2, sort_keys=True)
        _write_once(path, text, f"backup {record.backup_id}")
        return StoredBackup(record.backup_id, str(path), None, sha256_hex(canonical_bytes(record)))

    def put_manifest(self, manifest: BackupManifest) -> StoredBackup:
        path = self._manifest_path(manifest.manifest_id)
        text = json.dumps(manifest_to_document(manifest), indent=2, sort_keys=True)
        _write_once(path, text, f"manifest {manifest.manifest_id}")
        return StoredBackup(manifest.manifest_id, str(path), None, manifest_digest(manifest))

    def load_manifest(self, manifest_id: str, version_id: str | None = None) -> LoadedManifest:  # noqa: ARG002 - a directory keeps one version
        path = self._manifest_path(manifest_id)
        doc = _read_json(path, BACKUP_LIMITS)
        if doc is None:
            raise BackupError(f"no manifest {manifest_id!r} in {self.directory}")
        try:
            manifest = manifest_from_document(doc, str(path))
        except InputError as exc:
            raise BackupError(f"{path} is not a valid manifest: {exc}") from exc
        return LoadedManifest(manifest, sha256_hex(canonical_json(doc)), None)

    def _manifest_path(self, manifest_id: str) -> Path:
        _check_id(manifest_id)
        return self.directory / MANIFESTS / f"{manifest_id}.json"

    def get(self, backup_id: str) -> BackupRecord:
        return self.load(backup_id).record

    def load(self, backup_id: str, version_id: str | None = None) -> LoadedBackup:  # noqa: ARG002 - a directory keeps one version
        path = self._path(backup_id)
        doc = _read_json(path, BACKUP_LIMITS)
        if doc is None:
            raise BackupError(f"no backup {backup_id!r} in {self.directory}")
        try:
            record = from_document(doc, str(path))
        except InputError as exc:
            raise BackupError(f"backup {backup_id} is not a valid backup record: {exc}") from exc
        return LoadedBackup(record, sha256_hex(canonical_json(doc)), None)

    def list(self, group_id: str | None = None) -> builtins.list[str]:
        if not self.directory.is_dir():
            return []
        pattern = f"{group_id}/*.json" if group_id else "*/*.json"
        return sorted(
            p.stem
            for p in self.directory.glob(pattern)
            if p.parent.name != RECEIPTS and group_of(p.stem) == p.parent.name
        )

    def put_receipt(self, receipt: BackupReceipt) -> None:
        if receipt.group_id != group_of(receipt.backup_id):
            raise BackupError(
                f"receipt of {receipt.backup_id} names group {receipt.group_id}: not stored"
            )
        path = self._receipt_path(receipt.backup_id)
        text = json.dumps(receipt_to_document(receipt), indent=2, sort_keys=True)
        _write_once(path, text, f"receipt of {receipt.backup_id}")

    def receipt(self, backup_id: str) -> BackupReceipt | None:
        path = self._receipt_path(backup_id)
        doc = _read_json(path, RECEIPT_LIMITS)
        if doc is None:
            return None
        try:
            return receipt_from_document(doc, str(path))
        except InputError as exc:
            raise BackupError(f"the receipt of {backup_id} is unreadable: {exc}") from exc

    def receipts(self, group_id: str) -> builtins.list[BackupReceipt]:
        found = []
        for path in sorted((self.directory / RECEIPTS / group_id).glob("*.json")):
            try:
                receipt = self.receipt(path.stem)
            except BackupError as exc:
                log.warning("receipt %s left out: %s", path, exc)
                continue
            if receipt is not None:
                found.append(receipt)
        return found


def _check_id(backup_id: str) -> None:
    if not backup_id or "/" in backup_id or "\\" in backup_id or backup_id.startswith("."):
        raise BackupError(f"invalid backup id {backup_id!r}")


def _write_once(path: Path, text: str, what: str) -> None:
    """Write to a temporary file, flush it to disk, then link it into place: the link fails
    when the name exists (a backup or receipt is never replaced), and a crash never leaves half
    a file under the final name, which would block the one write that may ever go there."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.link(tmp, path)
        finally:
            os.unlink(tmp)
    except FileExistsError as exc:
        raise BackupError(
            f"{what} exists already at {path}; it is never overwritten",
            hint="a backup id is unique per plan and time: another run wrote this one",
        ) from exc
    except OSError as exc:
        raise BackupError(f"cannot write {what} to {path}: {exc}") from exc


def _read_json(path: Path, limits: Limits) -> Any:
    """The parsed document, read no further than its limit + 1 byte and parsed within its
    limits; None when there is no such file."""
    try:
        with path.open("rb") as handle:
            data = read_within(handle, str(path), limits)
    except FileNotFoundError:
        return None
    except DocumentLimitError as exc:
        raise BackupError(f"{path} is not read: {exc.detail}", hint=exc.hint) from exc
    except OSError as exc:
        raise BackupError(f"cannot read {path}: {exc}") from exc
    try:
        text = data.decode("utf-8")
        del data  # not held while the text is parsed
        return parse_json(text, str(path), limits)
    except UnicodeDecodeError as exc:
        raise BackupError(f"{path} is not UTF-8 text (byte {exc.start:,} is not)") from exc
    except DocumentLimitError as exc:
        raise BackupError(f"{path} is not read: {exc.detail}", hint=exc.hint) from exc
    except InputError as exc:
        where = "" if exc.path == "$" else f"{exc.path}: "
        raise BackupError(f"{path} is not valid JSON: {where}{exc.detail}") from exc


class NoBackupStore:
    """For runs that cannot revoke (dry run, flag only): any attempt to back up is refused,
    so a revoke can still never happen without a stored backup."""

    def put(self, record: BackupRecord) -> StoredBackup:
        raise BackupError(
            f"no backup store configured; refusing to change {record.plan.group_id}",
            hint="pass --backup-dir DIR or --backup-bucket BUCKET",
        )

    def get(self, backup_id: str) -> BackupRecord:
        raise BackupError(f"no backup store configured; cannot read {backup_id}")

    def load(self, backup_id: str, version_id: str | None = None) -> LoadedBackup:  # noqa: ARG002 - the port's signature
        raise BackupError(f"no backup store configured; cannot read {backup_id}")

    def list(self, group_id: str | None = None) -> builtins.list[str]:  # noqa: ARG002 - the port's signature
        return []

    def put_receipt(self, receipt: BackupReceipt) -> None:
        raise BackupError(
            f"no backup store configured; refusing to record a receipt of {receipt.backup_id}",
            hint="pass --backup-dir DIR or --backup-bucket BUCKET",
        )

    def receipt(self, backup_id: str) -> BackupReceipt | None:  # noqa: ARG002 - the port's signature
        return None

    def receipts(self, group_id: str) -> builtins.list[BackupReceipt]:  # noqa: ARG002 - the port's signature
        return []
