"""Seeding one demo account x region: prefix lists, groups, rules, default group, interfaces."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sgcompliance.adapters.aws import ec2 as ec2_calls
from sgcompliance.adapters.aws.errors import translating
from sgcompliance.engine.model import Direction
from sgcompliance.local.seed.groups import (
    DEFAULT_GROUP_EXTRA,
    DEFAULT_GROUP_RULES,
    GROUPS,
    PREFIX_LISTS,
    VENDOR_ACCOUNT,
    Attach,
    GroupSpec,
    Perm,
)

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client


@dataclass(frozen=True, slots=True)
class SeededGroup:
    group_id: str
    name: str
    attach: Attach


class ScopeSeeder:
    def __init__(self, ec2: EC2Client, account_name: str, region: str, sibling: str) -> None:
        self.ec2 = ec2
        self.account_name = account_name
        self.region = region
        self.sibling = sibling
        self.group_ids: dict[str, str] = {}
        self.prefix_lists: dict[str, str] = {}
        self.seeded: list[SeededGroup] = []

    def seed(self) -> tuple[list[SeededGroup], dict[str, str]]:
        for name, (description, entries) in PREFIX_LISTS.items():
            self.prefix_lists[name] = self._prefix_list(name, description, entries)
        specs = [g for g in GROUPS if g.placed_in(self.account_name, self.region)]
        for spec in specs:
            self._create_group(spec.name, spec.description, spec.tags, spec.attach)
        for spec in specs:
            self._authorize(self.group_ids[spec.name], spec.ingress)
        self._default_group()
        subnet = self._default_subnet()
        for spec in specs:
            self._attach(spec, subnet)
        return self.seeded, dict(self.prefix_lists)

    def _prefix_list(self, name: str, description: str, entries: tuple[str, ...]) -> str:
        with translating("CreateManagedPrefixList"):
            created = self.ec2.create_managed_prefix_list(
                PrefixListName=f"demo-{name}",
                AddressFamily="IPv4",
                MaxEntries=10,
                Entries=[{"Cidr": cidr, "Description": description} for cidr in entries],
            )
        return created["PrefixList"]["PrefixListId"]

    def _create_group(
        self, name: str, description: str, tags: tuple[tuple[str, str], ...], attach: Attach
    ) -> str:
        all_tags = [{"Key": "Name", "Value": name}, *({"Key": k, "Value": v} for k, v in tags)]
        specification: Any = {"ResourceType": "security-group", "Tags": all_tags}
        with translating("CreateSecurityGroup"):
            group_id = self.ec2.create_security_group(
                GroupName=name,
                Description=description,
                TagSpecifications=[specification],
            )["GroupId"]
        self.group_ids[name] = group_id
        self.seeded.append(SeededGroup(group_id, name, attach))
        return group_id

    def _authorize(self, group_id: str, perms: tuple[Perm, ...]) -> None:
        permissions = [self._permission(p, group_id) for p in perms]
        ec2_calls.authorize_rules(self.ec2, group_id, Direction.INGRESS, permissions)

    def _permission(self, perm: Perm, group_id: str) -> dict[str, Any]:
        # Protocols without ports (ESP, all traffic) are sent as -1..-1, as the console does.
        low, high = perm.ports if perm.ports else (-1, -1)
        out: dict[str, Any] = {"IpProtocol": perm.protocol, "FromPort": low, "ToPort": high}
        described = {"Description": perm.description} if perm.description else {}
        for peer in perm.peers:
            kind, _, value = peer.partition(":")
            if kind == "cidr":
                key, field = ("Ipv6Ranges", "CidrIpv6") if ":" in value else ("IpRanges", "CidrIp")
                out.setdefault(key, []).append({field: value, **described})
            elif kind == "pl":
                out.setdefault("PrefixListIds", []).append(
                    {"PrefixListId": self.prefix_lists[value], **described}
                )
            else:
                out.setdefault("UserIdGroupPairs", []).append(
                    {**self._group_pair(kind, value, group_id), **described}
                )
        return out

    def _group_pair(self, kind: str, value: str, group_id: str) -> dict[str, str]:
        if kind == "self":
            return {"GroupId": group_id}
        if kind == "sg":
            return {"GroupId": self.group_ids[value]}
        account = self.sibling if value == "sibling" else VENDOR_ACCOUNT
        stand_in = self.group_ids.get(f"ref-{account}") or self._create_group(
            f"ref-{account}",
            f"stands in for a group of account {account}",
            (("sgc-demo", "stand-in"),),
            Attach.NONE,
        )
        return {"GroupId": stand_in, "UserId": account}

    def _default_group(self) -> None:
        with translating("DescribeSecurityGroups"):
            groups = self.ec2.describe_security_groups(
                Filters=[{"Name": "group-name", "Values": ["default"]}]
            )["SecurityGroups"]
        group_id = groups[0]["GroupId"]
        extra = DEFAULT_GROUP_EXTRA.get((self.account_name, self.region), ())
        self._authorize(group_id, DEFAULT_GROUP_RULES + extra)
        self.seeded.append(SeededGroup(group_id, "default", Attach.NONE))

    def _default_subnet(self) -> str:
        with translating("DescribeSubnets"):
            subnets = self.ec2.describe_subnets(
                Filters=[{"Name": "default-for-az", "Values": ["true"]}]
            )["Subnets"]
        return sorted(subnets, key=lambda s: s.get("AvailabilityZone", ""))[0]["SubnetId"]

    def _attach(self, spec: GroupSpec, subnet_id: str) -> None:
        if spec.attach is Attach.NONE:
            return
        with translating("CreateNetworkInterface"):
            eni = self.ec2.create_network_interface(
                SubnetId=subnet_id,
                Groups=[self.group_ids[spec.name]],
                Description=f"demo {spec.name}",
            )["NetworkInterface"]["NetworkInterfaceId"]
        if spec.attach is Attach.PUBLIC:
            with translating("AllocateAddress"):
                allocation = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
            with translating("AssociateAddress"):
                self.ec2.associate_address(AllocationId=allocation, NetworkInterfaceId=eni)
