"""CloudFormation's intrinsic functions are evaluated where the template fixes their value, and
are `Unknown`, with a reason, where only a deployed stack knows it; hostile templates are
bounded."""

from __future__ import annotations

from typing import Any

import pytest

from sgcompliance.errors import InputError
from sgcompliance.sources.cfn_intrinsics import (
    MAX_NESTING,
    NO_VALUE,
    Intrinsics,
    ResourceId,
    Unknown,
)

TEMPLATE: dict[str, Any] = {
    "Parameters": {
        "Env": {"Type": "String", "Default": "dev"},
        "Port": {"Type": "Number", "Default": 22},
        "Cidrs": {"Type": "CommaDelimitedList", "Default": "10.0.0.0/8, 192.168.0.0/16"},
        "Subnets": {"Type": "List<AWS::EC2::Subnet::Id>", "Default": "subnet-1,subnet-2"},
        "NoDefault": {"Type": "String"},
        "FromSsm": {"Type": "AWS::SSM::Parameter::Value<String>", "Default": "/cidr"},
    },
    "Mappings": {"Regions": {"eu-west-1": {"Cidr": "10.1.0.0/16"}}},
    "Conditions": {
        "IsProd": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
        "IsDev": {"Fn::Not": [{"Condition": "IsProd"}]},
        "Here": {"Fn::Equals": [{"Ref": "AWS::Region"}, "eu-west-1"]},
        "ProdHere": {"Fn::And": [{"Condition": "IsProd"}, {"Condition": "Here"}]},
        "DevOrHere": {"Fn::Or": [{"Condition": "IsDev"}, {"Condition": "Here"}]},
        "ProdOrHere": {"Fn::Or": [{"Condition": "IsProd"}, {"Condition": "Here"}]},
        "PortIs22": {"Fn::Equals": ["22", {"Ref": "Port"}]},
    },
    "Resources": {
        "App": {"Type": "AWS::EC2::SecurityGroup"},
        "Pl": {"Type": "AWS::EC2::PrefixList"},
        "Vpc": {"Type": "AWS::EC2::VPC"},
    },
}


def resolve(value: object, **parameters: str) -> Any:
    return Intrinsics(TEMPLATE, parameters, "t.yaml").resolve(value, "$.x")


def decide(name: str, **parameters: str) -> bool | Unknown:
    return Intrinsics(TEMPLATE, parameters, "t.yaml").condition(name, "$.x")


def reason(value: object) -> str:
    assert isinstance(value, Unknown), value
    return value.reason


# --- Ref and parameters --------------------------------------------------------------------------


def test_ref_of_parameters() -> None:
    assert resolve({"Ref": "Env"}) == "dev"
    assert resolve({"Ref": "Env"}, Env="prod") == "prod"
    assert resolve({"Ref": "Port"}) == "22"
    assert resolve({"Ref": "Cidrs"}) == ["10.0.0.0/8", "192.168.0.0/16"]
    assert resolve({"Ref": "Subnets"}) == ["subnet-1", "subnet-2"]
    assert "--parameters NoDefault=VALUE" in reason(resolve({"Ref": "NoDefault"}))
    assert "SSM Parameter Store" in reason(resolve({"Ref": "FromSsm"}, FromSsm="/other"))


def test_ref_of_pseudo_parameters() -> None:
    assert "AWS::Region is known only when" in reason(resolve({"Ref": "AWS::Region"}))
    assert resolve({"Ref": "AWS::Region"}, **{"AWS::Region": "eu-west-1"}) == "eu-west-1"


def test_no_value_drops_the_key_or_item() -> None:
    value = {"a": {"Ref": "AWS::NoValue"}, "b": [1, {"Ref": "AWS::NoValue"}, 2]}
    assert resolve(value) == {"b": [1, 2]}
    assert resolve({"Ref": "AWS::NoValue"}) is NO_VALUE


def test_ref_of_resources() -> None:
    assert resolve({"Ref": "App"}) == ResourceId("App", "AWS::EC2::SecurityGroup")
    assert resolve({"Ref": "Pl"}) == ResourceId("Pl", "AWS::EC2::PrefixList")
    assert "Ref Vpc (AWS::EC2::VPC) is known only once" in reason(resolve({"Ref": "Vpc"}))
    assert "names no parameter or resource" in reason(resolve({"Ref": "Nope"}))


def test_get_att_in_both_forms() -> None:
    app = ResourceId("App", "AWS::EC2::SecurityGroup")
    assert resolve({"Fn::GetAtt": ["App", "GroupId"]}) == app
    assert resolve({"Fn::GetAtt": "App.GroupId"}) == app
    assert resolve({"Fn::GetAtt": ["Pl", "PrefixListId"]}) == ResourceId(
        "Pl", "AWS::EC2::PrefixList"
    )
    assert "known only once" in reason(resolve({"Fn::GetAtt": ["App", "VpcId"]}))
    assert "known only once" in reason(resolve({"Fn::GetAtt": ["Vpc", "CidrBlock"]}))
    assert "not a resource of the template" in reason(resolve({"Fn::GetAtt": ["X", "Y"]}))


# --- functions -----------------------------------------------------------------------------------


def test_sub_in_string_and_list_form() -> None:
    assert resolve({"Fn::Sub": "${Env}-${AWS::Region}"}, **{"AWS::Region": "r"}) == "dev-r"
    assert resolve({"Fn::Sub": ["${A}/${Env}", {"A": {"Ref": "Port"}}]}) == "22/dev"
    assert resolve({"Fn::Sub": "${!Literal} ${Env}"}) == "${Literal} dev"
    # A variable alone stands for its value, an id included; inside text an id is unknown
    assert resolve({"Fn::Sub": "${App}"}) == ResourceId("App", "AWS::EC2::SecurityGroup")
    assert "the id of security group App" in reason(resolve({"Fn::Sub": "x-${App.GroupId}"}))
    assert "AWS::AccountId" in reason(resolve({"Fn::Sub": "${AWS::AccountId}"}))


def test_if_takes_the_branch_its_condition_chooses() -> None:
    choice = {"Fn::If": ["IsProd", "p", "d"]}
    assert resolve(choice) == "d"
    assert resolve(choice, Env="prod") == "p"
    undecided = reason(resolve({"Fn::If": ["Here", "a", "b"]}))
    assert undecided.startswith("condition Here cannot be decided before deployment: AWS::Region")
    # the branch not taken is never evaluated
    assert resolve({"Fn::If": ["IsDev", "x", {"Fn::ImportValue": "y"}]}) == "x"


def test_join_select_split() -> None:
    assert resolve({"Fn::Join": [",", ["a", {"Ref": "Env"}, 3]]}) == "a,dev,3"
    assert resolve({"Fn::Join": ["", {"Ref": "Cidrs"}]}) == "10.0.0.0/8192.168.0.0/16"
    assert resolve({"Fn::Select": ["1", {"Ref": "Cidrs"}]}) == "192.168.0.0/16"
    assert resolve({"Fn::Split": ["/", "10.0.0.0/8"]}) == ["10.0.0.0", "8"]
    assert resolve({"Fn::Select": [0, {"Fn::Split": [",", "a,b"]}]}) == "a"
    assert "ImportValue" in reason(resolve({"Fn::Join": ["", [{"Fn::ImportValue": "x"}]]}))
    with pytest.raises(InputError, match="index 5 is outside the list of 2 values"):
        resolve({"Fn::Select": [5, ["a", "b"]]})


def test_find_in_map() -> None:
    assert resolve({"Fn::FindInMap": ["Regions", "eu-west-1", "Cidr"]}) == "10.1.0.0/16"
    by_region = {"Fn::FindInMap": ["Regions", {"Ref": "AWS::Region"}, "Cidr"]}
    assert resolve(by_region, **{"AWS::Region": "eu-west-1"}) == "10.1.0.0/16"
    assert "AWS::Region" in reason(resolve(by_region))
    fallback = {"Fn::FindInMap": ["Regions", "x", "Cidr", {"DefaultValue": "0.0.0.0/0"}]}
    assert resolve(fallback) == "0.0.0.0/0"
    with pytest.raises(InputError, match=r"the Mappings hold no Regions\.us-east-1\.Cidr"):
        resolve({"Fn::FindInMap": ["Regions", "us-east-1", "Cidr"]})


def test_functions_only_a_deployed_stack_can_answer() -> None:
    assert reason(resolve({"Fn::ImportValue": "shared-cidr"})) == (
        "Fn::ImportValue 'shared-cidr' is known only in a deployed stack (another stack's export)"
    )
    assert "availability zones" in reason(resolve({"Fn::Select": [0, {"Fn::GetAZs": ""}]}))
    assert "not evaluated" in reason(resolve({"Fn::Length": [1, 2]}))


def test_base64_and_cidr() -> None:
    assert resolve({"Fn::Base64": {"Ref": "Env"}}) == "ZGV2"
    assert resolve({"Fn::Cidr": ["10.0.0.0/16", 3, 8]}) == [
        "10.0.0.0/24",
        "10.0.1.0/24",
        "10.0.2.0/24",
    ]
    assert resolve({"Fn::Cidr": ["2001:db8::/56", "2", "64"]}) == [
        "2001:db8::/64",
        "2001:db8:0:1::/64",
    ]
    with pytest.raises(InputError, match="holds fewer than 4"):
        resolve({"Fn::Cidr": ["10.0.0.0/30", 4, 1]})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"Fn::Nope": 1}, "unknown intrinsic function 'Fn::Nope'"),
        ({"Fn::If": ["IsProd", "a"]}, "Fn::If takes"),
        ({"Fn::If": ["Nope", "a", "b"]}, "'Nope' is not a condition"),
        ({"Fn::Join": ","}, "Fn::Join takes"),
        ({"Fn::Join": [",", [["nested"]]]}, "must be a string or a number, got a list"),
        ({"Fn::Select": ["x", ["a"]]}, "Fn::Select takes"),
        ({"Fn::Split": ["", "abc"]}, "the delimiter not empty"),
        ({"Fn::Sub": 3}, "Fn::Sub takes"),
        ({"Fn::GetAtt": ["App"]}, "Fn::GetAtt takes"),
        ({"Ref": ["App"]}, "Ref takes the name"),
        ({"Fn::Not": [{"Condition": "IsProd"}]}, "used only in Conditions"),
        ({"Fn::Cidr": ["nope", 1, 8]}, "not a CIDR block"),
    ],
)
def test_wrong_usage_is_refused_with_its_path(value: object, message: str) -> None:
    with pytest.raises(InputError, match=message) as refused:
        resolve(value)
    assert refused.value.path.startswith("$.x")


# --- conditions ----------------------------------------------------------------------------------


def test_conditions_are_decided_where_they_can_be() -> None:
    assert decide("IsProd") is False
    assert decide("IsDev") is True
    assert decide("IsProd", Env="prod") is True
    assert decide("PortIs22") is True  # CloudFormation compares the text of values
    assert decide("Here", **{"AWS::Region": "eu-west-1"}) is True
    assert "AWS::Region" in reason(decide("Here"))


def test_and_or_are_decided_by_a_known_part_whatever_the_unknown() -> None:
    assert decide("ProdHere") is False  # false and unknown
    assert decide("DevOrHere") is True  # true or unknown
    assert isinstance(decide("ProdOrHere"), Unknown)  # false or unknown
    assert isinstance(decide("ProdHere", Env="prod"), Unknown)  # true and unknown


def cyclic(conditions: dict[str, Any]) -> Intrinsics:
    return Intrinsics({"Conditions": conditions, "Resources": {}}, {}, "t.yaml")


def test_a_condition_that_refers_to_itself_is_refused() -> None:
    with pytest.raises(InputError, match=r"condition A refers to itself \(A -> A\)"):
        cyclic({"A": {"Condition": "A"}}).condition("A", "$")
    loop = {"A": {"Fn::Not": [{"Condition": "B"}]}, "B": {"Fn::Not": [{"Condition": "A"}]}}
    with pytest.raises(InputError, match=r"A -> B -> A") as refused:
        cyclic(loop).condition("A", "$")
    assert refused.value.path == "$.Conditions.A"


def test_a_long_chain_of_conditions_is_bounded() -> None:
    # GIVEN each condition the negation of the next, far deeper than evaluation may nest
    count = MAX_NESTING * 2
    chain = {f"C{i}": {"Fn::Not": [{"Condition": f"C{i + 1}"}]} for i in range(count)}
    chain[f"C{count}"] = {"Fn::Equals": ["a", "a"]}
    # THEN it is refused, not a RecursionError
    with pytest.raises(InputError, match=f"nest more than {MAX_NESTING} levels"):
        cyclic(chain).condition("C0", "$")


def test_sub_with_thousands_of_variables_is_bounded() -> None:
    # GIVEN a parameter of 4,000 characters substituted thousands of times
    template = {"Parameters": {"P": {"Type": "String", "Default": "x" * 4000}}, "Resources": {}}
    intrinsics = Intrinsics(template, {}, "t.yaml")
    # THEN a few hundred are fine, and thousands are refused before the text is made
    assert len(intrinsics.resolve({"Fn::Sub": "${P}" * 100}, "$")) == 400_000
    with pytest.raises(InputError, match="more than"):
        intrinsics.resolve({"Fn::Sub": "${P}" * 5000}, "$")


def test_parameters_the_template_does_not_declare_are_refused() -> None:
    with pytest.raises(InputError, match="declares no such parameter"):
        Intrinsics(TEMPLATE, {"Nope": "1"}, "t.yaml")
