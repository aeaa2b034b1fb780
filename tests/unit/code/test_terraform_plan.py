"""Reading `terraform show -json PLANFILE`: the resulting state is judged by the policy that
judges running accounts, peers of the plan resolve by address, and what is unknown until apply
is reported, never passed."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from code_plans import (
    TODAY,
    cases_plan,
    change,
    checks_by_group,
    config_resource,
    ingress,
    judged,
    plan,
    refs,
    resource,
)

from sgcompliance.engine.model import PeerKind
from sgcompliance.engine.policy import UNKNOWN_BEFORE_APPLY_CHECK, Exemption, Severity
from sgcompliance.errors import InputError
from sgcompliance.policy.loader import load_policy
from sgcompliance.sources.code_estate import UNKNOWN_PEER
from sgcompliance.sources.code_scan import scan_code
from sgcompliance.sources.terraform_plan import read_plan

WORLD_SSH = {"CIS-5.2", "EC2.13", "EC2.18", "EC2.19"}


@pytest.fixture(scope="module")
def cases() -> dict[str, set[str]]:
    return checks_by_group(judged(cases_plan()))


@pytest.mark.parametrize(
    ("group", "expected"),
    [
        # tcp 20-25 reaches ssh through the range
        ("aws_security_group.tcp_range_world", WORLD_SSH),
        # protocol -1 reaches every port
        (
            "aws_security_group.all_traffic",
            WORLD_SSH | {"EC2.14", "SGC-ALL-TRAFFIC", "SGC-DATASTORE"},
        ),
        # rdp over udp
        ("aws_security_group.udp_rdp", {"CIS-5.2", "EC2.18", "EC2.19"}),
        ("aws_security_group.ipv6_world", {"CIS-5.3", "EC2.13", "EC2.18", "EC2.19"}),
        # the /1 pair covers the world
        ("aws_security_group.half_pair", WORLD_SSH | {"SGC-WIDE-CIDR"}),
        # a prefix list of the plan, judged by its entries
        ("aws_security_group.prefix_list", WORLD_SSH | {"SGC-WIDE-CIDR"}),
        ("aws_default_security_group.default", WORLD_SSH | {"CIS-5.4", "EC2.2"}),
        ("module.app.aws_security_group.this", {"EC2.18", "EC2.19"}),
        ("aws_security_group.unknown_at_plan", {UNKNOWN_BEFORE_APPLY_CHECK}),
    ],
)
def test_each_case_of_the_real_plan_gets_the_checks_of_the_running_account(
    cases: dict[str, set[str]], group: str, expected: set[str]
) -> None:
    assert cases[group] == expected


def test_groups_the_plan_passes_have_no_findings(cases: dict[str, set[str]]) -> None:
    # https from the world is allowed; ssh from the load balancer's group is a trusted peer
    assert "aws_security_group.load_balancer" not in cases
    assert "aws_security_group.by_reference" not in cases


def test_a_peer_that_is_another_group_of_the_plan_is_named_by_its_address() -> None:
    estate = read_plan(cases_plan(), "plan.json").estate
    group = next(g for g in estate.snapshot.groups if g.group_id.endswith(".by_reference"))
    (rule,) = group.rules
    assert (rule.peer.kind, rule.peer.value) == (PeerKind.GROUP, "aws_security_group.load_balancer")
    assert rule.peer.account_id is None


def test_a_prefix_list_of_the_plan_is_resolved_by_its_entries() -> None:
    estate = read_plan(cases_plan(), "plan.json").estate
    entries = estate.snapshot.prefix_lists["aws_ec2_managed_prefix_list.everyone"]
    assert sorted(entries) == ["0.0.0.0/1", "128.0.0.0/1"]


def test_an_unknown_value_is_reported_with_what_is_known_and_never_judged() -> None:
    result = judged(cases_plan())
    (finding,) = [f for f in result.findings if f.check_id == UNKNOWN_BEFORE_APPLY_CHECK]
    assert finding.rule is not None
    assert finding.rule.peer.value == UNKNOWN_PEER
    assert "tcp 22" in finding.message
    assert "cannot be judged before apply" in finding.message
    assert finding.severity is Severity.HIGH
    assert finding.is_violation
    group = next(
        g for g in read_plan(cases_plan(), "p").estate.snapshot.groups
        if g.group_id == finding.group_id
    )  # fmt: skip
    assert group.rules == ()


def test_the_severity_of_unknown_values_is_the_policys_and_exemptions_may_name_them() -> None:
    policy = load_policy("builtin:strict")
    exemption = Exemption(
        id="bastion",
        owner="network team",
        reason="the bastion's address is ours",
        checks=frozenset({UNKNOWN_BEFORE_APPLY_CHECK}),
        group_ids=frozenset({"aws_security_group.unknown_at_plan"}),
    )
    settings = replace(policy.settings, unresolved_prefix_list_severity=Severity.LOW)
    changed = replace(policy, exemptions=(exemption,), settings=settings)
    estate = read_plan(cases_plan(), "plan.json").estate
    result = scan_code(changed, estate, today=TODAY)
    (finding,) = [f for f in result.findings if f.check_id == UNKNOWN_BEFORE_APPLY_CHECK]
    assert finding.severity is Severity.LOW
    assert finding.exempted_by == exemption
    assert not [f for f in result.violations if f.check_id == UNKNOWN_BEFORE_APPLY_CHECK]


def test_a_deleted_group_is_not_judged_and_a_replaced_one_is_judged_as_replaced() -> None:
    doc = plan(
        [
            resource(
                "aws_security_group.new", {"name": "new", "ingress": [ingress(443, "0.0.0.0/0")]}
            )
        ],
        changes=[
            change("aws_security_group.old", ["delete"], {}),
            change("aws_security_group.new", ["delete", "create"], {}),
        ],
        config=[config_resource("aws_security_group.new", {"ingress": {"constant_value": []}})],
    )
    # The deleted group's open ssh is in no planned value: only the replacement is judged.
    doc["prior_state"] = {"values": {"root_module": {"resources": [
        resource("aws_security_group.old", {"ingress": [ingress(22, "0.0.0.0/0")]})
    ]}}}  # fmt: skip
    result = judged(doc)
    assert result.groups_scanned == 1
    assert result.violations == ()


def test_a_group_without_inline_rules_in_its_configuration_has_none() -> None:
    doc = plan(
        [resource("aws_security_group.bare", {"name": "bare"})],
        changes=[change("aws_security_group.bare", ["create"], {"ingress": True, "egress": True})],
        config=[config_resource("aws_security_group.bare", {"name": {"constant_value": "bare"}})],
    )
    result = judged(doc)
    assert result.findings == ()
    assert read_plan(doc, "p").estate.unresolved == ()


def test_inline_rules_unknown_as_a_whole_are_one_unknown() -> None:
    doc = plan(
        [resource("aws_security_group.dyn", {"name": "dyn"})],
        changes=[change("aws_security_group.dyn", ["create"], {"ingress": True, "egress": True})],
        config=[config_resource("aws_security_group.dyn", {"ingress": refs("aws_eip.x")})],
    )
    (item,) = read_plan(doc, "p").estate.unresolved
    assert (item.address, item.attribute) == ("aws_security_group.dyn", "ingress")


def test_a_standalone_rule_finds_its_group_and_peer_through_a_module_output() -> None:
    child_group = resource("aws_security_group.this", {"name": "lb"}, module="module.lb")
    rule = resource(
        "aws_security_group_rule.ssh",
        {"type": "ingress", "protocol": "tcp", "from_port": 22, "to_port": 22,
         "description": "ssh", "self": False},
    )  # fmt: skip
    rule_config = config_resource("aws_security_group_rule.ssh", {
        "security_group_id": refs("aws_security_group.app"),
        "source_security_group_id": {"references": ["module.lb.group_id", "module.lb"]},
    })  # fmt: skip
    doc = plan(
        [resource("aws_security_group.app", {"name": "app"}), rule],
        children=[{"address": "module.lb", "resources": [child_group]}],
        changes=[change("aws_security_group_rule.ssh", ["create"],
                        {"security_group_id": True, "source_security_group_id": True})],
        config=[config_resource("aws_security_group.app", {}), rule_config],
        module_calls={"lb": {"source": "./lb", "module": {
            "resources": [config_resource("aws_security_group.this", {})],
            "outputs": {"group_id": {"expression": refs("aws_security_group.this")}},
        }}},
    )  # fmt: skip
    estate = read_plan(doc, "p").estate
    app = next(g for g in estate.snapshot.groups if g.group_id == "aws_security_group.app")
    (only,) = app.rules
    assert only.peer.value == "module.lb.aws_security_group.this"
    assert estate.unresolved == ()


def test_a_reference_to_one_of_several_instances_is_not_guessed() -> None:
    groups = [resource(f'aws_security_group.many["{k}"]', {"name": k}) for k in ("a", "b")]
    for group in groups:
        group["name"] = "many"
    rule = resource(
        "aws_vpc_security_group_ingress_rule.r",
        {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_ipv4": "0.0.0.0/0"},
    )
    doc = plan(
        [*groups, rule],
        changes=[change("aws_vpc_security_group_ingress_rule.r", ["create"],
                        {"security_group_id": True})],
        config=[config_resource("aws_vpc_security_group_ingress_rule.r",
                                {"security_group_id": refs("aws_security_group.many")})],
    )  # fmt: skip
    result = judged(doc)
    (finding,) = result.findings
    assert finding.check_id == UNKNOWN_BEFORE_APPLY_CHECK
    assert finding.group_id == "aws_vpc_security_group_ingress_rule.r"


def test_a_rule_on_a_group_outside_the_plan_is_judged_under_that_group_id() -> None:
    rule = resource(
        "aws_vpc_security_group_ingress_rule.r",
        {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_ipv4": "0.0.0.0/0",
         "security_group_id": "sg-0123abcd", "tags": {"team": "a"}},
    )  # fmt: skip
    result = judged(plan([rule]))
    assert {f.group_id for f in result.violations} == {"sg-0123abcd"}
    assert all(f.rule is not None and f.rule.tags == (("team", "a"),) for f in result.violations)


@pytest.mark.parametrize(
    ("doc", "words"),
    [
        ([], "not a Terraform plan (is it a snapshot"),
        ("text", "expected a Terraform plan object"),
        ({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {}}, "CloudFormation template"),
        ({"format_version": "1.0", "values": {}}, "a Terraform state: no planned_values"),
        ({"planned_values": {}}, "no format_version"),
        ({"format_version": "2.0", "planned_values": {}}, "is not 1.x"),
        ({"format_version": "1.2", "planned_values": {}, "errored": True}, "the plan errored"),
    ],
)
def test_a_document_that_is_not_a_plan_is_refused_with_what_it_is(doc: Any, words: str) -> None:
    with pytest.raises(InputError) as caught:
        read_plan(doc, "in.json")
    assert words in str(caught.value)
    assert caught.value.hint


@pytest.mark.parametrize(
    ("values", "path"),
    [
        (
            {"ingress": [{**ingress(22, "0.0.0.0/0"), "cidr_blocks": ["999.1.1.1/8"]}]},
            "ingress[0].cidr_blocks[0]",
        ),
        ({"ingress": [{**ingress(22, "0.0.0.0/0"), "from_port": 70000}]}, "from_port"),
        ({"ingress": [{**ingress(22, "0.0.0.0/0"), "protocol": "bogus"}]}, "protocol"),
        ({"ingress": "all"}, "ingress"),
        ({"tags": {"a": 1}}, "tags"),
        # EC2 refuses it; read as an interval it would reach nothing and pass
        ({"ingress": [{**ingress(22, "0.0.0.0/0"), "from_port": 25, "to_port": 20}]}, "to_port"),
    ],
)
def test_hostile_values_are_refused_with_their_path(values: dict[str, Any], path: str) -> None:
    doc = plan([resource("aws_security_group.x", {"name": "x", **values})])
    with pytest.raises(InputError) as caught:
        read_plan(json.loads(json.dumps(doc)), "in.json")
    assert "planned_values.root_module.resources[0]" in str(caught.value)
    assert path.partition("[")[0] in str(caught.value)


def test_modules_nested_without_bound_are_refused() -> None:
    module: dict[str, Any] = {"address": "module.m", "resources": []}
    top = module
    for _ in range(40):
        inner: dict[str, Any] = {"address": top["address"] + ".module.m", "resources": []}
        top["child_modules"] = [inner]
        top = inner
    with pytest.raises(InputError, match="nested deeper"):
        read_plan(plan([], children=[module]), "in.json")


def test_module_outputs_naming_each_other_without_end_are_followed_within_a_bound() -> None:
    # Each module's output names the next module's output under two indices: followed
    # naively, 2^30 paths.
    module: dict[str, Any] = {"resources": [], "outputs": {}}
    top = module
    for _ in range(30):
        inner: dict[str, Any] = {"resources": [], "outputs": {}}
        top["outputs"]["o"] = {"expression": {"references": ["module.m.o", "module.m[0].o"]}}
        top["module_calls"] = {"m": {"source": "./m", "module": inner}}
        top = inner
    rule = resource(
        "aws_vpc_security_group_ingress_rule.r",
        {"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "cidr_ipv4": "0.0.0.0/0"},
    )
    doc = plan(
        [rule],
        changes=[change("aws_vpc_security_group_ingress_rule.r", ["create"],
                        {"security_group_id": True})],
        config=[config_resource("aws_vpc_security_group_ingress_rule.r",
                                {"security_group_id": {"references": ["module.m.o"]}})],
        module_calls={"m": {"source": "./m", "module": module}},
    )  # fmt: skip
    (item,) = read_plan(doc, "p").estate.unresolved
    assert item.attribute.endswith("security_group_id")


def test_the_same_address_twice_is_refused() -> None:
    group = resource("aws_security_group.x", {"name": "x"})
    with pytest.raises(InputError, match="appears twice"):
        read_plan(plan([group, dict(group)]), "in.json")


def _inline_peer_plan(ingress_refs: list[str]) -> dict[str, Any]:
    block = {**ingress(22), "security_groups": None}
    del block["security_groups"]  # unknown: absent from the planned values
    return plan(
        [resource("aws_security_group.lb", {"name": "lb"}),
         resource("aws_security_group.web", {"name": "web", "ingress": [block]})],
        changes=[change("aws_security_group.web", ["create"],
                        {"ingress": [{"security_groups": True}], "id": True}),
                 change("aws_security_group.lb", ["create"], {"id": True})],
        config=[config_resource("aws_security_group.lb", {}),
                config_resource("aws_security_group.web",
                                {"ingress": {"references": ingress_refs}})],
    )  # fmt: skip


def test_an_inline_block_naming_another_group_of_the_plan_gets_it_as_its_peer() -> None:
    estate = read_plan(
        _inline_peer_plan(["aws_security_group.lb.id", "aws_security_group.lb"]), "p"
    ).estate
    web = next(g for g in estate.snapshot.groups if g.group_id == "aws_security_group.web")
    assert [r.peer.value for r in web.rules] == ["aws_security_group.lb"]
    assert estate.unresolved == ()


def test_an_expression_naming_more_than_groups_of_the_plan_is_not_guessed() -> None:
    # coalesce(var.admin_group, aws_security_group.lb.id): either may be the peer
    refs = ["var.admin_group", "aws_security_group.lb.id", "aws_security_group.lb"]
    estate = read_plan(_inline_peer_plan(refs), "p").estate
    web = next(g for g in estate.snapshot.groups if g.group_id == "aws_security_group.web")
    assert web.rules == ()
    (item,) = estate.unresolved
    assert item.attribute == "ingress[0].security_groups"
