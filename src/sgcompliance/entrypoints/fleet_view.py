"""What live commands show on the terminal: progress per account-region, summaries, diffs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from sgcompliance.app.fleet import Scope, ScopeResult
from sgcompliance.app.remediator import GroupOutcome, RemediationRun
from sgcompliance.app.rollback import RollbackOutcome
from sgcompliance.aws.api_calls import CallStats
from sgcompliance.core.evaluate import ScanResult
from sgcompliance.core.plan import RemediationPlan

ProgressHook = Callable[[ScopeResult[Any]], None]


class ScopeProgress:
    """One progress row per account-region on a terminal; silent when piped."""

    def __init__(self, console: Console, scopes: Sequence[Scope]) -> None:
        self.console = console
        self.scopes = scopes
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(bar_width=20),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            console=console,
            disable=not console.is_terminal,
            transient=False,
        )
        self._tasks = {
            s: self._progress.add_task(escape(str(s)), total=1, status="reading") for s in scopes
        }

    def __enter__(self) -> ScopeProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def done(self, result: ScopeResult[Any]) -> None:
        status = "[green]done[/]" if result.ok else "[red]failed[/]"
        self._progress.update(self._tasks[result.scope], completed=1, status=status)


def progress_for(console: Console, scopes: Sequence[Scope]) -> AbstractContextManager[Any]:
    return ScopeProgress(console, scopes) if console.is_terminal else nullcontext()


def scope_table(results: Sequence[ScopeResult[Any]], scan: ScanResult | None) -> Table:
    violations: dict[tuple[str, str], int] = {}
    groups: dict[tuple[str, str], int] = {}
    if scan is not None:
        for f in scan.violations:
            key = (f.account_id, f.region)
            violations[key] = violations.get(key, 0) + 1
    table = Table(title="Account-regions", title_justify="left")
    for column in ("Account", "Region", "Groups", "Violations", "Seconds", "Status"):
        table.add_column(
            column, justify="right" if column in ("Groups", "Violations", "Seconds") else "left"
        )
    for r in results:
        key = (r.scope.account_id, r.scope.region)
        count = len(getattr(r.snapshot, "groups", ()) or ()) if r.snapshot is not None else 0
        groups[key] = count
        status = "ok" if r.ok else f"[red]FAILED[/] {escape(r.error or '')}"
        table.add_row(
            r.scope.account_id, r.scope.region, str(count) if r.ok else "-",
            str(violations.get(key, 0)) if r.ok else "-", f"{r.seconds:.2f}", status,
        )  # fmt: skip
    return table


def stats_table(stats: CallStats, scopes: int) -> Table:
    table = Table(title="AWS API calls", title_justify="left")
    table.add_column("Operation")
    table.add_column("Calls", justify="right")
    table.add_column("Per account-region", justify="right")
    for operation, calls in stats.calls.items():
        table.add_row(operation, str(calls), f"{calls / max(scopes, 1):.1f}")
    table.add_row(
        "[bold]total[/]", str(stats.total_calls), f"{stats.total_calls / max(scopes, 1):.1f}"
    )
    table.caption = f"retries: {stats.retries}"
    return table


def plan_view(plans: Sequence[RemediationPlan], note: str) -> Table:
    """The plan as a diff: every rule to revoke with its peer, ports and the checks behind it."""
    table = Table(title="Remediation plan", title_justify="left", show_lines=True)
    for column in ("Group", "Action", "Change", "Why"):
        table.add_column(column)
    for plan in plans:
        why_by_rule: dict[str | None, list[str]] = {}
        for f in plan.findings:
            why_by_rule.setdefault(f.rule_id, []).append(f.check_id)
        revoked = {*plan.revoke_ingress, *plan.revoke_egress}
        changes = [
            f"[red]- {escape(r.rule_id)} {escape(r.describe())}[/]"
            for r in plan.pre_image
            if r.rule_id in revoked
        ]
        kept = len(plan.pre_image) - len(changes)
        changes.append(f"  {kept} other rule(s) kept")
        reasons = [
            f"{escape(rule or 'group')}: {', '.join(sorted(set(c)))}"
            for rule, c in why_by_rule.items()
        ]
        table.add_row(
            f"{plan.account_id}/{plan.region}\n{escape(plan.group_id)} ({escape(plan.group_name)})",
            plan.action.value, "\n".join(changes), "\n".join(reasons),
        )  # fmt: skip
    if note:
        table.caption = f"[yellow]{escape(note)}[/]"
    return table


def outcome_view(run: RemediationRun) -> Table:
    table = Table(title="Outcome", title_justify="left")
    for column in ("Group", "Action", "Outcome", "Revoked", "Already gone", "Verified", "Backup"):
        table.add_column(column)
    for o in run.outcomes:
        table.add_row(*_outcome_row(o))
    return table


def _outcome_row(o: GroupOutcome) -> tuple[str, ...]:
    status = o.outcome.value + (f" {escape(o.error)}" if o.error else "")
    return (
        escape(o.plan.group_id),
        o.plan.action.value,
        status,
        str(len(o.revoked)),
        str(len(o.already_gone)),
        "yes" if o.verified else "no",
        escape(o.backup_id or "-"),
    )


def rollback_view(outcome: RollbackOutcome) -> Table:
    plan = outcome.plan
    verb = "would re-authorize" if outcome.dry_run else "re-authorized"
    table = Table(title=f"Rollback of {escape(plan.backup_id)}", title_justify="left")
    table.add_column("Rule")
    table.add_column("Result")
    for rule in plan.authorize:
        table.add_row(escape(rule.describe()), f"[green]{verb}[/]")
    for rule in plan.skipped:
        table.add_row(escape(rule.describe()), "already present: skipped")
    if not outcome.dry_run:
        tags = ", ".join(outcome.removed_tags) or "none"
        table.caption = f"verified: {'yes' if outcome.verified else 'NO'}; tags removed: {tags}"
    return table
