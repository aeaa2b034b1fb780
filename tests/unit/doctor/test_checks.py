"""The pure checks of `sgc doctor`: what each makes of what the probe read."""

from __future__ import annotations

import json

from sgcompliance.deployment.checks import (
    DoctorExit,
    Result,
    Rule,
    Status,
    Trail,
    Unreadable,
    concurrency_check,
    exit_code,
    forwarding_check,
    hub_rule_check,
    key_policy_checks,
    subscriptions_check,
    trail_check,
)

BUS = "arn:aws:events:us-east-1:999999999999:event-bus/sgcompliance-hub"
QUEUE = "arn:aws:sqs:us-east-1:999999999999:sgcompliance-events"


def _key_policy(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def _grant(service: str, **condition: dict[str, str]) -> dict[str, object]:
    statement: dict[str, object] = {
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
        "Resource": "*",
    }
    if condition:
        statement["Condition"] = condition
    return statement


def test_a_source_account_condition_on_eventbridge_is_reported_missing() -> None:
    # GIVEN the key policy the hub module had before: EventBridge under aws:SourceAccount
    policy = _key_policy(
        _grant("events.amazonaws.com", StringEquals={"aws:SourceAccount": "999999999999"}),
        _grant("cloudwatch.amazonaws.com", StringEquals={"aws:SourceAccount": "999999999999"}),
    )
    # WHEN checked
    events, alarms = key_policy_checks(policy)
    # THEN EventBridge's grant is missing (it drops the events), the alarms' one is fine
    assert (events.status, alarms.status) == (Status.MISSING, Status.OK)
    assert "aws:Source" in events.detail


def test_an_unconditional_eventbridge_grant_is_ok() -> None:
    policy = _key_policy(_grant("events.amazonaws.com"), _grant("cloudwatch.amazonaws.com"))
    assert {r.status for r in key_policy_checks(policy)} == {Status.OK}


def test_an_unreadable_key_policy_is_unknown_not_ok() -> None:
    results = key_policy_checks(Unreadable("AccessDenied"))
    assert {r.status for r in results} == {Status.UNKNOWN}
    assert all("kms:GetKeyPolicy" in r.hint for r in results)


def test_a_trail_must_cover_every_region_and_log_management_events() -> None:
    single = Trail("local", multi_region=False, organization=False, logging=True,
                   management_events=True)  # fmt: skip
    stopped = Trail("stopped", multi_region=True, organization=False, logging=False,
                    management_events=True)  # fmt: skip
    org = Trail("org", multi_region=True, organization=True, logging=True, management_events=True)
    assert trail_check("hub", [single, stopped]).status is Status.MISSING
    assert trail_check("hub", []).detail == "no multi-region logging trail (none)"
    found = trail_check("hub", [single, org])
    assert (found.status, found.detail) == (
        Status.OK,
        "organization trail org: every region, logging",
    )


def test_a_trail_whose_status_cannot_be_read_is_unknown() -> None:
    doubtful = Trail("org", multi_region=True, organization=True, logging=None,
                     management_events=True)  # fmt: skip
    assert trail_check("hub", [doubtful]).status is Status.UNKNOWN


def test_a_forwarding_rule_must_be_enabled_and_target_the_hub_bus() -> None:
    good = Rule("sgcompliance-member-sg-changes", enabled=True, target_arns=(BUS,))
    elsewhere = Rule("sgcompliance-member-sg-changes", enabled=True, target_arns=("arn:x",))
    disabled = Rule("sgcompliance-member-sg-changes", enabled=False, target_arns=(BUS,))
    where = "111111111111/eu-west-1"
    assert forwarding_check(where, good, BUS).status is Status.OK
    assert forwarding_check(where, elsewhere, BUS).status is Status.MISSING
    assert "disabled" in forwarding_check(where, disabled, BUS).detail
    absent = forwarding_check(where, None, BUS)
    assert (absent.where, absent.status) == (where, Status.MISSING)
    assert "sweep" in absent.hint


def test_the_hub_rule_needs_a_dead_letter_queue_and_retries() -> None:
    bare = Rule("sgcompliance-sg-changes", enabled=True, target_arns=(QUEUE,))
    kept = Rule("sgcompliance-sg-changes", enabled=True, target_arns=(QUEUE,),
                dead_letter_arns=("arn:dlq",), retry_policies=1)  # fmt: skip
    assert hub_rule_check(kept, QUEUE).status is Status.OK
    found = hub_rule_check(bare, QUEUE)
    assert found.status is Status.MISSING
    assert "no dead-letter queue" in found.detail
    assert "no retry policy" in found.detail


def test_pending_subscriptions_deliver_nothing() -> None:
    assert subscriptions_check(["PendingConfirmation"]).status is Status.MISSING
    assert subscriptions_check([]).detail == "none"
    confirmed = subscriptions_check(["arn:aws:sns:us-east-1:9:t:1", "PendingConfirmation"])
    assert (confirmed.status, confirmed.detail) == (Status.OK, "1 confirmed, 1 pending")


def test_fewer_than_a_hundred_unreserved_executions_is_missing() -> None:
    tight = concurrency_check({"ConcurrentExecutions": 10, "UnreservedConcurrentExecutions": 10})
    assert tight.status is Status.MISSING
    assert "L-B99A9384" in tight.hint
    roomy = {"ConcurrentExecutions": 1000, "UnreservedConcurrentExecutions": 990}
    assert concurrency_check(roomy).status is Status.OK


def test_unknown_wins_over_missing_which_wins_over_ok() -> None:
    ok = Result("a", "hub", Status.OK, "")
    missing = Result("b", "hub", Status.MISSING, "")
    unknown = Result("c", "hub", Status.UNKNOWN, "")
    assert exit_code([ok]) is DoctorExit.OK
    assert exit_code([ok, missing]) is DoctorExit.MISSING
    assert exit_code([ok, missing, unknown]) is DoctorExit.UNKNOWN
    assert int(DoctorExit.UNKNOWN) == 3
