"""What live commands show on the terminal: progress per account-region, summaries, diffs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from sgcompliance.adapters.aws.api_calls import CallStats
from sgcompliance.adapters.aws.estate import Runtime
from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.fleet import Coverage, Scope, ScopeResult, read_fleet
from sgcompliance.engine.model import Rule
from sgcompliance.entrypoints.cli.console import Terminal
from sgcompliance.remediation.plan import RemediationPlan
from sgcompliance.remediation.rollback import RollbackOutcome
from sgcompliance.remediation.rollback_trust import CheckedBackup


class ScopeProgress:
    """One bar over the fleet, advanced per account-region read, naming the last one and the
    failures so far; transient, so it leaves no timings behind in a captured log."""

    def __init__(self, console: Console, scopes: Sequence[Scope]) -> None:
        self._progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TextColumn("{task.fields[last]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self._task = self._progress.add_task("account-regions", total=len(scopes), last="")
        self._failed = 0

    def __enter__(self) -> ScopeProgress:
        self._progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._progress.stop()

    def done(self, result: ScopeResult[Any]) -> None:
        self._failed += 0 if result.ok else 1
        failed = f" [red]{self._failed} failed[/]" if self._failed else ""
        self._progress.update(self._task, advance=1, last=f"{escape(str(result.scope))}{failed}")


def read_scopes(
    runtime: Runtime, read: Callable[[Any], Any], max_workers: int, terminal: Terminal
) -> list[ScopeResult[Any]]:
    """Read every account-region, with a progress bar when a person is watching stderr."""
    console = terminal.stderr()
    scopes = runtime.scopes
    if not terminal.shows_progress(console):
        return read_fleet(scopes, read, max_workers=max_workers)
    with ScopeProgress(console, scopes) as progress:
        return read_fleet(scopes, read, max_workers=max_workers, on_done=progress.done)


def show_scopes(
    terminal: Terminal, results: Sequence[ScopeResult[Any]], scan: ScanResult | None, timed: bool
) -> None:
    """The per-account-region table; with --quiet only the account-regions that failed, one
    line each."""
    if not terminal.quiet:
        terminal.stderr().print(scope_table(results, scan, timed, every_row=terminal.verbose))
        return
    for r in results:
        if not r.ok:
            typer.echo(f"error: {r.scope}: {r.error}", err=True)
    coverage = Coverage.of(results)
    if not coverage.complete:
        typer.echo(f"error: {coverage.summary()}", err=True)


# Beyond this many account-regions, those read without a violation share one line (unless
# --verbose): an organization's hundreds of clean regions would push everything else away.
CLEAN_ROWS_SHOWN = 20


def groups_in(snapshot: object) -> int:
    """Groups of a read account-region: a `RegionSnapshot`, or the describe document
    `sgc snapshot` writes (its `SecurityGroups`)."""
    if isinstance(snapshot, Mapping):
        groups = snapshot.get("SecurityGroups")
        return len(groups) if isinstance(groups, list) else 0
    return len(getattr(snapshot, "groups", ()) or ())


def scope_table(
    results: Sequence[ScopeResult[Any]],
    scan: ScanResult | None,
    timed: bool = False,
    *,
    every_row: bool = True,
) -> Table:
    """Groups (and, for a scan, violations) per account-region; seconds only when asked
    (`--stats`), so the table of two runs over the same estate is the same. Unless
    `every_row`, a long list shows the account-regions that failed or have violations, and
    one line for the others."""
    violations: dict[tuple[str, str], int] = {}
    if scan is not None:
        for f in scan.violations:
            key = (f.account_id, f.region)
            violations[key] = violations.get(key, 0) + 1
    table = Table(title="Account-regions", title_justify="left")
    judged = ("Violations",) if scan is not None else ()
    columns = ("Account", "Region", "Groups", *judged, *(("Seconds",) if timed else ()))
    for column in (*columns, "Status"):
        table.add_column(column, justify="right" if column in columns[2:] else "left")
    folded = 0
    fold = not every_row and len(results) > CLEAN_ROWS_SHOWN
    for r in results:
        key = (r.scope.account_id, r.scope.region)
        if fold and r.ok and not violations.get(key):
            folded += 1
            continue
        count = groups_in(r.snapshot) if r.snapshot is not None else 0
        status = "ok" if r.ok else f"[red]FAILED[/] {escape(r.error or '')}"
        seconds = (f"{r.seconds:.2f}",) if timed else ()
        found = (str(violations.get(key, 0)) if r.ok else "-",) if scan is not None else ()
        table.add_row(
            r.scope.account_id, r.scope.region, str(count) if r.ok else "-", *found, *seconds,
            status,
        )  # fmt: skip
    if folded:
        clean = "no violations" if scan is not None else "read"
        table.add_row(
            f"[dim]{folded} more[/]", "", "", *([""] * (len(columns) - 3)),
            f"[dim]{clean} (--verbose lists each)[/]",
        )  # fmt: skip
    coverage = Coverage.of(results)
    if not coverage.complete:
        table.caption = f"[bold red]{coverage.summary()}: their groups were not judged[/]"
        table.caption_justify = "left"
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


def rollback_header(checked: CheckedBackup, dry_run: bool) -> Text:
    """What is about to be changed, shown before anything is: account, region and group, and
    in red everything that could not be verified about the backup (a forced rollback)."""
    plan = checked.record.plan
    text = Text()
    verb = "Dry run of the rollback of" if dry_run else "Rolling back"
    text.append(f"{verb} {checked.backup_id}\n", style="bold")
    text.append(f"  account {plan.account_id}  region {plan.region}  group {plan.group_id}")
    text.append(f" ({plan.group_name})\n" if plan.group_name else "\n")
    if checked.verified:
        text.append("  backup verified against its receipt (digest, version, group)\n")
        return text
    text.append("  UNVERIFIED, restoring anyway (--force-unverified):\n", style="bold red")
    for problem in checked.problems:
        text.append(f"    - {problem}\n", style="red")
    return text


def rollback_view(outcome: RollbackOutcome) -> Table:
    plan = outcome.plan
    verb = "would re-authorize" if outcome.dry_run else "re-authorized"
    title = f"Rollback of {escape(plan.backup_id)}: {outcome.account_id}/{outcome.region}"
    table = Table(title=f"{title} {escape(outcome.group_id)}", title_justify="left")
    table.add_column("Rule")
    table.add_column("Result")
    failed = {f.rule: f.reason for f in outcome.failed}
    for rule in plan.authorize:
        if rule in failed:
            table.add_row(escape(rule.describe()), f"[red]NOT restored: {escape(failed[rule])}[/]")
        elif rule in outcome.present_rules:
            # Not there when the rollback began, there after a call that failed: back, but
            # maybe put back by someone else.
            table.add_row(escape(rule.describe()), "[green]back[/] (present after a failed call)")
        else:
            table.add_row(escape(rule.describe()), f"[green]{verb}[/]")
    for rule in plan.skipped:
        table.add_row(escape(rule.describe()), "already present: skipped")
    for rule_id in outcome.not_restored:
        table.add_row(escape(rule_id), "not revoked by this remediation: left alone")
    for rule in outcome.to_remove:
        table.add_row(escape(rule.describe()), _narrowed_result(outcome, rule))
    table.caption = _rollback_caption(outcome)
    return table


def _narrowed_result(outcome: RollbackOutcome, rule: Rule) -> str:
    """A rule the remediation authorized in place of a wider one (narrowing): it goes once
    every wider rule is back, so that its peers keep their access throughout."""
    if outcome.dry_run:
        return "narrowed by the remediation: would remove"
    if rule in outcome.removed_rules:
        return "[green]removed[/] (narrowed by the remediation)"
    if rule in outcome.gone_rules:
        return "[green]gone[/] before its removal (narrowed by the remediation; removed by another)"
    if outcome.failed:
        return "[yellow]kept[/]: narrowed by the remediation, and a wider rule is not back"
    return "[red]NOT removed[/] (narrowed by the remediation)"


def _rollback_caption(outcome: RollbackOutcome) -> str:
    notes = [escape(outcome.tags_note)] if outcome.tags_note else []
    if outcome.problems:
        notes.insert(0, f"[red]UNVERIFIED backup ({len(outcome.problems)} problem(s)), forced[/]")
    if outcome.dry_run:
        return "; ".join(notes)
    if outcome.failed:
        notes.insert(0, f"[red]{len(outcome.failed)} rule(s) could not be restored[/]")
    tags = ", ".join(outcome.removed_tags)
    notes.insert(0, f"verified: {'yes' if outcome.verified else '[red]NO[/]'}")
    if tags:
        notes.append(f"tags removed: {tags}")
    if outcome.status_tag:
        notes.append(f"tagged sgc:status={outcome.status_tag}")
    return "; ".join(notes)
