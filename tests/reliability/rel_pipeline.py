"""The event-driven pipeline (`HandlerApp` -> `EventProcessor`) over the moto server, with the
durable parts shared between "processes": the S3 backup bucket, the audit trail (an in-memory
sink that answers like S3's conditional write) and the alert topic's inbox. Everything else
(clients, role credentials, the pipeline) is built anew per process, and can be made to die at a
chosen step with the integration tests' tripwires.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from rel_wiring import backup_store, proxied_runtime

from sgcompliance.adapters.aws.estate import MemberAccess, Runtime
from sgcompliance.adapters.emf import EmfMetricsSink
from sgcompliance.config.runtime import RuntimeConfig
from sgcompliance.events.invocation import HandlerApp
from sgcompliance.events.services import Pipeline
from sgcompliance.records.alert import Alert
from sgcompliance.records.audit_log import AuditSink
from sgcompliance.records.metrics import MetricsManager
from sgcompliance.remediation.plan import Mode
from sgcompliance.remediation.ports import BackupStore, GroupGateway
from sgcompliance.testing import FakeConfigs, FakeEstate, FakeQueue, MemoryAuditSink
from support.estate import create_group, perm
from support.handler_hub import change_event
from support.it_policy import admin_policy
from support.live_estate import EXTERNAL_ID, MEMBERS, ROLE_NAME, Estate
from support.live_faults import CrashingBackupStore, CrashingGateway, Tripwire
from support.pipeline_world import config

MEMBER = MEMBERS[0]
REGION = "eu-west-1"  # handler_hub's events name this region
TOPIC = "arn:aws:sns:us-east-1:123456789012:sgc-rel-alerts"
# Crash points on the backup store's calls; the others are on the member's gateway.
STORE_CALLS = ("put", "put_receipt")


class Inbox:
    """The alert topic: what its subscribers received."""

    def __init__(self) -> None:
        self.alerts: list[Alert] = []
        self._lock = threading.Lock()

    def publish(self, alert: Alert) -> str:
        with self._lock:
            self.alerts.append(alert)
            return f"msg-{len(self.alerts)}"


class DyingNotifier:
    """Dies right before the n-th publish: that alert never leaves."""

    def __init__(self, inbox: Inbox, tripwire: Tripwire) -> None:
        self.inbox = inbox
        self.tripwire = tripwire

    def publish(self, alert: Alert) -> str:
        self.tripwire.passed("publish")  # dies before the message leaves
        return self.inbox.publish(alert)


@dataclass(slots=True)
class Durable:
    """What outlives a process."""

    estate: Estate
    endpoint: str
    audit: MemoryAuditSink = field(default_factory=MemoryAuditSink)
    inbox: Inbox = field(default_factory=Inbox)


@dataclass(slots=True)
class ProcessAdapters:
    """The pipeline's `Adapters` for one process; `tripwire` (if any) kills it at one step."""

    durable: Durable
    runtime: Runtime
    tripwire: Tripwire | None = None
    store: BackupStore = field(init=False)

    def __post_init__(self) -> None:
        store = backup_store(self.runtime)
        dies = self.tripwire is not None and self.tripwire.method in STORE_CALLS
        self.store = CrashingBackupStore(store, self.tripwire) if dies else store  # type: ignore[arg-type]

    def backups(self, config: RuntimeConfig) -> BackupStore:  # noqa: ARG002 - the port's shape
        return self.store

    def audit_sinks(self, config: RuntimeConfig) -> list[AuditSink]:  # noqa: ARG002
        return [self.durable.audit]

    def notifier(self, topic_arn: str) -> Any:  # noqa: ARG002 - the port's shape
        if self.tripwire is not None and self.tripwire.method == "publish":
            return DyingNotifier(self.durable.inbox, self.tripwire)
        return self.durable.inbox

    def members(self, config: RuntimeConfig) -> Any:  # noqa: ARG002 - the port's shape
        return _Members(self.runtime, self._wrap)

    def estate(self) -> FakeEstate:
        return FakeEstate((MEMBER,), (REGION,))

    def work_queue(self) -> FakeQueue:
        return FakeQueue()

    def fallback_topic(self) -> str | None:
        return TOPIC

    def _wrap(self, gateway: GroupGateway) -> GroupGateway:
        if self.tripwire is None or self.tripwire.method in (*STORE_CALLS, "publish"):
            return gateway
        return CrashingGateway(gateway, self.tripwire)


class _Members(MemberAccess):
    def __init__(self, runtime: Runtime, wrap: Callable[[GroupGateway], GroupGateway]) -> None:
        super().__init__(runtime)
        self.wrap = wrap

    def gateway(self, account_id: str, region: str) -> Any:
        return self.wrap(super().gateway(account_id, region))


def process(durable: Durable, mode: Mode, tripwire: Tripwire | None = None) -> HandlerApp:
    """A new handler process over the durable parts."""
    runtime = proxied_runtime(durable.estate, durable.endpoint, purpose="handler")
    settings: RuntimeConfig = replace(
        config(),
        mode=mode,
        policy=admin_policy(trusted=(MEMBER,)),
        policy_ref="reliability",
        accounts=(MEMBER,),
        regions=(REGION,),
        role_name=ROLE_NAME,
        external_id=EXTERNAL_ID,
        sns_topic_arn=TOPIC,
        max_revokes=None,
        max_event_age=None,
    )
    adapters = ProcessAdapters(durable, runtime, tripwire)
    metrics = MetricsManager(EmfMetricsSink(io.StringIO()))
    pipeline = Pipeline(FakeConfigs(settings), adapters, metrics, audit_log=MemoryAuditSink())
    return HandlerApp(pipeline)


def open_group(estate: Estate, name: str) -> tuple[str, list[str]]:
    """A group with SSH open to the world (IPv4 and IPv6) and a private HTTPS rule, as a
    developer's change leaves it: (group id, the world rules' ids)."""
    ec2 = estate.ec2(MEMBER, REGION)
    ingress = (
        perm("tcp", (22, 22), "0.0.0.0/0", "::/0", description="ssh"),
        perm("tcp", (443, 443), "10.0.0.0/8", description="https"),
    )
    group_id = create_group(ec2, name, description=f"{name} (reliability)", ingress=ingress)
    estate.group_ids[MEMBER, REGION, name] = group_id
    rows = estate.rows(group_id)
    world = [r["SecurityGroupRuleId"] for r in rows if r.get("FromPort") == 22]
    return group_id, world


def event_for(group_id: str, rule_ids: list[str], event_id: str) -> dict[str, Any]:
    event = change_event(MEMBER, group_id, rule_ids, event_id=event_id)
    event["detail"]["eventTime"] = datetime.now(UTC).isoformat()
    return event
