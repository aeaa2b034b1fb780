"""Tag changes on groups and rules are events (issue #13): an exemption granted or removed, or
the tool's own tags tampered with, is judged at once from a new read of the group and alerted
with who did it; a tag the tool does not read costs no AWS call; its own tag writes are only
counted."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from typing import Any

from sgcompliance.adapters.emf import EmfMetricsSink
from sgcompliance.engine.model import SecurityGroup
from sgcompliance.engine.policy import Exemption, Policy
from sgcompliance.events.classify import SgChangeEvent, classify
from sgcompliance.events.tag_changes import TagEdit
from sgcompliance.records.audit import AuditAction, to_json
from sgcompliance.records.metrics import MetricsManager
from sgcompliance.remediation.plan import TAG_STATUS, Mode
from support.pipeline_world import (
    GROUP,
    MEMBER,
    REGION,
    SSH_V4,
    SSH_V6,
    emitted,
    event_for,
    open_ssh_group,
    strict_policy,
    world,
)

EXEMPTION = "EX-2026-014"
DEVELOPER = "alice@example.com"
OWN_ROLE_SESSION = (
    "arn:aws:sts::111111111111:assumed-role/sgcompliance-member/sgcompliance-remediator"
)


def exempting_policy(**changes: Any) -> Policy:
    """The strict pack with one tagged exemption for this account, as a security team writes."""
    exemption = Exemption(
        EXEMPTION,
        owner="network-team",
        reason="bastion reachable from the internet until the VPN lands",
        ticket="SEC-1204",
        expires=date(2027, 3, 31),
        accounts=frozenset({MEMBER}),
        tagged=True,
    )
    return replace(strict_policy(), exemptions=(exemption,), **changes)


def tags_event(
    name: str = "CreateTags",
    tags: list[dict[str, str]] | None = None,
    resources: tuple[str, ...] = (GROUP,),
    arn: str | None = None,
) -> dict[str, Any]:
    event = event_for("create_tags", eventName=name)
    parameters = event["detail"]["requestParameters"]
    parameters["resourcesSet"] = {"items": [{"resourceId": r} for r in resources]}
    if tags is None:
        parameters.pop("tagSet")
    else:
        parameters["tagSet"] = {"items": tags}
    if arn is not None:
        identity = event["detail"]["userIdentity"]
        identity["arn"] = arn
        identity["sessionContext"]["sessionIssuer"]["arn"] = (
            "arn:aws:iam::111111111111:role/sgcompliance-member"
        )
    return event


def pointed(value: str = EXEMPTION) -> SecurityGroup:
    """The fixture's group with SSH open to the world, its exemption tag naming `value`."""
    group = open_ssh_group()
    return replace(group, tags={**group.tags, "sgc-exemption": value})


def metrics() -> MetricsManager:
    return MetricsManager(EmfMetricsSink(io.StringIO()))


# --- parsing ---------------------------------------------------------------------------------


def test_a_create_tags_record_names_the_groups_rules_and_tags_it_set() -> None:
    event = tags_event(
        tags=[{"key": "sgc-exemption", "value": EXEMPTION}, {"key": "team", "value": "edge"}],
        resources=(GROUP, "sgr-0123456789abcdef0", "i-0123456789abcdef0"),
    )
    found = classify(event)
    assert isinstance(found, SgChangeEvent)
    assert found.group_ids == (GROUP,)
    assert found.rule_ids == ("sgr-0123456789abcdef0",)
    # (the instance the same call tagged is no security group: left out)
    assert {e.resource_id for e in found.tag_edits} == {GROUP, "sgr-0123456789abcdef0"}
    assert TagEdit(GROUP, "sgc-exemption", EXEMPTION, removed=False) in found.tag_edits


def test_a_delete_tags_without_tags_removes_every_tag() -> None:
    found = classify(tags_event("DeleteTags", tags=None))
    assert isinstance(found, SgChangeEvent)
    assert found.tag_edits == (TagEdit(GROUP, None, None, removed=True),)


def test_a_tag_key_longer_than_aws_allows_is_not_taken_for_a_tag() -> None:
    found = classify(tags_event(tags=[{"key": "k" * 129, "value": "v"}]))
    assert isinstance(found, SgChangeEvent)
    assert found.tag_edits == ()


# --- judging ---------------------------------------------------------------------------------


def test_a_group_pointed_at_a_defined_exemption_is_judged_exempt_and_the_grant_is_alerted() -> None:
    # GIVEN a group with SSH open to the world, just tagged to point at EX-2026-014
    w = world(pointed(), policy=exempting_policy())
    # WHEN the CreateTags event arrives
    body = w.app.handle(tags_event(tags=[{"key": "sgc-exemption", "value": EXEMPTION}])).body
    # THEN the group was read again and judged compliant under the exemption: nothing changed
    (decided,) = body["decisions"]
    assert decided["action"] == AuditAction.NONE.value
    assert w.writes == []
    # AND the record says which tag changed, how, and who changed it
    (record,) = w.audit
    assert record.actor is not None
    assert record.actor.endswith(DEVELOPER)
    assert to_json(record)["tag_changes"] == [
        {
            "resource_id": GROUP,
            "key": "sgc-exemption",
            "value": EXEMPTION,
            "change": "set",
            "role": "exemption",
        }
    ]
    # AND one alert tells it, though nothing was found
    (alert,) = w.alerts
    assert alert.body()["summary"] == (
        f"NOTICE: exemption tag sgc-exemption={EXEMPTION} set on {GROUP} in {MEMBER} {REGION}, "
        f"after CreateTags by {record.actor}"
    )
    assert alert.subject.startswith("sgcompliance NOTICE: exemption tag sgc-exemption=")
    assert alert.body()["groups"][0]["action"] == "none"
    assert alert.body()["groups"][0]["tag_changes"][0]["key"] == "sgc-exemption"


def test_a_pointer_to_an_exemption_the_policy_does_not_define_is_remediated_and_alerted() -> None:
    # GIVEN a developer's own pointer, to an exemption nobody defined
    w = world(pointed("EX-MINE"), policy=exempting_policy())
    body = w.app.handle(tags_event(tags=[{"key": "sgc-exemption", "value": "EX-MINE"}])).body
    # THEN the world-open rules are revoked (after a backup) and the unknown pointer is a finding
    (decided,) = body["decisions"]
    assert (decided["action"], decided["outcome"]) == ("revoke", "applied")
    assert decided["revoked_rule_ids"] == [SSH_V4, SSH_V6]
    (record,) = w.audit
    assert "SGC.EXEMPTION_TAG_UNKNOWN" in {f.check_id for f in record.findings}
    (alert,) = w.alerts
    assert "exemption tag sgc-exemption=EX-MINE set on" in alert.body()["summary"]


def test_removing_the_exemption_tag_remediates_the_group_at_once() -> None:
    # GIVEN a group whose exemption tag was just deleted (its world-open SSH no longer exempt)
    w = world(policy=exempting_policy())
    # WHEN the DeleteTags event arrives
    body = w.app.handle(tags_event("DeleteTags", tags=[{"key": "sgc-exemption"}])).body
    # THEN the rules are revoked, and the alert says the exemption tag was removed and by whom
    (decided,) = body["decisions"]
    assert decided["revoked_rule_ids"] == [SSH_V4, SSH_V6]
    (alert,) = w.alerts
    summary = alert.body()["summary"]
    assert "after DeleteTags by arn:aws:sts::111111111111:assumed-role/" in summary
    assert f"exemption tag sgc-exemption removed from {GROUP}" in summary


def test_removing_the_tools_flag_by_hand_flags_the_group_again() -> None:
    # GIVEN flag_only, and a flagged group whose sgc:status tag somebody deleted
    w = world(mode=Mode.FLAG_ONLY)
    w.app.handle(event_for())
    del w.gateway.groups[GROUP].tags[TAG_STATUS]
    # WHEN the DeleteTags event arrives
    body = w.app.handle(tags_event("DeleteTags", tags=[{"key": TAG_STATUS}])).body
    # THEN the group is flagged again and the tampering is alerted with who did it
    (decided,) = body["decisions"]
    assert decided["action"] == "flag"
    assert w.gateway.groups[GROUP].tags[TAG_STATUS] == "flagged"
    assert f"tool tag {TAG_STATUS} removed from {GROUP}" in w.alerts[-1].body()["summary"]


def test_a_tag_the_tool_does_not_read_costs_no_aws_call_and_no_alert() -> None:
    counted = metrics()
    w = world(metrics=counted, policy=exempting_policy())
    body = w.app.handle(tags_event(tags=[{"key": "Name", "value": "web"}])).body
    assert body["status"] == "ignored"
    assert body["reason"].startswith("CreateTags changed no tag the tool reads (sgc-exemption")
    assert w.calls == []
    assert w.alerts == []
    (record,) = w.audit
    assert record.action is AuditAction.IGNORED
    assert emitted(counted)["EventsIgnored[unwatched_tags]"] == 1


def test_a_key_the_policy_matches_on_is_a_tag_the_tool_reads() -> None:
    # GIVEN an exemption matching groups tagged tier=bastion (the policy reads `tier`)
    policy = exempting_policy()
    widened = replace(policy.exemptions[0], tagged=False, tags=(("tier", "bastion"),))
    w = world(policy=replace(policy, exemptions=(widened,)))
    # WHEN someone tags the group tier=bastion  THEN the group is judged again
    body = w.app.handle(tags_event(tags=[{"key": "tier", "value": "bastion"}])).body
    assert body["status"] == "judged"
    assert w.audit[0].tag_changes[0].role.value == "policy"


def test_the_remediators_own_tag_writes_are_counted_not_recorded() -> None:
    counted = metrics()
    w = world(metrics=counted)
    event = tags_event(tags=[{"key": TAG_STATUS, "value": "flagged"}], arn=OWN_ROLE_SESSION)
    body = w.app.handle(event).body
    assert body["status"] == "ignored"
    assert (w.calls, w.audit, w.alerts) == ([], [], [])
    assert emitted(counted)["EventsIgnored[own_session]"] == 1


def test_a_rule_tag_change_judges_the_group_of_the_rule() -> None:
    # GIVEN an exemption granted by a rule tag (the policy says so), and the SSH rule's tag set
    policy = exempting_policy()
    by_rule = replace(policy.exemptions[0], tagged=False, rule_tags=(("approved", "yes"),))
    w = world(policy=replace(policy, exemptions=(by_rule,)))
    # WHEN the CreateTags event on the rule arrives
    event = tags_event(tags=[{"key": "approved", "value": "yes"}], resources=(SSH_V4,))
    body = w.app.handle(event).body
    # THEN the rule's group is looked up and judged
    assert f"rules {MEMBER}/{REGION} ['{SSH_V4}']" in w.calls
    (decided,) = body["decisions"]
    assert decided["group_id"] == GROUP
    assert w.audit[0].tag_changes[0].resource_id == SSH_V4


def test_a_session_named_like_the_remediators_but_of_another_role_is_judged() -> None:
    # GIVEN a developer's role session named "sgcompliance-..." deleting the tool's flag
    w = world(mode=Mode.FLAG_ONLY)
    w.app.handle(event_for())
    del w.gateway.groups[GROUP].tags[TAG_STATUS]
    event = tags_event("DeleteTags", tags=[{"key": TAG_STATUS}], arn=OWN_ROLE_SESSION)
    issuer = event["detail"]["userIdentity"]["sessionContext"]["sessionIssuer"]
    issuer["arn"] = "arn:aws:iam::111111111111:role/developer"
    # WHEN the event arrives  THEN it is not taken for the tool's own write: flagged again
    body = w.app.handle(event).body
    assert body["status"] == "judged"
    assert w.gateway.groups[GROUP].tags[TAG_STATUS] == "flagged"
