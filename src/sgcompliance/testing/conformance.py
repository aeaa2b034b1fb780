"""Which port each fake stands in for, in a form the type checker verifies: `conforming` holds
one of each fake in a variable annotated with its port (a Protocol), so `mypy --strict src`
fails when a fake and its port drift apart. `PORTS` lists the same pairs for checks at run
time (tests/unit/testing)."""

from __future__ import annotations

from sgcompliance.config.manager import (
    AccountDirectory,
    Clock,
    ParameterSource,
    PolicySource,
    PolicySourceFactory,
)
from sgcompliance.config.runtime import RuntimeConfig
from sgcompliance.events.services import (
    Adapters,
    ConfigSource,
    Estate,
    MemberGroups,
    WorkQueue,
)
from sgcompliance.records.audit_log import AuditSink
from sgcompliance.records.notifier import Notifier
from sgcompliance.remediation.ports import BackupStore, GroupGateway
from sgcompliance.testing.config import FakeClock, FakeDirectory, FakeParameters, FakePolicyObject
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

# (fake, the Protocol it stands in for)
PORTS: tuple[tuple[type, type], ...] = (
    (FakeGateway, GroupGateway),
    (MemoryBackups, BackupStore),
    (MemoryAuditSink, AuditSink),
    (FakeNotifier, Notifier),
    (FakeConfigs, ConfigSource),
    (FakeMembers, MemberGroups),
    (FakeEstate, Estate),
    (FakeQueue, WorkQueue),
    (FakeAdapters, Adapters),
    (FakeParameters, ParameterSource),
    (FakeDirectory, AccountDirectory),
)


def conforming(config: RuntimeConfig) -> dict[str, object]:
    """One of each fake, each assigned to a variable of its port's type; by port name."""
    gateway: GroupGateway = FakeGateway([])
    backups: BackupStore = MemoryBackups()
    audit: AuditSink = MemoryAuditSink()
    notifier: Notifier = FakeNotifier()
    configs: ConfigSource = FakeConfigs(config)
    members: MemberGroups = FakeMembers([])
    estate: Estate = FakeEstate()
    queue: WorkQueue = FakeQueue()
    adapters: Adapters = FakeAdapters(FakeMembers([]))
    parameters: ParameterSource = FakeParameters()
    directory: AccountDirectory = FakeDirectory()
    policy_sources: PolicySourceFactory = FakePolicyObject().source
    policy_source: PolicySource = policy_sources("sgc-policies", "policy.json")
    clock: Clock = FakeClock()
    return {
        "GroupGateway": gateway,
        "BackupStore": backups,
        "AuditSink": audit,
        "Notifier": notifier,
        "ConfigSource": configs,
        "MemberGroups": members,
        "Estate": estate,
        "WorkQueue": queue,
        "Adapters": adapters,
        "ParameterSource": parameters,
        "AccountDirectory": directory,
        "PolicySource": policy_source,
        "Clock": clock,
    }
