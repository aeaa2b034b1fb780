"""Fakes for every port of the event-driven pipeline, and a small world built from them.

`World` holds one member account-region with security groups (in-memory EC2 with AWS's rules),
a backup store, an audit store that answers like S3's conditional write, an SNS topic, a work
queue and the configuration. Every call into a member account is recorded in `World.calls`, so
a test can say "no AWS call at all".
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from fake_ec2 import FakeGateway, MemoryBackups

from sgcompliance.adapters.emf import EmfMetricsSink
from sgcompliance.config.mode_overrides import ModeOverrides
from sgcompliance.config.runtime import RuntimeConfig
from sgcompliance.engine.model import Direction, Peer, PeerKind, RegionSnapshot, Rule, SecurityGroup
from sgcompliance.engine.policy import Policy
from sgcompliance.errors import ConfigError, NotFoundError, SgcError
from sgcompliance.events.invocation import HandlerApp
from sgcompliance.events.services import Pipeline
from sgcompliance.policy.loader import load_policy
from sgcompliance.records.alert import Alert
from sgcompliance.records.audit import AuditRecord, StoredRecord
from sgcompliance.records.audit_log import AuditSink
from sgcompliance.records.metrics import MetricsManager
from sgcompliance.remediation.plan import Mode

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "events"
MEMBER = "111111111111"
OTHER = "222222222222"
REGION = "eu-west-1"
GROUP = "sg-0a1b2c3d4e5f60718"  # the group the fixture events name
SSH_V4, SSH_V6 = "sgr-01a2b3c4d5e6f7081", "sgr-02b3c4d5e6f708192"
HTTPS_PRIVATE = "sgr-06f70819203142536"
TOPIC = "arn:aws:sns:eu-west-1:999999999999:sgcompliance-alerts"
EVENT_TIME = datetime(2026, 11, 27, 10, 15, 30, tzinfo=UTC)
NOW = datetime(2026, 11, 27, 10, 15, 32, tzinfo=UTC)


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))


@cache
def strict_policy() -> Policy:
    return load_policy("builtin:strict")


def rule(rule_id: str, port: int, cidr: str, group_id: str = GROUP) -> Rule:
    kind = PeerKind.IPV6 if ":" in cidr else PeerKind.IPV4
    return Rule(rule_id, group_id, Direction.INGRESS, "tcp", port, port, Peer(kind, cidr), "d")


def open_ssh_group(group_id: str = GROUP, account: str = MEMBER) -> SecurityGroup:
    """What the fixture AuthorizeSecurityGroupIngress left: tcp 22 open to the world."""
    rules = (
        rule(SSH_V4, 22, "0.0.0.0/0", group_id),
        rule(SSH_V6, 22, "::/0", group_id),
        rule(HTTPS_PRIVATE, 443, "10.0.0.0/8", group_id),
    )
    return SecurityGroup(group_id, "web", account, REGION, rules)


def private_group(group_id: str = GROUP, account: str = MEMBER) -> SecurityGroup:
    rules = (rule(HTTPS_PRIVATE, 443, "10.0.0.0/8", group_id),)
    return SecurityGroup(group_id, "web", account, REGION, rules)


def config(**changes: Any) -> RuntimeConfig:
    base = RuntimeConfig(
        mode=Mode.REMOVE,
        dry_run=False,
        accounts=(MEMBER, OTHER),
        regions=(REGION,),
        role_name="sgcompliance-member",
        policy=strict_policy(),
        policy_ref="builtin:strict",
        external_id="ext-0123456789",
        sns_topic_arn=TOPIC,
        max_revokes=25,
        backup_bucket="sgc-backups",
        own_role_arns=frozenset({"arn:*:iam::*:role/sgcompliance-member"}),
        mode_overrides=ModeOverrides(),
    )
    return replace(base, **changes)


class FakeConfigs:
    """`ConfigSource`: one configuration, or the ConfigError its loading raises."""

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
    """`MemberGroups` over one FakeGateway per account-region; every call is logged."""

    def __init__(self, calls: list[str]) -> None:
        self.gateways: dict[tuple[str, str], FakeGateway] = {}
        self.calls = calls
        self.failures: dict[tuple[str, str], SgcError] = {}

    def add(self, *groups: SecurityGroup) -> None:
        for group in groups:
            key = (group.account_id, group.region)
            self.gateways.setdefault(key, FakeGateway([], self.calls)).groups[group.group_id] = (
                group
            )

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

    def region(self, account_id: str, region: str) -> RegionSnapshot:
        self.calls.append(f"read-region {account_id}/{region}")
        groups = tuple(self._gateway(account_id, region).groups.values())
        return RegionSnapshot(account_id, region, groups)

    def gateway(self, account_id: str, region: str) -> FakeGateway:
        return self._gateway(account_id, region)


class MemoryAuditSink:
    """Like the S3 sink: addressable, and a second write of a record id is not a new one."""

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


class FakeNotifier:
    def __init__(self) -> None:
        self.published: list[Alert] = []

    def publish(self, alert: Alert) -> str:
        self.published.append(alert)
        return f"msg-{len(self.published)}"


class FakeQueue:
    def __init__(self, refuse: int = 0) -> None:
        self.sent: list[tuple[str, str]] = []
        self.refuse = refuse

    def send(self, messages: Sequence[tuple[str, str]]) -> dict[str, str]:
        refused = {m[0]: "InternalError: try again" for m in messages[: self.refuse]}
        self.sent.extend(m for m in messages if m[0] not in refused)
        return refused


class FakeEstate:
    def __init__(self, accounts: tuple[str, ...] = (MEMBER,), regions: tuple[str, ...] = ()):
        self.accounts = accounts
        self.regions = regions or (REGION,)

    def organization_accounts(self) -> tuple[str, ...]:
        return self.accounts

    def enabled_regions(self) -> tuple[str, ...]:
        return self.regions


@dataclass
class FakeAdapters:
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


@dataclass
class World:
    configs: FakeConfigs
    adapters: FakeAdapters
    pipeline: Pipeline
    app: HandlerApp
    calls: list[str]
    log_sink: MemoryAuditSink

    @property
    def gateway(self) -> FakeGateway:
        return self.adapters.member_groups.gateway(MEMBER, REGION)

    @property
    def alerts(self) -> list[Alert]:
        return self.adapters.notifier_.published

    @property
    def audit(self) -> list[AuditRecord]:
        return list(self.adapters.audit_store.records.values())

    @property
    def writes(self) -> list[str]:
        return [w for gw in self.adapters.member_groups.gateways.values() for w in gw.writes]


def world(*groups: SecurityGroup, metrics: MetricsManager | None = None, **changes: Any) -> World:
    """A pipeline over `groups` (default: the fixture's group with SSH open to the world)."""
    calls: list[str] = []
    members = FakeMembers(calls)
    members.add(*(groups or (open_ssh_group(),)))
    adapters = FakeAdapters(members)
    configs = FakeConfigs(config(**changes))
    log_sink = MemoryAuditSink()
    pipeline = Pipeline(
        configs,
        adapters,
        metrics or MetricsManager(EmfMetricsSink(io.StringIO())),
        audit_log=log_sink,
        clock=lambda: NOW,
        today=lambda: date(2026, 11, 27),
    )
    return World(configs, adapters, pipeline, HandlerApp(pipeline), calls, log_sink)


def event_for(name: str = "authorize_ingress", **detail: Any) -> dict[str, Any]:
    """A fixture event with some `detail` fields replaced."""
    event: dict[str, Any] = fixture(name)
    event["detail"].update(detail)
    return event


def emitted(metrics: MetricsManager) -> dict[str, float]:
    """Metric name (with its Reason/Severity if any) -> summed value, from a flush."""
    totals: dict[str, float] = {}
    for doc in metrics.flush():
        directive = doc["_aws"]["CloudWatchMetrics"][0]
        for metric in directive["Metrics"]:
            name = metric["Name"]
            label = name + "".join(f"[{doc[k]}]" for k in ("Reason", "Severity") if k in doc)
            values = doc[name] if isinstance(doc[name], list) else [doc[name]]
            totals[label] = totals.get(label, 0.0) + sum(values)
    return totals
