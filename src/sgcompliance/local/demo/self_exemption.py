"""The demo's last pipeline step: the developer tries to exempt their own group.

After the rollback, `app-tier` has SSH open to the world again. The developer tags it
`sgc-exemption=EX-DEMO-001`, the approved bastion's exemption. A tag only points to an
exemption; the policy bounds it to the bastions' group ids, so the pointer grants nothing: the
CreateTags event travels the same pipeline, the group is judged again and its world-open rules
are revoked, and the alert names the tag and the developer who set it. (In AWS a Service
Control Policy would refuse the tag; the local AWS enforces no policy.)
"""

from __future__ import annotations

from sgcompliance.adapters.aws.errors import translating
from sgcompliance.local.demo.context import DemoContext
from sgcompliance.local.demo.pipeline import CHANGED_GROUP, DEVELOPER_SESSION, live
from sgcompliance.local.demo.pipeline_outcome import (
    WORKER_SECONDS,
    handle_until_seen,
    is_ssh_to_the_world,
    wait_for_alert,
)
from sgcompliance.local.demo.runner import Check
from sgcompliance.local.pipeline.flow import read_audit_records
from sgcompliance.local.pipeline.report import alert_lines


def self_exemption(ctx: DemoContext) -> list[Check]:
    run, org = live(ctx), ctx.demo_org()
    if run.emitter is None:
        return [Check(False, "no developer session was opened in the steps before")]
    key, value = org.exemption_tag
    ctx.echo(f"  the developer points {CHANGED_GROUP} at the bastion's exemption:")
    ctx.echo(f"  $ aws ec2 create-tags --resources {run.group_id} --tags Key={key},Value={value}")
    open_before = [r for r in run.rules() if is_ssh_to_the_world(r)]
    with translating("CreateTags", scope=run.group_id):
        run.ec2.create_tags(Resources=[run.group_id], Tags=[{"Key": key, "Value": value}])
    tagged = run.emitter.emitted[-1]
    handled = handle_until_seen(run, tagged.event_id)
    mine = next((h for h in handled if h.cloudtrail_event_id == tagged.event_id), None)
    if mine is None:
        return [Check(False, f"the event did not reach the worker within {WORKER_SECONDS:.0f} s")]
    alert = wait_for_alert(run, tagged.event_id)
    if alert is not None:
        ctx.echo("  the alert, from the SNS inbox queue:")
        for line in alert_lines(alert):
            ctx.echo(f"    {line}")
    records = read_audit_records(run.factory, run.pipeline.hub, [tagged.event_id])
    record = records[-1] if records else {}
    changes = record.get("tag_changes") or []
    ctx.echo(f"  the audit record's tag_changes: {changes}")
    ctx.echo("  the exemption is bounded to the bastions' group ids: a pointer on another group")
    ctx.echo("  grants nothing, and whoever set it is named")
    left = [r for r in run.rules() if is_ssh_to_the_world(r)]
    summary = str(alert.body.get("summary", "")) if alert is not None else ""
    return [
        Check(len(open_before) == 2, f"{CHANGED_GROUP} had SSH open to the world before the tag"),
        Check(mine.ok, f"the handler handled the CreateTags event ({mine.error or 'no error'})"),
        Check(not left, f"the world-open rules of {run.group_id} were revoked anyway"),
        Check(
            f"exemption tag {key}={value} set on {run.group_id}" in summary
            and DEVELOPER_SESSION in summary,
            "the alert names the tag and the developer who set it",
        ),
        Check(
            [c.get("key") for c in changes] == [key],
            "the audit record lists the tag change",
        ),
    ]
