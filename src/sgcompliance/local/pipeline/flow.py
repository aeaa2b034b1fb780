"""The live local pipeline: what AWS runs between a security-group change and its remediation.

    member account                       hub account
    EC2 call ─► CloudTrailEmitter ─► default bus ─► forward rule ─► sgcompliance-hub bus
        ─► sgcompliance-sg-changes rule ─► SQS sgcompliance-events ─► LocalWorker
        ─► handler (in-process) ─► describe / backup (S3) / revoke / tag ─► SNS ─► SQS inbox

`deploy_pipeline` creates in the local AWS what Terraform creates in AWS (local/hub.py,
local/members.py) for the seeded demo organization; `PipelineState` keeps what was deployed
next to the server's state file, so that `sgc local worker` finds it. The two parts moto
cannot do are done here as AWS would do them: recording the API call (CloudTrail) and running
the function (Lambda). Everything in between is moto's EventBridge, SQS, SNS and S3.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sgcompliance.adapters.aws.assume import RoleSettings
from sgcompliance.adapters.aws.errors import translating
from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.errors import ConfigError
from sgcompliance.local.pipeline.hub import Hub, HubSettings, create_hub
from sgcompliance.local.pipeline.members import MemberLink, connect_members, deployer
from sgcompliance.local.pipeline.worker import Handler, LocalWorker, handler_environment
from sgcompliance.local.seed.organization import DemoOrg


@dataclass(frozen=True, slots=True)
class LocalPipeline:
    endpoint: str
    hub: Hub
    members: tuple[MemberLink, ...]

    @property
    def environment(self) -> dict[str, str]:
        """The handler's environment (the deployed function's, pointed at the local AWS)."""
        hub = self.hub
        # The hub's key is new with every deployment: it names this one.
        version = hub.key_arn.rsplit("/", 1)[-1][:8]
        return handler_environment(
            self.endpoint, hub.region, hub.parameter_path, version, hub.work_queue_url
        )

    def to_json(self) -> dict[str, Any]:
        members = [
            {"account_id": m.account_id, "region": m.region, "rule_arn": m.rule_arn,
             "role_arn": m.role_arn}
            for m in self.members
        ]  # fmt: skip
        return {"endpoint": self.endpoint, "hub": self.hub.to_json(), "members": members}

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> LocalPipeline:
        members = tuple(
            MemberLink(m["account_id"], m["region"], m["rule_arn"], m["role_arn"])
            for m in doc.get("members", [])
        )
        return cls(str(doc["endpoint"]), Hub.from_json(doc["hub"]), members)


def deploy_pipeline(
    factory: ClientFactory, org: DemoOrg, policy_document: Mapping[str, Any] | None = None
) -> LocalPipeline:
    """The hub (in the account of the factory's credentials) and every member's forwarding."""
    settings = HubSettings(
        accounts=org.account_ids, regions=org.regions, external_id=org.role.external_id or "",
        role_name=org.role.role_name, policy_document=policy_document,
    )  # fmt: skip
    hub = create_hub(factory, settings)
    links = connect_members(deployer(factory), hub, org.account_ids, org.regions)
    return LocalPipeline(factory.settings.endpoint_url or "", hub, tuple(links))


def describe_pipeline(pipeline: LocalPipeline) -> list[str]:
    hub = pipeline.hub
    accounts = sorted({m.account_id for m in pipeline.members})
    regions = sorted({m.region for m in pipeline.members})
    return [
        f"hub account {hub.account_id} ({hub.region}):",
        f"  KMS key          {hub.key_arn}",
        f"  S3 bucket        {hub.bucket} (versioned, SSE-KMS): policy, backups, audit",
        f"  SSM parameters   {len(hub.parameters)} under {hub.parameter_path}",
        f"  SNS topic        {_name(hub.topic_arn)} -> SQS {_name(hub.inbox_url)}",
        f"  event bus        {_name(hub.bus_arn)}, its policy admitting the members",
        f"  rule             {_name(hub.rule_arn)} -> SQS {_name(hub.events_queue_url)} (+ DLQ)",
        f"member accounts {', '.join(accounts)} x regions {', '.join(regions)}:",
        "  default-bus rule sgcompliance-member-sg-changes -> the hub bus",
    ]


def _name(arn_or_url: str) -> str:
    return arn_or_url.replace(":", "/").rsplit("/", 1)[-1]


def pipeline_worker(
    factory: ClientFactory, pipeline: LocalPipeline, handler: Handler
) -> LocalWorker:
    hub = pipeline.hub
    arn = f"arn:aws:lambda:{hub.region}:{hub.account_id}:function:sgcompliance-handler"
    sqs = factory.client("sqs", hub.region)
    return LocalWorker(sqs, hub.events_queue_url, handler, function_arn=arn)


def org_from_json(doc: Mapping[str, Any]) -> DemoOrg:
    """The parts of a seeded organization (`sgc local seed` writes demo.json) the hub needs."""
    accounts = tuple((str(a["id"]), str(a["name"])) for a in doc["accounts"])
    role = RoleSettings(
        role_name=str(doc["role_name"]), external_id=doc.get("external_id"), purpose="seed"
    )
    tag = doc.get("exemption_tag") or {}
    return DemoOrg(
        endpoint=str(doc["endpoint"]), management_account=str(doc["management_account"]),
        accounts=accounts, regions=tuple(doc["regions"]), role=role, scopes=(),
        exemption_tag=(str(tag.get("key", "")), str(tag.get("value", ""))),
    )  # fmt: skip


class PipelineState:
    """`pipeline.json` and `demo.json` beside the server's state file (.sgc/ by default)."""

    def __init__(self, server_state_path: Path) -> None:
        self.path = server_state_path.with_name("pipeline.json")
        self.org_path = server_state_path.with_name("demo.json")

    def org(self) -> DemoOrg:
        try:
            return org_from_json(json.loads(self.org_path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise ConfigError(
                "the demo organization is not seeded", hint="run `sgc local up --seed` first"
            ) from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{self.org_path} is unreadable: {exc}") from exc

    def seeded(self, endpoint: str) -> bool:
        """demo.json records an organization seeded into the server at `endpoint`."""
        try:
            doc = json.loads(self.org_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(doc, dict) and doc.get("endpoint") == endpoint

    def save(self, pipeline: LocalPipeline) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.write_text(json.dumps(pipeline.to_json(), indent=2) + "\n", encoding="utf-8")

    def load(self, endpoint: str) -> LocalPipeline | None:
        """The pipeline deployed into the server at `endpoint`, if any."""
        try:
            pipeline = LocalPipeline.from_json(json.loads(self.path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ConfigError(f"{self.path} is unreadable: {exc}") from exc
        return pipeline if pipeline.endpoint == endpoint else None


@dataclass(frozen=True, slots=True)
class InboxAlert:
    """One alert as the SNS inbox queue received it (an SNS envelope)."""

    subject: str
    body: Mapping[str, Any]
    attributes: Mapping[str, str]
    published_at: datetime | None


def read_inbox(factory: ClientFactory, hub: Hub, wait_seconds: int = 1) -> list[InboxAlert]:
    """Receive (and delete) what the alert topic delivered to the inbox queue so far."""
    sqs = factory.client("sqs", hub.region)
    with translating("ReceiveMessage", scope=hub.inbox_url):
        answer = sqs.receive_message(
            QueueUrl=hub.inbox_url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
        )
    alerts = []
    for message in answer.get("Messages", []):
        alerts.append(_alert(json.loads(message["Body"])))
        with translating("DeleteMessage", scope=hub.inbox_url):
            sqs.delete_message(QueueUrl=hub.inbox_url, ReceiptHandle=message["ReceiptHandle"])
    return alerts


def _alert(envelope: Mapping[str, Any]) -> InboxAlert:
    try:
        body = json.loads(envelope.get("Message", ""))
    except ValueError:
        body = {"text": envelope.get("Message", "")}
    attributes = {k: str(v.get("Value")) for k, v in envelope.get("MessageAttributes", {}).items()}
    return InboxAlert(
        str(envelope.get("Subject", "")), body, attributes, parse_time(envelope.get("Timestamp"))
    )


def read_audit_records(
    factory: ClientFactory, hub: Hub, event_ids: Sequence[str] = ()
) -> list[dict[str, Any]]:
    """The audit records in the hub bucket (those of `event_ids` only, when given)."""
    s3 = factory.client("s3", hub.region)
    records = []
    paginator = s3.get_paginator("list_objects_v2")
    with translating("ListObjectsV2", scope=hub.bucket):
        keys = [
            o["Key"]
            for page in paginator.paginate(Bucket=hub.bucket, Prefix="audit/")
            for o in page.get("Contents", [])
        ]
    for key in keys:
        with translating("GetObject", scope=f"s3://{hub.bucket}/{key}"):
            record = json.loads(s3.get_object(Bucket=hub.bucket, Key=key)["Body"].read())
        if not event_ids or record.get("event_id") in event_ids:
            records.append(record)
    return sorted(records, key=lambda r: str(r.get("decided_at", "")))


def parse_time(text: object) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)
