"""The estate of the live benchmarks, built in a local AWS, and what it holds at any moment.

The builder makes the same estate as `benchmarks/live_scan.py` (its docstring gives the mix):
per account-region, N groups `g0000`... through the member's role, where group i is
i % 10 in {0, 1}: SSH from 10.0.0.0/8 and 0.0.0.0/0 in one permission; 2: RDP from ::/0 and
SMTP egress to 0.0.0.0/0; 3: SMTP egress to 0.0.0.0/0; 4: SSH from a managed prefix list
holding 0.0.0.0/0; otherwise compliant. Every group's all-traffic egress is replaced by HTTPS
egress; each region's default group keeps its stock all-traffic egress.

Beside the builder: the ground truth (which rules of the estate are world-open for the checks
both benchmarked tools run), a reader of every rule in an account-region as flat `RuleKey`s
(one per peer, as AWS counts rules), and a restore that puts revoked rules back, so that one
built estate serves several remediation runs.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, NamedTuple

from sgcompliance.adapters.aws.assume import AccountClients, RoleAssumer, RoleSettings
from sgcompliance.engine.fleet import Scope
from sgcompliance.entrypoints.bootstrap import local_clients

MEMBERS = ("111111111111", "222222222222", "333333333333", "444444444444", "555555555555")
REGIONS = ("us-east-1", "eu-west-1", "eu-central-1", "ap-southeast-2")
ROLE = RoleSettings(role_name="sgcompliance-member", external_id="sgc-bench", purpose="bench")
ALL_OUT = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
WORLD_LIST, CORP_LIST = "world", "corp"
# Which kinds of group (index % 10) hold a world-open rule, and the default group.
VIOLATING_KINDS = frozenset({0, 1, 2, 3, 4})
FAKE_ENV = {
    "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
    "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
}  # fmt: skip


def scopes(accounts: int, regions: int) -> list[Scope]:
    return [Scope(a, r) for a in MEMBERS[:accounts] for r in REGIONS[:regions]]


def role_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:role/{ROLE.role_name}"


class RuleKey(NamedTuple):
    """One rule as both tools and AWS see it: a permission narrowed to a single peer."""

    account: str
    region: str
    group_id: str
    direction: str  # "ingress" | "egress"
    protocol: str  # "-1" for all traffic
    from_port: int | None
    to_port: int | None
    peer_kind: str  # "ipv4" | "ipv6" | "prefix_list" | "group"
    peer: str

    def short(self) -> str:
        ports = "all" if self.protocol == "-1" else f"{self.protocol}/{self.from_port}"
        if self.to_port != self.from_port:
            ports += f"-{self.to_port}"
        return f"{self.account}/{self.region} {self.group_id} {self.direction} {ports} {self.peer}"


def tcp(port: int, **peers: Any) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, **peers}


def cidrs(*values: str) -> dict[str, Any]:
    v4 = [{"CidrIp": c, "Description": "bench"} for c in values if ":" not in c]
    v6 = [{"CidrIpv6": c, "Description": "bench"} for c in values if ":" in c]
    return ({"IpRanges": v4} if v4 else {}) | ({"Ipv6Ranges": v6} if v6 else {})


def group_rules(i: int, previous: str, lists: dict[str, str]) -> tuple[list[Any], list[Any]]:
    """(ingress, egress) permissions of group i (see the module docstring)."""
    https_out = tcp(443, **cidrs("0.0.0.0/0"))
    smtp_out = [https_out, tcp(25, **cidrs("0.0.0.0/0"))]
    kind = i % 10
    if kind in (0, 1):
        return [tcp(22, **cidrs("10.0.0.0/8", "0.0.0.0/0"))], [https_out]
    if kind == 2:
        return [tcp(3389, **cidrs("::/0"))], smtp_out
    if kind == 3:
        return [tcp(443, **cidrs("10.0.0.0/8"))], smtp_out
    if kind == 4:
        return [tcp(22, PrefixListIds=[{"PrefixListId": lists[WORLD_LIST]}])], [https_out]
    ref = {"UserIdGroupPairs": [{"GroupId": previous, "Description": "bench"}]}
    corp = {"PrefixListIds": [{"PrefixListId": lists[CORP_LIST], "Description": "bench"}]}
    ingress = [tcp(443, **cidrs("10.0.0.0/8")), tcp(8080, **ref), tcp(5432, **corp)]
    return ingress, [https_out]


def build_scope(ec2: Any, size: int) -> None:
    lists = {
        name: ec2.create_managed_prefix_list(
            PrefixListName=name, AddressFamily="IPv4", MaxEntries=5,
            Entries=[{"Cidr": c} for c in entries],
        )["PrefixList"]["PrefixListId"]
        for name, entries in ((WORLD_LIST, ("0.0.0.0/0",)), (CORP_LIST, ("10.0.0.0/8",)))
    }  # fmt: skip
    previous = ""
    for i in range(size):
        group = ec2.create_security_group(GroupName=f"g{i:04d}", Description="bench")["GroupId"]
        ingress, egress = group_rules(i, previous or group, lists)
        ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=ingress)
        # Hardened groups: the stock all-traffic egress is replaced by what they need.
        ec2.revoke_security_group_egress(GroupId=group, IpPermissions=[ALL_OUT])
        ec2.authorize_security_group_egress(GroupId=group, IpPermissions=egress)
        previous = group


class Estate:
    """EC2 clients of every member account-region of a local AWS, through the member role."""

    def __init__(self, endpoint: str, where: list[Scope]) -> None:
        factory = local_clients(endpoint)
        clients = AccountClients(factory, RoleAssumer(factory.sts(), ROLE))
        self.scopes = where
        self._ec2 = {s: clients.ec2(s.account_id, s.region) for s in where}

    def ec2(self, scope: Scope) -> Any:
        return self._ec2[scope]

    def each(self, work: Any) -> list[Any]:
        """`work(scope, ec2)` for every account-region at once, in scope order."""
        with ThreadPoolExecutor(max_workers=len(self.scopes)) as pool:
            done = [pool.submit(work, s, self._ec2[s]) for s in self.scopes]
            return [f.result() for f in done]

    def build(self, size: int) -> float:
        start = time.perf_counter()
        self.each(lambda _scope, ec2: build_scope(ec2, size))
        return time.perf_counter() - start

    def world_lists(self) -> list[str]:
        """The ids of the estate's prefix lists that hold 0.0.0.0/0 (one per account-region)."""
        return [i for ids in self.each(_world_list_ids) for i in ids]

    def rules(self) -> State:
        state = State()
        for part in self.each(_read_scope):
            state.merge(part)
        return state

    def restore(self, baseline: State) -> tuple[int, int]:
        """Put the estate back to `baseline`: re-authorize the rules it lacks, revoke the rules
        it gained. Returns how many rules were (authorized, revoked)."""
        now = self.rules()
        missing = set(baseline.rules) - set(now.rules)
        extra = set(now.rules) - set(baseline.rules)

        def put_back(scope: Scope, ec2: Any) -> None:
            here = (scope.account_id, scope.region)
            for keys, verb, state in ((missing, "authorize", baseline), (extra, "revoke", now)):
                for key in sorted(k for k in keys if (k.account, k.region) == here):
                    call = getattr(ec2, f"{verb}_security_group_{key.direction}")
                    call(GroupId=key.group_id, IpPermissions=[_permission(key, state.rules[key])])

        self.each(put_back)
        return len(missing), len(extra)


class State:
    """Every rule of an estate (with its description) and every group's name."""

    def __init__(self) -> None:
        self.rules: dict[RuleKey, str] = {}
        self.names: dict[tuple[str, str, str], str] = {}  # (account, region, group) -> name

    def merge(self, other: State) -> None:
        self.rules.update(other.rules)
        self.names.update(other.names)

    def groups(self) -> int:
        return len(self.names)

    def world_open(self, world_lists: Iterable[str]) -> set[RuleKey]:
        """The ground truth of the benchmark's checks: SSH or RDP from the world (IPv4, IPv6 or
        a prefix list holding 0.0.0.0/0), SMTP to the world, all traffic either way."""
        lists = set(world_lists)
        return {k for k in self.rules if _world_open(k, lists)}

    def violating_groups(self) -> set[tuple[str, str, str]]:
        """The groups that the builder made violating, by name: what both tools must find."""
        found = set()
        for key, name in self.names.items():
            if name == "default" or (name[1:].isdigit() and int(name[1:]) % 10 in VIOLATING_KINDS):
                found.add(key)
        return found


_WORLD = {"ipv4": "0.0.0.0/0", "ipv6": "::/0"}


def _reaches(key: RuleKey, port: int) -> bool:
    if key.protocol == "-1":
        return True
    if key.protocol != "tcp" or key.from_port is None or key.to_port is None:
        return False
    return key.from_port <= port <= key.to_port


def _world_open(key: RuleKey, world_lists: set[str]) -> bool:
    world = _WORLD.get(key.peer_kind) == key.peer or (
        key.peer_kind == "prefix_list" and key.peer in world_lists
    )
    if not world:
        return False
    if key.direction == "egress":
        return _reaches(key, 25)
    return _reaches(key, 22) or _reaches(key, 3389)


def expand(account: str, region: str, group: dict[str, Any]) -> Iterator[tuple[RuleKey, str]]:
    """The rules of one DescribeSecurityGroups entry as (key, description), one per peer."""
    for direction, field in (("ingress", "IpPermissions"), ("egress", "IpPermissionsEgress")):
        for permission in group.get(field, ()):
            yield from expand_permission(account, region, group["GroupId"], direction, permission)


def expand_permission(
    account: str, region: str, group_id: str, direction: str, permission: dict[str, Any]
) -> Iterator[tuple[RuleKey, str]]:
    """One IpPermission (as AWS and Custodian's matched annotations give it) as single-peer
    rules: all-traffic rules have no ports, whatever a tool puts in FromPort/ToPort."""
    protocol = str(permission.get("IpProtocol", "-1"))
    ports: tuple[int | None, int | None] = (None, None)
    if protocol != "-1":
        ports = (permission.get("FromPort"), permission.get("ToPort"))
    peers = (
        ("ipv4", "IpRanges", "CidrIp"), ("ipv6", "Ipv6Ranges", "CidrIpv6"),
        ("prefix_list", "PrefixListIds", "PrefixListId"), ("group", "UserIdGroupPairs", "GroupId"),
    )  # fmt: skip
    for kind, field, value in peers:
        for peer in permission.get(field) or ():
            key = RuleKey(account, region, group_id, direction, protocol, *ports, kind, peer[value])
            yield key, str(peer.get("Description", ""))


def _read_scope(scope: Scope, ec2: Any) -> State:
    state = State()
    for page in ec2.get_paginator("describe_security_groups").paginate():
        for group in page["SecurityGroups"]:
            state.names[(scope.account_id, scope.region, group["GroupId"])] = group["GroupName"]
            state.rules.update(expand(scope.account_id, scope.region, group))
    return state


def _world_list_ids(scope: Scope, ec2: Any) -> list[str]:
    lists = ec2.describe_managed_prefix_lists()["PrefixLists"]
    return [
        p["PrefixListId"]
        for p in lists
        if p["PrefixListName"] == WORLD_LIST and p.get("OwnerId") == scope.account_id
    ]


def _permission(key: RuleKey, description: str) -> dict[str, Any]:
    permission: dict[str, Any] = {"IpProtocol": key.protocol}
    if key.protocol != "-1":
        permission |= {"FromPort": key.from_port, "ToPort": key.to_port}
    field, name = {
        "ipv4": ("IpRanges", "CidrIp"), "ipv6": ("Ipv6Ranges", "CidrIpv6"),
        "prefix_list": ("PrefixListIds", "PrefixListId"), "group": ("UserIdGroupPairs", "GroupId"),
    }[key.peer_kind]  # fmt: skip
    peer = {name: key.peer} | ({"Description": description} if description else {})
    permission[field] = [peer]
    return permission
