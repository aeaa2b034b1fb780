"""In-memory fakes of the project's ports, for tests of code built on sgcompliance.

Each fake stands in for one port (a Protocol) and behaves as the real adapter does where a test
can tell (AWS's answers to revokes, S3's write-once objects and conditional reads), records what
it was asked, and has switches for the failures worth testing. No AWS SDK is imported.

- `FakeGateway`: `remediation.ports.GroupGateway`, the security groups of one account-region.
- `MemoryBackups`: `remediation.ports.BackupStore`, versioned and write-once.
- `MemoryAuditSink`: `records.audit_log.AuditSink`, like the S3 audit bucket.
- `FakeNotifier`: `records.notifier.Notifier`, the alert topic.
- `FakeConfigs`, `FakeMembers`, `FakeEstate`, `FakeQueue`, `FakeAdapters`: the ports of the
  event-driven pipeline (`events.services`).
- `FakeParameters`, `FakePolicyObject`, `FakeDirectory`, `FakeClock`: the ports of
  `config.manager.ConfigManager`.

`sgcompliance.testing.conformance` pairs each fake with its port, checked by mypy.
"""

from __future__ import annotations

from sgcompliance.testing.config import (
    TEAM_POLICY,
    FakeClock,
    FakeDirectory,
    FakeParameters,
    FakePolicyObject,
)
from sgcompliance.testing.ec2 import FakeGateway
from sgcompliance.testing.pipeline import (
    FakeAdapters,
    FakeConfigs,
    FakeEstate,
    FakeMembers,
    FakeNotifier,
    FakeQueue,
)
from sgcompliance.testing.stores import MemoryAuditSink, MemoryBackups

__all__ = [
    "TEAM_POLICY",
    "FakeAdapters",
    "FakeClock",
    "FakeConfigs",
    "FakeDirectory",
    "FakeEstate",
    "FakeGateway",
    "FakeMembers",
    "FakeNotifier",
    "FakeParameters",
    "FakePolicyObject",
    "FakeQueue",
    "MemoryAuditSink",
    "MemoryBackups",
]
