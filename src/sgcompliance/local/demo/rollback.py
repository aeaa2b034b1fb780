"""The demo's rollback step: every backup the remediation wrote, restored and verified.

The first backup goes through `sgc rollback`, so the reader sees the command and what it prints.
The others go through the same `RollbackService` that command runs, in one AWS session: each
`sgc rollback` starts a session of its own, which costs more than the rollback itself.
"""

from __future__ import annotations

from collections.abc import Sequence

from sgcompliance.local.demo.context import DemoContext
from sgcompliance.local.demo.runner import Check
from sgcompliance.remediation.rollback import RollbackOutcome


def rollback_every_backup(ctx: DemoContext) -> list[Check]:
    records = ctx.backups()
    if not records:
        return [Check(False, "the remediation wrote no backup to roll back")]
    role = ctx.demo_org().role
    args = ["rollback", records[0].backup_id, "--backup-dir", str(ctx.backup_dir)]
    args += ["--endpoint-url", ctx.endpoint, "--role-name", role.role_name]
    done = ctx.run([*args, "--external-id", role.external_id or ""])
    others = len(records) - 1
    ctx.echo(f"  the other {others} backups of this run: the same RollbackService, in one session")
    outcomes = roll_back(ctx, [r.backup_id for r in records[1:]])
    for outcome in outcomes:
        if not outcome.verified:
            ctx.echo(f"    {outcome.plan.backup_id}: NOT verified")
    restored = sum(o.restored for o in outcomes)
    expected = sum(r.plan.revoke_count for r in records[1:])
    untagged = sum(1 for o in outcomes if o.removed_tags)
    explain_flagged(ctx)
    return [
        Check(
            done.exit_code == 0, f"`sgc rollback` exit code {done.exit_code}: restored, verified"
        ),
        Check(
            all(o.verified for o in outcomes),
            f"the other {len(outcomes)} rollbacks verified: every backed-up rule is present",
        ),
        Check(
            restored == expected,
            f"{restored} rules re-authorized, of the {expected} that those backups revoked",
        ),
        Check(untagged == len(outcomes), f"sgc:* tags removed from {untagged} groups"),
    ]


def roll_back(ctx: DemoContext, backup_ids: Sequence[str]) -> list[RollbackOutcome]:
    """`RollbackService.rollback` of each backup, wired as `sgc rollback` wires it."""
    service, gateway_for = ctx.wiring.rollback(ctx.endpoint, ctx.demo_org(), ctx.backup_dir)
    return [service.rollback(i, gateway_for, dry_run=False) for i in backup_ids]


def explain_flagged(ctx: DemoContext) -> None:
    flagged = ctx.reports["before"].flag_only_groups()
    ctx.echo(f"  the {len(flagged)} groups that were only flagged keep their sgc:* tags: flagging")
    ctx.echo("  changes no rule, so it writes no backup and leaves nothing to roll back")
