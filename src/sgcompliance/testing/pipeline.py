"""Fakes for the ports of the event-driven pipeline (`events.services`), over `FakeGateway`,
`MemoryBackups` and `MemoryAuditSink`: `Pipeline(FakeConfigs(...), FakeAdapters(...), ...)`
runs the whole pipeline in memory."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sgcompliance.config.runtime import RuntimeConfig
from sgcompliance.engine.model import RegionSnapshot, SecurityGroup
from sgcompliance.engine.scanner import ComplianceScanner
from sgcompliance.errors import ConfigError, NotFoundError, SgcError
from sgcompliance.records.alert import Alert
from sgcompliance.records.audit_log import AuditSink
from sgcompliance.remediation.plan import Mode
from sgcompliance.testing.ec2 import FakeGateway
from sgcompliance.testing.stores import MemoryAuditSink, MemoryBackups

DEFAULT_ACCOUNT = "111111111111"
DEFAULT_REGION = "eu-west-1"


class FakeConfigs:
    """Stands in for `events.services.ConfigSource` (what `ConfigManager` offers): always the
    configuration `value`, or, once `error` is set, the ConfigError its loading raises."""

    def __init__(self, value: RuntimeConfig) -> None:
        self.value = value
        self.error: ConfigError | None = None

    def get(self) -> RuntimeConfig:
        if self.error is not None:
            raise self.error
        return self.value

    def mode_for_account(self, account_id: str) -> Mode:
        return self.get().mode_for(account_id, (), {})


class FakeMembers:
    """Stands in for `events.services.MemberGroups`: one `FakeGateway` per account x region
    (made empty on first use), all logging into the shared `calls`, where the reads are logged
    too ("read-group", "named", "read-region"), so a test can say "no AWS call at all".
    `failures[(account, region)]` is raised by every call into that account-region (say, the
    member role cannot be assumed)."""

    def __init__(self, calls: list[str]) -> None:
        self.gateways: dict[tuple[str, str], FakeGateway] = {}
        self.calls = calls
        self.failures: dict[tuple[str, str], SgcError] = {}

    def add(self, *groups: SecurityGroup) -> None:
        """Put groups into the gateway of their account and region."""
        for group in groups:
            key = (group.account_id, group.region)
            gateway = self.gateways.setdefault(key, FakeGateway([], self.calls))
            gateway.groups[group.group_id] = group

    def _gateway(self, account_id: str, region: str) -> FakeGateway:
        failure = self.failures.get((account_id, region))
        if failure is not None:
            raise failure
        return self.gateways.setdefault((account_id, region), FakeGateway([], self.calls))

    def group(self, account_id: str, region: str, group_id: str) -> RegionSnapshot:
        self.calls.append(f"read-group {account_id}/{region} {group_id}")
        found = self._gateway(account_id, region).groups.get(group_id)
        if found is None:
            raise NotFoundError(f"InvalidGroup.NotFound: {group_id}")
        return RegionSnapshot(account_id, region, (found,))

    def group_ids_named(self, account_id: str, region: str, names: Sequence[str]) -> list[str]:
        self.calls.append(f"named {account_id}/{region} {list(names)}")
        groups = self._gateway(account_id, region).groups.values()
        return [g.group_id for g in groups if g.name in names]

    def groups_of_rules(
        self, account_id: str, region: str, rule_ids: Sequence[str]
    ) -> dict[str, str]:
        self.calls.append(f"rules {account_id}/{region} {list(rule_ids)}")
        groups = self._gateway(account_id, region).groups.values()
        wanted = set(rule_ids)
        return {r.rule_id: g.group_id for g in groups for r in g.rules if r.rule_id in wanted}

    def region(
        self,
        account_id: str,
        region: str,
        judged_by: ComplianceScanner | None = None,  # noqa: ARG002
    ) -> RegionSnapshot:
        # Every group is whole here: a judged read would hold the same findings.
        self.calls.append(f"read-region {account_id}/{region}")
        groups = tuple(self._gateway(account_id, region).groups.values())
        return RegionSnapshot(account_id, region, groups)

    def gateway(self, account_id: str, region: str) -> FakeGateway:
        return self._gateway(account_id, region)


class FakeNotifier:
    """Stands in for `records.notifier.Notifier` (the SNS topic): every alert is accepted and
    kept in `published`; the message ids are `msg-1`, `msg-2`, ..."""

    def __init__(self) -> None:
        self.published: list[Alert] = []

    def publish(self, alert: Alert) -> str:
        self.published.append(alert)
        return f"msg-{len(self.published)}"


class FakeQueue:
    """Stands in for `events.services.WorkQueue` (the sweep's SQS queue): accepted messages go
    to `sent`; the first `refuse` messages of every batch are refused as SQS refuses them."""

    def __init__(self, refuse: int = 0) -> None:
        self.sent: list[tuple[str, str]] = []
        self.refuse = refuse

    def send(self, messages: Sequence[tuple[str, str]]) -> dict[str, str]:
        refused = {m[0]: "InternalError: try again" for m in messages[: self.refuse]}
        self.sent.extend(m for m in messages if m[0] not in refused)
        return refused


class FakeEstate:
    """Stands in for `events.services.Estate`: fixed organization accounts and enabled regions
    (by default one account and one region)."""

    def __init__(
        self, accounts: tuple[str, ...] = (DEFAULT_ACCOUNT,), regions: tuple[str, ...] = ()
    ) -> None:
        self.accounts = accounts
        self.regions = regions or (DEFAULT_REGION,)

    def organization_accounts(self) -> tuple[str, ...]:
        return self.accounts

    def enabled_regions(self) -> tuple[str, ...]:
        return self.regions


@dataclass
class FakeAdapters:
    """Stands in for `events.services.Adapters`: hands out the same fakes whatever the
    configuration says. Without a `queue` the work queue is not configured (ConfigError);
    `fallback` is the alert topic used when the configuration cannot be loaded."""

    member_groups: FakeMembers
    backups_store: MemoryBackups = field(default_factory=MemoryBackups)
    audit_store: MemoryAuditSink = field(default_factory=MemoryAuditSink)
    notifier_: FakeNotifier = field(default_factory=FakeNotifier)
    queue: FakeQueue | None = field(default_factory=FakeQueue)
    estate_: FakeEstate = field(default_factory=FakeEstate)
    fallback: str | None = None

    def backups(self, config: RuntimeConfig) -> MemoryBackups:  # noqa: ARG002 - the port's shape
        return self.backups_store

    def audit_sinks(self, config: RuntimeConfig) -> list[AuditSink]:  # noqa: ARG002 - the port's shape
        return [self.audit_store]

    def notifier(self, topic_arn: str) -> FakeNotifier:  # noqa: ARG002 - the port's shape
        return self.notifier_

    def members(self, config: RuntimeConfig) -> FakeMembers:  # noqa: ARG002 - the port's shape
        return self.member_groups

    def estate(self) -> FakeEstate:
        return self.estate_

    def work_queue(self) -> FakeQueue:
        if self.queue is None:
            raise ConfigError("SGC_WORK_QUEUE_URL (environment) is not set")
        return self.queue

    def fallback_topic(self) -> str | None:
        return self.fallback
