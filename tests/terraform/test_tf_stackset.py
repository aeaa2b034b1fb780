"""The member StackSet template: valid for cfn-lint, and equivalent to modules/member (same
actions, tag conditions, trust and event pattern as the code's lists)."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import tf_hcl
import tf_tools
import yaml
from tf_harness import EXAMPLES_ROOT, MODULES_ROOT

from sgcompliance.adapters.aws.permissions import (
    EXPORT_ACTIONS,
    FORWARDER_ACTIONS,
    MEMBER_ACTIONS,
    tag_key_conditions,
)
from sgcompliance.local.pipeline.hub import sg_change_pattern

TEMPLATE = EXAMPLES_ROOT / "organization" / "member-stackset.yaml"
# modules/member variable -> template parameter. hub_account_id only feeds the module's
# preconditions; create_roles is the template's CreateRoles condition (PrimaryRegion).
PARAMETER_OF_VARIABLE = {
    "hub_role_arn": "HubRoleArn",
    "hub_event_bus_arn": "HubEventBusArn",
    "external_id": "ExternalId",
    "organization_id": "OrganizationId",
    "role_name": "RoleName",
    "create_roles": "PrimaryRegion",
    "operator_role_arns": "OperatorRoleArns",
    "allow_securityhub_export": "AllowSecurityHubExport",
}
# The conditions every principal of the member role is held to.
TRUST_CONDITION = {
    "StringEquals": {
        "sts:ExternalId": {"Ref": "ExternalId"},
        "aws:PrincipalOrgID": {
            "Fn::If": ["HasOrganization", {"Ref": "OrganizationId"}, {"Ref": "AWS::NoValue"}]
        },
    }
}
NO_VALUE = {"Ref": "AWS::NoValue"}
# create_member_role is for the hub account's own forwarding; the template always creates the
# member role in its primary region.
NOT_IN_TEMPLATE = {"hub_account_id", "tags", "create_member_role"}


class _CloudFormationLoader(yaml.SafeLoader):
    """Reads the short intrinsic forms (!Ref, !Sub, ...) as their long {"Fn::..."} forms."""


def _intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    # Ref and Condition have no "Fn::" in their long forms.
    name = suffix if suffix in ("Ref", "Condition") else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = str(value).split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    return {name: value}


_CloudFormationLoader.add_multi_constructor("!", _intrinsic)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.load(TEMPLATE.read_text(encoding="utf-8"), _CloudFormationLoader)
    return loaded


def _policy(template: dict[str, Any], role: str) -> list[dict[str, Any]]:
    policies = template["Resources"][role]["Properties"]["Policies"]
    return [s for p in policies for s in p["PolicyDocument"]["Statement"]]


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


def _actions_of_role(template: dict[str, Any], role: str) -> list[str]:
    return [a for s in _policy(template, role) for a in _actions(s)]


def test_cfn_lint_accepts_the_template() -> None:
    tool = tf_tools.cfn_lint(TEMPLATE)
    if not tool.available:
        pytest.skip(f"cfn-lint skipped: {tool.missing}")
    done = subprocess.run(tool.argv, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_member_role_allows_exactly_the_member_actions(template: dict[str, Any]) -> None:
    statements = _policy(template, "MemberRole")
    assert {a for s in statements for a in _actions(s)} == set(MEMBER_ACTIONS)
    assert {s["Effect"] for s in statements} == {"Allow"}


def test_only_the_describe_statement_has_a_star_resource(template: dict[str, Any]) -> None:
    starred = [s["Sid"] for s in _policy(template, "MemberRole") if s["Resource"] == "*"]
    assert starred == ["ReadSecurityGroups"]


def test_tag_statement_has_the_codes_conditions(template: dict[str, Any]) -> None:
    tagging = [s for s in _policy(template, "MemberRole") if s["Sid"] == "ProjectTagsOnly"]
    conditions = tagging[0]["Condition"]
    # CloudFormation takes a single string where IAM takes a one-element list.
    normalised = {
        test: {key: value if isinstance(value, list) else [value] for key, value in keys.items()}
        for test, keys in conditions.items()
    }
    assert normalised == tag_key_conditions()


def _trust(template: dict[str, Any]) -> list[Any]:
    document = template["Resources"]["MemberRole"]["Properties"]["AssumeRolePolicyDocument"]
    statements: list[Any] = document["Statement"]
    return statements


def test_member_role_trusts_exactly_the_hub_role_and_the_operator_roles(
    template: dict[str, Any],
) -> None:
    # GIVEN the trust policy: the hub's statement, and the operators' one under HasOperators
    hub, conditional = _trust(template)
    condition, operators, otherwise = conditional["Fn::If"]
    # THEN the principals are exactly the hub role and the operator roles
    assert (hub["Sid"], hub["Principal"]) == ("HubFunctions", {"AWS": {"Ref": "HubRoleArn"}})
    assert (condition, otherwise) == ("HasOperators", NO_VALUE)
    assert (operators["Sid"], operators["Principal"]) == (
        "Operators",
        {"AWS": {"Ref": "OperatorRoleArns"}},
    )
    assert [s["Action"] for s in (hub, operators)] == ["sts:AssumeRole"] * 2


def test_every_principal_of_the_member_role_needs_the_external_id(
    template: dict[str, Any],
) -> None:
    # GIVEN both trust statements
    hub, conditional = _trust(template)
    operators = conditional["Fn::If"][1]
    # THEN each carries the ExternalId and the optional organization, and no other condition
    assert [hub["Condition"], operators["Condition"]] == [TRUST_CONDITION] * 2


def test_operator_statement_exists_only_with_operator_roles(template: dict[str, Any]) -> None:
    # GIVEN the template's operator roles parameter (a list that defaults to one empty element)
    parameter = template["Parameters"]["OperatorRoleArns"]
    # THEN HasOperators holds exactly when the list names something
    assert (parameter["Type"], parameter["Default"]) == ("CommaDelimitedList", "")
    assert template["Conditions"]["HasOperators"] == {
        "Fn::Not": [{"Fn::Equals": [{"Fn::Join": ["", {"Ref": "OperatorRoleArns"}]}, ""]}]
    }


def test_export_policy_allows_exactly_the_export_actions_on_the_own_default_product(
    template: dict[str, Any],
) -> None:
    # GIVEN the template's Security Hub export policy
    policy = template["Resources"]["SecurityHubExportPolicy"]
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    # THEN it is attached to the member role and grants the code's export actions, on this
    # account's default product only
    assert policy["Properties"]["RoleName"] == {"Ref": "MemberRole"}
    assert {a for s in statements for a in _actions(s)} == set(EXPORT_ACTIONS)
    assert [(s["Effect"], s["Resource"]) for s in statements] == [
        (
            "Allow",
            {
                "Fn::Sub": "arn:${AWS::Partition}:securityhub:*:${AWS::AccountId}:product/"
                "${AWS::AccountId}/default"
            },
        ),
        ("Allow", {"Fn::Sub": "arn:${AWS::Partition}:securityhub:*:${AWS::AccountId}:hub/default"}),
    ]


def test_export_policy_exists_only_under_its_switch_where_the_role_is_created(
    template: dict[str, Any],
) -> None:
    # GIVEN the export policy's condition
    condition = template["Resources"]["SecurityHubExportPolicy"]["Condition"]
    # THEN it needs the member role (CreateRoles) and the switch, which is off by default
    assert template["Conditions"][condition] == {
        "Fn::And": [
            {"Condition": "CreateRoles"},
            {"Fn::Equals": [{"Ref": "AllowSecurityHubExport"}, "true"]},
        ]
    }
    assert template["Parameters"]["AllowSecurityHubExport"]["Default"] == "false"
    assert set(_actions_of_role(template, "MemberRole")).isdisjoint(EXPORT_ACTIONS)


def test_forwarder_may_only_put_events_on_the_hub_bus(template: dict[str, Any]) -> None:
    statements = _policy(template, "ForwarderRole")
    assert [(_actions(s), s["Resource"]) for s in statements] == [
        (sorted(FORWARDER_ACTIONS), {"Ref": "HubEventBusArn"})
    ]


def test_forwarding_rule_uses_the_handlers_pattern(template: dict[str, Any]) -> None:
    rule = template["Resources"]["ForwardRule"]["Properties"]
    assert rule["EventBusName"] == "default"
    assert rule["EventPattern"] == sg_change_pattern()


def test_template_parameters_cover_the_member_module_variables(
    template: dict[str, Any],
) -> None:
    # GIVEN the member module's variables WHEN mapping them to the template's parameters
    variables = tf_hcl.load(MODULES_ROOT / "member").declared("var")
    # THEN each has its parameter (or is knowingly absent) and no parameter is left over
    assert variables - NOT_IN_TEMPLATE == set(PARAMETER_OF_VARIABLE)
    assert set(template["Parameters"]) == set(PARAMETER_OF_VARIABLE.values())


def test_example_passes_every_template_parameter() -> None:
    config = tf_hcl.load(Path(TEMPLATE.parent))
    [stack_set] = [
        b for b in config.of("resource") if b.labels[0] == "aws_cloudformation_stack_set"
    ]
    assert set(stack_set.body["parameters"]) == set(PARAMETER_OF_VARIABLE.values())
