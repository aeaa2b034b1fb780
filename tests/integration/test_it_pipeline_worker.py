"""The local worker between the hub's events queue and a handler, with a stand-in handler.

The stand-in records what it was called with and prints what the real handler prints (an EMF
line and a log line), so these tests pin the worker's part alone: the event it hands over, the
environment and context it calls with, deleting on success, keeping on failure.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from pipeline_org import deployed, developer_change, drain, ssh_from
from typer.testing import CliRunner

from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.entrypoints.cli.local import local_app
from sgcompliance.local.pipeline.flow import LocalPipeline, PipelineState, pipeline_worker
from sgcompliance.local.pipeline.worker import environment
from sgcompliance.local.server.state import StateFile, down

pytestmark = pytest.mark.integration

EMF_LINE = '{"_aws":{"CloudWatchMetrics":[]},"RulesRevoked":[2.0]}'


class StandIn:
    """Answers like the handler; fails when told to."""

    def __init__(self, *, fail: bool = False) -> None:
        self.fail = fail
        self.calls: list[tuple[dict[str, Any], Any, str | None]] = []

    def __call__(self, event: dict[str, Any], context: Any) -> dict[str, Any]:
        self.calls.append((event, context, os.environ.get("SGC_PARAMETER_PATH")))
        print(EMF_LINE)
        print('{"level":"INFO","message":"handled"}')
        if self.fail:
            raise RuntimeError("stand-in failure")
        return {"status": "ok"}


@pytest.fixture
def pipeline(factory: ClientFactory) -> LocalPipeline:
    return deployed(factory)


def change_in(factory: ClientFactory, pipeline: LocalPipeline) -> str:
    """One world-open SSH change in a member account; returns its CloudTrail event id."""
    link = pipeline.members[0]
    change = developer_change(factory, link.account_id, link.region)
    change.ec2.authorize_security_group_ingress(
        GroupId=change.group_id, IpPermissions=ssh_from("0.0.0.0/0")
    )
    return change.emitter.emitted[-1].event_id


def test_the_handler_gets_the_eventbridge_event_and_a_lambda_context(
    factory: ClientFactory, pipeline: LocalPipeline
) -> None:
    # GIVEN a change that reached the hub queue, and a worker with the function's environment
    event_id = change_in(factory, pipeline)
    stand_in = StandIn()
    # WHEN the worker polls
    with environment(pipeline.environment):
        handled = pipeline_worker(factory, pipeline, stand_in).run(10, until=bool)
    # THEN the handler got the EventBridge event itself (not the SQS message), the context
    # Lambda would give, and the hub's parameter path
    event, context, path = stand_in.calls[0]
    assert event["detail-type"] == "AWS API Call via CloudTrail"
    assert event["detail"]["eventID"] == event_id
    assert context.get_remaining_time_in_millis() > 0
    assert context.invoked_function_arn.startswith(f"arn:aws:lambda:{pipeline.hub.region}:")
    assert path == "/sgcompliance"
    assert [h.cloudtrail_event_id for h in handled] == [event_id]


def test_a_handled_message_is_deleted(factory: ClientFactory, pipeline: LocalPipeline) -> None:
    change_in(factory, pipeline)
    with environment(pipeline.environment):
        pipeline_worker(factory, pipeline, StandIn()).run(10, until=bool)
    assert drain(factory.client("sqs"), pipeline.hub.events_queue_url, wait=0) == []


def test_a_message_whose_handler_raised_stays_in_the_queue(
    factory: ClientFactory, pipeline: LocalPipeline
) -> None:
    # GIVEN a handler that raises  WHEN the worker handles the change
    change_in(factory, pipeline)
    with environment(pipeline.environment):
        handled = pipeline_worker(factory, pipeline, StandIn(fail=True)).run(10, until=bool)
    # THEN the failure is reported, and the message was not deleted: it is in flight until
    # its visibility timeout ends, then received again
    assert handled[0].error == "RuntimeError: stand-in failure"
    attributes = factory.client("sqs").get_queue_attributes(
        QueueUrl=pipeline.hub.events_queue_url,
        AttributeNames=["ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert attributes["ApproximateNumberOfMessagesNotVisible"] == "1"


def test_what_the_handler_printed_is_kept_and_emf_lines_are_parsed(
    factory: ClientFactory, pipeline: LocalPipeline
) -> None:
    change_in(factory, pipeline)
    with environment(pipeline.environment):
        handled = pipeline_worker(factory, pipeline, StandIn()).run(10, until=bool)
    assert handled[0].emf == (json.loads(EMF_LINE),)
    assert handled[0].output == ('{"level":"INFO","message":"handled"}',)


def test_the_environment_is_restored_after_the_worker(
    factory: ClientFactory, pipeline: LocalPipeline
) -> None:
    before = os.environ.get("SGC_PARAMETER_PATH")
    with environment(pipeline.environment):
        pipeline_worker(factory, pipeline, StandIn()).poll(0)
    assert os.environ.get("SGC_PARAMETER_PATH") == before


def test_sgc_local_pipeline_deploys_for_the_recorded_organization(
    factory: ClientFactory, endpoint: str, tmp_path: Path
) -> None:
    # GIVEN a state directory recording a seeded organization at the test server
    from pipeline_org import small_org

    state = tmp_path / "local.json"
    PipelineState(state).org_path.write_text(json.dumps(small_org(factory).to_json()))
    # WHEN `sgc local pipeline` runs (the server comes from AWS_ENDPOINT_URL)
    result = CliRunner().invoke(local_app, ["pipeline", "--state", str(state)])
    # THEN it deployed the hub and recorded it for `sgc local worker`
    assert result.exit_code == 0, result.output
    recorded = PipelineState(state).load(endpoint)
    assert recorded is not None
    assert len(recorded.members) == 4
    assert "event bus        sgcompliance-hub" in result.output


def test_sgc_local_worker_without_a_pipeline_says_what_to_run(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        local_app, ["worker", "--state", str(tmp_path / "local.json"), "--seconds", "1"]
    )
    assert result.exit_code != 0
    assert "sgc local pipeline" in result.output


def test_sgc_local_up_with_pipeline_seeds_deploys_and_is_idempotent(tmp_path: Path) -> None:
    # GIVEN no local AWS  WHEN `sgc local up --pipeline` runs twice
    state = tmp_path / ".sgc" / "local.json"
    try:
        first = CliRunner().invoke(local_app, ["up", "--pipeline", "--state", str(state)])
        second = CliRunner().invoke(local_app, ["up", "--pipeline", "--state", str(state)])
    finally:
        down(StateFile(state))
    # THEN the first seeded the organization and deployed the pipeline; the second found both
    assert first.exit_code == 0, first.output
    assert "seeded the demo organization" in first.output
    assert "event bus        sgcompliance-hub" in first.output
    assert second.exit_code == 0, second.output
    assert "the pipeline is already deployed" in second.output
