"""The demo's event-driven steps after the change: the pipeline remediates, one command undoes it.

The worker polls the hub's events queue with the deployed function's environment and calls the
real `sgcompliance.entrypoints.handler.handler`; the timeline, the alert, the metrics and the
audit record printed are the ones that run produced.
"""

from __future__ import annotations

import time
from typing import Any

from sgcompliance.local.demo.context import DemoContext, LiveRun
from sgcompliance.local.demo.pipeline import WORLD, live
from sgcompliance.local.demo.runner import Check
from sgcompliance.local.pipeline.flow import (
    InboxAlert,
    pipeline_worker,
    read_audit_records,
    read_inbox,
)
from sgcompliance.local.pipeline.report import (
    alert_for,
    alert_lines,
    audit_lines,
    metric_total,
    metric_values,
)
from sgcompliance.local.pipeline.timeline import change_timeline, latency_ms, render
from sgcompliance.local.pipeline.worker import Handled, environment

# Bounds on waiting, never expectations: locally the whole flow takes well under a second.
WORKER_SECONDS = 30.0
ALERT_SECONDS = 10.0


def catch_and_remediate(ctx: DemoContext) -> list[Check]:
    run = live(ctx)
    change = run.change
    if change is None:
        return [Check(False, "no change event was emitted in the step before")]
    handled = handle_until_seen(run, change.event_id)
    mine = next((h for h in handled if h.cloudtrail_event_id == change.event_id), None)
    if mine is None:
        return [Check(False, f"the event did not reach the worker within {WORKER_SECONDS:.0f} s")]
    run.alert = wait_for_alert(run, change.event_id)
    records = read_audit_records(run.factory, run.pipeline.hub, [change.event_id])
    run.record = records[-1] if records else None
    left = {r["SecurityGroupRuleId"] for r in run.rules()} & set(run.rule_ids)
    moments = change_timeline(change, mine, run.record, run.alert)
    ctx.echo("  timeline (this machine's clock; offsets from the change):")
    for line in render(moments):
        ctx.echo(f"    {line}")
    ctx.echo(f"  change -> revoke: {latency_ms(moments, 'revoke')} ms, "
             f"change -> alert: {latency_ms(moments, 'alert')} ms (the first call includes the "
             "function's cold start)")  # fmt: skip
    ctx.echo("  (the audit record's latency_ms counts from CloudTrail's eventTime, which has")
    ctx.echo("  whole seconds, so it reads up to a second longer)")
    revoked = _show_outputs(ctx, mine, run)
    return [
        Check(mine.ok, f"the handler handled the event ({mine.error or 'no error'})"),
        Check(not left, f"both new rules are gone from {run.group_id}"),
        Check(run.alert is not None, "the alert reached the SNS inbox"),
        Check(
            run.record is not None and run.record.get("action") == "revoke",
            f"the audit record says revoke, outcome {(run.record or {}).get('outcome')}",
        ),
        Check(revoked == len(run.rule_ids), f"RulesRevoked metric: {revoked:g}"),
    ]


def handle_until_seen(run: LiveRun, event_id: str) -> list[Handled]:
    def seen(handled: list[Handled]) -> bool:
        return any(h.cloudtrail_event_id == event_id for h in handled)

    with environment(run.pipeline.environment):
        worker = pipeline_worker(run.factory, run.pipeline, run.handler)
        run.handled = worker.run(WORKER_SECONDS, until=seen)
    return run.handled


def wait_for_alert(run: LiveRun, event_id: str) -> InboxAlert | None:
    deadline = time.monotonic() + ALERT_SECONDS
    seen: list[InboxAlert] = []
    while time.monotonic() < deadline:
        seen += read_inbox(run.factory, run.pipeline.hub)
        found = alert_for(seen, event_id)
        if found is not None:
            return found
    return None


def _show_outputs(ctx: DemoContext, handled: Handled, run: LiveRun) -> float:
    """Print the alert, the metrics and the audit record; returns the RulesRevoked total."""
    if run.alert is not None:
        ctx.echo("  the alert, from the SNS inbox queue:")
        for line in alert_lines(run.alert):
            ctx.echo(f"    {line}")
    values = metric_values(handled.emf)
    ctx.echo(f"  the metrics (EMF lines the handler printed: {len(handled.emf)}):")
    for value in values:
        ctx.echo(f"    {value.describe()}")
    if run.record is not None:
        ctx.echo(f"  the audit record (s3://{run.pipeline.hub.bucket}/audit/...):")
        for line in audit_lines(run.record):
            ctx.echo(f"    {line}")
    return metric_total(values, "RulesRevoked")


def roll_back_change(ctx: DemoContext) -> list[Check]:
    run, org = live(ctx), ctx.demo_org()
    args = ["rollback", "--group", run.group_id, "--latest"]
    args += ["--backup-bucket", run.pipeline.hub.bucket, "--endpoint-url", ctx.endpoint]
    args += ["--role-name", org.role.role_name, "--external-id", org.role.external_id or ""]
    done = ctx.run(args)
    back = [r for r in run.rules() if is_ssh_to_the_world(r)]
    ctx.echo("  the careless rules are back, exactly as they were: a rollback restores what")
    ctx.echo("  the backup holds; the alert's `rollback` line is this same command")
    return [
        Check(
            done.exit_code == 0, f"`sgc rollback` exit code {done.exit_code}: restored, verified"
        ),
        Check(len(back) == 2, f"{len(back)} SSH-to-the-world rules re-authorized (IPv4 and IPv6)"),
    ]


def is_ssh_to_the_world(rule: dict[str, Any]) -> bool:
    ports = (rule.get("FromPort"), rule.get("ToPort")) == (22, 22)
    peer = rule.get("CidrIpv4") or rule.get("CidrIpv6")
    return ports and not rule.get("IsEgress") and peer in WORLD
