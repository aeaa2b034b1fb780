"""Any template built from a small grammar of CloudFormation (parameters, conditions that may
refer to each other, groups, standalone rules, prefix lists, every intrinsic function, right
or wrong) is read into an estate or refused with an InputError: never another exception. Its
YAML and JSON forms read alike, and what is read holds together."""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sgcompliance.errors import InputError
from sgcompliance.sources.cloudformation import read_template
from sgcompliance.sources.code_estate import CodeEstate

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PARAMETERS = ("P0", "P1")
CONDITIONS = ("C0", "C1", "C2")
GROUPS = ("G0", "G1")
NAMES = (*PARAMETERS, *GROUPS, "Pl", "Rule", "AWS::Region", "AWS::NoValue", "Nope")
WORDS = st.sampled_from(
    ["tcp", "udp", "-1", "6", "icmp", "0.0.0.0/0", "::/0", "10.0.0.0/8", "sg-1", "pl-1", "22",
     "G0", "a,b", "", "prod", "${P0}", "${G0}", "${G0.GroupId}", "x.y", "10.0.0.0/16", "IPv4"]
)  # fmt: skip
ATTRIBUTES = st.sampled_from(["GroupId", "VpcId", "PrefixListId"])
TARGETS = st.sampled_from([{"Ref": "G0"}, {"Fn::GetAtt": ["G1", "GroupId"]}, "sg-9"])
PARAMETER_TYPES = st.sampled_from(
    ["String", "Number", "CommaDelimitedList", "AWS::SSM::Parameter::Value<String>"]
)
LEAVES = st.one_of(WORDS, st.integers(-2, 70_000), st.booleans(), st.none())


def intrinsics(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    names = st.sampled_from(NAMES)
    conditions = st.sampled_from((*CONDITIONS, "Nope"))
    lists = st.lists(values, max_size=3)
    return st.one_of(
        st.builds(lambda n: {"Ref": n}, names),
        st.builds(lambda n, a: {"Fn::GetAtt": [n, a]}, names, ATTRIBUTES),
        st.builds(lambda s: {"Fn::Sub": s}, WORDS),
        st.builds(lambda s, v: {"Fn::Sub": [s, {"P0": v}]}, WORDS, values),
        st.builds(lambda c, a, b: {"Fn::If": [c, a, b]}, conditions, values, values),
        st.builds(lambda d, items: {"Fn::Join": [d, items]}, WORDS, lists),
        st.builds(lambda i, items: {"Fn::Select": [i, items]}, st.integers(-1, 3), lists),
        st.builds(lambda d, s: {"Fn::Split": [d, s]}, WORDS, values),
        st.builds(lambda a, b: {"Fn::FindInMap": ["M", a, b]}, WORDS, values),
        st.builds(lambda v: {"Fn::ImportValue": v}, values),
        st.just({"Fn::GetAZs": ""}),
        st.builds(lambda v: {"Fn::Base64": v}, values),
        st.builds(lambda b, n, s: {"Fn::Cidr": [b, n, s]}, WORDS, st.integers(0, 300), values),
        st.builds(lambda a, b: {"Fn::Equals": [a, b]}, values, values),
        st.builds(lambda v: {"Fn::Nope": v}, values),
        st.builds(lambda v: {"Fn::Length": v}, values),
    )  # fmt: skip


VALUES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        intrinsics(inner),
        st.lists(inner, max_size=3),
        st.dictionaries(st.sampled_from(["Cidr", "Key", "Value", "a"]), inner, max_size=2),
    ),
    max_leaves=8,
)
# A value as written where a scalar is expected: mostly leaves, sometimes a function.
SCALARS = st.one_of(LEAVES, LEAVES, intrinsics(LEAVES))

RULE_FIELDS = (
    "IpProtocol", "FromPort", "ToPort", "CidrIp", "CidrIpv6", "SourcePrefixListId",
    "SourceSecurityGroupId", "SourceSecurityGroupOwnerId", "DestinationPrefixListId",
    "DestinationSecurityGroupId", "Description",
)  # fmt: skip
PEERS = st.sampled_from(
    [("CidrIp", "0.0.0.0/0"), ("CidrIp", "10.0.0.0/8"), ("CidrIpv6", "::/0"),
     ("SourceSecurityGroupId", {"Ref": "G0"}), ("SourceSecurityGroupId", "sg-1"),
     ("DestinationSecurityGroupId", {"Fn::GetAtt": ["G1", "GroupId"]}),
     ("SourcePrefixListId", {"Ref": "Pl"}), ("DestinationPrefixListId", "pl-1"),
     ("CidrIp", {"Fn::If": ["C0", "0.0.0.0/0", "10.0.0.0/8"]}), ("CidrIp", {"Ref": "P0"}),
     ("CidrIp", {"Fn::ImportValue": "shared"})]
)  # fmt: skip
PORTS = st.sampled_from(
    [{"FromPort": 22, "ToPort": 22}, {"FromPort": 0, "ToPort": 65535}, {}, {"FromPort": "-1"}]
)
# An entry as a template would write it, then perhaps one field written anyhow.
WELL_FORMED = st.builds(
    lambda protocol, ports, peer: {"IpProtocol": protocol, **ports, peer[0]: peer[1]},
    st.sampled_from(["tcp", "-1", 6, "udp", "icmp"]),
    PORTS,
    PEERS,
)
ENTRIES = st.one_of(
    WELL_FORMED,
    WELL_FORMED,
    st.builds(lambda e, k, v: {**e, k: v}, WELL_FORMED, st.sampled_from(RULE_FIELDS), SCALARS),
    intrinsics(WELL_FORMED),
)
PROPERTY_VALUES = st.one_of(st.lists(ENTRIES, max_size=3), SCALARS)


def groups() -> st.SearchStrategy[dict[str, Any]]:
    """A group as a template would write it (twice as often), or one written anyhow."""
    tags = st.lists(st.fixed_dictionaries({"Key": WORDS, "Value": SCALARS}), max_size=2)
    well_formed = st.fixed_dictionaries(
        {
            "GroupDescription": WORDS,
            "SecurityGroupIngress": st.lists(ENTRIES, min_size=1, max_size=3),
        },
        optional={"SecurityGroupEgress": st.lists(ENTRIES, max_size=2), "Tags": tags},
    )
    anyhow = st.fixed_dictionaries(
        {},
        optional={
            "GroupDescription": SCALARS,
            "GroupName": SCALARS,
            "Tags": st.one_of(tags, VALUES),
            "SecurityGroupIngress": PROPERTY_VALUES,
            "SecurityGroupEgress": PROPERTY_VALUES,
        },
    )
    return st.fixed_dictionaries(
        {
            "Type": st.just("AWS::EC2::SecurityGroup"),
            "Properties": st.one_of(well_formed, well_formed, anyhow),
        },
        optional={"Condition": st.sampled_from(CONDITIONS)},
    )


def standalone() -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda kind, target, entry, condition: {
            "Type": kind,
            **({"Condition": condition} if condition else {}),
            "Properties": {**entry, "GroupId": target} if isinstance(entry, dict) else entry,
        },
        st.sampled_from(["AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"]),
        st.one_of(TARGETS, SCALARS),
        ENTRIES,
        st.sampled_from([None, *CONDITIONS]),
    )  # fmt: skip


def templates() -> st.SearchStrategy[dict[str, Any]]:
    parameter = st.fixed_dictionaries(
        {"Type": PARAMETER_TYPES},
        optional={"Default": st.one_of(WORDS, st.integers(0, 99))},
    )  # fmt: skip
    operands = st.one_of(
        st.sampled_from([{"Ref": "P0"}, {"Ref": "AWS::Region"}, "prod", "22", "eu-west-1"]),
        SCALARS,
    )
    equals = st.builds(lambda a, b: {"Fn::Equals": [a, b]}, operands, operands)

    def condition_bodies(later: tuple[str, ...]) -> st.SearchStrategy[Any]:
        """Mostly conditions naming only later ones; now and then any (a cycle, perhaps)."""
        names = st.sampled_from(later) if later else st.nothing()
        anyone = st.sampled_from((*CONDITIONS, "Nope"))
        leaves = st.one_of(
            equals,
            equals,
            st.builds(lambda c: {"Condition": c}, names),
            st.builds(lambda c: {"Condition": c}, anyone),
        )
        return st.recursive(
            leaves,
            lambda inner: st.one_of(
                st.builds(lambda c: {"Fn::Not": [c]}, inner),
                st.builds(lambda cs: {"Fn::And": cs}, st.lists(inner, min_size=2, max_size=3)),
                st.builds(lambda cs: {"Fn::Or": cs}, st.lists(inner, min_size=2, max_size=3)),
            ),
            max_leaves=4,
        )

    conditions = {name: condition_bodies(CONDITIONS[i + 1 :]) for i, name in enumerate(CONDITIONS)}
    cidrs = st.one_of(st.sampled_from(["10.0.0.0/8", "0.0.0.0/0", "::/0"]), SCALARS)
    prefix_list = st.builds(
        lambda family, entries: {
            "Type": "AWS::EC2::PrefixList",
            "Properties": {"AddressFamily": family, "MaxEntries": 2, "Entries": entries},
        },
        st.sampled_from(["IPv4", "IPv4", "IPv6", "IPv5"]),
        st.lists(st.fixed_dictionaries({"Cidr": cidrs}), max_size=2),
    )
    return st.fixed_dictionaries(
        {
            "Parameters": st.fixed_dictionaries(dict.fromkeys(PARAMETERS, parameter)),
            "Mappings": st.just({"M": {"tcp": {"22": "10.0.0.0/8"}}}),
            "Conditions": st.fixed_dictionaries(conditions),
            "Resources": st.fixed_dictionaries(
                {"G0": groups()},
                optional={"G1": groups(), "Pl": prefix_list, "Rule": standalone()},
            ),
        }
    )


GIVEN = st.dictionaries(
    st.sampled_from([*PARAMETERS, "AWS::Region"]), st.sampled_from(["prod", "22", "eu-west-1"])
)


class _Dumper(yaml.SafeDumper):
    """Writes every value out in full: the strategies share objects, which YAML would alias."""

    def ignore_aliases(self, _data: Any) -> bool:
        return True


def outcome(text: str, source: str, parameters: dict[str, str]) -> CodeEstate | str:
    """The estate read, or the refusal's message without its source."""
    try:
        return read_template(text, source, parameters)
    except InputError as exc:
        return str(exc).removeprefix(f"{source}: ")


@SETTINGS
@given(templates(), GIVEN)
def test_any_template_is_read_or_refused_with_an_input_error(
    template: dict[str, Any], parameters: dict[str, str]
) -> None:
    # WHEN the template is read as JSON  THEN it is an estate or an InputError (nothing else)
    read = outcome(json.dumps(template), "t.json", parameters)
    if isinstance(read, str):
        return
    # AND what is read holds together: rule ids are unique and each rule is in its group
    rule_ids = [rule.rule_id for group in read.snapshot.groups for rule in group.rules]
    assert len(rule_ids) == len(set(rule_ids))
    for group in read.snapshot.groups:
        assert all(rule.group_id == group.group_id for rule in group.rules)
        assert group.group_id in read.locations
    assert all(unknown.reason for unknown in read.unresolved)


@SETTINGS
@given(templates(), GIVEN)
def test_yaml_and_json_forms_of_any_template_read_alike(
    template: dict[str, Any], parameters: dict[str, str]
) -> None:
    from_json = outcome(json.dumps(template), "t", parameters)
    from_yaml = outcome(yaml.dump(template, Dumper=_Dumper, sort_keys=False), "t", parameters)
    if isinstance(from_json, str) or isinstance(from_yaml, str):
        assert from_json == from_yaml
        return
    assert from_json.snapshot == from_yaml.snapshot
    assert [(u.address, u.attribute, u.reason, u.rule) for u in from_json.unresolved] == [
        (u.address, u.attribute, u.reason, u.rule) for u in from_yaml.unresolved
    ]
