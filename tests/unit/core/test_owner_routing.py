"""Owner routing: the owner/team of an alert's groups as bounded, clean String.Array attributes,
whatever a tag holds; the `alert_owner_tags` parameter; the publisher's account fall-back."""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest
from audit_samples import ACCOUNT, REGION, decided, findings, revoked_record

from sgcompliance.config.owner_tags import parse_owner_tags
from sgcompliance.engine.policy import Severity
from sgcompliance.errors import AccessDeniedError, ConfigError
from sgcompliance.records.alert import SNS_MAX_BYTES, Alert, event_alert, sweep_alert
from sgcompliance.records.audit import AuditAction
from sgcompliance.records.notifier import AlertPublisher
from sgcompliance.records.owner_routing import (
    MAX_ROUTING_BYTES,
    MAX_VALUES,
    NO_ROUTING,
    ROUTING_TYPE,
    VALUE_MAX,
    OwnerRouting,
    clean_value,
    routing_size,
    routing_values,
)
from sgcompliance.records.sns_message import ATTRIBUTE_TYPE

NO_ACCOUNT: Mapping[str, str] = {}


def no_account() -> Mapping[str, str]:
    return NO_ACCOUNT


def key(group_id: str) -> tuple[str, str, str]:
    return (ACCOUNT, REGION, group_id)


class Inbox:
    def __init__(self) -> None:
        self.alerts: list[Alert] = []

    def publish(self, alert: Alert) -> str:
        self.alerts.append(alert)
        return f"msg-{len(self.alerts)}"


# --- values from tags ---------------------------------------------------------------------


def test_the_group_tag_names_the_owner_and_team() -> None:
    owner = OwnerRouting().owner({"Owner": "alice", "Team": "payments"}, no_account)
    assert owner == {"owner": "alice", "team": "payments"}


def test_a_group_without_the_tags_has_no_owner_and_the_account_is_not_asked() -> None:
    def account() -> Mapping[str, str]:
        raise AssertionError("the default routing reads the groups' tags only")

    assert OwnerRouting().owner({"Name": "web"}, account) == {}


def test_the_account_tag_fills_in_when_configured_and_the_group_has_none() -> None:
    routing = parse_owner_tags("team=Team,team=account:Team", "test")
    assert routing.owner({}, lambda: {"Team": "platform"}) == {"team": "platform"}
    assert routing.owner({"Team": "payments"}, lambda: {"Team": "platform"}) == {"team": "payments"}


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("pay\nments\x00\x1b[31m", "pay ments [31m"),
        ('a"b\\c', "a b c"),
        ("  équipe   paiements ", "équipe paiements"),
        ("e\u0301quipe", "équipe"),  # decomposed form: normalised to the one a policy names
        ("team\u202e\u200bx", "team x"),  # bidi override and zero-width space: format chars
        ("\ud800lone", "lone"),  # a lone surrogate cannot be encoded in UTF-8
        ("\t\r\n", ""),
    ],
)
def test_a_tag_value_is_cleaned(raw: str, clean: str) -> None:
    assert clean_value(raw) == clean


def test_a_10_kb_tag_value_is_clipped() -> None:
    assert clean_value("x" * 10_240) == "x" * VALUE_MAX


def test_an_unusable_value_falls_through_to_the_next_source() -> None:
    routing = parse_owner_tags("team=Team,team=team", "test")
    assert routing.owner({"Team": "\x00\x01", "team": "ops"}, no_account) == {"team": "ops"}


def test_values_are_distinct_most_important_first_and_bounded() -> None:
    owners = [{"team": f"team-{n % 300}-{'x' * 60}"} for n in range(1000)]
    routing = routing_values([{"team": "first"}, {"team": "first"}, *owners])
    assert routing["team"][0] == "first"
    assert len(set(routing["team"])) == len(routing["team"]) <= MAX_VALUES
    assert routing_size(routing) <= MAX_ROUTING_BYTES


# --- the alert ------------------------------------------------------------------------------


def test_the_alert_carries_routing_as_string_arrays_and_in_its_body() -> None:
    alert = event_alert([revoked_record()], routing={"team": ("payments", "équipe")})
    typed = {name: (kind, value) for name, kind, value in alert.message_attributes()}
    assert typed["team"] == (ROUTING_TYPE, '["payments","équipe"]')
    assert typed["severity"] == (ATTRIBUTE_TYPE, "critical")
    assert alert.body()["owners"] == {"team": ["payments", "équipe"]}
    assert len(typed) <= 10


def test_without_an_owner_the_alert_has_no_routing_attribute() -> None:
    alert = event_alert([revoked_record()])
    assert [name for name, _, _ in alert.message_attributes()] == [
        "severity", "account", "mode", "kind",
    ]  # fmt: skip
    assert "owners" not in alert.body()


def test_a_full_alert_with_the_largest_routing_stays_within_the_sns_limit() -> None:
    routing = routing_values([{"team": f"{n:04d}" + "é" * 120} for n in range(MAX_VALUES)])
    alert = event_alert([revoked_record(found=findings(5000))], routing=routing)
    assert alert.size_bytes <= SNS_MAX_BYTES
    assert alert.body()["truncated"] > 0


# --- the publisher --------------------------------------------------------------------------


def test_an_event_alert_is_routed_by_its_group_s_tags() -> None:
    inbox = Inbox()
    publisher = AlertPublisher(inbox, routing=OwnerRouting())
    publisher.send_for_event(
        [revoked_record(group_id="sg-1")], group_tags={key("sg-1"): {"Team": "payments\n"}}
    )
    assert dict(inbox.alerts[0].routing) == {"team": ("payments",)}


def test_a_sweep_alert_names_every_team_most_severe_first() -> None:
    inbox = Inbox()
    publisher = AlertPublisher(inbox, routing=OwnerRouting())
    low = decided(AuditAction.FLAG, group_id="sg-low", found=findings(1, Severity.LOW))
    high = decided(AuditAction.FLAG, group_id="sg-high", found=findings(1, Severity.HIGH))
    tags = {key("sg-low"): {"Team": "web"}, key("sg-high"): {"Team": "payments"}}
    publisher.send_for_sweep("sweep-1", [low, high], group_tags=tags)
    assert inbox.alerts[0].routing == {"team": ("payments", "web")}


def test_an_account_that_cannot_be_read_routes_by_the_groups_alone() -> None:
    # GIVEN account-tag routing and an Organizations that refuses
    calls: list[str] = []

    def denied(account_id: str) -> Mapping[str, str]:
        calls.append(account_id)
        raise AccessDeniedError("ListTagsForResource: access denied")

    inbox = Inbox()
    routing = parse_owner_tags("team=Team,team=account:Team", "test")
    publisher = AlertPublisher(inbox, routing=routing, account_tags=denied)
    records = [revoked_record(group_id="sg-1"), revoked_record(group_id="sg-2")]
    # WHEN the event is alerted
    delivery = publisher.send_for_event(records, group_tags={key("sg-1"): {"Team": "payments"}})
    # THEN it is published, routed by the group that has a tag; the account was asked once
    assert delivery is not None
    assert delivery.sent
    assert inbox.alerts[0].routing == {"team": ("payments",)}
    assert calls == ["111111111111"]


def test_routing_off_sends_no_routing_attribute() -> None:
    inbox = Inbox()
    AlertPublisher(inbox, routing=NO_ROUTING).send_for_event(
        [revoked_record(group_id="sg-1")], group_tags={key("sg-1"): {"Team": "payments"}}
    )
    assert inbox.alerts[0].routing == {}


# --- the parameter --------------------------------------------------------------------------


def test_the_parameter_reads_pairs_fallbacks_and_none() -> None:
    routing = parse_owner_tags(" team = Team , team=account:Team,owner=Cost Center ", "p")
    assert routing.describe() == "team=Team,team=account:Team,owner=Cost Center"
    assert parse_owner_tags("none", "p") is NO_ROUTING
    assert OwnerRouting().describe() == "owner=Owner,team=Team"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("Team", "is not attribute=TagKey"),
        ("Team=Team", "attribute name 'Team'"),
        ("severity=Sev", "one every alert already carries"),
        ("team=account:", "tag key ''"),
        ("team=" + "k" * 129, "printable characters"),
        (",".join(f"a{n}=K" for n in range(7)), "at most 6"),
        (" , ", "names no tag"),
    ],
)
def test_a_bad_parameter_is_refused_naming_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ConfigError, match="/sgcompliance/alert_owner_tags") as raised:
        parse_owner_tags(text, "/sgcompliance/alert_owner_tags")
    assert says in str(raised.value)


def test_the_array_value_is_json_a_filter_policy_can_match() -> None:
    alert = sweep_alert("s", [revoked_record()], routing={"team": ("a b", "c")})
    _, kind, value = alert.message_attributes()[-1]
    assert (kind, json.loads(value)) == (ROUTING_TYPE, ["a b", "c"])


def test_a_routing_built_in_code_never_exceeds_what_sns_takes() -> None:
    owners = [{"severity": "x", "Bad Name": "y", **{f"a{n}": "v" for n in range(9)}}]
    routing = routing_values(owners)
    assert len(routing) == 6
    assert {"severity", "Bad Name"}.isdisjoint(routing)
