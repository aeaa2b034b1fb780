"""The code calls exactly the IAM actions `adapters.aws.permissions` lists, by principal.

The handler is driven through everything it does on the moto server (an operator scan, change
events remediated in the member account and in the hub account itself, rollbacks, a sweep
dispatched over the organization and its work items handled, mode overrides that read
Organizations) while every signed request is attributed to the credentials that signed it: the
hub's own (the function's execution role) or the assumed member role. Each principal's calls
must map to actions of its list, and each listed action must be called (or be one of the
`SERVICE_ACTIONS` AWS checks on the role's behalf): no missing and no dead permissions.
"""

from __future__ import annotations

import json
import re
import threading
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest

from sgcompliance.adapters.aws import permissions
from sgcompliance.adapters.aws.api_calls import ApiCallCounter, operation_key
from sgcompliance.adapters.aws.session import AwsSettings, ClientFactory
from sgcompliance.entrypoints import bootstrap
from sgcompliance.entrypoints import handler as entry
from support.estate import authorize, create_group, default_vpc, perm
from support.handler_hub import (
    BUCKET,
    FIXTURES,
    REGION,
    Context,
    Hub,
    change_event,
    hub_for,
    sqs_event,
)
from support.moto_env import ServerUse

# The three checks read one recorded drive of the handler (`observed`): one worker runs it, once.
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("permissions-drive")]

HUB_KEY_ID = "testing"  # the test credentials (tests/integration/conftest.py): the hub's own
_CREDENTIAL = re.compile(r"Credential=([^/]+)/")
# Egress to the world on tcp 25 is removed too, so that egress revokes and rollbacks happen.
POLICY = {
    "version": "1",
    "id": "permissions-it",
    "extends": "builtin:strict",
    "checks": [
        {
            "id": "IT-SMTP-OUT",
            "type": "restricted_ports",
            "title": "no mail to the world",
            "severity": "high",
            "remediation": "remove",
            "ports": [{"protocols": ["tcp"], "ports": "25"}],
            "sources": ["world"],
            "directions": ["egress"],
        }
    ],
}


@dataclass(frozen=True)
class Observed:
    hub: set[str]  # operations signed with the hub's own key
    member: set[str]  # operations signed with any other key: the assumed member role
    counted: set[str]  # every operation the handler's call counter saw


class SignedCalls(ApiCallCounter):
    """An `ApiCallCounter` that also records which access key signed each operation."""

    def __init__(self) -> None:
        super().__init__()
        self._by_key: dict[str, set[str]] = defaultdict(set)
        self._keys_lock = threading.Lock()

    def attach(self, events: Any) -> None:
        super().attach(events)
        events.register("before-send", self._on_signed, unique_id=f"signed-{id(self)}")

    def _on_signed(self, event_name: str = "", request: Any = None, **_: Any) -> None:
        header = request.headers.get("Authorization", b"") if request is not None else b""
        text = header.decode() if isinstance(header, bytes) else str(header)
        found = _CREDENTIAL.search(text)
        with self._keys_lock:
            self._by_key[found.group(1) if found else "unsigned"].add(operation_key(event_name))

    def observed(self) -> Observed:
        with self._keys_lock:
            hub = set(self._by_key.get(HUB_KEY_ID, set()))
            member = {op for key, ops in self._by_key.items() if key != HUB_KEY_ID for op in ops}
        return Observed(hub, member, set(self.snapshot().calls))


def actions(operations: set[str]) -> set[str]:
    return {a for a in map(permissions.required_action, operations) if a is not None}


def exposed_group(ec2: Any, prefix_list: str) -> tuple[str, list[str]]:
    """A group open to the world on tcp 22, sending mail to the world, and reached from a
    prefix list: (group id, ids of the rules a remediation revokes)."""
    listed = perm("tcp", (443, 443), f"pl:{prefix_list}", description="partners")
    group_id = create_group(
        ec2, "exposed", description="it", vpc_id=default_vpc(ec2), ingress=[listed]
    )
    opened = authorize(ec2, group_id, perm("tcp", (22, 22), "0.0.0.0/0", description="ssh"))
    authorize(ec2, group_id, perm("tcp", (25, 25), "0.0.0.0/0", description="smtp"), egress=True)
    return group_id, opened


def partner_list(ec2: Any) -> str:
    created = ec2.create_managed_prefix_list(
        PrefixListName="partners",
        AddressFamily="IPv4",
        MaxEntries=5,
        Entries=[{"Cidr": "10.20.0.0/16", "Description": "partner"}],
    )
    return str(created["PrefixList"]["PrefixListId"])


def remediate_and_roll_back(hub: Hub, ec2: Any, account: str, event_id: str) -> None:
    group_id, rule_ids = exposed_group(ec2, partner_list(ec2))
    event = change_event(account, group_id, rule_ids, event_id=event_id)
    decided = entry.handler(event, Context())["decisions"][0]
    assert (decided["action"], decided["outcome"]) == ("revoke", "applied")
    rollback = {"action": "rollback", "backup_id": decided["backup_id"]}
    answer = entry.handler(rollback, Context())
    assert (answer["status"], answer["verified"]) == ("ok", True)


def sweep(hub: Hub) -> None:
    """A sweep over the organization in every enabled region; the work items of one region
    are handled (the others are like them)."""
    hub.put_parameters(accounts="organization", regions="all")
    tick = json.loads((FIXTURES / "scheduled_sweep.json").read_text("utf-8"))
    assert entry.handler(tick, Context())["status"] == "dispatched"
    sqs, picked = hub.client("sqs"), []
    while batch := sqs.receive_message(
        QueueUrl=hub.work_queue_url, MaxNumberOfMessages=10, VisibilityTimeout=300
    ).get("Messages", []):
        picked.extend(m for m in batch if json.loads(m["Body"])["region"] == REGION)
    assert len(picked) == 2  # the hub and the member account
    assert entry.handler(sqs_event(picked), Context()) == {"batchItemFailures": []}


@pytest.fixture(scope="module")
def observed(server_use: ServerUse) -> Observed:
    """One drive of everything the handler does, on a fresh server; the checks below only read
    what it recorded, so they share it (and stay on one worker: `xdist_group`)."""
    # GIVEN the handler's clients record who signed each call
    recorder = SignedCalls()
    factory = ClientFactory(AwsSettings.from_options(endpoint_url=server_use.fresh()))
    with (
        pytest.MonkeyPatch.context() as monkeypatch,
        contextmanager(hub_for)(factory, monkeypatch) as hub,
    ):
        monkeypatch.setenv("SGC_CONFIG_TTL", "0")  # every invocation reads the parameters given
        monkeypatch.setattr(bootstrap, "ApiCallCounter", lambda: recorder)
        own = hub.client("sts").get_caller_identity()["Account"]
        hub.client("s3").put_object(Bucket=BUCKET, Key="policy.json", Body=json.dumps(POLICY))
        overrides = {"tags": [{"key": "team", "value": "none", "mode": "flag_only"}]}
        hub.put_parameters(accounts=f"{own},{hub.member}", mode_overrides=json.dumps(overrides))
        # WHEN it scans, remediates and rolls back in the member and the hub account, and sweeps
        entry.handler({"action": "scan", "regions": [REGION]}, Context())
        remediate_and_roll_back(
            hub, hub.member_ec2(), hub.member, "9d4f3a10-1111-4111-9111-0000000000a1"
        )
        remediate_and_roll_back(
            hub, hub.client("ec2", REGION), own, "9d4f3a10-1111-4111-9111-0000000000a2"
        )
        sweep(hub)
    return recorder.observed()


def test_the_member_role_is_called_for_exactly_the_member_actions(observed: Observed) -> None:
    # THEN every call with the member role's credentials is a member action, and each is used
    assert actions(observed.member) == set(permissions.MEMBER_ACTIONS)


def test_the_hub_role_is_called_for_exactly_the_hub_actions(observed: Observed) -> None:
    # THEN every call with the hub's credentials is a hub action, and each is used (or is one
    # AWS checks on the role's behalf)
    used = actions(observed.hub) | set(permissions.SERVICE_ACTIONS)
    assert used == set(permissions.HUB_ACTIONS)


def test_every_call_the_handler_made_is_attributed_to_a_principal(observed: Observed) -> None:
    # THEN no operation escaped the attribution (it would escape both checks above)
    assert observed.counted == observed.hub | observed.member
