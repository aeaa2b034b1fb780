"""The deployment checks of `sgc doctor`: each turns what the probe read (or why it could not)
into one result, ok, missing or unknown, with a hint for what is not ok.

Pure: the facts come in as plain values; `Unreadable` stands for a read that failed (access
denied, a service the endpoint lacks), which makes the check unknown, never ok.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any

# The confused-deputy keys EventBridge does not support in the key policy of an encrypted
# target (AWS's SNS key-management guide): with them the events are dropped at the queue.
_SOURCE_KEYS = frozenset({"aws:sourceaccount", "aws:sourcearn", "aws:sourceorgid"})
# Lambda keeps this many executions of the account's quota unreserved.
UNRESERVED_MINIMUM = 100


class Status(StrEnum):
    OK = "ok"
    MISSING = "missing"
    UNKNOWN = "unknown"


class DoctorExit(IntEnum):
    """README's exit codes, as `sgc doctor` uses them."""

    OK = 0
    MISSING = 1
    UNKNOWN = 3


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A read that failed: the check it feeds cannot say ok or missing."""

    error: str


@dataclass(frozen=True, slots=True)
class Result:
    check: str
    where: str  # "hub", "ACCOUNT", "ACCOUNT/REGION"
    status: Status
    detail: str
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Trail:
    name: str
    multi_region: bool
    organization: bool
    logging: bool | None  # None when its status could not be read
    management_events: bool | None  # None when its selectors could not be read


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    enabled: bool
    target_arns: tuple[str, ...]
    dead_letter_arns: tuple[str, ...] = ()
    retry_policies: int = 0


def _unknown(check: str, where: str, read: Unreadable, hint: str) -> Result:
    return Result(check, where, Status.UNKNOWN, f"could not be read: {read.error}", hint)


def trail_check(where: str, trails: Sequence[Trail] | Unreadable) -> Result:
    """A multi-region trail that logs management events (an organization trail counts)."""
    check = "cloudtrail trail"
    hint = (
        "create a multi-region trail that records management events (an organization trail "
        "covers every member): EventBridge receives security-group calls only through CloudTrail"
    )
    if isinstance(trails, Unreadable):
        return _unknown(check, where, trails, "allow cloudtrail:DescribeTrails, GetTrailStatus")
    good = [t for t in trails if t.multi_region and t.logging and t.management_events]
    if good:
        kind = "organization trail" if good[0].organization else "trail"
        return Result(check, where, Status.OK, f"{kind} {good[0].name}: every region, logging")
    doubtful = [t for t in trails if t.multi_region and None in (t.logging, t.management_events)]
    if doubtful:
        return Result(
            check, where, Status.UNKNOWN,
            f"trail {doubtful[0].name}: its status or event selectors could not be read",
            "allow cloudtrail:GetTrailStatus and GetEventSelectors",
        )  # fmt: skip
    names = ", ".join(t.name for t in trails) or "none"
    return Result(check, where, Status.MISSING, f"no multi-region logging trail ({names})", hint)


def forwarding_check(where: str, rule: Rule | Unreadable | None, hub_bus_arn: str) -> Result:
    """The default-bus rule forwarding this account-region's security-group calls to the hub."""
    check = "forwarding rule"
    if isinstance(rule, Unreadable):
        return _unknown(
            check, where, rule,
            "give --inspect-role-name a role that may call events:DescribeRule and "
            "events:ListTargetsByRule there",
        )  # fmt: skip
    hint = (
        "apply the member module (or the StackSet) in this region: without the rule, changes "
        "here wait for the daily sweep"
    )
    if rule is None:
        return Result(check, where, Status.MISSING, "no rule on the default bus", hint)
    if not rule.enabled:
        return Result(check, where, Status.MISSING, f"{rule.name} is disabled", hint)
    if hub_bus_arn not in rule.target_arns:
        return Result(
            check, where, Status.MISSING, f"{rule.name} does not target {hub_bus_arn}", hint
        )
    return Result(check, where, Status.OK, f"{rule.name} -> the hub bus")


def hub_rule_check(rule: Rule | Unreadable | None, queue_arn: str | None) -> Result:
    """The hub rule: enabled, to the events queue, with a dead-letter queue and retries."""
    check = "hub rule"
    if isinstance(rule, Unreadable):
        return _unknown(check, "hub", rule, "allow events:DescribeRule, ListTargetsByRule")
    hint = "apply the hub module: it creates the rule, its target, retry policy and DLQ"
    if rule is None:
        return Result(check, "hub", Status.MISSING, "no rule on the hub bus", hint)
    problems = []
    if not rule.enabled:
        problems.append("disabled")
    if queue_arn is not None and queue_arn not in rule.target_arns:
        problems.append("no target on the events queue")
    if not rule.dead_letter_arns:
        problems.append("its target has no dead-letter queue")
    if not rule.retry_policies:
        problems.append("its target has no retry policy")
    if problems:
        return Result(check, "hub", Status.MISSING, f"{rule.name}: {', '.join(problems)}", hint)
    return Result(check, "hub", Status.OK, f"{rule.name} -> the events queue (DLQ, retries)")


def queue_check(name: str, attributes: Mapping[str, str] | Unreadable | None) -> Result:
    """A feed queue: it exists, is KMS-encrypted and has a dead-letter queue."""
    check = f"queue {name}"
    if isinstance(attributes, Unreadable):
        return _unknown(check, "hub", attributes, "allow sqs:GetQueueAttributes")
    hint = (
        "apply the hub module: its feed queues are encrypted with the hub key and redrive to a DLQ"
    )
    if attributes is None:
        return Result(check, "hub", Status.MISSING, "no such queue", hint)
    problems = []
    if not attributes.get("RedrivePolicy"):
        problems.append("no dead-letter queue (RedrivePolicy)")
    if not attributes.get("KmsMasterKeyId"):
        problems.append("not encrypted with the hub key")
    if problems:
        return Result(check, "hub", Status.MISSING, "; ".join(problems), hint)
    return Result(check, "hub", Status.OK, "encrypted, dead-letter queue after redrives")


def _statements(policy: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = policy.get("Statement", [])
    return [s for s in (found if isinstance(found, list) else [found]) if isinstance(s, Mapping)]


def _listed(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _service_grants(policy: Mapping[str, Any], service: str) -> list[Mapping[str, Any]]:
    granted = []
    for statement in _statements(policy):
        principal = statement.get("Principal")
        services = _listed(principal.get("Service", [])) if isinstance(principal, Mapping) else []
        if statement.get("Effect") == "Allow" and service in services:
            granted.append(statement)
    return granted


def _allows(statement: Mapping[str, Any], action: str) -> bool:
    return any(
        a in (action, "kms:*") or (a.endswith("*") and action.startswith(a[:-1]))
        for a in _listed(statement.get("Action", []))
    )


def key_policy_checks(policy_text: str | Unreadable | None) -> list[Result]:
    """The hub key lets EventBridge (queues) and CloudWatch alarms (topic) use it."""
    services = {
        "events.amazonaws.com": "EventBridge to the encrypted queues",
        "cloudwatch.amazonaws.com": "alarms to the encrypted topic",
    }
    if isinstance(policy_text, Unreadable):
        return [_unknown(f"key policy: {what}", "hub", policy_text, "allow kms:GetKeyPolicy")
                for what in services.values()]  # fmt: skip
    if policy_text is None:
        return [
            Result(f"key policy: {what}", "hub", Status.MISSING, "no hub key (alias)",
                   "apply the hub module")
            for what in services.values()
        ]  # fmt: skip
    try:
        policy = json.loads(policy_text)
    except ValueError:
        policy = {}
    results = []
    for service, what in services.items():
        check = f"key policy: {what}"
        grants = [
            s
            for s in _service_grants(policy, service)
            if _allows(s, "kms:Decrypt") and _allows(s, "kms:GenerateDataKey")
        ]
        usable = grants
        if service == "events.amazonaws.com":
            usable = [s for s in grants if not _condition_keys(s) & _SOURCE_KEYS]
        if usable:
            results.append(Result(check, "hub", Status.OK, f"{service} may use the key"))
        elif grants:
            results.append(
                Result(
                    check, "hub", Status.MISSING,
                    f"{service} is granted the key only under aws:Source* conditions, which "
                    "EventBridge does not meet: events are dropped at the queue",
                    "apply the hub module (its key policy has no condition for EventBridge)",
                )
            )  # fmt: skip
        else:
            results.append(
                Result(check, "hub", Status.MISSING,
                       f"{service} may not use kms:Decrypt and kms:GenerateDataKey",
                       "apply the hub module")
            )  # fmt: skip
    return results


def _condition_keys(statement: Mapping[str, Any]) -> set[str]:
    conditions = statement.get("Condition", {})
    if not isinstance(conditions, Mapping):
        return set()
    return {str(k).lower() for block in conditions.values() if isinstance(block, Mapping)
            for k in block}  # fmt: skip


def subscriptions_check(subscriptions: Sequence[str] | Unreadable | None) -> Result:
    """The alerts topic has a confirmed subscription (`subscriptions`: their ARNs)."""
    check = "alert subscriptions"
    if isinstance(subscriptions, Unreadable):
        return _unknown(check, "hub", subscriptions, "allow sns:ListSubscriptionsByTopic")
    if subscriptions is None:
        return Result(check, "hub", Status.MISSING, "no alerts topic", "apply the hub module")
    confirmed = [s for s in subscriptions if s.startswith("arn:")]
    pending = len(subscriptions) - len(confirmed)
    if confirmed:
        note = f", {pending} pending" if pending else ""
        return Result(check, "hub", Status.OK, f"{len(confirmed)} confirmed{note}")
    hint = (
        "confirm the email AWS Notifications sent (docs/deploy.md), or subscribe an endpoint: "
        "until then no alert is delivered"
    )
    detail = f"{pending} pending confirmation" if pending else "none"
    return Result(check, "hub", Status.MISSING, detail, hint)


def concurrency_check(settings: Mapping[str, int] | Unreadable) -> Result:
    """What the account leaves unreserved (Lambda's GetAccountSettings)."""
    check = "lambda concurrency"
    if isinstance(settings, Unreadable):
        return _unknown(check, "hub", settings, "allow lambda:GetAccountSettings")
    limit = settings.get("ConcurrentExecutions")
    unreserved = settings.get("UnreservedConcurrentExecutions")
    if limit is None or unreserved is None:
        return Result(check, "hub", Status.UNKNOWN, "the account settings name no quota")
    detail = f"quota {limit}, {unreserved} unreserved"
    if unreserved < UNRESERVED_MINIMUM:
        return Result(
            check, "hub", Status.MISSING, detail,
            "Lambda keeps 100 executions unreserved: ask for a higher Concurrent executions "
            "quota (L-B99A9384) or lower the functions' reserved concurrency",
        )  # fmt: skip
    return Result(check, "hub", Status.OK, detail)


def member_role_check(where: str, assumed: bool | Unreadable, role_arn: str) -> Result:
    check = "member role"
    if isinstance(assumed, Unreadable):
        return Result(
            check, where, Status.MISSING, f"{role_arn} could not be assumed: {assumed.error}",
            "apply the member module or the StackSet there; the role must trust the hub's role "
            "(or yours, in operator_role_arns) with the hub's ExternalId",
        )  # fmt: skip
    return Result(check, where, Status.OK, f"{role_arn} assumed with the ExternalId")


def exit_code(results: Iterable[Result]) -> DoctorExit:
    """0 when every check is ok, 3 when any could not be checked (it wins, as in README's
    table), else 1 when something is missing."""
    statuses = {r.status for r in results}
    if Status.UNKNOWN in statuses:
        return DoctorExit.UNKNOWN
    return DoctorExit.MISSING if Status.MISSING in statuses else DoctorExit.OK
