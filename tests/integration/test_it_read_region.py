"""read_region against the moto server: the engine's reader accepts it and it matches reality."""

from __future__ import annotations

import json
from typing import Any

import pytest

from sgcompliance.adapters.aws.api_calls import ApiCallCounter
from sgcompliance.adapters.aws.ec2 import read_group, read_region
from sgcompliance.engine.model import Attachment, Direction, PeerKind, RegionSnapshot
from sgcompliance.errors import NotFoundError
from sgcompliance.sources.snapshot import read_snapshot
from support.estate import authorize, create_group, create_prefix_list, perm

pytestmark = pytest.mark.integration

ACCOUNT = "123456789012"
REGION = "us-east-1"


def subnet(ec2: Any) -> str:
    subnet_id: str = ec2.describe_subnets()["Subnets"][0]["SubnetId"]
    return subnet_id


def attach(ec2: Any, group_id: str, *, public: bool) -> None:
    eni = ec2.create_network_interface(SubnetId=subnet(ec2), Groups=[group_id])
    eni_id = eni["NetworkInterface"]["NetworkInterfaceId"]
    if public:
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        ec2.associate_address(AllocationId=allocation, NetworkInterfaceId=eni_id)


@pytest.fixture
def estate(ec2: Any) -> dict[str, str]:
    """web: one permission, three peers (IPv4 private, IPv4 world, IPv6 world), public ENI;
    app: a prefix list and a reference to web, private ENI; idle: no ENI."""
    web, app, idle = (create_group(ec2, name) for name in ("web", "app", "idle"))
    world_list = create_prefix_list(ec2, "pl", "0.0.0.0/0", "10.0.0.0/8")
    authorize(ec2, web, perm("tcp", (22, 22), "10.0.0.0/8", "0.0.0.0/0", "::/0"))
    authorize(
        ec2,
        app,
        perm("tcp", (3389, 3389), f"pl:{world_list}"),
        perm("tcp", (8080, 8080), f"ref:{web}"),
    )
    attach(ec2, web, public=True)
    attach(ec2, app, public=False)
    return {"web": web, "app": app, "idle": idle, "list": world_list}


def snapshot(ec2: Any) -> RegionSnapshot:
    # Through JSON: the document must survive being written to a snapshot file.
    return read_snapshot(json.loads(json.dumps(read_region(ec2, ACCOUNT, REGION))))


def test_one_permission_with_three_peers_is_three_rules(ec2: Any, estate: dict[str, str]) -> None:
    web = next(g for g in snapshot(ec2).groups if g.group_id == estate["web"])
    peers = sorted(str(r.peer) for r in web.rules if r.direction is Direction.INGRESS)
    assert peers == ["0.0.0.0/0", "10.0.0.0/8", "::/0"]
    assert len({r.rule_id for r in web.rules}) == len(web.rules)


def test_ipv6_peers_are_read_as_ipv6(ec2: Any, estate: dict[str, str]) -> None:
    web = next(g for g in snapshot(ec2).groups if g.group_id == estate["web"])
    kinds = {r.peer.value: r.peer.kind for r in web.rules if r.direction is Direction.INGRESS}
    assert kinds["::/0"] is PeerKind.IPV6


def test_referenced_prefix_lists_are_resolved_to_their_entries(
    ec2: Any, estate: dict[str, str]
) -> None:
    assert snapshot(ec2).prefix_lists == {estate["list"]: ("0.0.0.0/0", "10.0.0.0/8")}


def test_group_references_keep_the_referenced_group(ec2: Any, estate: dict[str, str]) -> None:
    app = next(g for g in snapshot(ec2).groups if g.group_id == estate["app"])
    refs = [r.peer for r in app.rules if r.peer.kind is PeerKind.GROUP]
    assert [(p.value, p.account_id) for p in refs] == [(estate["web"], ACCOUNT)]


def test_attachment_comes_from_network_interfaces(ec2: Any, estate: dict[str, str]) -> None:
    states = {g.group_id: g.attachment for g in snapshot(ec2).groups}
    assert states[estate["web"]] is Attachment.EXPOSED
    assert states[estate["app"]] is Attachment.ATTACHED
    assert states[estate["idle"]] is Attachment.UNATTACHED


def test_every_group_of_the_region_is_read_with_its_default_egress(
    ec2: Any, estate: dict[str, str]
) -> None:
    groups = {g.name: g for g in snapshot(ec2).groups}
    assert set(groups) == {"default", "web", "app", "idle"}
    egress = [r for r in groups["idle"].rules if r.direction is Direction.EGRESS]
    assert [(r.protocol, str(r.peer)) for r in egress] == [("all", "0.0.0.0/0")]


def test_a_sweep_costs_one_call_per_describe_whatever_the_number_of_groups(
    ec2: Any, counter: ApiCallCounter
) -> None:
    # GIVEN 25 groups
    for i in range(25):
        create_group(ec2, f"g{i}")
    counter.reset()
    # WHEN the region is read THEN each Describe ran once (moto returns a single page)
    read_region(ec2, ACCOUNT, REGION)
    assert counter.snapshot().calls == {
        "ec2:DescribeNetworkInterfaces": 1,
        "ec2:DescribeSecurityGroupRules": 1,
        "ec2:DescribeSecurityGroups": 1,
    }


def test_each_prefix_list_is_resolved_once_per_region(
    ec2: Any, counter: ApiCallCounter, estate: dict[str, str]
) -> None:
    # GIVEN a second group referencing the same list
    create_group(ec2, "other", ingress=[perm("tcp", (22, 22), f"pl:{estate['list']}")])
    counter.reset()
    read_region(ec2, ACCOUNT, REGION)
    assert counter.count("ec2:GetManagedPrefixListEntries") == 1


def test_read_group_returns_only_that_group(ec2: Any, estate: dict[str, str]) -> None:
    snap = read_snapshot(read_group(ec2, ACCOUNT, REGION, estate["app"]))
    assert [g.group_id for g in snap.groups] == [estate["app"]]
    # (an event needs no attachment: the interfaces are not read for one group)
    assert snap.groups[0].attachment is Attachment.UNKNOWN
    assert estate["list"] in snap.prefix_lists


def test_read_group_of_a_deleted_group_is_not_found(ec2: Any, estate: dict[str, str]) -> None:
    ec2.delete_security_group(GroupId=estate["idle"])
    with pytest.raises(NotFoundError):
        read_group(ec2, ACCOUNT, REGION, estate["idle"])
