"""`sgc doctor`'s walk over a deployed hub and its members: which checks run where, through a
read-only `Probe` port (adapters.aws.deployment_probe), each judged by `checks`.

No I/O of its own: the probe reads, this decides what to read and what it means.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from sgcompliance.deployment.checks import (
    Result,
    Rule,
    Status,
    Trail,
    Unreadable,
    concurrency_check,
    forwarding_check,
    hub_rule_check,
    key_policy_checks,
    member_role_check,
    queue_check,
    subscriptions_check,
    trail_check,
)

ORGANIZATION = "organization"
ALL_REGIONS = "all"


class Probe(Protocol):
    """Read-only views of the hub account (the caller's) and of the member accounts."""

    @property
    def hub_account(self) -> str: ...

    @property
    def hub_region(self) -> str: ...

    def organization_accounts(self) -> tuple[str, ...] | Unreadable: ...

    def enabled_regions(self) -> tuple[str, ...] | Unreadable: ...

    def trails(self, account: str) -> list[Trail] | Unreadable: ...

    def rule(self, account: str, region: str, name: str, bus: str) -> Rule | Unreadable | None:
        """The rule on `bus` ("default" or a bus name), None when there is none."""
        ...

    def queue(self, name: str) -> Mapping[str, str] | Unreadable | None: ...

    def key_policy(self, alias: str) -> str | Unreadable | None: ...

    def subscriptions(self, topic_arn: str) -> list[str] | Unreadable | None: ...

    def account_settings(self) -> Mapping[str, int] | Unreadable: ...

    def assume_member(
        self, account: str, role_name: str, external_id: str
    ) -> bool | Unreadable: ...


@dataclass(frozen=True, slots=True)
class Deployment:
    """What the hub's runtime parameters say about the deployment."""

    name: str  # the hub module's name: resource prefix and parameter path
    accounts: str  # "organization" or comma-separated ids
    regions: str  # "all" or comma-separated names
    role_name: str
    external_id: str
    topic_arn: str

    @classmethod
    def from_parameters(cls, name: str, parameters: Mapping[str, str]) -> Deployment:
        return cls(
            name=name,
            accounts=parameters.get("accounts", ""),
            regions=parameters.get("regions", ALL_REGIONS),
            role_name=parameters.get("role_name", "sgcompliance-member"),
            external_id=parameters.get("external_id", ""),
            topic_arn=parameters.get("sns_topic_arn", ""),
        )

    @property
    def forward_rule(self) -> str:
        # The member module names its rule after the role (terraform/modules/member).
        return f"{self.role_name}-sg-changes"


def _listed(text: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in text.split(",") if p.strip())


def diagnose(
    probe: Probe, deployment: Deployment, *, only_accounts: Sequence[str] = ()
) -> list[Result]:
    """Every check of the hub and of each member account-region, in a stable order."""
    hub, region = probe.hub_account, probe.hub_region
    bus_arn = f"arn:aws:events:{region}:{hub}:event-bus/{deployment.name}-hub"
    results = _hub(probe, deployment)
    accounts = _accounts(probe, deployment, results)
    regions = _regions(probe, deployment, results)
    if only_accounts:
        accounts = tuple(a for a in accounts if a in only_accounts)
    organization_trail = any(
        r.check == "cloudtrail trail" and r.status is Status.OK and "organization" in r.detail
        for r in results
    )
    for account in accounts:
        if account != hub:
            results.append(
                member_role_check(
                    account,
                    probe.assume_member(account, deployment.role_name, deployment.external_id),
                    f"arn:aws:iam::{account}:role/{deployment.role_name}",
                )
            )
            if not organization_trail:
                results.append(trail_check(account, probe.trails(account)))
        for name in regions:
            rule = probe.rule(account, name, deployment.forward_rule, "default")
            results.append(forwarding_check(f"{account}/{name}", rule, bus_arn))
    return results


def _hub(probe: Probe, deployment: Deployment) -> list[Result]:
    name, hub, region = deployment.name, probe.hub_account, probe.hub_region
    queue_arn = f"arn:aws:sqs:{region}:{hub}:{name}-events"
    return [
        trail_check("hub", probe.trails(hub)),
        hub_rule_check(probe.rule(hub, region, f"{name}-sg-changes", f"{name}-hub"), queue_arn),
        queue_check(f"{name}-events", probe.queue(f"{name}-events")),
        queue_check(f"{name}-work", probe.queue(f"{name}-work")),
        *key_policy_checks(probe.key_policy(f"alias/{name}")),
        subscriptions_check(
            probe.subscriptions(deployment.topic_arn) if deployment.topic_arn else None
        ),
        concurrency_check(probe.account_settings()),
    ]


def _accounts(probe: Probe, deployment: Deployment, results: list[Result]) -> tuple[str, ...]:
    if deployment.accounts != ORGANIZATION:
        return _listed(deployment.accounts)
    found = probe.organization_accounts()
    if isinstance(found, Unreadable):
        results.append(
            Result(
                "accounts", "hub", Status.UNKNOWN,
                f"the organization's accounts could not be listed: {found.error}",
                "run from the management account or a delegated administrator, or pass "
                "--accounts",
            )
        )  # fmt: skip
        return ()
    return found


def _regions(probe: Probe, deployment: Deployment, results: list[Result]) -> tuple[str, ...]:
    if deployment.regions != ALL_REGIONS:
        return _listed(deployment.regions)
    found = probe.enabled_regions()
    if isinstance(found, Unreadable):
        results.append(
            Result("regions", "hub", Status.UNKNOWN,
                   f"the enabled regions could not be listed: {found.error}",
                   "allow ec2:DescribeRegions")
        )  # fmt: skip
        return ()
    return found
