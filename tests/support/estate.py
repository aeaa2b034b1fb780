"""One builder for test estates: security groups and their rules, made in one of three forms.

- Model objects for the engine and the report writers: `rule`, `group`, `snapshot` (a peer is
  written as text, see `peer`).
- Snapshot documents, the describe JSON that `sgc` reads from files: `document`.
- Groups in the moto server, through a (member account's) EC2 client: `perm` writes one
  IpPermission, `create_group` creates a group with its tags and rules, `authorize` adds rules,
  `create_prefix_list`, `default_vpc` and `default_group` find or make what a group refers to.

Each test's estate module keeps its own content (names, ids, rules); only the building is here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from sgcompliance.engine.model import (
    Attachment,
    Direction,
    Peer,
    PeerKind,
    RegionSnapshot,
    Rule,
    SecurityGroup,
)
from sgcompliance.engine.rule_codec import rule_to_row

ACCOUNT = "111111111111"
REGION = "eu-west-1"

# --- model objects ---------------------------------------------------------------------------

Ports = int | tuple[int, int] | None


def peer(text: str) -> Peer:
    """`pl-...` is a prefix list, `[account/]sg-...` a group reference, anything else a CIDR."""
    if text.startswith("pl-"):
        return Peer(PeerKind.PREFIX_LIST, text)
    if text.rsplit("/", maxsplit=1)[-1].startswith("sg-"):
        account, _, group_id = text.rpartition("/")
        return Peer(PeerKind.GROUP, group_id, account or None)
    return Peer(PeerKind.IPV6 if ":" in text else PeerKind.IPV4, text)


def rule(
    rule_id: str,
    source: str,
    *,
    protocol: str = "tcp",
    ports: Ports = 22,
    egress: bool = False,
    description: str = "managed",
    tags: Mapping[str, str] | None = None,
    group_id: str = "sg-unset",
) -> Rule:
    """One rule in normal form; `ports=None` gives FromPort/ToPort -1 as EC2 reports them.
    `group` sets the group id of its rules, so `group_id` matters only for a rule used alone."""
    if ports is None:
        lo, hi = -1, -1
    elif isinstance(ports, int):
        lo = hi = ports
    else:
        lo, hi = ports
    return Rule(
        rule_id=rule_id,
        group_id=group_id,
        direction=Direction.EGRESS if egress else Direction.INGRESS,
        protocol=protocol,
        from_port=lo,
        to_port=hi,
        peer=peer(source),
        description=description,
        tags=tuple(sorted((tags or {}).items())),
    )


def group(
    *rules: Rule,
    group_id: str = "sg-1",
    name: str = "web",
    account: str = ACCOUNT,
    region: str = REGION,
    tags: Mapping[str, str] | None = None,
    vpc_id: str | None = None,
    description: str = "",
    attachment: Attachment = Attachment.UNKNOWN,
) -> SecurityGroup:
    return SecurityGroup(
        group_id=group_id,
        name=name,
        account_id=account,
        region=region,
        rules=tuple(replace(r, group_id=group_id) for r in rules),
        vpc_id=vpc_id,
        description=description,
        tags=dict(tags or {}),
        attachment=attachment,
    )


def snapshot(
    *groups: SecurityGroup,
    account: str = ACCOUNT,
    region: str = REGION,
    prefix_lists: Mapping[str, tuple[str, ...]] | None = None,
) -> RegionSnapshot:
    return RegionSnapshot(account, region, groups, dict(prefix_lists or {}))


# --- snapshot documents ----------------------------------------------------------------------


def document(snap: RegionSnapshot) -> dict[str, Any]:
    """The snapshot as the describe JSON `read_snapshots` reads (as `sgc snapshot` writes it):
    groups, rules with their owner, and the prefix lists when there are any."""
    doc: dict[str, Any] = {
        "account_id": snap.account_id,
        "region": snap.region,
        "SecurityGroups": [_group_row(g) for g in snap.groups],
        "SecurityGroupRules": [
            {**rule_to_row(r), "GroupOwnerId": g.account_id} for g in snap.groups for r in g.rules
        ],
    }
    if snap.prefix_lists:
        doc["ManagedPrefixLists"] = {k: list(v) for k, v in snap.prefix_lists.items()}
    return doc


def _group_row(g: SecurityGroup) -> dict[str, Any]:
    row: dict[str, Any] = {
        "GroupId": g.group_id,
        "GroupName": g.name,
        "Description": g.description,
        "OwnerId": g.account_id,
    }
    if g.vpc_id is not None:
        row["VpcId"] = g.vpc_id
    row["Tags"] = [{"Key": k, "Value": v} for k, v in g.tags.items()]
    return row


# --- groups in the moto server ---------------------------------------------------------------

Permission = dict[str, Any]


def perm(protocol: str, ports: tuple[int, int], *peers: str, description: str = "") -> Permission:
    """One IpPermission; a peer is a CIDR, `pl:` + list id, or `ref:` + group id (+ `@` + its
    account when it is not the caller's)."""
    out: Permission = {"IpProtocol": protocol, "FromPort": ports[0], "ToPort": ports[1]}
    described = {"Description": description} if description else {}
    for one in peers:
        if one.startswith("pl:"):
            out.setdefault("PrefixListIds", []).append({"PrefixListId": one[3:], **described})
        elif one.startswith("ref:"):
            group_id, _, account = one[4:].partition("@")
            pair = {"GroupId": group_id, **({"UserId": account} if account else {}), **described}
            out.setdefault("UserIdGroupPairs", []).append(pair)
        elif ":" in one:
            out.setdefault("Ipv6Ranges", []).append({"CidrIpv6": one, **described})
        else:
            out.setdefault("IpRanges", []).append({"CidrIp": one, **described})
    return out


def create_group(
    ec2: Any,
    name: str,
    *,
    description: str | None = None,
    vpc_id: str | None = None,
    tags: Iterable[tuple[str, str]] | None = None,
    ingress: Iterable[Permission] = (),
    egress: Iterable[Permission] = (),
) -> str:
    """A new group (description: its name; VPC: the default one) with its rules, in one call per
    direction; `tags` are set at creation, with a Name tag first: the group's id."""
    params: dict[str, Any] = {"GroupName": name, "Description": description or name}
    if vpc_id is not None:
        params["VpcId"] = vpc_id
    if tags is not None:
        listed = [{"Key": "Name", "Value": name}, *({"Key": k, "Value": v} for k, v in tags)]
        params["TagSpecifications"] = [{"ResourceType": "security-group", "Tags": listed}]
    group_id: str = ec2.create_security_group(**params)["GroupId"]
    authorize(ec2, group_id, *ingress)
    authorize(ec2, group_id, *egress, egress=True)
    return group_id


def authorize(ec2: Any, group_id: str, *perms: Permission, egress: bool = False) -> list[str]:
    """Add the permissions in one call (none: no call): the ids of the rules it created."""
    if not perms:
        return []
    call = ec2.authorize_security_group_egress if egress else ec2.authorize_security_group_ingress
    created = call(GroupId=group_id, IpPermissions=list(perms))
    return [str(r["SecurityGroupRuleId"]) for r in created.get("SecurityGroupRules", [])]


def create_prefix_list(ec2: Any, name: str, *cidrs: str, max_entries: int = 5) -> str:
    """A managed IPv4 prefix list holding `cidrs`: its id."""
    created = ec2.create_managed_prefix_list(
        PrefixListName=name,
        AddressFamily="IPv4",
        MaxEntries=max_entries,
        Entries=[{"Cidr": c} for c in cidrs],
    )
    list_id: str = created["PrefixList"]["PrefixListId"]
    return list_id


def default_vpc(ec2: Any) -> str:
    """The id of the region's (first) VPC: moto's default VPC."""
    vpc_id: str = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    return vpc_id


def default_group(ec2: Any) -> str:
    """The id of the default VPC's `default` group."""
    found = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]}])
    group_id: str = found["SecurityGroups"][0]["GroupId"]
    return group_id
