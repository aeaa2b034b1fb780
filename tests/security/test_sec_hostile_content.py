"""Hostile content in group names, descriptions, tags and rule descriptions, and in the
event itself, does not break the log (one JSON document per line), the SNS alert (valid JSON
within SNS's limits), the tags the remediator writes (AWS's limits) or the audit records."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools import Logger
from hostile_strings import INJECTED_KEY, LONG_HOSTILE, control_characters, keys_in

from sgcompliance.engine.model import Direction, Peer, PeerKind, Rule, SecurityGroup
from sgcompliance.records.audit import to_json
from sgcompliance.records.audit_log import LogAuditSink
from sgcompliance.records.sns_message import ATTRIBUTE_VALUE_MAX, SNS_MAX_BYTES, SUBJECT_MAX
from sgcompliance.remediation.plan import TAG_PREFIX, Mode
from support.pipeline_world import MEMBER, REGION, World, event_for, world

GROUPS = 40
RULES_PER_GROUP = 60
TAG_KEY_MAX, TAG_VALUE_MAX = 128, 256


def hostile_group(index: int) -> SecurityGroup:
    group_id = f"sg-{index:017x}"
    rules = tuple(
        Rule(
            f"sgr-{index:08x}{port:09x}",
            group_id,
            Direction.INGRESS,
            "tcp",
            port,
            port,
            Peer(PeerKind.IPV4, "0.0.0.0/0"),
            LONG_HOSTILE,
            (("Name", LONG_HOSTILE[:256]),),
        )
        for port in range(20, 20 + RULES_PER_GROUP)
    )
    tags = {"Name": LONG_HOSTILE[:256], LONG_HOSTILE[:128]: LONG_HOSTILE[:256]}
    return SecurityGroup(
        group_id, LONG_HOSTILE[:255], MEMBER, REGION, rules, description=LONG_HOSTILE, tags=tags
    )


def hostile_event(groups: list[SecurityGroup]) -> dict[str, Any]:
    """A change naming every group, made by an identity whose ARN and agent are hostile."""
    event = event_for()
    detail = event["detail"]
    detail["userIdentity"]["arn"] = LONG_HOSTILE[:2000]
    detail["userAgent"] = LONG_HOSTILE
    detail["requestParameters"]["groupId"] = groups[0].group_id
    detail["responseElements"]["securityGroupRuleSet"]["items"] = [
        {"groupId": g.group_id, "securityGroupRuleId": g.rules[0].rule_id} for g in groups
    ]
    return event


@pytest.fixture
def log_stream(request: pytest.FixtureRequest) -> Iterator[tuple[io.StringIO, Logger]]:
    """The handler's JSON logger (powertools), the library's loggers writing through it."""
    stream = io.StringIO()
    # powertools sets a service's logger up once per process: one service name per test.
    service = f"sgc-security-{request.node.name}"
    logger = Logger(service=service, logger_handler=logging.StreamHandler(stream))
    library = logging.getLogger("sgcompliance")
    library.addHandler(logger.registered_handler)
    try:
        yield stream, logger
    finally:
        library.removeHandler(logger.registered_handler)


def handled(mode: Mode, logger: Logger | None = None) -> World:
    groups = [hostile_group(i) for i in range(1, GROUPS + 1)]
    w = world(*groups, mode=mode, max_revokes=None)
    if logger is not None:
        w.pipeline.audit_log = LogAuditSink(logger)
    w.app.handle(hostile_event(groups))
    return w


@pytest.mark.parametrize("mode", [Mode.FLAG_ONLY, Mode.REMOVE])
def test_every_log_line_is_one_json_document_without_injected_keys(
    log_stream: tuple[io.StringIO, Logger], mode: Mode
) -> None:
    # GIVEN hostile groups and a hostile event  WHEN handled with the JSON logger
    stream, logger = log_stream
    w = handled(mode, logger)
    # THEN every line parses on its own, and no hostile text became a key
    lines = [line for line in stream.getvalue().splitlines() if line.strip()]
    assert len(lines) >= len(w.audit) > 0
    for line in lines:
        entry = json.loads(line)
        assert isinstance(entry, dict)
        assert INJECTED_KEY not in keys_in(entry)


def test_the_alert_is_valid_json_within_the_sns_limits() -> None:
    w = handled(Mode.REMOVE)
    (alert,) = w.alerts
    # THEN within 256 KiB with its attributes, valid JSON, and findings left out are counted
    assert alert.size_bytes <= SNS_MAX_BYTES
    body = json.loads(alert.message)
    assert INJECTED_KEY not in keys_in(body)
    assert body["truncated"] > 0
    assert alert.message.isascii()


def test_the_alert_subject_and_attributes_are_one_printable_ascii_line() -> None:
    (alert,) = handled(Mode.REMOVE).alerts
    assert 0 < len(alert.subject) <= SUBJECT_MAX
    assert alert.subject.isascii()
    assert alert.subject.isprintable()
    for name, value in alert.attributes.items():
        assert (name + value).isascii()
        assert value.isprintable()
        assert 0 < len(value) <= ATTRIBUTE_VALUE_MAX


@pytest.mark.parametrize("mode", [Mode.FLAG_ONLY, Mode.REMOVE])
def test_the_tags_the_remediator_writes_keep_to_aws_limits(mode: Mode) -> None:
    w = handled(mode)
    written = [
        (key, value)
        for gateway in w.adapters.member_groups.gateways.values()
        for group in gateway.groups.values()
        for key, value in group.tags.items()
        if key.startswith(TAG_PREFIX)
    ]
    # THEN every group was flagged, and every tag is within limits and free of controls
    assert len({k for k, _ in written}) >= 3
    for key, value in written:
        assert len(key) <= TAG_KEY_MAX
        assert len(value) <= TAG_VALUE_MAX
        assert not control_characters(key + value, allowed="")
        assert LONG_HOSTILE[:20] not in value


def test_audit_records_serialize_to_json_with_bounded_fields() -> None:
    w = handled(Mode.REMOVE)
    assert len(w.audit) == GROUPS
    for record in w.audit:
        doc = json.loads(json.dumps(to_json(record)))
        assert INJECTED_KEY not in keys_in(doc)
        assert len(doc["actor"]) <= 2048
