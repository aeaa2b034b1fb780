"""The read-only probe of `sgc doctor`: what the hub account (the caller's credentials) and the
member accounts (through an inspection role) have deployed. It only describes, lists and gets;
the one write-like call is AssumeRole of the member role, which is the check itself.

Each read answers a value, None for "there is none" (a not-found error), or `Unreadable` with
the error for anything else (access denied, an endpoint without that service).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from sgcompliance.adapters.aws.accounts import organization_accounts
from sgcompliance.adapters.aws.assume import AccountClients, RoleAssumer, RoleSettings
from sgcompliance.adapters.aws.errors import translating
from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.deployment.checks import Rule, Trail, Unreadable
from sgcompliance.errors import SgcError

T = TypeVar("T")
_NOT_FOUND = (
    "ResourceNotFoundException",
    "NotFoundException",
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
    "NotFound",
)
DOCTOR_PURPOSE = "doctor"


def _read(operation: str, scope: str, call: Callable[[], T]) -> T | Unreadable | None:
    try:
        with translating(operation, scope=scope):
            return call()
    except SgcError as exc:
        if getattr(exc, "aws_code", "") in _NOT_FOUND or "does not exist" in str(exc):
            return None
        return Unreadable(str(exc))


class DeploymentProbe:
    """`deployment.doctor.Probe` over boto3 clients."""

    def __init__(self, factory: ClientFactory, inspect_role_name: str) -> None:
        self.factory = factory
        with translating("GetCallerIdentity"):
            self._hub = str(factory.sts().get_caller_identity()["Account"])
        self._region = factory.region
        inspector = RoleAssumer(
            factory.sts(), RoleSettings(role_name=inspect_role_name, purpose=DOCTOR_PURPOSE)
        )
        self._accounts = AccountClients(factory, inspector, direct_accounts=[self._hub])

    @property
    def hub_account(self) -> str:
        return self._hub

    @property
    def hub_region(self) -> str:
        return self._region

    def _client(self, account: str, service: str, region: str | None = None) -> Any:
        return self._accounts.client(account, service, region or self._region)

    def organization_accounts(self) -> tuple[str, ...] | Unreadable:
        try:
            return organization_accounts(self.factory.organizations())
        except SgcError as exc:
            return Unreadable(str(exc))

    def enabled_regions(self) -> tuple[str, ...] | Unreadable:
        found = _read(
            "DescribeRegions", self._hub,
            lambda: self.factory.ec2(self._region).describe_regions()["Regions"],
        )  # fmt: skip
        if found is None or isinstance(found, Unreadable):
            return found or Unreadable("no regions")
        return tuple(sorted(r["RegionName"] for r in found))

    def trails(self, account: str) -> list[Trail] | Unreadable:
        try:
            client = self._client(account, "cloudtrail")
        except SgcError as exc:
            return Unreadable(str(exc))
        listed = _read(
            "DescribeTrails", account,
            lambda: client.describe_trails(includeShadowTrails=True)["trailList"],
        )  # fmt: skip
        if listed is None or isinstance(listed, Unreadable):
            return listed or []
        return [self._trail(client, account, t) for t in listed]

    def _trail(self, client: Any, account: str, trail: Mapping[str, Any]) -> Trail:
        arn = str(trail.get("TrailARN", trail.get("Name", "")))
        status = _read("GetTrailStatus", account, lambda: client.get_trail_status(Name=arn))
        selectors = _read(
            "GetEventSelectors", account, lambda: client.get_event_selectors(TrailName=arn)
        )
        logging = None if not isinstance(status, Mapping) else bool(status.get("IsLogging"))
        management = None if not isinstance(selectors, Mapping) else _management(selectors)
        return Trail(
            name=str(trail.get("Name", arn)),
            multi_region=bool(trail.get("IsMultiRegionTrail")),
            organization=bool(trail.get("IsOrganizationTrail")),
            logging=logging,
            management_events=management,
        )

    def rule(self, account: str, region: str, name: str, bus: str) -> Rule | Unreadable | None:
        scope = f"{account}/{region}"
        try:
            events = self._client(account, "events", region)
        except SgcError as exc:
            return Unreadable(str(exc))
        described = _read(
            "DescribeRule", scope, lambda: events.describe_rule(Name=name, EventBusName=bus)
        )
        if described is None or isinstance(described, Unreadable):
            return described
        targets = _read(
            "ListTargetsByRule", scope,
            lambda: events.list_targets_by_rule(Rule=name, EventBusName=bus)["Targets"],
        )  # fmt: skip
        if isinstance(targets, Unreadable):
            return targets
        listed = list(targets or [])
        return Rule(
            name=name,
            enabled=described.get("State") == "ENABLED",
            target_arns=tuple(str(t.get("Arn", "")) for t in listed),
            dead_letter_arns=tuple(
                str(t["DeadLetterConfig"]["Arn"])
                for t in listed
                if t.get("DeadLetterConfig", {}).get("Arn")
            ),
            retry_policies=sum(1 for t in listed if t.get("RetryPolicy")),
        )

    def queue(self, name: str) -> Mapping[str, str] | Unreadable | None:
        sqs = self._client(self._hub, "sqs")
        url = _read("GetQueueUrl", name, lambda: sqs.get_queue_url(QueueName=name)["QueueUrl"])
        if url is None or isinstance(url, Unreadable):
            return url
        attributes = _read(
            "GetQueueAttributes", name,
            lambda: sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"],
        )  # fmt: skip
        return attributes if attributes is None or isinstance(attributes, Unreadable) else {
            str(k): str(v) for k, v in attributes.items()
        }  # fmt: skip

    def key_policy(self, alias: str) -> str | Unreadable | None:
        kms = self._client(self._hub, "kms")
        key = _read("DescribeKey", alias, lambda: kms.describe_key(KeyId=alias)["KeyMetadata"])
        if key is None or isinstance(key, Unreadable):
            return key
        policy = _read(
            "GetKeyPolicy", alias,
            lambda: kms.get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"],
        )  # fmt: skip
        return policy if policy is None or isinstance(policy, Unreadable) else str(policy)

    def subscriptions(self, topic_arn: str) -> list[str] | Unreadable | None:
        sns = self._client(self._hub, "sns")
        return _read(
            "ListSubscriptionsByTopic", topic_arn,
            lambda: [
                str(s["SubscriptionArn"])
                for page in sns.get_paginator("list_subscriptions_by_topic").paginate(
                    TopicArn=topic_arn
                )
                for s in page["Subscriptions"]
            ],
        )  # fmt: skip

    def account_settings(self) -> Mapping[str, int] | Unreadable:
        client = self._client(self._hub, "lambda")
        found = _read("GetAccountSettings", self._hub, client.get_account_settings)
        if found is None or isinstance(found, Unreadable):
            return found or Unreadable("no account settings")
        limit = found.get("AccountLimit", {})
        return {
            k: int(v)
            for k, v in limit.items()
            if k in ("ConcurrentExecutions", "UnreservedConcurrentExecutions")
        }

    def assume_member(self, account: str, role_name: str, external_id: str) -> bool | Unreadable:
        settings = RoleSettings(
            role_name=role_name, external_id=external_id or None, purpose=DOCTOR_PURPOSE
        )
        try:
            RoleAssumer(self.factory.sts(), settings).credentials(account)
        except SgcError as exc:
            return Unreadable(str(exc))
        return True


def _management(selectors: Mapping[str, Any]) -> bool:
    """The trail records write management events (classic or advanced selectors)."""
    for selector in selectors.get("EventSelectors") or []:
        if selector.get("IncludeManagementEvents", True) and selector.get(
            "ReadWriteType", "All"
        ) in ("All", "WriteOnly"):
            return True
    for advanced in selectors.get("AdvancedEventSelectors") or []:
        for field in advanced.get("FieldSelectors", []):
            if field.get("Field") == "eventCategory" and "Management" in field.get("Equals", []):
                return True
    return not selectors.get("EventSelectors") and not selectors.get("AdvancedEventSelectors")
