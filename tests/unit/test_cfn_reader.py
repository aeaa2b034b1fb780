"""A CloudFormation template becomes the security groups its stack would hold: inline entries,
standalone rule resources, template prefix lists, the default egress AWS adds, conditions and
parameters resolved, and what only a deployed stack knows reported, never judged."""

from __future__ import annotations

import json
import textwrap
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sgcompliance import evaluate, load_policy
from sgcompliance.engine.model import Direction, PeerKind, SecurityGroup
from sgcompliance.errors import DocumentLimitError, InputError
from sgcompliance.sources.cloudformation import load_template, read_template
from sgcompliance.sources.code_estate import UNKNOWN_PEER, CodeEstate, CodeKind, SourceLocation

FIXTURES = Path(__file__).parents[1] / "fixtures" / "cloudformation"
WEB_YAML = FIXTURES / "web.yaml"
WEB_JSON = FIXTURES / "web.json"
SG = "AWS::EC2::SecurityGroup"
INGRESS = "AWS::EC2::SecurityGroupIngress"
EGRESS = "AWS::EC2::SecurityGroupEgress"


def read(text: str, **parameters: str) -> CodeEstate:
    return read_template(textwrap.dedent(text), "template.yaml", parameters)


def read_doc(doc: dict[str, Any], **parameters: str) -> CodeEstate:
    return read_template(json.dumps(doc), "template.json", parameters)


def group(estate: CodeEstate, group_id: str) -> SecurityGroup:
    (found,) = [g for g in estate.snapshot.groups if g.group_id == group_id]
    return found


def rules(estate: CodeEstate, group_id: str) -> list[str]:
    """Each rule of a group as `<rule id>: <direction ports peer>`."""
    return [f"{r.rule_id}: {r.describe()}" for r in group(estate, group_id).rules]


def sg(*ingress: dict[str, Any], **properties: Any) -> dict[str, Any]:
    props: dict[str, Any] = {"GroupDescription": "g", **properties}
    if ingress:
        props["SecurityGroupIngress"] = list(ingress)
    return {"Type": "AWS::EC2::SecurityGroup", "Properties": props}


def app(*ingress: Any, **properties: Any) -> dict[str, Any]:
    """A template of one group, App."""
    return {"Resources": {"App": sg(*ingress, **properties)}}


def tcp(port: int, **peer: Any) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, **peer}


DEFAULT_EGRESS = [
    "App/default-egress-ipv4: egress all traffic to 0.0.0.0/0",
    "App/default-egress-ipv6: egress all traffic to ::/0",
]


# --- the fixture ---------------------------------------------------------------------------------


def test_the_web_template_holds_the_groups_its_stack_would() -> None:
    # WHEN the fixture is read with its defaults
    estate = load_template(WEB_YAML, {})
    # THEN the groups, in template order, hold the rules AWS would create
    assert estate.kind is CodeKind.CLOUDFORMATION
    assert [g.group_id for g in estate.snapshot.groups] == ["WebSg", "DbSg"]
    assert rules(estate, "WebSg") == [
        "WebSg/SecurityGroupIngress[0]: ingress tcp 443 from 0.0.0.0/0",
        "WebSg/SecurityGroupIngress[1]: ingress tcp 20-25 from 0.0.0.0/0",
        "WebSg/SecurityGroupIngress[2]: ingress all traffic from ::/0",
        "WebSg/SecurityGroupIngress[3]: ingress tcp 22 from 198.51.100.0/24",
        "WebSg/default-egress-ipv4: egress all traffic to 0.0.0.0/0",
        "WebSg/default-egress-ipv6: egress all traffic to ::/0",
        "WebSg/DnsOut: egress udp 53 to 0.0.0.0/0",
    ]
    assert rules(estate, "DbSg") == [
        "DbSg/SecurityGroupEgress[0]: egress tcp 443 to WorldList",
        "DbSg/DbFromWeb: ingress tcp 5432 from WebSg",
    ]
    web = group(estate, "WebSg")
    assert (web.name, web.description, web.vpc_id) == ("web-dev", "Web servers", "vpc-0a1b2c3d")
    assert dict(web.tags) == {"team": "web", "aws:cloudformation:logical-id": "WebSg"}
    assert group(estate, "DbSg").description == "Database dev"
    assert estate.snapshot.prefix_lists == {"WorldList": ("0.0.0.0/1", "128.0.0.0/1")}
    # AND the values only a deployed stack knows are reported, with what is known of the rule
    assert [(u.address, u.attribute) for u in estate.unresolved] == [
        ("WebSg", "SecurityGroupIngress[4].CidrIp"),
        ("DbSg", "SecurityGroupEgress[1].CidrIp"),
    ]
    region, imported = estate.unresolved
    assert "condition InIreland" in region.reason
    assert "AWS::Region" in region.reason
    assert imported.reason.startswith("Fn::ImportValue 'shared-replica-cidr' is known only in")
    assert imported.rule is not None
    assert imported.rule.describe() == f"egress tcp 5432 to {UNKNOWN_PEER}"


def test_yaml_and_json_forms_give_the_same_estate() -> None:
    # GIVEN the fixture in YAML (short forms) and in JSON (long forms)
    from_yaml = load_template(WEB_YAML, {"Env": "prod"})
    from_json = load_template(WEB_JSON, {"Env": "prod"})
    # THEN they hold the same groups and unknowns; only the lines differ
    assert from_yaml.snapshot == from_json.snapshot
    assert [replace(u, location=None) for u in from_yaml.unresolved] == [
        replace(u, location=None) for u in from_json.unresolved
    ]
    assert from_yaml.locations.keys() == from_json.locations.keys()


def test_locations_are_the_lines_of_resources_and_entries() -> None:
    estate = load_template(WEB_YAML, {})
    lines = WEB_YAML.read_text().splitlines()

    def line_of(key: str) -> int:
        return estate.locations[key].line

    # THEN a group is at its logical id, an entry at its first line, a standalone rule at its id
    assert lines[line_of("WebSg") - 1] == "  WebSg:"
    assert lines[line_of("WebSg/SecurityGroupIngress[1]") - 1].strip() == "- IpProtocol: tcp"
    assert "FromPort: 20" in lines[line_of("WebSg/SecurityGroupIngress[1]")]
    assert lines[line_of("WebSg/SecurityGroupIngress[2]") - 1].strip() == "- !If"
    assert lines[line_of("WebSg/DnsOut") - 1] == "  DnsOut:"
    assert lines[line_of("WebSg/default-egress-ipv4") - 1] == "  WebSg:"
    assert all(loc.file == str(WEB_YAML) for loc in estate.locations.values())
    # AND an unknown is where its entry is
    location = estate.unresolved[1].location
    assert location is not None
    assert lines[location.line - 1].strip() == "- IpProtocol: tcp"
    assert "5432" in lines[location.line]


def test_json_lines_are_found_too() -> None:
    estate = load_template(WEB_JSON, {})
    lines = WEB_JSON.read_text().splitlines()
    assert lines[estate.locations["DbSg"].line - 1].strip() == '"DbSg": {'
    entry = estate.locations["WebSg/SecurityGroupIngress[1]"].line
    assert lines[entry - 1].strip() == "{"
    assert '"FromPort": 20' in lines[entry + 1]


def test_the_source_is_named_as_given() -> None:
    estate = read_template(WEB_YAML.read_text(), "infra/web.yaml", {})
    assert {loc.file for loc in estate.locations.values()} == {"infra/web.yaml"}
    assert estate.locations["WebSg"] == SourceLocation("infra/web.yaml", 27)


# --- what the engine makes of it -----------------------------------------------------------------


def test_engine_findings_on_the_web_template() -> None:
    # GIVEN the fixture judged by the strict pack
    estate = load_template(WEB_YAML, {})
    result = evaluate(load_policy("builtin:strict"), [estate.snapshot], today=date(2026, 1, 1))
    found = {(f.check_id, f.rule_id) for f in result.violations}
    # THEN SSH from the world is found inside the range 20-25 and in all traffic from ::/0
    assert ("CIS-5.2", "WebSg/SecurityGroupIngress[1]") in found
    assert ("EC2.13", "WebSg/SecurityGroupIngress[1]") in found
    assert ("CIS-5.2", "WebSg/SecurityGroupIngress[2]") not in found  # 5.2 is IPv4 only
    assert any(rule == "WebSg/SecurityGroupIngress[2]" for _, rule in found)
    # AND HTTPS from the world and SSH from the office are not SSH findings
    assert not any(
        rule in ("WebSg/SecurityGroupIngress[0]", "WebSg/SecurityGroupIngress[3]")
        and check in ("CIS-5.2", "EC2.13")
        for check, rule in found
    )
    # AND no unknown rule is judged
    judged = {rule for _, rule in found}
    assert not judged & {"WebSg/SecurityGroupIngress[4]", "DbSg/SecurityGroupEgress[1]"}


def test_in_prod_rdp_from_the_world_is_found() -> None:
    estate = load_template(WEB_YAML, {"Env": "prod", "AWS::Region": "eu-west-1"})
    result = evaluate(load_policy("builtin:cis-aws"), [estate.snapshot], today=date(2026, 1, 1))
    flagged = {(f.check_id, f.rule_id) for f in result.violations}
    assert ("CIS-5.2", "WebSg/ProdOnly") in flagged
    # AND the admin console is private in Ireland: nothing left unknown but the import
    assert [u.attribute for u in estate.unresolved] == ["SecurityGroupEgress[1].CidrIp"]
    assert "WebSg/SecurityGroupIngress[4]: ingress tcp 8443 from 10.0.0.0/8" in rules(
        estate, "WebSg"
    )


# --- resources -----------------------------------------------------------------------------------


def test_a_group_without_egress_gets_the_default_egress_rules() -> None:
    estate = read_doc(app(tcp(443, CidrIp="10.0.0.0/8")))
    assert rules(estate, "App")[1:] == DEFAULT_EGRESS
    default = group(estate, "App").rules[1]
    assert (default.direction, default.protocol, default.peer.kind) == (
        Direction.EGRESS,
        "all",
        PeerKind.IPV4,
    )


def test_an_empty_egress_list_keeps_the_default() -> None:
    estate = read_doc(app(SecurityGroupEgress=[]))
    assert rules(estate, "App") == DEFAULT_EGRESS


def test_declared_egress_replaces_the_default() -> None:
    estate = read_doc(app(SecurityGroupEgress=[tcp(443, CidrIp="10.0.0.0/8")]))
    assert rules(estate, "App") == ["App/SecurityGroupEgress[0]: egress tcp 443 to 10.0.0.0/8"]


def test_a_standalone_egress_rule_does_not_remove_the_default() -> None:
    estate = read_doc(
        {
            "Resources": {
                "App": sg(),
                "Out": {
                    "Type": "AWS::EC2::SecurityGroupEgress",
                    "Properties": {"GroupId": {"Ref": "App"}, **tcp(443, CidrIp="10.0.0.0/8")},
                },
            }
        }
    )
    assert rules(estate, "App") == [*DEFAULT_EGRESS, "App/Out: egress tcp 443 to 10.0.0.0/8"]


def test_egress_that_cannot_be_decided_is_reported_without_a_default() -> None:
    estate = read(
        """
        Conditions:
          Here: !Equals [!Ref "AWS::Region", us-east-1]
        Resources:
          App:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: g
              SecurityGroupEgress: !If [Here, [], !Ref "AWS::NoValue"]
        """
    )
    assert rules(estate, "App") == []
    (unknown,) = estate.unresolved
    assert (unknown.address, unknown.attribute) == ("App", "SecurityGroupEgress")
    assert "condition Here" in unknown.reason


@pytest.mark.parametrize(
    ("target", "expected_group"),
    [
        ({"Ref": "App"}, "App"),
        ({"Fn::GetAtt": ["App", "GroupId"]}, "App"),
        ("sg-0123456789abcdef0", "sg-0123456789abcdef0"),
    ],
)
def test_a_standalone_ingress_attaches_to_the_group_it_names(
    target: object, expected_group: str
) -> None:
    estate = read_doc(
        {
            "Resources": {
                "App": sg(SecurityGroupEgress=[tcp(443, CidrIp="10.0.0.0/8")]),
                "Ssh": {
                    "Type": "AWS::EC2::SecurityGroupIngress",
                    "Properties": {"GroupId": target, **tcp(22, CidrIp="0.0.0.0/0")},
                },
            }
        }
    )
    assert f"{expected_group}/Ssh: ingress tcp 22 from 0.0.0.0/0" in rules(estate, expected_group)
    assert estate.locations[f"{expected_group}/Ssh"].line == 1  # JSON on one line


def test_a_standalone_rule_by_group_name() -> None:
    estate = read(
        """
        Resources:
          App: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: g}}
          Web:
            Type: AWS::EC2::SecurityGroupIngress
            Properties: {GroupName: !Ref App, IpProtocol: tcp, FromPort: 80, ToPort: 80,
                         CidrIp: 0.0.0.0/0}
        """
    )
    assert "App/Web: ingress tcp 80 from 0.0.0.0/0" in rules(estate, "App")
    assert estate.locations["App/Web"].line == 4


def test_a_standalone_rule_whose_group_is_unknown_is_reported() -> None:
    estate = read_doc(
        {
            "Resources": {
                "Ssh": {
                    "Type": "AWS::EC2::SecurityGroupIngress",
                    "Properties": {
                        "GroupId": {"Fn::ImportValue": "shared-sg"},
                        **tcp(22, CidrIp="0.0.0.0/0"),
                    },
                }
            }
        }
    )
    assert estate.snapshot.groups == ()
    (unknown,) = estate.unresolved
    assert (unknown.address, unknown.attribute) == ("Ssh", "GroupId")
    assert "'shared-sg'" in unknown.reason


def test_peers_of_every_kind() -> None:
    estate = read(
        """
        Resources:
          App:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: g
              SecurityGroupIngress:
                - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIpv6: "2001:db8::/32"}
                - {IpProtocol: tcp, FromPort: 22, ToPort: 22, SourcePrefixListId: pl-0abc}
                - {IpProtocol: tcp, FromPort: 22, ToPort: 22, SourcePrefixListId: !Ref Pl}
                - {IpProtocol: tcp, FromPort: 22, ToPort: 22, SourceSecurityGroupId: !Ref App}
                - IpProtocol: tcp
                  FromPort: 22
                  ToPort: 22
                  SourceSecurityGroupId: sg-0aaa
                  SourceSecurityGroupOwnerId: "111122223333"
                - {IpProtocol: tcp, FromPort: 22, ToPort: 22, SourceSecurityGroupName: legacy}
              SecurityGroupEgress:
                - {IpProtocol: tcp, FromPort: 443, ToPort: 443, DestinationSecurityGroupId: sg-0b}
                - {IpProtocol: tcp, FromPort: 443, ToPort: 443, DestinationPrefixListId: !Ref Pl}
          Pl:
            Type: AWS::EC2::PrefixList
            Properties:
              AddressFamily: IPv6
              MaxEntries: 1
              Entries: [{Cidr: "::/0", Description: everything}]
        """
    )
    peers = [(r.peer.kind, str(r.peer)) for r in group(estate, "App").rules]
    assert peers == [
        (PeerKind.IPV6, "2001:db8::/32"),
        (PeerKind.PREFIX_LIST, "pl-0abc"),
        (PeerKind.PREFIX_LIST, "Pl"),
        (PeerKind.GROUP, "App"),
        (PeerKind.GROUP, "111122223333/sg-0aaa"),
        (PeerKind.GROUP, "legacy"),
        (PeerKind.GROUP, "sg-0b"),
        (PeerKind.PREFIX_LIST, "Pl"),
    ]
    assert estate.snapshot.prefix_lists == {"Pl": ("::/0",)}


@pytest.mark.parametrize(
    ("protocol", "ports", "expected"),
    [
        ("tcp", (22, 22), "tcp 22"),
        ("6", ("22", "23"), "tcp 22-23"),
        (17, (53, 53), "udp 53"),
        ("icmp", (-1, -1), "icmp"),
        ("-1", (None, None), "all traffic"),
        (-1, (-1, -1), "all traffic"),
        ("50", (None, None), "protocol 50"),
    ],
)
def test_protocols_by_name_and_number(
    protocol: object, ports: tuple[Any, Any], expected: str
) -> None:
    entry: dict[str, Any] = {"IpProtocol": protocol, "CidrIp": "10.0.0.0/8"}
    if ports[0] is not None:
        entry |= {"FromPort": ports[0], "ToPort": ports[1]}
    estate = read_doc(app(entry))
    (rule, *_) = group(estate, "App").rules
    assert rule.describe().startswith(f"ingress {expected}")


def test_a_prefix_list_with_unknown_entries_leaves_its_rules_unknown() -> None:
    estate = read(
        """
        Resources:
          Pl:
            Type: AWS::EC2::PrefixList
            Properties:
              AddressFamily: IPv4
              MaxEntries: 1
              Entries: [{Cidr: !ImportValue office-cidr}]
          App:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: g
              SecurityGroupIngress:
                - {IpProtocol: tcp, FromPort: 22, ToPort: 22, SourcePrefixListId: !Ref Pl}
        """
    )
    assert estate.snapshot.prefix_lists == {}
    (unknown,) = estate.unresolved
    assert unknown.attribute == "SecurityGroupIngress[0].SourcePrefixListId"
    assert "prefix list Pl" in unknown.reason
    assert "office-cidr" in unknown.reason


def test_other_resources_are_left_alone() -> None:
    estate = read_doc(
        {"Resources": {"Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"Cidr": {"Fn::Nope": 1}}}}}
    )
    assert estate.snapshot.groups == ()
    assert estate.unresolved == ()


# --- conditions and parameters -------------------------------------------------------------------

CONDITIONAL = """
    Parameters:
      Env: {Type: String, Default: dev}
    Conditions:
      IsProd: !Equals [!Ref Env, prod]
      Here: !Equals [!Ref "AWS::Region", eu-west-1]
    Resources:
      App:
        Type: AWS::EC2::SecurityGroup
        Condition: IsProd
        Properties: {GroupDescription: g}
      Maybe:
        Type: AWS::EC2::SecurityGroup
        Condition: Here
        Properties: {GroupDescription: g}
    """


def test_a_resource_whose_condition_is_false_is_not_created() -> None:
    estate = read(CONDITIONAL, **{"AWS::Region": "us-east-1"})
    assert estate.snapshot.groups == ()
    assert estate.unresolved == ()


def test_parameters_given_override_the_defaults() -> None:
    estate = read(CONDITIONAL, Env="prod", **{"AWS::Region": "eu-west-1"})
    assert [g.group_id for g in estate.snapshot.groups] == ["App", "Maybe"]
    assert estate.snapshot.region == "eu-west-1"


def test_a_resource_whose_condition_cannot_be_decided_is_reported() -> None:
    estate = read(CONDITIONAL)
    assert [g.group_id for g in estate.snapshot.groups] == []
    (unknown,) = estate.unresolved
    assert (unknown.address, unknown.attribute) == ("Maybe", "Condition")
    assert unknown.location == SourceLocation("template.yaml", 12)
    assert "AWS::Region" in unknown.reason


def test_a_parameter_without_default_is_unknown_until_given() -> None:
    text = """
        Parameters:
          Cidr: {Type: String}
        Resources:
          App:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: g
              SecurityGroupIngress: [{IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref Cidr}]
        """
    (unknown,) = read(text).unresolved
    assert "--parameters Cidr=VALUE" in unknown.reason
    assert rules(read(text, Cidr="10.1.0.0/16"), "App")[0].endswith("from 10.1.0.0/16")


def test_stack_name_and_account_given_as_pseudo_parameters() -> None:
    estate = read_doc(app(), **{"AWS::StackName": "web", "AWS::AccountId": "111122223333"})
    assert estate.snapshot.account_id == "111122223333"
    assert group(estate, "App").tags["aws:cloudformation:stack-name"] == "web"


def test_a_tag_whose_value_is_unknown_is_reported() -> None:
    estate = read(
        """
        Resources:
          App:
            Type: AWS::EC2::SecurityGroup
            Properties:
              GroupDescription: g
              Tags: [{Key: owner, Value: !ImportValue team}, {Key: env, Value: dev}]
        """
    )
    assert dict(group(estate, "App").tags) == {
        "env": "dev",
        "aws:cloudformation:logical-id": "App",
    }
    assert [u.attribute for u in estate.unresolved] == ["Tags[0]"]


# --- refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([1, 2], "expected a CloudFormation template"),
        ({"format_version": "1.2", "planned_values": {}}, "Terraform plan"),
        ({"AWSTemplateFormatVersion": "2010-09-09"}, "no Resources"),
        ({"Resources": {"App": "sg"}}, "a resource is an object"),
        ({"Resources": {"App": {"Properties": {}}}}, "needs a Type"),
        ({"Resources": {"App": {"Type": SG, "Properties": []}}}, "Properties must be an object"),
        (app(SecurityGroupIngress="tcp 22"), "a list of rules is expected"),
        (app("tcp 22"), "a rule is an object"),
        (app(tcp(22, CidrIP="0.0.0.0/0")), "unknown property 'CidrIP'"),
        (app(tcp(22)), "names exactly one peer"),
        (app(tcp(22, CidrIp="0.0.0.0/0", CidrIpv6="::/0")), "names exactly one peer"),
        (app(tcp(22, CidrIp="0.0.0.0/33")), "not a valid CIDR"),
        (app(tcp(22, CidrIp="::/0")), "not an IPv4 CIDR"),
        (app(tcp(70000, CidrIp="10.0.0.0/8")), "port number"),
        (app(tcp(25, ToPort=20, CidrIp="10.0.0.0/8")), "below FromPort"),
        (app({"IpProtocol": "tcpp", "CidrIp": "10.0.0.0/8"}), "unknown protocol"),
        (app({"CidrIp": "10.0.0.0/8"}), "needs an IpProtocol"),
        (app(tcp(22, CidrIp={"Fn::Nope": 1})), "unknown intrinsic function"),
        (app(tcp(22, CidrIp={"Fn::Equals": [1, 1]})), "only in Conditions"),
        (app(tcp(22, SourceSecurityGroupId="App")), "logical id of a resource"),
        (app(tcp(22, CidrIp={"Ref": "App"})), "expected a CIDR, got the id of security group App"),
        (app(GroupDescription="g", Colour="red"), "unknown property 'Colour'"),
        ({"Resources": {"R": {"Type": INGRESS, "Properties": tcp(22, CidrIp="10.0.0.0/8")}}},
         "by one of GroupId or GroupName"),
        ({"Resources": {"R": {"Type": EGRESS, "Properties": tcp(2, GroupName="g", CidrIp="::/0")}}},
         "unknown property 'GroupName'"),
    ],
)  # fmt: skip
def test_templates_that_are_wrong_are_refused_naming_where(doc: object, message: str) -> None:
    with pytest.raises(InputError, match=message) as refused:
        read_template(json.dumps(doc), "bad.json", {})
    assert str(refused.value).startswith("bad.json: $")


def test_a_refusal_names_the_logical_id_and_property_path() -> None:
    doc = app(tcp(22, CidrIp="10.0.0.0/8"), tcp(22, CidrIp="999.0.0.0/8"))
    with pytest.raises(InputError) as refused:
        read_template(json.dumps(doc), "bad.json", {})
    assert refused.value.path == "$.Resources.App.Properties.SecurityGroupIngress[1].CidrIp"


def test_a_parameter_the_template_does_not_declare_is_refused() -> None:
    with pytest.raises(InputError, match="declares no such parameter"):
        read_doc(app(), Typo="1")


def test_a_value_outside_allowed_values_is_refused() -> None:
    with pytest.raises(InputError, match="not one of its AllowedValues"):
        load_template(WEB_YAML, {"Env": "staging"})


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_template(tmp_path / "nope.yaml", {})


def test_a_template_over_the_size_limit_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.truncate(1024 * 1024 + 1)  # sparse: the size alone refuses it
    with pytest.raises(DocumentLimitError, match="template is"):
        load_template(path, {})


def test_a_condition_that_refers_to_itself_is_refused() -> None:
    text = """
        Conditions:
          A: !And [!Condition B, !Equals [1, 1]]
          B: !Not [!Condition A]
        Resources:
          App: {Type: AWS::EC2::SecurityGroup, Condition: A, Properties: {GroupDescription: g}}
        """
    with pytest.raises(InputError, match=r"condition A refers to itself \(A -> B -> A\)"):
        read(text)


def test_what_a_macro_or_a_loop_would_make_is_reported() -> None:
    estate = read(
        """
        Transform: [AWS::LanguageExtensions, CompanyFirewallMacro]
        Resources:
          App: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: g}}
          Fn::ForEach::Groups:
            - Name
            - [A, B]
            - ${Name}Sg: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: g}}
        """
    )
    assert [g.group_id for g in estate.snapshot.groups] == ["App"]
    assert [(u.address, u.attribute) for u in estate.unresolved] == [
        ("CompanyFirewallMacro", "Transform"),
        ("Fn::ForEach::Groups", "Resources"),
    ]
    assert "macro 'CompanyFirewallMacro' rewrites the template" in estate.unresolved[0].reason
