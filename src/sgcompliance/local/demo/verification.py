"""The demo's checks after the remediation and after the rollback, and stopping the server."""

from __future__ import annotations

from sgcompliance.local.demo.context import DemoContext
from sgcompliance.local.demo.findings import SEVERITIES, ScanReport, compare_restored
from sgcompliance.local.demo.runner import Check, Echo
from sgcompliance.local.server import moto_server

EXIT_COMPLIANT = 0
EXIT_VIOLATIONS = 1


def rescan_after_remediation(ctx: DemoContext) -> list[Check]:
    before = ctx.reports["before"]
    done, after = ctx.scan("remediated", quiet=True)
    if done.exit_code not in (EXIT_COMPLIANT, EXIT_VIOLATIONS):
        ctx.show_output(done)
    show_before_after(before, after, ctx.echo)
    explain_remaining(after, ctx.echo)
    revoked = ctx.revoked_rule_ids()
    still_there = {f.rule_id for f in after.findings} & revoked
    new = {f.finding_id for f in after.violations} - {f.finding_id for f in before.violations}
    same_exempted = {f.finding_id for f in after.exempted} == {
        f.finding_id for f in before.exempted
    }
    return [
        Check(
            not after.revocable(),
            f"no violation of a remove check is left ({len(before.revocable())} before)",
        ),
        Check(not still_there, f"none of the {len(revoked)} revoked rules is back"),
        Check(not new, "no violation appeared that step 3 had not reported"),
        Check(same_exempted, f"the {len(after.exempted)} exempted findings are untouched"),
    ]


def show_before_after(before: ScanReport, after: ScanReport, echo: Echo) -> None:
    echo(f"    {'violations':<12}{'before':>8}{'after':>8}")
    counts_before, counts_after = before.by_severity(), after.by_severity()
    for severity in SEVERITIES:
        echo(f"    {severity:<12}{counts_before[severity]:>8}{counts_after[severity]:>8}")
    echo(f"    {'total':<12}{len(before.violations):>8}{len(after.violations):>8}")
    echo(f"    {'exempted':<12}{len(before.exempted):>8}{len(after.exempted):>8}")


def explain_remaining(after: ScanReport, echo: Echo) -> None:
    if not after.violations:
        echo("  no violation is left")
        return
    echo("  what is left comes from checks whose remediation is `flag`:")
    for check_id, severity, remediation, count in after.by_check():
        echo(f"    {check_id:<20}{severity:<10}{remediation:<13}{count:>6}")
    echo("  remove_non_compliant_rules revokes only rules that a `remove` (or `lockdown`) check")
    echo("  found; for `flag` checks it tags the group (sgc:status, sgc:violations) and leaves")
    echo("  the rule to its owner. A policy can override a check's remediation to `remove`.")


def rescan_after_rollback(ctx: DemoContext) -> list[Check]:
    before = ctx.reports["before"]
    _, restored = ctx.scan("rolled-back", quiet=True)
    show_before_after(before, restored, ctx.echo)
    recreated = ctx.revoked_rule_ids()
    outcome = compare_restored(before, restored, recreated)
    verdict = "OK" if outcome.same_findings else "MISMATCH"
    ctx.echo(
        f"  findings compared with step 3 by check, account, region, group and rule: {verdict}"
    )
    for finding in outcome.missing:
        ctx.echo(f"    missing: {finding.check_id} {finding.group_id} {finding.rule_id}")
    for finding in outcome.extra:
        ctx.echo(f"    new:     {finding.check_id} {finding.group_id} {finding.rule_id}")
    ctx.echo(
        f"  finding ids: {outcome.unchanged_ids} of {len(before.findings)} identical to step 3"
    )
    if outcome.rekeyed:
        ctx.echo(f"  the other {outcome.rekeyed} belong to the {len(recreated)} re-created rules:")
        ctx.echo(
            "  AWS gives a re-authorized rule a new rule id, and a finding id is derived from it"
        )
    return [
        Check(
            outcome.same_findings,
            f"{verdict}: the {len(before.findings)} findings of step 3 are all back, no other",
        ),
        Check(
            not outcome.unexplained_ids,
            f"every finding id that changed ({outcome.rekeyed}) belongs to a re-created rule",
        ),
    ]


def stop_local_aws(ctx: DemoContext) -> list[Check]:
    if ctx.server is None:
        if ctx.endpoint:
            ctx.echo(f"  the local AWS at {ctx.endpoint} was not started by the demo: left running")
        return []
    ctx.server.stop()
    ctx.echo(f"  stopped the moto server the demo started at {ctx.endpoint}")
    return [Check(not moto_server.answers(ctx.endpoint), "the server no longer answers")]
