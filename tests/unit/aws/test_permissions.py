"""The IAM action lists: their shape, the operation-to-action mapping and the tag condition.

Whether the code calls exactly these actions is proven against the moto server in
tests/integration/test_it_permissions.py; these tests pin what needs no AWS at all.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from sgcompliance.adapters.aws import permissions
from sgcompliance.remediation.plan import MANAGED_TAG_KEYS

ACTION = re.compile(r"^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$")
SRC = Path(permissions.__file__).resolve().parents[2]
# Every operation name the AWS adapters translate errors for: the calls the product makes.
TRANSLATED = re.compile(r'with translating\(\s*"([A-Za-z0-9]+)"')
ALL_SETS = {
    "hub": permissions.HUB_ACTIONS,
    "member": permissions.MEMBER_ACTIONS,
    "forwarder": permissions.FORWARDER_ACTIONS,
    "tracing": permissions.TRACING_ACTIONS,
    "export": permissions.EXPORT_ACTIONS,
}
EXPORT_ADAPTER = SRC / "adapters" / "aws" / "securityhub.py"


@pytest.mark.parametrize("name", sorted(ALL_SETS))
def test_every_listed_action_names_one_action_of_one_service(name: str) -> None:
    # GIVEN a list WHEN its actions are read THEN none is a wildcard or malformed
    assert ALL_SETS[name]
    assert [a for a in ALL_SETS[name] if not ACTION.match(a)] == []


def test_the_hub_role_holds_the_member_actions_for_its_own_account() -> None:
    # GIVEN the code reads the hub account with the hub's credentials THEN the hub may too
    assert permissions.MEMBER_ACTIONS <= permissions.HUB_ACTIONS


def test_the_member_role_may_not_assume_roles_or_read_the_hub() -> None:
    # GIVEN the member role WHEN its services are listed THEN it is EC2 only
    assert {a.split(":")[0] for a in permissions.MEMBER_ACTIONS} == {"ec2"}


def test_every_service_action_is_granted_to_the_hub() -> None:
    # GIVEN the actions AWS checks on the role's behalf THEN each is in the hub list with a reason
    assert set(permissions.SERVICE_ACTIONS) <= permissions.HUB_ACTIONS
    assert all(reason.strip() for reason in permissions.SERVICE_ACTIONS.values())


@pytest.mark.parametrize(
    ("operation", "action"),
    [
        ("sqs:SendMessageBatch", "sqs:SendMessage"),
        ("s3:ListObjectsV2", "s3:ListBucket"),
        ("s3:HeadObject", "s3:GetObject"),
        ("ec2:DescribeSecurityGroups", "ec2:DescribeSecurityGroups"),
    ],
)
def test_an_operation_maps_to_the_action_that_authorises_it(operation: str, action: str) -> None:
    # GIVEN a counted operation WHEN its action is asked for THEN it is the IAM action's name
    assert permissions.required_action(operation) == action


def test_get_caller_identity_needs_no_permission() -> None:
    # GIVEN the one call IAM never refuses THEN no action is required for it
    assert permissions.required_action("sts:GetCallerIdentity") is None


def test_the_tag_keys_are_the_keys_remediation_manages() -> None:
    # GIVEN the tag keys the plans write THEN the permission's keys are exactly those
    assert set(permissions.TAG_KEYS) == set(MANAGED_TAG_KEYS)


def test_the_tag_condition_limits_keys_and_refuses_requests_without_keys() -> None:
    # WHEN the condition block is built
    conditions = permissions.tag_key_conditions()
    # THEN every key must be a project key, and a request naming no key is refused
    assert conditions["ForAllValues:StringEquals"] == {"aws:TagKeys": list(permissions.TAG_KEYS)}
    assert conditions["Null"] == {"aws:TagKeys": ["false"]}


def handler_operations() -> set[str]:
    """The operations the deployed code wraps in `translating(...)`: the handler's wiring and
    the AWS adapters it imports (a fresh interpreter says which). CLI-only adapters (e.g. the
    Security Hub export) run with the operator's credentials, not the hub role's."""
    listing = (
        "import sys, sgcompliance.entrypoints.bootstrap; "
        "print(*sorted(m for m in sys.modules if m.startswith('sgcompliance.')))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", listing], check=True, capture_output=True, text=True
    ).stdout.split()
    sources = [
        SRC.joinpath(*name.split(".")[1:]).with_suffix(".py")
        for name in loaded
        if name.startswith(("sgcompliance.adapters.aws.", "sgcompliance.entrypoints."))
    ]
    return {m for path in sources for m in TRANSLATED.findall(path.read_text("utf-8"))}


def test_every_operation_the_deployed_code_calls_is_authorised_for_the_hub() -> None:
    # GIVEN the operations the deployed code calls
    names = handler_operations()
    services = {action.split(":")[0] for action in permissions.HUB_ACTIONS} | {"sts"}
    # WHEN each is mapped to its action in whichever service has it
    authorised = {
        name
        for name in names
        for service in services
        if permissions.required_action(f"{service}:{name}") in permissions.HUB_ACTIONS | {None}
    }
    # THEN every one is granted (or needs no permission)
    assert names
    assert names - authorised == set()


def test_the_export_actions_are_exactly_what_the_security_hub_adapter_calls() -> None:
    # GIVEN the operations the Security Hub export wraps in `translating(...)`
    names = set(TRANSLATED.findall(EXPORT_ADAPTER.read_text("utf-8")))
    # WHEN each is mapped to its action
    needed = {permissions.required_action(f"securityhub:{name}") for name in names}
    # THEN the export list grants exactly those: none missing, none unused
    assert names
    assert needed == set(permissions.EXPORT_ACTIONS)


def test_the_hub_functions_never_hold_the_export_actions() -> None:
    # GIVEN the export runs only from the CLI THEN neither the hub nor the member list holds it
    assert permissions.EXPORT_ACTIONS.isdisjoint(permissions.HUB_ACTIONS)
    assert permissions.EXPORT_ACTIONS.isdisjoint(permissions.MEMBER_ACTIONS)
