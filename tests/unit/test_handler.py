"""The Lambda entry point over a wiring of fakes: dispatch, partial batch failure, the
catch-all at the top, retries, metrics per invocation, correlation keys and the cold import."""

from __future__ import annotations

import gc
import io
import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aws_lambda_powertools import Logger

from sgcompliance.adapters.aws.api_calls import ApiCallCounter
from sgcompliance.adapters.emf import EmfMetricsSink
from sgcompliance.engine import collector
from sgcompliance.entrypoints import handler as entry
from sgcompliance.entrypoints.bootstrap import HandlerWiring
from sgcompliance.errors import ThrottledError
from sgcompliance.events.classify import WorkItem
from sgcompliance.records.metrics import MetricsManager
from support.pipeline_world import (
    GROUP,
    MEMBER,
    OTHER,
    REGION,
    World,
    event_for,
    fixture,
    private_group,
    world,
)

# The probe imports the pipeline world from the tests' `support` package.
TESTS = Path(__file__).resolve().parents[1]
PYTHONPATH = os.environ.get("PYTHONPATH", "")


class Context:
    aws_request_id = "req-1"


@pytest.fixture
def emf() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def logs() -> io.StringIO:
    return io.StringIO()


@pytest.fixture
def wired(emf: io.StringIO, logs: io.StringIO) -> Iterator[World]:
    """The handler pinned to a wiring of fakes, its metrics and logs in buffers."""
    w = world(metrics=MetricsManager(EmfMetricsSink(emf)))
    logger = Logger(service=f"sgc-unit-{uuid.uuid4().hex}", stream=logs)
    wiring = HandlerWiring(w.app, w.pipeline.metrics, logger, ApiCallCounter())
    w.app.correlate = entry.correlation_hook(logger)
    w.app.worker.correlate = w.app.correlate
    entry.use_wiring(wiring)
    yield w
    entry.use_wiring(None)


def sqs(*bodies: str) -> dict[str, Any]:
    records = [
        {"messageId": f"m{n}", "body": b, "eventSource": "aws:sqs"} for n, b in enumerate(bodies)
    ]
    return {"Records": records}


def test_a_change_event_is_judged(wired: World) -> None:
    assert entry.handler(event_for(), Context())["status"] == "judged"


def test_a_schedule_tick_is_dispatched(wired: World) -> None:
    assert entry.handler(fixture("scheduled_sweep"), Context())["status"] == "dispatched"


def test_an_operator_action_is_answered(wired: World) -> None:
    body = entry.handler({"action": "scan"}, Context())
    assert (body["action"], body["status"]) == ("scan", "ok")


def test_an_unknown_event_is_answered_not_raised(wired: World) -> None:
    body = entry.handler({"hello": "world"}, Context())
    assert (body["status"], body["reason_code"]) == ("rejected", "unknown_shape")


def test_an_sqs_batch_answers_with_only_the_transiently_failed_messages(wired: World) -> None:
    # GIVEN a batch where one account is throttled and another record is not JSON
    wired.adapters.member_groups.add(private_group(), private_group(account=OTHER))
    wired.adapters.member_groups.failures[(OTHER, REGION)] = ThrottledError("Throttling")
    bodies = [WorkItem(a, REGION, "sweep-1").to_body() for a in (MEMBER, OTHER)] + ["{"]
    # WHEN the worker is invoked  THEN exactly the throttled message is to come back
    assert entry.handler(sqs(*bodies), Context()) == {
        "batchItemFailures": [{"itemIdentifier": "m1"}]
    }


def test_a_transient_failure_of_a_direct_event_is_raised_for_lambdas_retry(wired: World) -> None:
    wired.adapters.member_groups.failures[(MEMBER, REGION)] = ThrottledError("Throttling")
    with pytest.raises(entry.RetryLaterError):
        entry.handler(event_for(), Context())


def test_an_unexpected_failure_is_caught_logged_and_counted(
    wired: World, logs: io.StringIO, emf: io.StringIO
) -> None:
    # GIVEN a use case that fails with a bug
    def broken(event: object) -> Any:
        raise RuntimeError("bug")

    wired.app.handle = broken  # type: ignore[method-assign]
    # WHEN invoked  THEN the answer is an error, not an exception
    body = entry.handler(event_for(), Context())
    assert (body["status"], body["code"]) == ("error", "SGC999")
    line = json.loads(logs.getvalue().splitlines()[-1])
    assert line["level"] == "ERROR"
    assert "RuntimeError: bug" in line["exception"]
    assert line["function_request_id"] == "req-1"
    assert '"RemediationErrors":[1.0]' in emf.getvalue()


def test_an_unexpected_failure_on_a_batch_leaves_every_message_in_the_queue(wired: World) -> None:
    def broken(event: object) -> Any:
        raise RuntimeError("bug")

    wired.app.handle = broken  # type: ignore[method-assign]
    body = entry.handler(sqs("a", "b"), Context())
    assert body == {"batchItemFailures": [{"itemIdentifier": "m0"}, {"itemIdentifier": "m1"}]}


def test_metrics_are_written_once_per_invocation(wired: World, emf: io.StringIO) -> None:
    entry.handler(event_for(), Context())
    first = emf.getvalue()
    assert '"RulesRevoked":[2.0]' in first
    entry.handler({"hello": "world"}, Context())
    assert '"RulesRevoked"' not in emf.getvalue()[len(first) :]


def test_the_correlation_keys_follow_the_event_and_do_not_leak_into_the_next(
    wired: World,
) -> None:
    logger = entry.current_wiring().logger
    entry.handler(event_for(), Context())
    keys = logger.get_current_keys()
    assert (keys["event_id"], keys["account"], keys["region"], keys["group"]) == (
        "9d4f3a10-1111-4111-9111-000000000000",
        MEMBER,
        REGION,
        GROUP,
    )
    entry.handler({"action": "scan", "request_id": "CHG-9"}, Context())
    keys = logger.get_current_keys()
    assert keys["event_id"] == "CHG-9"
    assert "account" not in keys
    assert "group" not in keys


def test_a_function_that_cannot_start_answers_with_the_named_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # GIVEN an endpoint that is not a URL
    monkeypatch.setenv("AWS_ENDPOINT_URL", "ftp://nowhere")
    monkeypatch.setattr(entry, "structured_logger", lambda environ: Logger(service="sgc-unit-x"))
    entry.use_wiring(None)
    # WHEN invoked  THEN it answers with the configuration error, and builds again next time
    body = entry.handler(event_for(), Context())
    assert (body["status"], body["code"]) == ("error", "SGC300")
    assert "endpoint URL" in body["error"]


@pytest.mark.parametrize(
    ("arn", "account"),
    [
        ("arn:aws:lambda:eu-west-1:123456789012:function:sgcompliance-handler", "123456789012"),
        ("arn:aws:lambda:eu-west-1:123456789012:function:handler:live", "123456789012"),
        ("arn:aws-cn:lambda:cn-north-1:210987654321:function:f:7", "210987654321"),
        ("arn:aws:lambda:::function:bench", None),  # no account: STS is asked
        ("arn:aws:lambda:eu-west-1:12345:function:f", None),
        ("arn:aws:iam::123456789012:role/f", None),
        (None, None),
    ],
)
def test_the_functions_account_comes_from_its_arn_only_when_the_arn_names_one(
    arn: str | None, account: str | None
) -> None:
    # GIVEN a context (or one without the attribute)  WHEN its account is read
    context = type("C", (), {"invoked_function_arn": arn})() if arn is not None else object()
    # THEN a well-formed function ARN gives its account; anything else gives None
    assert entry.function_account(context) == account


def test_importing_the_handler_loads_neither_the_sdk_nor_the_pipeline() -> None:
    # GIVEN a fresh interpreter  WHEN the handler module is imported
    probe = (
        "import sys, json, sgcompliance.entrypoints.handler\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('boto3', 'botocore', 'aws_lambda_powertools') or (m.startswith('sgcompliance.') and "
        "m not in ('sgcompliance.version', 'sgcompliance.entrypoints', "
        "'sgcompliance.entrypoints.handler')))))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    # THEN the cold import stays small: everything heavy waits for the first call
    assert json.loads(done.stdout) == []


STRUCTURED_PROBE = """
import json, sys
from support.pipeline_world import world
from sgcompliance.entrypoints import handler as entry
from sgcompliance.entrypoints.bootstrap import HandlerWiring
from sgcompliance.adapters.aws.api_calls import ApiCallCounter
from sgcompliance.records.audit_log import LogAuditSink
w = world()
logger = entry.structured_logger({{}})
w.pipeline.audit_log = LogAuditSink(logger)
w.app.correlate = entry.correlation_hook(logger)
entry.use_wiring(HandlerWiring(w.app, w.pipeline.metrics, logger, ApiCallCounter()))
event = {{"detail-type": "AWS API Call via CloudTrail", "source": "aws.ec2",
         "detail": {{"eventID": "ev-42", "recipientAccountId": "111111111111",
                     "awsRegion": "eu-west-1", "eventName": "RunInstances"}}}}
print(json.dumps(entry.handler(event, None)))
"""


def test_a_rejected_event_is_logged_as_one_json_error_with_its_correlation_keys() -> None:
    # GIVEN the handler's own JSON logger (in a fresh interpreter: it configures logging)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), PYTHONPATH]))}
    done = subprocess.run(
        [sys.executable, "-c", STRUCTURED_PROBE.format()],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    # WHEN an unsupported event came in  THEN one ERROR line names the reason and the event
    (error,) = [line for line in lines if line.get("level") == "ERROR"]
    assert error["reason_code"] == "unsupported_event_name"
    assert (error["event_id"], error["account"], error["region"]) == (
        "ev-42",
        "111111111111",
        "eu-west-1",
    )
    # AND the log's audit trail has its record, on the same correlation keys
    (audited,) = [line for line in lines if "audit_record" in line]
    assert audited["audit_record"]["action"] == "ignored"
    assert audited["event_id"] == "ev-42"


def test_the_first_invocation_runs_without_the_collector_and_freezes_what_it_built(
    wired: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a process whose handler has not been invoked yet, its collector on, and no pause of
    # another test's still counted (the pauses are process-wide)
    monkeypatch.setattr(entry, "_warm", False)
    monkeypatch.setattr(collector, "_PAUSES", collector._Pauses())
    was_enabled = gc.isenabled()
    gc.enable()
    seen: list[bool] = []
    handle = wired.app.handle

    def watched(event: Any) -> Any:
        seen.append(gc.isenabled())
        return handle(event)

    monkeypatch.setattr(wired.app, "handle", watched)
    frozen_before = gc.get_freeze_count()
    try:
        # WHEN it is invoked twice
        entry.handler(event_for(), Context())
        after_first = gc.get_freeze_count()
        entry.handler(event_for(), Context())
    finally:
        gc.unfreeze()
        if not was_enabled:
            gc.disable()
    # THEN the first invocation ran with the collector paused, the second with it on, and
    # what existed after the first was frozen out of it
    assert seen == [False, True]
    assert after_first > frozen_before
