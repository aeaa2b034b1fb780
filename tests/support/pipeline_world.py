"""A small world built from the fakes of every port of the event-driven pipeline
(`sgcompliance.testing`).

`World` holds one member account-region with security groups (in-memory EC2 with AWS's rules),
a backup store, an audit store that answers like S3's conditional write, an SNS topic, a work
queue and the configuration. Every call into a member account is recorded in `World.calls`, so
a test can say "no AWS call at all".
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sgcompliance.adapters.emf import EmfMetricsSink
from sgcompliance.config.mode_overrides import ModeOverrides
from sgcompliance.config.runtime import RuntimeConfig
from sgcompliance.engine.model import Rule, SecurityGroup
from sgcompliance.engine.policy import Policy
from sgcompliance.events.invocation import HandlerApp
from sgcompliance.events.services import Pipeline
from sgcompliance.policy.loader import load_policy
from sgcompliance.records.alert import Alert
from sgcompliance.records.audit import AuditRecord
from sgcompliance.records.metrics import MetricsManager
from sgcompliance.remediation.plan import Mode
from sgcompliance.testing import (
    FakeAdapters,
    FakeConfigs,
    FakeGateway,
    FakeMembers,
    MemoryAuditSink,
)
from support import estate

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "events"
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
    """Ingress tcp `port` from `cidr`, described "d"."""
    return estate.rule(rule_id, cidr, ports=port, description="d", group_id=group_id)


def open_ssh_group(group_id: str = GROUP, account: str = MEMBER) -> SecurityGroup:
    """What the fixture AuthorizeSecurityGroupIngress left: tcp 22 open to the world."""
    return estate.group(
        rule(SSH_V4, 22, "0.0.0.0/0"),
        rule(SSH_V6, 22, "::/0"),
        rule(HTTPS_PRIVATE, 443, "10.0.0.0/8"),
        group_id=group_id,
        account=account,
        region=REGION,
    )


def private_group(group_id: str = GROUP, account: str = MEMBER) -> SecurityGroup:
    https = rule(HTTPS_PRIVATE, 443, "10.0.0.0/8")
    return estate.group(https, group_id=group_id, account=account, region=REGION)


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
