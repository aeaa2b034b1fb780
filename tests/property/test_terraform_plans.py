"""Any plan built from a small grammar of `terraform show -json` (groups with inline blocks,
standalone rules of both kinds, prefix lists, values right or wrong, unknown or not, references
to the plan's resources, to module outputs and to nothing) is read into an estate or refused
with an InputError, never another exception; and what is read holds together: every rule
belongs to its group, no peer reads `(known after apply)`, and every unknown has a reason."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgcompliance.errors import InputError
from sgcompliance.sources.code_estate import UNKNOWN_PEER
from sgcompliance.sources.terraform_plan import read_plan

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

GROUPS = ("aws_security_group.a", "aws_security_group.b", "aws_default_security_group.d")
LISTS = ("aws_ec2_managed_prefix_list.p",)
LEAVES = st.one_of(
    st.sampled_from(["tcp", "udp", "-1", "6", "icmp", "bogus", "0.0.0.0/0", "::/0", "10.0.0.0/8",
                     "999.0.0.0/8", "sg-1", "pl-1", "", "ingress", "egress", "x/sg-2"]),
    st.integers(-2, 70_000), st.booleans(), st.none(),
)  # fmt: skip
REFS = st.lists(
    st.sampled_from([*(f"{g}.id" for g in GROUPS), *GROUPS, f"{LISTS[0]}.id", "var.x",
                     "module.m.out", "module.m", "aws_eip.x.public_ip", "count.index"]),
    max_size=3,
)  # fmt: skip


def mostly(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Right values, wrong ones now and then: a plan must get past its first refusal for its
    rules to be read at all."""
    return st.integers(0, 9).flatmap(lambda i: good if i else LEAVES)


PROTOCOLS = mostly(st.sampled_from(["tcp", "udp", "-1", "icmp", "6"]))
PORTS = mostly(st.sampled_from([0, 22, 3389, 65535, -1]))
CIDRS = mostly(st.sampled_from(["::/0", "2001:db8::/32"]))
V4 = mostly(st.sampled_from(["0.0.0.0/0", "10.0.0.0/8", "128.0.0.0/1"]))
MARKS = st.one_of(st.just(True), st.just(False), st.lists(st.booleans(), max_size=2))


def block() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {"protocol": PROTOCOLS, "from_port": PORTS, "to_port": PORTS},
        optional={
            "cidr_blocks": st.lists(V4, max_size=2) | LEAVES,
            "ipv6_cidr_blocks": st.lists(CIDRS, max_size=2),
            "prefix_list_ids": st.lists(LEAVES, max_size=2),
            "security_groups": st.lists(LEAVES, max_size=2),
            "self": st.booleans(),
            "description": LEAVES,
        },
    )


@st.composite
def plans(draw: st.DrawFn) -> dict[str, Any]:
    resources: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    config: list[dict[str, Any]] = []

    def add(address: str, values: Any, unknown: Any, expressions: Any) -> None:
        kind, name = address.split(".")
        resources.append({"address": address, "mode": "managed", "type": kind, "name": name,
                          "values": values})  # fmt: skip
        changes.append({"address": address, "mode": "managed",
                        "change": {"actions": ["create"], "after_unknown": unknown}})  # fmt: skip
        config.append({"address": address, "mode": "managed", "type": kind, "name": name,
                       "expressions": expressions})  # fmt: skip

    for address in draw(st.lists(st.sampled_from(GROUPS), unique=True, max_size=3)):
        tags = st.none() | st.dictionaries(st.sampled_from("ab"), mostly(st.just("x")))
        values = {"name": draw(mostly(st.just("web"))), "tags": draw(tags),
                  "ingress": draw(mostly(st.lists(block(), min_size=1, max_size=2)))}  # fmt: skip
        marked = st.sampled_from(["cidr_blocks", "security_groups", "from_port"])
        blocks_marks = st.lists(st.dictionaries(marked, MARKS), max_size=2)
        unknown = {"ingress": draw(st.one_of(blocks_marks, blocks_marks, st.just(True)))}
        add(address, values, unknown, {"ingress": {"references": draw(REFS)}})
    if draw(st.booleans()):
        entries = draw(mostly(st.lists(st.fixed_dictionaries({"cidr": V4}), max_size=2)))
        add(LISTS[0], {"entry": entries}, {"entry": draw(MARKS)}, {})
    for i in range(draw(st.integers(0, 3))):
        vpc = draw(st.booleans())
        kind = "aws_vpc_security_group_ingress_rule" if vpc else "aws_security_group_rule"
        values = {
            "type": draw(mostly(st.sampled_from(["ingress", "egress"]))),
            ("ip_protocol" if vpc else "protocol"): draw(PROTOCOLS),
            "from_port": draw(PORTS), "to_port": draw(PORTS),
            ("cidr_ipv4" if vpc else "cidr_blocks"): draw(V4 if vpc else st.lists(V4, max_size=2)),
            "security_group_id": draw(mostly(st.sampled_from(["sg-1", "sg-2"]))),
        }  # fmt: skip
        unknown = draw(st.dictionaries(
            st.sampled_from(["security_group_id", "source_security_group_id",
                             "referenced_security_group_id", "prefix_list_id", "cidr_blocks"]),
            MARKS))  # fmt: skip
        expressions = {name: {"references": draw(REFS)} for name in unknown}
        add(f"{kind}.r{i}", values, unknown, expressions)
    module_calls = {"m": {"source": "./m", "module": {"resources": [], "outputs": {
        "out": {"expression": {"references": draw(REFS)}}}}}}  # fmt: skip
    return {
        "format_version": "1.2",
        "planned_values": {"root_module": {"resources": resources}},
        "resource_changes": changes,
        "configuration": {"root_module": {"resources": config, "module_calls": module_calls}},
    }


@SETTINGS
@given(plans())
def test_any_plan_is_read_or_refused_and_what_is_read_holds_together(doc: dict[str, Any]) -> None:
    try:
        estate = read_plan(doc, "plan.json").estate
    except InputError:
        return
    for group in estate.snapshot.groups:
        for rule in group.rules:
            assert rule.group_id == group.group_id
            assert rule.peer.value != UNKNOWN_PEER
    for item in estate.unresolved:
        assert item.reason
        assert item.rule is None or item.rule.peer.value == UNKNOWN_PEER
