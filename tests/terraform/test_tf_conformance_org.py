"""The organization's integrations as the AWS documentation requires them: the cross-account
bus, the member role's trust, forwarding from every governed region (members and the hub
account), the StackSet's order, the CI plan role, and operator scans that fit Lambda's timeout.

The local AWS (moto) routes events but enforces no bus policy, trust policy or ExternalId, and
runs no StackSet; each test names the documentation page it encodes in its docstring.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import tf_hcl
import yaml
from conformance import (
    DEPLOY_DOC,
    HUB,
    MEMBER,
    ORGANIZATION,
    as_list,
    block_list,
    documented_policies,
    resource,
    resources_of,
)

from sgcompliance.adapters.aws.permissions import FORWARDER_ACTIONS
from sgcompliance.config.runtime import ORGANIZATION as WHOLE_ORGANIZATION
from sgcompliance.testing import FakeEstate
from support.pipeline_world import MEMBER as ACCOUNT
from support.pipeline_world import OTHER, world

TEMPLATE = ORGANIZATION / "member-stackset.yaml"
CI_DIR = ORGANIZATION / "ci"
EXTERNAL_ID_PATTERN = r"^[A-Za-z0-9+=,.@:/_-]+$"


def test_the_hub_bus_admits_the_organization_and_members_forward_with_a_role() -> None:
    """Cross-account bus.

    "Sending and receiving events between AWS accounts in Amazon EventBridge",
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html, and
    "Permissions for event buses in Amazon EventBridge",
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html: the
    receiving bus's policy allows events:PutEvents to the sending accounts (or the organization
    with aws:PrincipalOrgID); a rule whose target is a bus of another account needs an IAM role
    that EventBridge assumes and that may call events:PutEvents on that bus.
    """
    bus = [s for s in tf_hcl.statements(tf_hcl.load(HUB), "bus") if s.effect == "Allow"]
    assert {a for s in bus for a in s.actions} == {"events:PutEvents"}
    assert all(s.resources == ("${aws_cloudwatch_event_bus.hub.arn}",) for s in bus)
    org = [s for s in bus if any(p.get("type") == "*" for p in s.principals)]
    assert [c["variable"] for s in org for c in s.conditions] == ["aws:PrincipalOrgID"]
    # AND every member target names the forwarding role, which may only put on the hub bus
    target = resource(MEMBER, "aws_cloudwatch_event_target", "hub_bus")
    assert target["arn"] == "${var.hub_event_bus_arn}"
    assert target.get("role_arn")
    [trusted] = tf_hcl.statements(tf_hcl.load(MEMBER), "forwarder_trust")
    assert [p["identifiers"] for p in trusted.principals] == [["events.amazonaws.com"]]
    [put] = tf_hcl.statements(tf_hcl.load(MEMBER), "forwarder")
    assert (set(put.actions), put.resources) == (
        set(FORWARDER_ACTIONS),
        ("${var.hub_event_bus_arn}",),
    )


def _template() -> dict[str, Any]:
    class Loader(yaml.SafeLoader):
        pass

    def intrinsic(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            return {suffix: loader.construct_scalar(node)}
        if isinstance(node, yaml.SequenceNode):
            return {suffix: loader.construct_sequence(node, deep=True)}
        return {suffix: loader.construct_mapping(node, deep=True)}  # type: ignore[arg-type]

    Loader.add_multi_constructor("!", intrinsic)
    loaded: dict[str, Any] = yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader)
    return loaded


def test_the_member_role_needs_the_external_id_and_the_organization() -> None:
    """Member role trust with ExternalId and organization.

    "Access to AWS accounts owned by third parties",
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_common-scenarios_third-party.html:
    the role trusts the other account's principal under a StringEquals sts:ExternalId
    condition. "AssumeRole" (API reference),
    https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html: an ExternalId is 2
    to 1224 characters of [\\w+=,.@:/-]. "AWS global condition context keys",
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html:
    aws:PrincipalOrgID holds the organization of the calling principal.
    """
    trust = tf_hcl.statements(tf_hcl.load(MEMBER), "member_trust")
    assert trust
    for statement in trust:
        keys = {(c["test"], c["variable"]) for c in statement.conditions}
        assert {("StringEquals", "sts:ExternalId"), ("StringEquals", "aws:PrincipalOrgID")} <= keys
    # AND the StackSet's role has the same two conditions in every statement
    role = _template()["Resources"]["MemberRole"]["Properties"]["AssumeRolePolicyDocument"]
    statements = [s if "Sid" in s else s["If"][1] for s in role["Statement"]]
    for statement in statements:
        assert set(statement["Condition"]["StringEquals"]) == {"sts:ExternalId",
                                                               "aws:PrincipalOrgID"}  # fmt: skip
    # AND every ExternalId input accepts exactly what STS accepts
    for path in (HUB, MEMBER):
        [rule] = block_list(
            next(b.body for b in tf_hcl.load(path).of("variable") if b.labels == ("external_id",)),
            "validation",
        )
        assert (
            "length(var.external_id) >= 2 && length(var.external_id) <= 1224" in rule["condition"]
        )
        assert EXTERNAL_ID_PATTERN in rule["condition"]
    parameter = _template()["Parameters"]["ExternalId"]
    assert (parameter["MinLength"], parameter["MaxLength"]) == (2, 1224)
    assert parameter["AllowedPattern"] == EXTERNAL_ID_PATTERN


def _modules(kind_prefix: str) -> dict[str, dict[str, Any]]:
    return {
        b.labels[0]: dict(b.body)
        for b in tf_hcl.load(ORGANIZATION).of("module")
        if b.labels[0].startswith(kind_prefix)
    }


def _providers() -> dict[str, dict[str, Any]]:
    return {
        str(b.body.get("alias", "")): dict(b.body) for b in tf_hcl.load(ORGANIZATION).of("provider")
    }


def _region_of(module: dict[str, Any], providers: dict[str, dict[str, Any]]) -> str:
    alias = str(module["providers"]["aws"]).removeprefix("${aws.").removesuffix("}")
    return str(providers["" if alias == "aws" else alias]["region"])


def test_every_member_slot_forwards_from_every_governed_region() -> None:
    """Forwarding in every governed region (Terraform slots).

    "Events from AWS services via AWS CloudTrail",
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html:
    EventBridge delivers the event of an API call on the default bus of the account and the
    region where the call was made, so each governed region needs its own forwarding rule.
    """
    providers = _providers()
    members = _modules("member_")
    by_account: dict[str, set[str]] = {}
    for name, module in members.items():
        slot = re.match(r"member_(\d+)", name)
        assert slot, name
        by_account.setdefault(slot.group(1), set()).add(_region_of(module, providers))
    # THEN each account slot has one instance per region slot: the home region and the others
    region_slots = {region for regions in by_account.values() for region in regions}
    assert len(by_account) >= 3
    assert all(regions == region_slots for regions in by_account.values())
    assert len(region_slots) >= 2, "every member slot forwards from the home region only"
    assert region_slots - {"${var.region}"} == {
        f"${{local.forwarded_region_slots[{n}]}}" for n in range(1, len(region_slots))
    }
    # AND only the home-region instance creates the (global) roles, the others wait for it
    for name, module in members.items():
        if re.fullmatch(r"member_\d+", name):
            assert module.get("create_roles", True) is True, name
        else:
            assert module.get("create_roles") is False, name
            assert module.get("depends_on") == [f"${{module.{name.split('_region')[0]}}}"]


def test_the_hub_account_forwards_its_own_changes_from_every_governed_region() -> None:
    """The hub account itself.

    "Events from AWS services via AWS CloudTrail",
    https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-service-event-cloudtrail.html:
    the hub account's own security-group calls arrive on its own default bus, region by region,
    not on the hub bus the member rules feed.
    """
    providers = _providers()
    forwarding = _modules("hub_forwarding")
    assert forwarding, "the hub account has no forwarding rule"
    regions = {_region_of(m, providers) for m in forwarding.values()}
    members = {_region_of(m, providers) for m in _modules("member_1").values()}
    assert regions == members
    # AND they create no member role there: the functions read that account with their own
    assert {m.get("create_member_role") for m in forwarding.values()} == {False}


def test_the_stackset_creates_the_role_before_forwarding_and_in_a_governed_region() -> None:
    """StackSet order.

    "StackSets concepts" (stack set operation options: region order and concurrency),
    https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/stacksets-concepts.html:
    stack instances in different regions are created in parallel unless ordered; the member
    role exists only in the primary region's stack, which must therefore be deployed, and
    deployed first, since the other regions' rules use that role.
    """
    config = tf_hcl.load(ORGANIZATION)
    hub = next(b for b in config.of("data") if b.labels == ("aws_caller_identity", "hub"))
    conditions = [p["condition"] for p in hub.body["lifecycle"][0]["precondition"]]
    assert any("contains(var.regions, var.region)" in c for c in conditions)
    instances = resources_of(ORGANIZATION, "aws_cloudformation_stack_set_instance")
    primary = [n for n, b in instances.items() if b.get("region") == "${var.region}"]
    assert len(primary) == 1, "no stack instance of its own for the primary region"
    others = [b for n, b in instances.items() if n not in primary]
    assert others
    assert all(
        f"${{aws_cloudformation_stack_set_instance.{primary[0]}}}" in b.get("depends_on", [])
        for b in others
    )


def _ci_policies() -> dict[str, dict[str, Any]]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in CI_DIR.glob("*.json")}


def _allows(document: dict[str, Any], action: str) -> list[dict[str, Any]]:
    found = []
    for statement in as_list(document["Statement"]):
        actions = as_list(statement.get("Action", []))
        if statement.get("Effect") == "Allow" and any(
            a == action or (a.endswith("*") and action.startswith(a[:-1])) for a in actions
        ):
            found.append(statement)
    return found


def test_the_ci_plan_role_can_plan() -> None:
    """CI plan role.

    "How AWS Systems Manager Parameter Store uses AWS KMS",
    https://docs.aws.amazon.com/kms/latest/developerguide/services-parameter-store.html: reading
    the ExternalId SecureString with decryption (as `terraform plan` refreshes it) needs
    kms:Decrypt on the hub key, which ReadOnlyAccess does not grant. "IAM tutorial: Delegate
    access across AWS accounts using IAM roles",
    https://docs.aws.amazon.com/IAM/latest/UserGuide/tutorial_cross-account-with-roles.html:
    the member deployment role must trust the plan role too, since the member providers assume
    it at plan time.
    """
    policies = _ci_policies()
    plan = policies["plan-role-policy"]
    decrypt = _allows(plan, "kms:Decrypt")
    assert decrypt
    assert all("ssm." in json.dumps(s.get("Condition", {})) for s in decrypt), (
        "kms:Decrypt only through Parameter Store"
    )
    assert _allows(plan, "sts:AssumeRole")
    trust = policies["member-deploy-role-trust"]
    principals = {
        p for s in as_list(trust["Statement"]) for p in as_list(s["Principal"].get("AWS", []))
    }
    assert principals == {
        "arn:aws:iam::SECURITY_ACCOUNT:role/sgcompliance-deploy",
        "arn:aws:iam::SECURITY_ACCOUNT:role/sgcompliance-plan",
    }
    # AND docs/deploy.md shows exactly these documents
    shown = list(documented_policies(DEPLOY_DOC))
    for name, document in policies.items():
        assert document in shown, f"docs/deploy.md does not show ci/{name}.json"


def test_an_organization_wide_operator_scan_fans_out_through_the_work_queue() -> None:
    """Operator scans within Lambda's timeout.

    "Configure Lambda function timeout",
    https://docs.aws.amazon.com/lambda/latest/dg/configuration-timeout.html: an invocation that
    runs past the function's timeout (the handler's 60 s here) is stopped; reading every
    account x region of an organization in one invocation cannot be bounded by it, so the
    operator's scan sends one work item per account x region, as the sweep does.
    """
    handler = tf_hcl.load(HUB).locals()["function_roles"]["handler"]
    assert handler["timeout"] <= 60
    # GIVEN an organization of many accounts in scope
    w = world(accounts=WHOLE_ORGANIZATION, regions=("eu-west-1", "us-east-1"))
    accounts = tuple(f"{n:012d}" for n in range(100000000001, 100000000013))
    w.adapters.estate_ = FakeEstate((ACCOUNT, OTHER, *accounts), ("eu-west-1", "us-east-1"))
    # WHEN an operator asks for a scan of all of it
    body = w.app.handle({"action": "scan", "request_id": "CHG-9"}).body
    # THEN nothing is read inline: one work item per account x region went to the queue
    assert (body["status"], body["work_items"]) == ("dispatched", 28)
    queue = w.adapters.queue
    assert queue is not None
    assert len(queue.sent) == 28
    assert w.calls == []
    # AND the worker judges those items as a dry run: decisions recorded, nothing changed
    first = [
        {"messageId": f"m{n}", "body": body, "eventSource": "aws:sqs", "attributes": {}}
        for n, (_, body) in enumerate(queue.sent[:2])
    ]
    assert w.app.handle({"Records": first}).body["batchItemFailures"] == []
    assert w.audit
    assert w.writes == []


def test_architecture_names_the_rule_and_roles_terraform_creates() -> None:
    """docs/architecture.md names what the member module creates."""
    text = (Path(DEPLOY_DOC).parent / "architecture.md").read_text(encoding="utf-8")
    member = tf_hcl.load(MEMBER).locals()
    role_name = "sgcompliance-member"
    rule = str(member["forward_rule_name"]).replace("${var.role_name}", role_name)
    role = str(member["forwarder_role_name"]).replace("${var.role_name}", role_name)
    assert (rule, role) == ("sgcompliance-member-sg-changes", "sgcompliance-member-forwarder")
    assert rule in text
    assert role in text
    assert "sgcompliance-forward-sg-changes" not in text
    assert "sgcompliance-event-forwarder" not in text
