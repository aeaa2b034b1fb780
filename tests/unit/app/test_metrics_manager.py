"""MetricsManager: the EMF lines it writes, read back as CloudWatch would read them."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from sgcompliance.adapters.emf import MAX_VALUES_PER_DOCUMENT, EmfMetricsSink
from sgcompliance.records.metrics import MetricsManager


def emitted(out: io.StringIO) -> list[dict[str, Any]]:
    """Every EMF document written so far, one JSON object per line."""
    return [json.loads(line) for line in out.getvalue().splitlines()]


def directive(doc: dict[str, Any]) -> dict[str, Any]:
    (only,) = doc["_aws"]["CloudWatchMetrics"]
    result: dict[str, Any] = only
    return result


def metric_units(doc: dict[str, Any]) -> dict[str, str]:
    return {m["Name"]: m["Unit"] for m in directive(doc)["Metrics"]}


def find(docs: list[dict[str, Any]], metric: str, **dims: str) -> dict[str, Any]:
    matching = [
        d for d in docs if metric in metric_units(d) and all(d.get(k) == v for k, v in dims.items())
    ]
    assert len(matching) == 1, f"{metric} {dims}: {len(matching)} documents"
    return matching[0]


@pytest.fixture
def out() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def metrics(out: io.StringIO) -> MetricsManager:
    return MetricsManager(EmfMetricsSink(out), mode="remove_non_compliant_rules")


def test_scan_counts_are_counts_dimensioned_by_service_and_mode(
    metrics: MetricsManager, out: io.StringIO
) -> None:
    # GIVEN one scan's counts  WHEN flushed
    metrics.groups_scanned(3)
    metrics.rules_evaluated(40)
    metrics.flush()
    # THEN one document holds both, in the sgcompliance namespace, per service and mode
    (doc,) = emitted(out)
    assert directive(doc)["Namespace"] == "sgcompliance"
    assert directive(doc)["Dimensions"] == [["service", "Mode"]]
    assert metric_units(doc) == {"GroupsScanned": "Count", "RulesEvaluated": "Count"}
    assert (doc["service"], doc["Mode"]) == ("sgcompliance", "remove_non_compliant_rules")
    assert (doc["GroupsScanned"], doc["RulesEvaluated"]) == ([3.0], [40.0])


def test_counts_recorded_several_times_are_summed(
    metrics: MetricsManager, out: io.StringIO
) -> None:
    metrics.rules_revoked(2)
    metrics.rules_revoked(3)
    metrics.flush()
    assert emitted(out)[0]["RulesRevoked"] == [5.0]


def test_remediation_counts_have_their_names_and_units(
    metrics: MetricsManager, out: io.StringIO
) -> None:
    metrics.rules_revoked(1)
    metrics.groups_locked_down(1)
    metrics.remediation_errors(1)
    metrics.flush()
    assert metric_units(emitted(out)[0]) == {
        "RulesRevoked": "Count",
        "GroupsLockedDown": "Count",
        "RemediationErrors": "Count",
    }


def test_durations_are_milliseconds_and_keep_every_sample(
    metrics: MetricsManager, out: io.StringIO
) -> None:
    metrics.scan_duration(812.5)
    metrics.time_to_remediate(2345)
    metrics.time_to_remediate(1200)
    metrics.flush()
    (doc,) = emitted(out)
    assert metric_units(doc) == {"ScanDuration": "Milliseconds", "TimeToRemediate": "Milliseconds"}
    assert doc["TimeToRemediate"] == [2345.0, 1200.0]


def test_violations_are_published_per_severity_and_in_total(
    metrics: MetricsManager, out: io.StringIO
) -> None:
    # GIVEN violations of two severities
    metrics.violations({"critical": 2, "high": 1, "low": 0})
    metrics.flush()
    docs = emitted(out)
    # THEN each severity has a document that also rolls up to service x mode
    critical = find(docs, "Violations", Severity="critical")
    assert directive(critical)["Dimensions"] == [
        ["service", "Mode", "Severity"],
        ["service", "Mode"],
    ]
    assert critical["Violations"] == [2.0]
    assert find(docs, "Violations", Severity="high")["Violations"] == [1.0]
    assert len(docs) == 2  # a zero count adds no severity series


def test_no_violations_records_a_zero_so_alarms_see_data(
    metrics: MetricsManager, out: io.StringIO
) -> None:
    metrics.violations({})
    metrics.flush()
    (doc,) = emitted(out)
    assert directive(doc)["Dimensions"] == [["service", "Mode"]]
    assert doc["Violations"] == [0.0]


def test_ignored_events_are_counted_by_reason_without_mode(
    metrics: MetricsManager, out: io.StringIO
) -> None:
    metrics.event_ignored("own_session")
    metrics.event_ignored("own_session")
    metrics.flush()
    (doc,) = emitted(out)
    assert directive(doc)["Dimensions"] == [["service", "Reason"], ["service"]]
    assert (doc["Reason"], doc["EventsIgnored"]) == ("own_session", [2.0])
    assert "Mode" not in doc


def test_an_unknown_ignore_reason_is_counted_as_other(
    metrics: MetricsManager, out: io.StringIO
) -> None:
    # GIVEN a free-form reason (which would otherwise mint a metric per value)
    metrics.event_ignored("something\nnew 12345")
    metrics.flush()
    assert emitted(out)[0]["Reason"] == "other"


def test_remediation_errors_name_the_account_when_given(
    metrics: MetricsManager, out: io.StringIO
) -> None:
    metrics.remediation_errors(1, account="222222222222")
    metrics.flush()
    (doc,) = emitted(out)
    assert directive(doc)["Dimensions"] == [["service", "Mode", "Account"], ["service", "Mode"]]
    assert doc["Account"] == "222222222222"


def test_a_call_may_name_its_own_mode(metrics: MetricsManager, out: io.StringIO) -> None:
    # GIVEN one account in flag_only and the default mode elsewhere
    metrics.groups_scanned(1, mode="flag_only")
    metrics.groups_scanned(4)
    metrics.flush()
    docs = emitted(out)
    assert find(docs, "GroupsScanned", Mode="flag_only")["GroupsScanned"] == [1.0]
    assert find(docs, "GroupsScanned", Mode="remove_non_compliant_rules")["GroupsScanned"] == [4.0]


def test_no_mode_at_all_is_published_as_unknown(out: io.StringIO) -> None:
    metrics = MetricsManager(EmfMetricsSink(out))
    metrics.groups_scanned(1)
    metrics.flush()
    assert emitted(out)[0]["Mode"] == "unknown"


def test_the_namespace_and_service_are_configurable(out: io.StringIO) -> None:
    metrics = MetricsManager(EmfMetricsSink(out), namespace="Security/SG", service="sgc-prod")
    metrics.groups_scanned(1)
    metrics.flush()
    (doc,) = emitted(out)
    assert (directive(doc)["Namespace"], doc["service"]) == ("Security/SG", "sgc-prod")


def test_flush_empties_the_buffer(metrics: MetricsManager, out: io.StringIO) -> None:
    metrics.groups_scanned(1)
    first = metrics.flush()
    second = metrics.flush()
    assert len(first) == 1
    assert second == []
    assert len(emitted(out)) == 1


def test_flush_returns_what_it_wrote(metrics: MetricsManager, out: io.StringIO) -> None:
    metrics.rules_revoked(2)
    assert metrics.flush() == emitted(out)


def test_many_samples_are_split_across_documents_within_the_emf_limit(
    metrics: MetricsManager, out: io.StringIO, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN more samples than one EMF document may carry for one metric
    for ms in range(250):
        metrics.time_to_remediate(ms)
    metrics.flush()
    docs = emitted(out)
    # THEN every sample is written once, no document exceeds the limit, nothing goes to stdout
    assert [v for d in docs for v in d["TimeToRemediate"]] == [float(ms) for ms in range(250)]
    assert all(len(d["TimeToRemediate"]) <= MAX_VALUES_PER_DOCUMENT for d in docs)
    assert capsys.readouterr().out == ""


def test_stdout_is_the_default_output(capsys: pytest.CaptureFixture[str]) -> None:
    metrics = MetricsManager(EmfMetricsSink())
    metrics.groups_scanned(7)
    metrics.flush()
    assert json.loads(capsys.readouterr().out)["GroupsScanned"] == [7.0]


def test_two_managers_do_not_share_metrics(out: io.StringIO) -> None:
    # GIVEN two managers (powertools' Metrics shares its data between instances by default)
    first, other = (
        MetricsManager(EmfMetricsSink(out)),
        MetricsManager(EmfMetricsSink(io.StringIO())),
    )
    first.groups_scanned(1)
    other.groups_scanned(5)
    first.flush()
    assert emitted(out)[0]["GroupsScanned"] == [1.0]


def test_nothing_is_written_when_powertools_metrics_are_disabled(
    metrics: MetricsManager, out: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    metrics.groups_scanned(1)
    assert metrics.flush() == []
    assert out.getvalue() == ""


def test_alert_publish_failures_are_counted(metrics: MetricsManager, out: io.StringIO) -> None:
    metrics.alert_errors()
    metrics.flush()
    (doc,) = emitted(out)
    assert metric_units(doc) == {"AlertPublishErrors": "Count"}
    assert directive(doc)["Dimensions"] == [["service"]]
