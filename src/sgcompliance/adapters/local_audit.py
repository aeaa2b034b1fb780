"""Audit records in a local directory, for CLI runs: `DIR/yyyy/mm/dd/record_id.json`, each
written once (a record already there is left as it is and reported as seen before)."""

from __future__ import annotations

import json
from pathlib import Path

from sgcompliance.errors import SgcError
from sgcompliance.records.audit import AuditRecord, StoredRecord, as_utc, to_json


class LocalAuditSink:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def path(self, record: AuditRecord) -> Path:
        day = as_utc(record.event_time or record.decided_at)
        return self.directory / f"{day:%Y/%m/%d}" / f"{record.record_id}.json"

    def location(self, record: AuditRecord) -> str:
        return str(self.path(record))

    def write(self, record: AuditRecord) -> StoredRecord:
        path = self.path(record)
        body = json.dumps(to_json(record), indent=2, sort_keys=True) + "\n"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Exclusive create: the same decision recorded twice keeps the first record.
            with path.open("x", encoding="utf-8") as handle:
                handle.write(body)
        except FileExistsError:
            return StoredRecord(str(path), created=False)
        except OSError as exc:
            raise SgcError(f"cannot write audit record {path}: {exc.strerror or exc}") from exc
        return StoredRecord(str(path))
