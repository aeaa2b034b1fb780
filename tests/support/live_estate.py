"""A small multi-account estate in the moto server, and the oracles the live tests judge by.

Member accounts are reached through AssumeRole, as a scan reaches them. The state read back for
assertions uses plain boto3 calls, not the reader under test, and is normalized: rule ids are left
out and a referenced group is named by its group name, so that two builds of the estate (or a group
before a remediation and after its rollback) compare equal exactly when their rules are the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

import boto3

from sgcompliance.adapters.aws.estate import Runtime
from sgcompliance.engine.policy import Exemption, Policy
from sgcompliance.entrypoints.bootstrap import Target, build_runtime
from sgcompliance.local.seed.organization import DemoOrg
from support.estate import (
    Permission,
    authorize,
    create_group,
    create_prefix_list,
    default_group,
    perm,
)
from support.it_policy import admin_policy

MEMBERS = ("111111111111", "222222222222", "333333333333")
# Most tests need several accounts, not three: two keep them quick.
PAIR = MEMBERS[:2]
REGIONS = ("eu-west-1", "us-east-1")
VENDOR = "999999999999"
ROLE_NAME = "sgcompliance-member"
EXTERNAL_ID = "sgc-it-external-id"
EXEMPT_TAG = ("sgc-exemption", "approved-bastion")
TODAY = date(2026, 1, 1)
# Placeholders in the permissions below, replaced per account-region when the estate is built.
STAND_IN = "{vendor-stand-in}"
WORLD_LIST = "{world-list}"

GroupKey = tuple[str, str, str]  # account, region, group name
# The one region of the demo organization that tests change (short runs), and their bucket.
ORG_REGION = "us-east-1"
BUCKET = "sgc-backups"


@dataclass(frozen=True, slots=True)
class GroupSpec:
    name: str
    ingress: tuple[Permission, ...] = ()
    egress: tuple[Permission, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()


SSH, RDP, HTTPS = (22, 22), (3389, 3389), (443, 443)
NO_PORTS = (-1, -1)

# With `estate_policy`: which group shows which behaviour (per account-region).
SPECS = (
    # one permission, two peers: only the world peer may go
    GroupSpec("ssh-mixed", (perm("tcp", SSH, "10.0.0.0/8", "0.0.0.0/0", description="ops vpn"),)),
    # two violating rules in one direction, and a compliant one
    GroupSpec(
        "rdp-dual",
        (
            perm("tcp", RDP, "0.0.0.0/0", "::/0", description="rdp"),
            perm("tcp", HTTPS, "10.0.0.0/8", description="https"),
        ),
    ),
    # a rule to revoke and a rule that is only flagged (an untrusted account's group)
    GroupSpec(
        "web-vendor",
        (perm("tcp", SSH, "0.0.0.0/0"), perm("tcp", (5432, 5432), f"ref:{STAND_IN}@{VENDOR}")),
    ),
    GroupSpec("all-open", (perm("-1", NO_PORTS, "0.0.0.0/0", description="anything"),)),
    GroupSpec("pl-admin", (perm("tcp", SSH, f"pl:{WORLD_LIST}"),)),
    # protocols without ports, ICMP type/code, IPv6 and an extra egress rule: rollback fidelity
    GroupSpec(
        "odd-protocols",
        (
            perm("tcp", SSH, "0.0.0.0/0"),
            perm("50", NO_PORTS, "0.0.0.0/0", description="esp"),
            perm("icmp", (8, -1), "0.0.0.0/0", description="ping"),
            perm("udp", (500, 500), "::/0", description="ike"),
        ),
        (perm("tcp", HTTPS, "0.0.0.0/0", description="updates"),),
    ),
    # exempt as a whole group (by tag)
    GroupSpec("exempt-bastion", (perm("tcp", SSH, "0.0.0.0/0"),), tags=(EXEMPT_TAG,)),
    # its RDP rule is exempt by rule id; its IPv6 SSH rule is not
    GroupSpec(
        "exempt-rule",
        (perm("tcp", RDP, "0.0.0.0/0", description="vendor rdp"), perm("tcp", SSH, "::/0")),
    ),
    GroupSpec("clean", (perm("tcp", HTTPS, "10.0.0.0/8", description="https"),)),
    GroupSpec("vendor-stand-in"),
)
VIOLATING = frozenset(
    {"ssh-mixed", "rdp-dual", "web-vendor", "all-open", "pl-admin", "odd-protocols"}
    | {"exempt-rule", "default"}
)


class FreshServer(Protocol):
    """The session's moto server (conftest's `server_use`): `fresh()` empties it."""

    def fresh(self) -> str: ...


@dataclass(frozen=True, slots=True)
class GroupState:
    lines: frozenset[str]  # normalized rules: no ids, referenced groups by name
    rule_ids: frozenset[str]
    tags: Mapping[str, str]


State = dict[GroupKey, GroupState]


@dataclass(slots=True)
class Estate:
    """What was built; `group_ids` maps (account, region, name) to the group id."""

    endpoint: str
    accounts: tuple[str, ...]
    regions: tuple[str, ...]
    group_ids: dict[GroupKey, str] = field(default_factory=dict)
    prefix_lists: dict[str, str] = field(default_factory=dict)  # id -> name
    _ec2: dict[tuple[str, str], Any] = field(default_factory=dict)
    _runtimes: dict[str, Runtime] = field(default_factory=dict)

    @property
    def names(self) -> dict[str, str]:
        """Group and prefix list ids to their names, which do not change between builds."""
        return {**self.prefix_lists, **{gid: key[2] for key, gid in self.group_ids.items()}}

    def key_of(self, group_id: str) -> GroupKey:
        return next(k for k, v in self.group_ids.items() if v == group_id)

    def ec2(self, account: str, region: str) -> Any:
        """EC2 of a member account through its role, with plain boto3 (the test's own view)."""
        if (account, region) not in self._ec2:
            sts = boto3.client("sts", endpoint_url=self.endpoint, region_name=region)
            creds = sts.assume_role(
                RoleArn=f"arn:aws:iam::{account}:role/{ROLE_NAME}",
                RoleSessionName="sgc-it-oracle",
                ExternalId=EXTERNAL_ID,
            )["Credentials"]
            self._ec2[account, region] = boto3.client(
                "ec2",
                endpoint_url=self.endpoint,
                region_name=region,
                aws_access_key_id=creds["AccessKeyId"],
                aws_secret_access_key=creds["SecretAccessKey"],
                aws_session_token=creds["SessionToken"],
            )
        return self._ec2[account, region]

    def target(self, **changes: Any) -> Target:
        values: dict[str, Any] = {
            "endpoint_url": self.endpoint,
            "accounts": self.accounts,
            "regions": self.regions,
            "role_name": ROLE_NAME,
            "external_id": EXTERNAL_ID,
            "purpose": "remediate",
        }
        values.update(changes)
        return Target(**values)

    def runtime(self, **changes: Any) -> Runtime:
        """The product's runtime for this estate, built once per set of changes and then
        reused across passes, as a long-lived process would (building one costs ~0.5 s)."""
        key = repr(sorted(changes.items()))
        if key not in self._runtimes:
            self._runtimes[key] = build_runtime(self.target(**changes))
        return self._runtimes[key]

    def rows(self, group_id: str) -> list[dict[str, Any]]:
        account, region, _ = self.key_of(group_id)
        pages = (
            self.ec2(account, region)
            .get_paginator("describe_security_group_rules")
            .paginate(Filters=[{"Name": "group-id", "Values": [group_id]}])
        )
        return [row for page in pages for row in page["SecurityGroupRules"]]

    def rule_id(self, name: str, account: str, region: str, line: str) -> str:
        """The id of the rule of group `name` whose normalized line is `line`."""
        group_id = self.group_ids[account, region, name]
        names = self.names
        return next(
            str(row["SecurityGroupRuleId"])
            for row in self.rows(group_id)
            if rule_line(row, names) == line
        )


def estate_of(org: DemoOrg) -> Estate:
    """The demo organization seen as an estate, so the same oracles judge it."""
    estate = Estate(org.endpoint, org.account_ids, org.regions)
    for scope in org.scopes:
        for group in scope.groups:
            estate.group_ids[scope.account_id, scope.region, group.name] = group.group_id
        for name, list_id in scope.prefix_lists.items():
            estate.prefix_lists[list_id] = name
    return estate


def build_estate(
    endpoint: str, accounts: Iterable[str] = PAIR, regions: Iterable[str] = REGIONS[:1]
) -> Estate:
    """Every group of SPECS in every account x region, plus each region's default group."""
    estate = Estate(endpoint, tuple(accounts), tuple(regions))
    for account in estate.accounts:
        for region in estate.regions:
            _build_scope(estate, account, region)
    return estate


def _build_scope(estate: Estate, account: str, region: str) -> None:
    ec2 = estate.ec2(account, region)
    world_list = create_prefix_list(ec2, "world-admins", "0.0.0.0/0", "10.0.0.0/8")
    estate.prefix_lists[world_list] = "world-admins"
    ids: dict[str, str] = {}
    for spec in reversed(SPECS):  # the vendor stand-in first: others reference it
        description = f"{spec.name} (integration estate)"
        ids[spec.name] = create_group(ec2, spec.name, description=description, tags=spec.tags)
    for spec in SPECS:
        replace = {STAND_IN: ids["vendor-stand-in"], WORLD_LIST: world_list}
        authorize(ec2, ids[spec.name], *_resolved(spec.ingress, replace))
        authorize(ec2, ids[spec.name], *_resolved(spec.egress, replace), egress=True)
    ids["default"] = default_group(ec2)
    # AWS gives every default group this self-referencing rule; moto does not.
    authorize(ec2, ids["default"], perm("-1", NO_PORTS, f"ref:{ids['default']}@{account}"))
    estate.group_ids.update({(account, region, name): gid for name, gid in ids.items()})


def _resolved(perms: Iterable[Permission], replace: Mapping[str, str]) -> list[Permission]:
    def fix(value: Any) -> Any:
        if isinstance(value, str):
            for placeholder, actual in replace.items():
                value = value.replace(placeholder, actual)
            return value
        if isinstance(value, list):
            return [fix(v) for v in value]
        if isinstance(value, dict):
            return {k: fix(v) for k, v in value.items()}
        return value

    return [fix(p) for p in perms]


def rule_line(row: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """A `DescribeSecurityGroupRules` row without its id: direction, protocol, ports, peer and
    description; a referenced group is named by its name, so builds compare equal."""
    direction = "out" if row.get("IsEgress") else "in"
    ref = row.get("ReferencedGroupInfo") or {}
    if ref:
        peer = f"group:{names.get(ref.get('GroupId', ''), ref.get('GroupId'))}@{ref.get('UserId')}"
    else:
        listed = row.get("PrefixListId", "")
        peer = str(row.get("CidrIpv4") or row.get("CidrIpv6") or f"pl:{names.get(listed, listed)}")
    described = f" {row['Description']!r}" if row.get("Description") else ""
    ports = f"{row.get('FromPort')}..{row.get('ToPort')}"
    return f"{direction} {row['IpProtocol']} {ports} {peer}{described}"


def read_state(estate: Estate) -> State:
    """Every group of the estate: normalized rules, rule ids and tags, read with plain boto3."""
    names = estate.names
    state: State = {}
    for account in estate.accounts:
        for region in estate.regions:
            ec2 = estate.ec2(account, region)
            groups = ec2.describe_security_groups()["SecurityGroups"]
            pages = ec2.get_paginator("describe_security_group_rules").paginate()
            rows = [row for page in pages for row in page["SecurityGroupRules"]]
            for group in groups:
                own = [r for r in rows if r["GroupId"] == group["GroupId"]]
                key = (account, region, group["GroupName"])
                state[key] = GroupState(
                    frozenset(rule_line(r, names) for r in own),
                    frozenset(str(r["SecurityGroupRuleId"]) for r in own),
                    {t["Key"]: t["Value"] for t in group.get("Tags", [])},
                )
    return state


def lines_of(state: State) -> dict[GroupKey, frozenset[str]]:
    return {key: group.lines for key, group in state.items()}


def estate_policy(estate: Estate, *, exempt_rules: bool = True) -> Policy:
    """The integration policy, trusting the member accounts, with a group exemption by tag and
    (unless told otherwise) a rule exemption by id for each `exempt-rule` RDP rule."""
    exemptions = [Exemption("bastion", "platform", "approved bastion", tags=(EXEMPT_TAG,))]
    if exempt_rules:
        ids = frozenset(
            estate.rule_id("exempt-rule", a, r, "in tcp 3389..3389 0.0.0.0/0 'vendor rdp'")
            for a in estate.accounts
            for r in estate.regions
        )
        exemptions.append(Exemption("vendor-rdp", "finance", "vendor support", rule_ids=ids))
    return admin_policy(trusted=estate.accounts, exemptions=tuple(exemptions))
