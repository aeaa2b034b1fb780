"""`sgcompliance.testing`: each fake offers every method of the port it stands in for, with the
port's parameters (mypy checks the types in `sgcompliance.testing.conformance`), and behaves as
its docstring says where tests rely on it."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime

import pytest

from sgcompliance.config.runtime import RuntimeConfig
from sgcompliance.engine.model import Direction, Peer, PeerKind, Rule, SecurityGroup
from sgcompliance.errors import BackupError, NotFoundError
from sgcompliance.policy.loader import load_policy
from sgcompliance.remediation.backup import BackupRecord
from sgcompliance.remediation.plan import Action, Mode, RemediationPlan
from sgcompliance.testing import (
    FakeGateway,
    FakePolicyObject,
    MemoryAuditSink,
    MemoryBackups,
)
from sgcompliance.testing.conformance import PORTS, conforming

ACCOUNT, REGION, GROUP = "111111111111", "eu-west-1", "sg-0a1b2c3d4e5f60718"


def port_methods(protocol: type) -> list[str]:
    return [
        name
        for name, value in vars(protocol).items()
        if callable(value) and not name.startswith("_")
    ]


def parameters(function: object) -> list[str]:
    return [name for name in inspect.signature(function).parameters if name != "self"]  # type: ignore[arg-type]


@pytest.mark.parametrize(("fake", "port"), PORTS, ids=[p.__name__ for _, p in PORTS])
def test_each_fake_offers_every_method_of_its_port_with_the_ports_parameters(
    fake: type, port: type
) -> None:
    # GIVEN the port's methods  WHEN looked up on the fake
    methods = port_methods(port)
    assert methods, f"{port.__name__} declares no methods"
    # THEN each is there, callable, with the same parameters in the same order
    for name in methods:
        assert callable(getattr(fake, name, None)), f"{fake.__name__}.{name} is missing"
        assert parameters(getattr(fake, name)) == parameters(getattr(port, name)), name


def test_the_typed_assignments_build_one_of_each_fake() -> None:
    # GIVEN a configuration  WHEN every fake is assigned to a variable of its port's type
    config = RuntimeConfig(
        Mode.REMOVE, False, (ACCOUNT,), (REGION,), "sgc", load_policy("builtin:strict"), "s"
    )
    held = conforming(config)
    # THEN every port named in PORTS has its fake, and the policy source reads the object
    assert {port.__name__ for _, port in PORTS} <= set(held)
    for fake, port in PORTS:
        assert isinstance(held[port.__name__], fake)
    assert held["PolicySource"].fetch(None)[1] == '"etag-1"'  # type: ignore[attr-defined]


def rule(rule_id: str, port: int, cidr: str) -> Rule:
    kind = PeerKind.IPV6 if ":" in cidr else PeerKind.IPV4
    return Rule(rule_id, GROUP, Direction.INGRESS, "tcp", port, port, Peer(kind, cidr), "d")


def gateway(*, fail_unknown: bool = False) -> FakeGateway:
    rules = (rule("sgr-1", 22, "0.0.0.0/0"), rule("sgr-2", 443, "10.0.0.0/8"))
    group = SecurityGroup(GROUP, "web", ACCOUNT, REGION, rules)
    return FakeGateway([group], fail_unknown=fail_unknown)


def test_the_gateway_answers_a_revoke_of_content_it_no_longer_holds_as_aws_does() -> None:
    # GIVEN a group with SSH open, and a rule it never held
    gw = gateway()
    gone = rule("sgr-9", 3389, "0.0.0.0/0")
    # WHEN both are revoked by content
    result = gw.revoke(GROUP, Direction.INGRESS, [rule("sgr-1", 22, "0.0.0.0/0"), gone])
    # THEN the held one is removed, the other comes back as unknown, and the write is logged
    assert (result.unknown, result.revoked_ids) == ((gone,), ("sgr-1",))
    assert [r.rule_id for r in gw.rules(GROUP)] == ["sgr-2"]
    assert gw.writes == [f"revoke {GROUP} {Direction.INGRESS} ['sgr-1']"]
    # AND an endpoint that fails the whole call does so
    with pytest.raises(NotFoundError):
        gateway(fail_unknown=True).revoke(GROUP, Direction.INGRESS, [gone])


def test_the_gateway_runs_another_actors_change_once_before_the_named_call() -> None:
    # GIVEN someone who deletes the SSH rule just before the tool's next authorize
    gw = gateway()
    gw.before("authorize", lambda: gw.delete_rule(GROUP, "sgr-1"))
    # WHEN the tool authorizes twice
    gw.authorize(GROUP, Direction.INGRESS, [rule("x", 80, "10.0.0.0/8")])
    gw.authorize(GROUP, Direction.INGRESS, [rule("y", 81, "10.0.0.0/8")])
    # THEN the change happened once, and authorize minted new rule ids
    assert [r.rule_id for r in gw.rules(GROUP)] == ["sgr-2", "sgr-new1", "sgr-new2"]


def test_the_backup_store_is_write_once_and_keeps_every_version() -> None:
    # GIVEN a stored backup
    plan = RemediationPlan(
        "plan-1", Mode.REMOVE, Action.REVOKE, ACCOUNT, REGION, GROUP, "web", (), ()
    )
    at = datetime(2026, 11, 27, tzinfo=UTC).isoformat()
    store = MemoryBackups()
    stored = store.put(BackupRecord("b-1", at, plan))
    # WHEN it is written again through the port, then around the tool
    with pytest.raises(BackupError):
        store.put(BackupRecord("b-1", at, plan))
    store.tamper("b-1", BackupRecord("b-1", at, plan))
    # THEN the first version is still readable, with the digest it was stored with
    assert store.load("b-1", "v1").sha256 == stored.sha256
    assert store.load("b-1").version_id == "v2"
    assert store.list(GROUP) == ["b-1"]


def test_the_audit_sink_keeps_the_first_record_of_an_id() -> None:
    sink = MemoryAuditSink()

    class Record:
        record_id = "r-1"

    # WHEN the same record id is written twice  THEN the second write says it created nothing
    first, second = sink.write(Record()), sink.write(Record())  # type: ignore[arg-type]
    assert (first.created, second.created, sink.writes) == (True, False, 2)
    assert first.location == "memory://audit/r-1"


def test_the_policy_object_answers_a_conditional_read_like_s3() -> None:
    # GIVEN the S3 object and a source bound to its bucket and key
    policy = FakePolicyObject()
    source = policy.source("sgc-policies", "policy.json")
    text, etag = source.fetch(None)
    # WHEN read again with its ETag, then after a change
    assert source.fetch(etag) == (None, etag)
    policy.replace("{}")
    # THEN the unchanged object came back without text, the changed one with it
    assert source.fetch(etag) == ("{}", '"etag-2"')
    assert text is not None
    assert policy.requests[0] == ("sgc-policies", "policy.json", None)
