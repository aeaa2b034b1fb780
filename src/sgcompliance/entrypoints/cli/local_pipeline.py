"""`sgc local up --pipeline`, `sgc local pipeline` and `sgc local worker`: the live local pipeline.

The commands themselves are declared in `cli/local.py`; this module does their work.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import typer

from sgcompliance.adapters.aws.errors import translating
from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.entrypoints.bootstrap import local_clients
from sgcompliance.entrypoints.handler import handler
from sgcompliance.errors import ConfigError, SgcError
from sgcompliance.local.demo.steps import demo_policy
from sgcompliance.local.pipeline.flow import (
    LocalPipeline,
    PipelineState,
    deploy_pipeline,
    describe_pipeline,
    pipeline_worker,
)
from sgcompliance.local.pipeline.hub import HUB_BUS
from sgcompliance.local.pipeline.worker import Handled, environment
from sgcompliance.local.server.state import StateFile

Echo = Callable[[str], None]


def deploy(endpoint: str, store: StateFile, echo: Echo = typer.echo) -> LocalPipeline:
    """The hub and the member forwarding for the seeded demo organization at `endpoint`."""
    state = PipelineState(store.path)
    factory = local_clients(endpoint)
    deployed = state.load(endpoint)
    if deployed is not None and _bus_exists(factory, deployed):
        echo(f"the pipeline is already deployed in {endpoint} ({state.path})")
        return deployed
    org = state.org()
    pipeline = deploy_pipeline(factory, org, demo_policy(org, datetime.now(UTC)))
    state.save(pipeline)
    for line in describe_pipeline(pipeline):
        echo(line)
    echo(f"  recorded in {state.path}; run the worker with `sgc local worker`")
    return pipeline


def _bus_exists(factory: ClientFactory, pipeline: LocalPipeline) -> bool:
    events = factory.client("events", pipeline.hub.region)
    try:
        with translating("DescribeEventBus", scope=HUB_BUS):
            events.describe_event_bus(Name=HUB_BUS)
    except SgcError:  # not there (e.g. the server was reset): deploy again
        return False
    return True


def run_worker(
    endpoint: str, store: StateFile, seconds: float, echo: Echo = typer.echo
) -> list[Handled]:
    """Handle what reaches the hub's events queue for `seconds` (or until Ctrl-C)."""
    pipeline = PipelineState(store.path).load(endpoint)
    if pipeline is None:
        raise ConfigError(
            f"no pipeline is deployed in {endpoint}", hint="run `sgc local pipeline` first"
        )
    factory = local_clients(endpoint)
    echo(f"worker: polling {pipeline.hub.events_queue_url} for {seconds:.0f} s (Ctrl-C stops)")
    with environment(pipeline.environment):
        worker = pipeline_worker(factory, pipeline, handler)
        try:
            return worker.run(seconds, on_handled=lambda h: echo(describe(h)))
        except KeyboardInterrupt:
            echo("worker: stopped")
            return []


def describe(handled: Handled) -> str:
    detail = handled.event.get("detail") or {}
    name = detail.get("eventName", "?") if isinstance(detail, dict) else "?"
    took = (handled.handled_at - handled.received_at).total_seconds() * 1000
    verdict = "ok" if handled.ok else f"FAILED ({handled.error})"
    stamp = handled.received_at.strftime("%H:%M:%S.%f")[:-3]
    decisions = "; ".join(
        f"{r.get('group_id') or '-'} {r.get('action')} {r.get('outcome') or r.get('reason') or ''}"
        for r in handled.audit_records
    )
    return f"  {stamp}  {name}  {took:.0f} ms  {verdict}  {decisions}".rstrip()
