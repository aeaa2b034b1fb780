"""Which checks `sgc doctor` runs where, over a fake probe."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from sgcompliance.deployment.checks import Rule, Status, Trail, Unreadable
from sgcompliance.deployment.doctor import Deployment, diagnose

HUB, MEMBER = "999999999999", "111111111111"
BUS = f"arn:aws:events:eu-west-1:{HUB}:event-bus/sgcompliance-hub"


@dataclass
class FakeProbe:
    """Everything deployed, except the rules listed in `without`."""

    without: set[tuple[str, str]] = field(default_factory=set)
    organization_trail: bool = True
    reads: list[str] = field(default_factory=list)

    @property
    def hub_account(self) -> str:
        return HUB

    @property
    def hub_region(self) -> str:
        return "eu-west-1"

    def organization_accounts(self) -> tuple[str, ...] | Unreadable:
        return (HUB, MEMBER)

    def enabled_regions(self) -> tuple[str, ...] | Unreadable:
        return ("eu-west-1", "us-east-1")

    def trails(self, account: str) -> list[Trail] | Unreadable:
        self.reads.append(f"trails {account}")
        return [Trail("t", True, self.organization_trail, True, True)]

    def rule(self, account: str, region: str, name: str, bus: str) -> Rule | Unreadable | None:
        if (account, region) in self.without:
            return None
        if bus == "default":
            return Rule(name, True, (BUS,))
        return Rule(name, True, (f"arn:aws:sqs:eu-west-1:{HUB}:sgcompliance-events",),
                    ("arn:dlq",), 1)  # fmt: skip

    def queue(self, name: str) -> Mapping[str, str] | Unreadable | None:  # noqa: ARG002 - the port's signature
        return {"RedrivePolicy": "{}", "KmsMasterKeyId": "k"}

    def key_policy(self, alias: str) -> str | Unreadable | None:  # noqa: ARG002 - the port's signature
        grants = [
            {"Effect": "Allow", "Principal": {"Service": service},
             "Action": ["kms:Decrypt", "kms:GenerateDataKey*"], "Resource": "*"}
            for service in ("events.amazonaws.com", "cloudwatch.amazonaws.com")
        ]  # fmt: skip
        return json.dumps({"Version": "2012-10-17", "Statement": grants})

    def subscriptions(self, topic_arn: str) -> list[str] | Unreadable | None:  # noqa: ARG002 - the port's signature
        return ["arn:aws:sns:eu-west-1:9:t:1"]

    def account_settings(self) -> Mapping[str, int] | Unreadable:
        return {"ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": 990}

    def assume_member(self, account: str, role_name: str, external_id: str) -> bool | Unreadable:  # noqa: ARG002 - the port's signature
        return True


def deployment(accounts: str = "organization", regions: str = "all") -> Deployment:
    return Deployment("sgcompliance", accounts, regions, "sgcompliance-member", "x", "arn:t")


def test_an_organization_wide_hub_forwards_its_own_account_too() -> None:
    # GIVEN everything deployed for the organization, every enabled region
    results = diagnose(FakeProbe(), deployment())
    # THEN all is ok, and the hub account's own regions are checked besides the member's
    assert {r.status for r in results} == {Status.OK}
    forwarding = sorted(r.where for r in results if r.check == "forwarding rule")
    regions = ("eu-west-1", "us-east-1")
    assert forwarding == sorted(f"{a}/{r}" for a in (HUB, MEMBER) for r in regions)
    # AND the member role is assumed in the member only, never in the hub's own account
    assert [r.where for r in results if r.check == "member role"] == [MEMBER]


def test_an_organization_trail_seen_from_the_hub_covers_the_members() -> None:
    probe = FakeProbe()
    diagnose(probe, deployment())
    assert probe.reads == [f"trails {HUB}"]
    own = FakeProbe(organization_trail=False)
    diagnose(own, deployment())
    assert own.reads == [f"trails {HUB}", f"trails {MEMBER}"]


def test_a_missing_region_is_named_and_only_the_configured_accounts_are_walked() -> None:
    probe = FakeProbe(without={(MEMBER, "us-east-1")})
    results = diagnose(probe, deployment(accounts=MEMBER, regions="eu-west-1,us-east-1"))
    missing = [(r.check, r.where) for r in results if r.status is Status.MISSING]
    assert missing == [("forwarding rule", f"{MEMBER}/us-east-1")]
    assert HUB not in {r.where.split("/")[0] for r in results if r.check == "forwarding rule"}
