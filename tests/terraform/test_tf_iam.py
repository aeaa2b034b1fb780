"""The IAM in the terraform configurations is what the code needs and no more: the member and
forwarding policies equal the lists in adapters.aws.permissions, no Allow statement has a
wildcard action, "*" resources appear only where AWS allows nothing narrower, and the member role
trusts the hub's role and the operators' roles alone, all with the ExternalId."""

from __future__ import annotations

from pathlib import Path

import pytest
import tf_hcl
from tf_harness import EXAMPLES_ROOT, MODULES_ROOT, REPO_ROOT, configuration_dirs

from sgcompliance.adapters.aws.permissions import (
    EXPORT_ACTIONS,
    FORWARDER_ACTIONS,
    MEMBER_ACTIONS,
    MEMBER_TAG_ACTIONS,
    TAG_KEYS,
    tag_key_conditions,
)
from sgcompliance.events.cloudtrail import SG_CHANGE_EVENTS
from sgcompliance.local.pipeline.hub import sg_change_pattern

MEMBER = MODULES_ROOT / "member"
ORGANIZATION_EXAMPLE = EXAMPLES_ROOT / "organization"
# The trust conditions every principal of the member role is held to (the organization's only
# when organization_id is set, see the test of the dynamic block).
TRUST_CONDITIONS = {
    "StringEquals": {
        "sts:ExternalId": ["${var.external_id}"],
        "aws:PrincipalOrgID": ["${condition.value}"],
    }
}

_EC2_DESCRIBE = "EC2 Describe* actions support no resource-level permissions"
# (document, sid) -> why AWS requires "*" there. Any other "*" resource fails the test. Key
# policies are not listed: there "*" is the key the policy is attached to.
STAR_RESOURCE_REASONS = {
    ("member/member", "ReadSecurityGroups"): _EC2_DESCRIBE,
    ("hub/functions", "DescribeRegionsAndOwnGroups"): _EC2_DESCRIBE,
    ("hub/functions", "ListOrganizationAccounts"): "organizations:ListAccounts supports no "
    "resource-level permissions",
    ("hub/tracing", "WriteTraces"): "X-Ray's PutTraceSegments and PutTelemetryRecords support no "
    "resource-level permissions",
}
# (document, action) -> why a wildcard action is granted. Any other fails the test.
WILDCARD_ACTION_REASONS = {
    ("hub/key", "kms:*"): "the account statement of AWS's default key policy: it only lets the "
    "account's IAM policies grant access to the key, so the key never becomes unmanageable",
    ("hub/key", "kms:GenerateDataKey*"): "the key policy AWS documents for CloudWatch Logs "
    "log group encryption",
    ("hub/key", "kms:ReEncrypt*"): "the key policy AWS documents for CloudWatch Logs log group "
    "encryption",
}

CONFIGURATIONS = [pytest.param(p, id=str(p.relative_to(REPO_ROOT))) for p in configuration_dirs()]


def _allow_statements(path: Path) -> list[tf_hcl.Statement]:
    return [s for s in tf_hcl.statements(tf_hcl.load(path)) if s.effect == "Allow"]


def _key_policies(path: Path) -> set[str]:
    """The documents attached to a KMS key as its key policy."""
    config = tf_hcl.load(path)
    attached = [
        str(b.body.get("policy", "")) for b in config.of("resource") if b.labels[0] == "aws_kms_key"
    ]
    return {
        f"{path.name}/{b.labels[1]}"
        for b in config.of("data")
        if f"${{data.aws_iam_policy_document.{b.labels[1]}.json}}" in attached
    }


def _data_block(name: str) -> tf_hcl.Block:
    return next(
        b for b in tf_hcl.load(MEMBER).of("data") if b.labels == ("aws_iam_policy_document", name)
    )


def _conditions(statement: tf_hcl.Statement) -> dict[str, dict[str, list[str]]]:
    grouped: dict[str, dict[str, list[str]]] = {}
    for condition in statement.conditions:
        grouped.setdefault(condition["test"], {})[condition["variable"]] = condition["values"]
    return grouped


def test_member_policy_allows_exactly_the_member_actions() -> None:
    # GIVEN the member role's policy WHEN collecting its actions THEN they are the code's list
    actions = {
        a for s in _allow_statements(MEMBER) if s.document == "member/member" for a in s.actions
    }
    assert actions == set(MEMBER_ACTIONS)


def test_forwarder_policy_allows_exactly_the_forwarder_actions() -> None:
    statements = [s for s in _allow_statements(MEMBER) if s.document == "member/forwarder"]
    assert {a for s in statements for a in s.actions} == set(FORWARDER_ACTIONS)
    assert [s.resources for s in statements] == [("${var.hub_event_bus_arn}",)]


def test_member_tag_actions_are_limited_to_the_project_tag_keys() -> None:
    # GIVEN the member policy WHEN finding the statements that allow tag actions
    tagging = [s for s in _allow_statements(MEMBER) if set(s.actions) & MEMBER_TAG_ACTIONS]
    # THEN one statement holds them all, conditioned exactly as the code's list says
    assert [set(s.actions) for s in tagging] == [set(MEMBER_TAG_ACTIONS)]
    assert _conditions(tagging[0]) == tag_key_conditions()
    assert tuple(sorted(tagging[0].conditions[0]["values"])) == TAG_KEYS


@pytest.mark.parametrize("path", CONFIGURATIONS)
def test_no_allow_statement_has_a_wildcard_action(path: Path) -> None:
    # GIVEN every Allow statement WHEN one grants an action with a wildcard
    wild = {(s.document, a) for s in _allow_statements(path) for a in s.actions if "*" in a}
    # THEN the test's list names the reason
    assert wild - set(WILDCARD_ACTION_REASONS) == set()


@pytest.mark.parametrize("path", CONFIGURATIONS)
def test_star_resources_only_where_aws_allows_nothing_narrower(path: Path) -> None:
    # GIVEN every Allow statement WHEN one has the resource "*"
    key_policies = _key_policies(path)
    starred = {
        (s.document, s.sid)
        for s in _allow_statements(path)
        if "*" in s.resources and s.document not in key_policies
    }
    # THEN the test's list names the AWS reason for it
    assert starred - set(STAR_RESOURCE_REASONS) == set()


def test_member_role_trusts_exactly_the_hub_role_and_the_operator_roles() -> None:
    # GIVEN the member role's trust policy
    statements = tf_hcl.statements(tf_hcl.load(MEMBER), "member_trust")
    # THEN it lets exactly the hub role and the operator roles assume it, nothing else
    assert [(s.sid, s.effect, s.actions) for s in statements] == [
        ("HubFunctions", "Allow", ("sts:AssumeRole",)),
        ("Operators", "Allow", ("sts:AssumeRole",)),
    ]
    assert [[dict(p) for p in s.principals] for s in statements] == [
        [{"type": "AWS", "identifiers": ["${var.hub_role_arn}"]}],
        [{"type": "AWS", "identifiers": "${statement.value}"}],
    ]


def test_operator_statement_exists_only_with_operator_roles() -> None:
    # GIVEN the trust policy's dynamic statement
    trust = _data_block("member_trust")
    [dynamic] = [d["statement"] for d in trust.body["dynamic"] if "statement" in d]
    # THEN its one instance holds the whole list of operator roles, and none exists without them
    assert dynamic["for_each"] == (
        "${length(var.operator_role_arns) == 0 ? [] : [var.operator_role_arns]}"
    )


def test_every_principal_of_the_member_role_needs_the_external_id() -> None:
    # GIVEN every statement of the member role's trust policy
    statements = tf_hcl.statements(tf_hcl.load(MEMBER), "member_trust")
    # THEN each carries the ExternalId and the optional organization, and no other condition
    assert statements
    assert [_conditions(s) for s in statements] == [TRUST_CONDITIONS] * len(statements)


def test_member_org_condition_is_added_only_when_organization_id_is_set() -> None:
    # GIVEN both trust statements: the hub's and the operators' (inside its dynamic block)
    trust = _data_block("member_trust")
    [operators] = [d["statement"] for d in trust.body["dynamic"] if "statement" in d]
    bodies = [trust.body["statement"][0], operators["content"][0]]
    # THEN each adds the organization's condition only when organization_id is set
    for body in bodies:
        assert [d["condition"]["for_each"] for d in body["dynamic"]] == [
            "${var.organization_id == null ? [] : [var.organization_id]}"
        ]


def test_export_policy_allows_exactly_the_export_actions_on_the_own_default_product() -> None:
    # GIVEN the member module's Security Hub export document
    config = tf_hcl.load(MEMBER)
    statements = [s for s in _allow_statements(MEMBER) if s.document == "member/securityhub_export"]
    # THEN it grants the code's export actions, on this account's default product and its own
    # Security Hub only
    assert {a for s in statements for a in s.actions} == set(EXPORT_ACTIONS)
    product = "arn:${local.partition}:securityhub:*:${local.account_id}:product/"
    hub = "arn:${local.partition}:securityhub:*:${local.account_id}:hub/default"
    assert [[config.resolve(r) for r in s.resources] for s in statements] == [
        [f"{product}${{local.account_id}}/default"],
        [hub],
    ]


def test_export_policy_is_attached_only_under_its_switch() -> None:
    # GIVEN the member role's inline policies
    policies = {
        b.labels[1]: b.body
        for b in tf_hcl.load(MEMBER).of("resource")
        if b.labels[0] == "aws_iam_role_policy"
    }
    # THEN the export document is attached by its own policy, which exists only when switched
    # on (and only where the role is created), while the member policy never holds the export
    assert policies["securityhub_export"]["policy"] == (
        "${data.aws_iam_policy_document.securityhub_export.json}"
    )
    assert policies["securityhub_export"]["count"] == (
        "${var.create_roles && var.create_member_role && var.allow_securityhub_export ? 1 : 0}"
    )
    member_actions = {
        a for s in _allow_statements(MEMBER) if s.document == "member/member" for a in s.actions
    }
    assert member_actions.isdisjoint(EXPORT_ACTIONS)


@pytest.mark.parametrize("variable", ["operator_role_arns", "allow_securityhub_export"])
def test_every_member_slot_of_the_example_passes_the_operator_settings(variable: str) -> None:
    # GIVEN the organization example's member module blocks
    members = [
        b
        for b in tf_hcl.load(ORGANIZATION_EXAMPLE).of("module")
        if b.labels[0].startswith("member")
    ]
    # THEN each passes the example's variable of the same name on
    assert members
    assert {b.labels[0]: b.body.get(variable) for b in members} == {
        b.labels[0]: f"${{var.{variable}}}" for b in members
    }


def test_forwarding_role_is_assumable_by_eventbridge_only() -> None:
    statements = tf_hcl.statements(tf_hcl.load(MEMBER), "forwarder_trust")
    assert [[dict(p) for p in s.principals] for s in statements] == [
        [{"type": "Service", "identifiers": ["events.amazonaws.com"]}]
    ]
    assert set(_conditions(statements[0])) == {"StringEquals", "ArnLike"}


def test_member_forwarding_pattern_is_the_handlers_pattern() -> None:
    # GIVEN the member module's event pattern locals
    config = tf_hcl.load(MEMBER)
    pattern = config.locals()["sg_change_pattern"]
    expected = sg_change_pattern()
    # THEN source, detail-type, event source, event names and the tag branch equal the code's
    rule_changes, tag_changes = pattern["detail"]["$or"]
    rule_changes = {"eventName": config.resolve(rule_changes["eventName"])}
    assert {**pattern, "detail": {**pattern["detail"], "$or": [rule_changes, tag_changes]}} == (
        expected
    )
    assert rule_changes["eventName"] == sorted(SG_CHANGE_EVENTS)


def test_reason_lists_name_only_existing_grants() -> None:
    # GIVEN every Allow statement of every configuration
    statements = [s for p in configuration_dirs() for s in _allow_statements(p)]
    starred = {(s.document, s.sid) for s in statements if "*" in s.resources}
    wild = {(s.document, a) for s in statements for a in s.actions}
    # THEN no reason is kept for a grant that no longer exists
    assert set(STAR_RESOURCE_REASONS) - starred == set()
    assert set(WILDCARD_ACTION_REASONS) - wild == set()
