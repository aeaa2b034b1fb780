"""A batch's backup manifest: one stored document naming the backup of every group of one
account x region's batch, so that one pointer tag, written to every group in one call, leads
each group to its own backup.

A group's `sgc:backup` tag names either its own backup or such a manifest (`batch.` ids), each
with the digest (and version) of what was stored. The manifest is written once, after every
backup it names was stored and before any group is tagged with it; it pins each backup by
digest and version, as a per-group pointer does. Whatever reads the tag resolves a manifest
pointer to the group's own entry (`resolve`), and only when the manifest read back has the
digest the tag names and lists this very group in this account and region: a pointer copied
onto another group, or a manifest rewritten around the tool, leads nowhere.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, runtime_checkable

from sgcompliance.errors import BackupError, InputError
from sgcompliance.remediation.backup import (
    MAX_RUN_ID_CHARS,
    BackupPointer,
    StoredBackup,
    canonical_json,
    counted,
    group_of,
    parse_pointer,
    pointer_value,
    sha256_hex,
)
from sgcompliance.remediation.plan import TAG_BACKUP

MANIFEST_FORMAT = 1
KIND = "sgc-backup-manifest"
# A manifest id starts so; a group id never does ("sg-..."), so a pointer says which it names.
MANIFEST_MARK = "batch."
# Groups one manifest names: far above the groups of an account x region a run remediates.
MAX_ENTRIES = 100_000
# Manifests a reader keeps once read (a run reads one per account x region).
MAX_CACHED = 256


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    group_id: str
    backup_id: str
    sha256: str
    version_id: str | None


@dataclass(frozen=True, slots=True)
class BackupManifest:
    manifest_id: str
    created_at: str
    account_id: str
    region: str
    entries: tuple[ManifestEntry, ...]
    run_id: str | None = None


@dataclass(frozen=True, slots=True)
class LoadedManifest:
    manifest: BackupManifest
    sha256: str
    version_id: str | None


@runtime_checkable
class ManifestStore(Protocol):
    """What a backup store may also keep: manifests, written once, read back by version."""

    def put_manifest(self, manifest: BackupManifest) -> StoredBackup:
        """Store durably, never over an existing one; BackupError on any failure."""
        ...

    def load_manifest(self, manifest_id: str, version_id: str | None = None) -> LoadedManifest:
        """Exactly that version (the newest when None), with the digest of what was read."""
        ...


def manifest_id_for(created_at: datetime) -> str:
    """Unique per batch (random suffix), sortable by time, safe in keys and tag values."""
    return f"{MANIFEST_MARK}{created_at:%Y%m%dT%H%M%S%fZ}.{uuid.uuid4().hex[:12]}"


def is_manifest_id(value: str) -> bool:
    return value.startswith(MANIFEST_MARK)


def entry_of(stored: StoredBackup) -> ManifestEntry:
    return ManifestEntry(group_of(stored.backup_id), stored.backup_id, stored.sha256,
                         stored.version_id)  # fmt: skip


def manifest_to_document(manifest: BackupManifest) -> dict[str, Any]:
    run = {} if manifest.run_id is None else {"run_id": manifest.run_id}
    return {
        **run,
        "kind": KIND,
        "format_version": MANIFEST_FORMAT,
        "manifest_id": manifest.manifest_id,
        "created_at": manifest.created_at,
        "account_id": manifest.account_id,
        "region": manifest.region,
        "backups": [
            {
                "group_id": e.group_id,
                "backup_id": e.backup_id,
                "sha256": e.sha256,
                "version_id": e.version_id,
            }
            for e in manifest.entries
        ],
    }


def manifest_digest(manifest: BackupManifest) -> str:
    return sha256_hex(canonical_json(manifest_to_document(manifest)))


def manifest_from_document(doc: Any, source: str = "") -> BackupManifest:
    """Read a manifest back; InputError naming what is wrong."""
    try:
        return _read(doc, source)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"not a valid backup manifest ({exc!r:.120})", source=source) from exc


def _read(doc: Any, source: str) -> BackupManifest:
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise InputError("expected a backup manifest", source=source)
    if doc.get("format_version") != MANIFEST_FORMAT:
        raise InputError(f"expected a manifest of format_version {MANIFEST_FORMAT}", source=source)
    rows = counted(doc["backups"], MAX_ENTRIES, "backups", "$.backups", source)
    entries = []
    for row in rows:
        version = row.get("version_id")
        entry = ManifestEntry(str(row["group_id"]), str(row["backup_id"]), str(row["sha256"]),
                              None if version is None else str(version))  # fmt: skip
        if group_of(entry.backup_id) != entry.group_id:
            raise ValueError(f"$.backups: {entry.backup_id} is not a backup of {entry.group_id}")
        entries.append(entry)
    run_id = doc.get("run_id")
    if run_id is not None and (not isinstance(run_id, str) or len(run_id) > MAX_RUN_ID_CHARS):
        raise ValueError("$.run_id: not a run id")
    return BackupManifest(
        manifest_id=str(doc["manifest_id"]),
        created_at=str(doc["created_at"]),
        account_id=str(doc["account_id"]),
        region=str(doc["region"]),
        entries=tuple(entries),
        run_id=run_id,
    )


class ManifestReader:
    """Resolves manifest pointers, each manifest version read once (a run's groups of one
    account x region share one). Thread-safe enough: a race reads a manifest twice."""

    def __init__(self, store: object) -> None:
        self.store = store if isinstance(store, ManifestStore) else None
        self._read: dict[tuple[str, str | None], LoadedManifest] = {}

    def resolve(self, pointer: BackupPointer, where: tuple[str, str, str]) -> BackupPointer:
        """The group's own backup pointer: `pointer` itself when it names a backup, else the
        entry for the group (`where`: account, region, group id) of the manifest it names,
        once that manifest is read back with the digest the pointer names. BackupError why
        not otherwise."""
        if not is_manifest_id(pointer.backup_id):
            return pointer
        if self.store is None:
            raise BackupError(f"{pointer.backup_id} is a manifest, and this store keeps none")
        if pointer.sha256 is None:
            raise BackupError(f"{TAG_BACKUP} names manifest {pointer.backup_id} without digest")
        key = (pointer.backup_id, pointer.version_id)
        loaded = self._read.get(key)
        if loaded is None:
            loaded = self.store.load_manifest(pointer.backup_id, pointer.version_id)
            if len(self._read) >= MAX_CACHED:
                self._read.clear()  # a long-lived process keeps the recent ones only
            self._read[key] = loaded
        manifest = loaded.manifest
        if loaded.sha256 != pointer.sha256 or manifest.manifest_id != pointer.backup_id:
            raise BackupError(f"manifest {pointer.backup_id} does not have the recorded digest")
        if (manifest.account_id, manifest.region) != where[:2]:
            raise BackupError(f"manifest {pointer.backup_id} is about another account or region")
        found = [e for e in manifest.entries if e.group_id == where[2]]
        if len(found) != 1:
            raise BackupError(f"manifest {pointer.backup_id} names no one backup of {where[2]}")
        entry = found[0]
        return BackupPointer(entry.backup_id, entry.sha256, entry.version_id)

    def own_tags(self, tags: Mapping[str, str], where: tuple[str, str, str]) -> dict[str, str]:
        """`tags` with a manifest pointer replaced by the group's own backup pointer; left as
        they are when the pointer names a backup or cannot be resolved (then it names no
        backup of this group, which every reader treats as another remediation's)."""
        pointer = parse_pointer(tags.get(TAG_BACKUP, ""))
        if pointer is None or not is_manifest_id(pointer.backup_id):
            return dict(tags)
        try:
            own = self.resolve(pointer, where)
        except BackupError:
            return dict(tags)
        stored = StoredBackup(own.backup_id, "", own.version_id, own.sha256 or "")
        return {**tags, TAG_BACKUP: pointer_value(stored)}
