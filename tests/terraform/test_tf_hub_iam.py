"""The hub module's IAM, read from its HCL: the functions' role holds exactly the actions the code
calls (`adapters.aws.permissions.HUB_ACTIONS`), with no wildcard action, "*" only where AWS
supports no narrower resource, and the tag actions limited to the project's tag keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sgcompliance.adapters.aws import permissions

hcl2 = pytest.importorskip("hcl2", reason="python-hcl2 is not installed (a dev dependency)")

HUB = Path(__file__).resolve().parents[2] / "terraform" / "modules" / "hub"
# Actions AWS authorises on "*" only: they support no resource-level permissions.
WITHOUT_RESOURCE_LEVEL = frozenset(
    {
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeRegions",
        "ec2:DescribeSecurityGroupRules",
        "ec2:DescribeSecurityGroups",
        "organizations:ListAccounts",
        "xray:PutTelemetryRecords",
        "xray:PutTraceSegments",
    }
)
Statement = dict[str, Any]


def text(value: object) -> str:
    """python-hcl2 keeps a string literal's quotes: '"ec2:X"' -> 'ec2:X'."""
    raw = str(value)
    return raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] == '"' else raw


def texts(value: object) -> list[str]:
    return [text(v) for v in value] if isinstance(value, list) else [text(value)]


def module_files() -> list[dict[str, Any]]:
    parsed = []
    for path in sorted(HUB.glob("*.tf")):
        with path.open(encoding="utf-8") as handle:
            parsed.append(hcl2.load(handle))
    return parsed


def module_locals() -> dict[str, str]:
    return {
        name: text(value)
        for parsed in module_files()
        for block in parsed.get("locals", [])
        for name, value in block.items()
        if isinstance(value, str)
    }


def resolved(reference: str) -> str:
    """'${local.name}' -> the local's (string) value; anything else as it is."""
    if reference.startswith("${local.") and reference.endswith("}"):
        return module_locals().get(reference[len("${local.") : -1], reference)
    return reference


def policy_documents() -> dict[str, list[Statement]]:
    """Every `data "aws_iam_policy_document"` of the module: name -> its literal statements."""
    found: dict[str, list[Statement]] = {}
    for parsed in module_files():
        for block in parsed.get("data", []):
            for kind, named in block.items():
                if text(kind) != "aws_iam_policy_document":
                    continue
                for name, body in named.items():
                    found[text(name)] = list(body.get("statement", []))
    return found


def actions(statements: list[Statement]) -> list[str]:
    return [a for s in statements for a in texts(s.get("actions", []))]


def conditions(statement: Statement) -> dict[str, dict[str, list[str]]]:
    out: dict[str, dict[str, list[str]]] = {}
    for block in statement.get("condition", []):
        out.setdefault(text(block["test"]), {})[text(block["variable"])] = texts(block["values"])
    return out


@pytest.fixture(scope="module")
def documents() -> dict[str, list[Statement]]:
    return policy_documents()


def test_the_function_role_holds_exactly_the_hub_actions(
    documents: dict[str, list[Statement]],
) -> None:
    # GIVEN the functions' policy WHEN its actions are collected THEN they are the code's list
    listed = actions(documents["functions"])
    assert sorted(set(listed)) == sorted(permissions.HUB_ACTIONS)


def test_no_action_is_granted_twice(documents: dict[str, list[Statement]]) -> None:
    # GIVEN the functions' policy THEN each action sits in one statement (one place to scope it)
    listed = actions(documents["functions"])
    assert len(listed) == len(set(listed))


def test_tracing_grants_exactly_the_xray_write_actions(
    documents: dict[str, list[Statement]],
) -> None:
    assert set(actions(documents["tracing"])) == permissions.TRACING_ACTIONS


@pytest.mark.parametrize(
    "name",
    ["functions", "tracing", "bucket", "bucket_writes", "bucket_operators", "bus", "events_queue"],
)
def test_no_policy_grants_a_wildcard_action(
    documents: dict[str, list[Statement]], name: str
) -> None:
    # GIVEN an identity or resource policy of the module (the key policy is a key policy: its
    # account statement delegates to IAM) THEN no action is "*" or "service:*"
    wild = [a for a in actions(documents[name]) if a == "*" or a.endswith(":*")]
    # The bucket's TLS-only statement denies everything over plain HTTP: a Deny may be wide.
    allowed = ["s3:*"] if name == "bucket" else []
    assert wild == allowed


def test_star_resources_only_for_actions_without_resource_level_permissions(
    documents: dict[str, list[Statement]],
) -> None:
    # GIVEN the functions' and tracing statements that name "*" as a resource
    starred = [
        s
        for name in ("functions", "tracing")
        for s in documents[name]
        if "*" in texts(s.get("resources", []))
    ]
    # THEN each grants only actions AWS cannot scope, and says so in its statement alone
    assert starred
    assert all(set(texts(s["actions"])) <= WITHOUT_RESOURCE_LEVEL for s in starred)
    assert all(texts(s["resources"]) == ["*"] for s in starred)


def test_tag_actions_are_limited_to_the_project_tag_keys(
    documents: dict[str, list[Statement]],
) -> None:
    # GIVEN the statement granting the tag actions
    (tagging,) = [
        s
        for s in documents["functions"]
        if set(texts(s["actions"])) & permissions.MEMBER_TAG_ACTIONS
    ]
    # THEN it grants only them, on the account's own groups, under the code's condition
    assert set(texts(tagging["actions"])) == permissions.MEMBER_TAG_ACTIONS
    assert conditions(tagging) == permissions.tag_key_conditions()
    owned = [resolved(r) for r in texts(tagging["resources"])]
    assert owned == ["arn:${local.partition}:ec2:*:${local.account_id}:security-group/*"]


def test_every_write_is_on_named_resources(documents: dict[str, list[Statement]]) -> None:
    # GIVEN the functions' statements THEN every resource is a reference or an ARN, never
    # a bare "*" next to a write
    writes = [
        s
        for s in documents["functions"]
        if any(a.split(":")[1].startswith(("Put", "Send", "Revoke", "Authorize", "Create",
                                             "Delete", "Publish"))
               for a in texts(s["actions"]))
    ]  # fmt: skip
    assert writes
    assert all("*" not in texts(s["resources"]) for s in writes)
