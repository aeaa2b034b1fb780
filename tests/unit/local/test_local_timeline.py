"""The change timeline, the metric and alert readers, and the worker's output split (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sgcompliance.local.pipeline.cloudtrail_emitter import EmittedEvent
from sgcompliance.local.pipeline.flow import InboxAlert
from sgcompliance.local.pipeline.report import alert_for, metric_total, metric_values
from sgcompliance.local.pipeline.timeline import backup_time, change_timeline, latency_ms, render
from sgcompliance.local.pipeline.worker import Handled, split_output

T0 = datetime(2026, 11, 27, 12, 0, 0, tzinfo=UTC)
RECORD = {"eventID": "ev-1", "eventName": "AuthorizeSecurityGroupIngress",
          "recipientAccountId": "111111111111", "awsRegion": "eu-west-1"}  # fmt: skip
EMF = {
    "_aws": {"Timestamp": 1, "CloudWatchMetrics": [{
        "Namespace": "sgcompliance", "Dimensions": [["service", "Mode", "Severity"], ["service"]],
        "Metrics": [{"Name": "Violations", "Unit": "Count"}],
    }]},
    "service": "sgcompliance", "Mode": "remove_non_compliant_rules", "Severity": "critical",
    "Violations": [2.0],
}  # fmt: skip


def at(ms: int) -> datetime:
    return T0 + timedelta(milliseconds=ms)


def handled(received: int, done: int, queued: int | None = None) -> Handled:
    when = at(queued) if queued is not None else None
    return Handled("m-1", {"detail": RECORD}, when, at(received), at(done))


def test_moments_are_in_time_order_with_offsets_from_the_change() -> None:
    # GIVEN a change, its delivery, and an audit record whose backup preceded its decided_at
    change = EmittedEvent(RECORD, at(0), at(5), at(6))
    record = {
        "decided_at": "2026-11-27T12:00:00.400Z",
        "backup_id": "sg-0abc.20261127T120000300000Z.3c9e1d2b",
        "action": "revoke", "outcome": "applied",
    }  # fmt: skip
    alert = InboxAlert("s", {}, {}, at(450))
    # WHEN the timeline is built
    moments = change_timeline(change, handled(100, 500, queued=90), record, alert)
    # THEN every recorded moment is there, in order
    assert [m.label for m in moments] == [
        "change", "event", "queued", "received", "decision", "revoke", "alert", "done",
    ]  # fmt: skip
    assert latency_ms(moments, "revoke") == 400
    assert render(moments)[0].startswith("12:00:00.000       +0 ms  change")


def test_a_moment_nobody_recorded_is_left_out() -> None:
    change = EmittedEvent(RECORD, at(0), at(5), None)
    moments = change_timeline(change, handled(100, 500), None, None)
    assert [m.label for m in moments] == ["change", "received", "done"]
    assert latency_ms(moments, "alert") is None


def test_a_backup_id_carries_its_creation_time() -> None:
    assert backup_time("sg-0abc.20261127T120002101000Z.3c9e1d2b") == at(2101)
    assert backup_time("not a backup id") is None


def test_emf_documents_give_one_value_per_metric_with_its_dimensions() -> None:
    values = metric_values([EMF])
    assert [(v.name, v.value, dict(v.dimensions)["Severity"]) for v in values] == [
        ("Violations", 2.0, "critical")
    ]
    assert metric_total(values, "Violations") == 2.0
    assert metric_total(values, "RulesRevoked") == 0


def test_the_alert_about_an_event_is_found_by_its_event_id() -> None:
    other = InboxAlert("a", {"event": {"id": "ev-0"}}, {}, None)
    mine = InboxAlert("b", {"event": {"id": "ev-1"}}, {}, None)
    assert alert_for([other, mine], "ev-1") is mine
    assert alert_for([other], "ev-1") is None


def test_the_handler_s_output_is_split_into_emf_documents_and_other_lines() -> None:
    text = "\n".join([json.dumps(EMF), '{"level": "INFO"}', "plain text", ""])
    emf, other = split_output(text)
    assert emf == (EMF,)
    assert other == ('{"level": "INFO"}', "plain text")


def test_the_audit_records_the_handler_logged_are_read_from_its_output() -> None:
    record = {"record_id": "r1", "action": "revoke"}
    line = json.dumps({"level": "INFO", "audit_record": record})
    one = Handled("m-1", {}, None, at(0), at(1), output=(line, "not json", '{"level": "INFO"}'))
    assert one.audit_records == [record]
