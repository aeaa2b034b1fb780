"""The backup store as one remediation run writes to it: every backup it stores names the run.

`sgc rollback --run RUN_ID` finds a run's backups by the run tag their ids end with, and trusts
one as the run's only when its document (whose digest the receipt pins) records that run id.
The run is known only once the run starts (the CLI makes its id after the prompt; an event's is
its CloudTrail id), so the remediator sets it per `execute`; everything else passes through.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from sgcompliance.remediation.backup import BackupRecord, LoadedBackup, StoredBackup, of_run
from sgcompliance.remediation.ports import BackupStore
from sgcompliance.remediation.receipt import BackupReceipt


class RunBackups:
    """A `BackupStore` that stamps the current run on every backup put through it."""

    def __init__(self, store: BackupStore, run_id: str | None = None) -> None:
        self.store = store
        self.run_id = run_id

    def put(self, record: BackupRecord) -> StoredBackup:
        return self.store.put(of_run(record, self.run_id))

    def get(self, backup_id: str) -> BackupRecord:
        return self.store.get(backup_id)

    def load(self, backup_id: str, version_id: str | None = None) -> LoadedBackup:
        return self.store.load(backup_id, version_id)

    def list(self, group_id: str | None = None) -> builtins.list[str]:
        return self.store.list(group_id)

    def put_receipt(self, receipt: BackupReceipt) -> None:
        self.store.put_receipt(receipt)

    def receipt(self, backup_id: str) -> BackupReceipt | None:
        return self.store.receipt(backup_id)

    def receipts(self, group_id: str) -> Sequence[BackupReceipt]:
        return self.store.receipts(group_id)
