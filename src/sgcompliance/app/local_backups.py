"""Backups in a local directory, for CLI use: one JSON file per backup, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from sgcompliance.core.backup import BackupRecord, from_document, group_of, to_document
from sgcompliance.core.errors import BackupError


class LocalBackupStore:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _path(self, backup_id: str) -> Path:
        if "/" in backup_id or backup_id.startswith("."):
            raise BackupError(f"invalid backup id {backup_id!r}")
        return self.directory / group_of(backup_id) / f"{backup_id}.json"

    def put(self, record: BackupRecord) -> str:
        path = self._path(record.backup_id)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Write to a temporary file and rename so a crash never leaves half a backup.
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(to_document(record), handle, indent=2, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except OSError as exc:
            raise BackupError(f"cannot write backup {record.backup_id} to {path}: {exc}") from exc
        return str(path)

    def get(self, backup_id: str) -> BackupRecord:
        path = self._path(backup_id)
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise BackupError(f"no backup {backup_id!r} in {self.directory}") from exc
        except (OSError, ValueError) as exc:
            raise BackupError(f"cannot read backup {path}: {exc}") from exc
        return from_document(doc, str(path))

    def list(self, group_id: str | None = None) -> list[str]:
        if not self.directory.is_dir():
            return []
        pattern = f"{group_id}/*.json" if group_id else "*/*.json"
        return sorted(p.stem for p in self.directory.glob(pattern))


class NoBackupStore:
    """For runs that cannot revoke (dry run, flag only): any attempt to back up is refused,
    so a revoke can still never happen without a stored backup."""

    def put(self, record: BackupRecord) -> str:
        raise BackupError(
            f"no backup store configured; refusing to change {record.plan.group_id}",
            hint="pass --backup-dir DIR or --backup-bucket BUCKET",
        )

    def get(self, backup_id: str) -> BackupRecord:
        raise BackupError(f"no backup store configured; cannot read {backup_id}")

    def list(self, group_id: str | None = None) -> list[str]:  # noqa: ARG002 - the port's signature
        return []
