"""`sgc remediate`: scan live, show the plan, back up, apply, and report what was done.

The report (any format, stdout or --output) carries the scan and a `RemediationReport`: the
before/after rule diff per group, backup ids and rollback commands. Notes and the confirmation
prompt go to stdout only when the report there is a table for a person; otherwise to stderr,
so `--format json` on stdout stays parseable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from sgcompliance.app.remediator import RemediationSettings, SecurityGroupRemediator
from sgcompliance.app.scanner import ComplianceScanner
from sgcompliance.core.evaluate import ScanResult
from sgcompliance.core.model import RegionSnapshot
from sgcompliance.core.plan import Mode, RemediationPlan
from sgcompliance.core.policy import Severity
from sgcompliance.entrypoints import aws_options as opt
from sgcompliance.entrypoints.bootstrap import BackupTarget, Runtime, build_runtime
from sgcompliance.entrypoints.console import ExitCode, Terminal, reported_errors
from sgcompliance.entrypoints.fleet_view import plan_view, read_scopes, show_scopes, stats_table
from sgcompliance.entrypoints.option_groups import takes_option_groups
from sgcompliance.entrypoints.report_output import (
    planned_report,
    report_time,
    run_report,
    write_report,
)
from sgcompliance.policy.loader import DEFAULT_POLICY, load_policy
from sgcompliance.report.remediation_view import RemediationReport


@dataclass(frozen=True, slots=True)
class ReportTo:
    """Where the report goes and how the terminal behaves."""

    report_format: str
    output: Path | None
    terminal: Terminal
    started: datetime

    @property
    def notes_on_stdout(self) -> bool:
        """Stdout when a person reads a table there; stderr when stdout is machine output."""
        return self.output is None and self.report_format == "table"

    def notes(self, *, even_quiet: bool = False) -> Console:
        terminal = Terminal(quiet=False, color=self.terminal.color) if even_quiet else self.terminal
        return terminal.stdout() if self.notes_on_stdout else terminal.stderr()

    def write(self, scan: ScanResult, remediation: RemediationReport) -> None:
        write_report(
            scan, self.report_format, self.output, self.terminal, remediation, started=self.started
        )


@takes_option_groups
def remediate(
    *,
    mode: Annotated[Mode, typer.Option(help="What to do with violations.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show the plan; change nothing.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Apply without asking.")] = False,
    max_revokes: Annotated[
        int | None, typer.Option(min=0, help="More revokes than this in one run: flag instead.")
    ] = None,
    lockdown_severity: Annotated[
        Severity, typer.Option(help="emergency_remediation locks down groups at or above this.")
    ] = Severity.CRITICAL,
    policy_ref: opt.PolicyRef = DEFAULT_POLICY,
    report_format: opt.ReportFormat = "table",
    output: opt.ReportOutput = None,
    quiet: opt.Quiet = False,
    no_color: opt.NoColor = False,
    backups: opt.BackupLocation,
    kms_key_id: opt.KmsKey = None,
    allow_unversioned: opt.AllowUnversioned = False,
    aws: opt.AwsTarget,
    max_workers: opt.MaxWorkers = 8,
    stats: opt.Stats = False,
) -> None:
    """Scan, show the plan as a diff, back up every group it changes, then apply it.

    The report (--format, --output) holds the scan and, per group, the rules removed and kept,
    the backup id and the rollback command. Exit code 0 when every planned change was applied
    and verified (or nothing was needed), 2 when aborted at the prompt, 3 when an
    account-region could not be read or a group could not be changed.
    """
    terminal = Terminal.from_options(quiet=quiet, no_color=no_color)
    report_to = ReportTo(report_format, output, terminal, report_time())
    settings = RemediationSettings(mode, dry_run, max_revokes, lockdown_severity)
    with reported_errors():
        policy = load_policy(policy_ref)
        backups_target = backups.target(kms_key_id, allow_unversioned)
        job = Job(settings, backups_target, report_to, max_workers, stats, yes)
        ok = job.run(build_runtime(aws.target("remediate")), ComplianceScanner(policy))
    raise typer.Exit(ExitCode.COMPLIANT if ok else ExitCode.PARTIAL)


@dataclass(frozen=True, slots=True)
class Job:
    """One `sgc remediate` invocation's choices."""

    settings: RemediationSettings
    backups: BackupTarget
    report_to: ReportTo
    max_workers: int
    stats: bool
    yes: bool

    def run(self, runtime: Runtime, scanner: ComplianceScanner) -> bool:
        """True when every account-region was read and every planned change made."""
        settings, terminal = self.settings, self.report_to.terminal
        # Runs that cannot revoke need no store; one that can is refused without one.
        revokes = not settings.dry_run and settings.mode is not Mode.FLAG_ONLY
        store = runtime.backups(self.backups, required=revokes)
        results = read_scopes(runtime, runtime.read, self.max_workers, terminal)
        snapshots = [r.snapshot for r in results if r.snapshot is not None]
        scan = scanner.scan(snapshots)
        show_scopes(terminal, results, scan, timed=self.stats)
        remediator = SecurityGroupRemediator(scanner, store, lambda: datetime.now(UTC), settings)
        plans, note = remediator.plan(scan)
        ok = self._carry_out(remediator, runtime, scan, (plans, note), snapshots)
        if self.stats:
            terminal.stderr().print(stats_table(runtime.counter.snapshot(), len(results)))
        return ok and all(r.ok for r in results)

    def _carry_out(
        self,
        remediator: SecurityGroupRemediator,
        runtime: Runtime,
        scan: ScanResult,
        planned: tuple[list[RemediationPlan], str],
        snapshots: list[RegionSnapshot],
    ) -> bool:
        plans, note = planned
        notes = self.report_to.notes()
        if not plans or self.settings.dry_run:
            self.report_to.write(scan, planned_report(plans, note, self.settings))
            notes.print(
                "Dry run: nothing was changed." if plans else "Nothing to remediate: no violations."
            )
            return True
        if not self.yes:
            self._confirm(plans, note)
        run = remediator.execute(plans, note, runtime.gateway, snapshots)
        self.report_to.write(scan, run_report(run, self.settings, _where(self.backups)))
        if any(o.backup_id for o in run.outcomes):
            notes.print(
                f"Undo a group with: sgc rollback --group GROUP_ID --latest {_where(self.backups)}"
            )
        return run.ok

    def _confirm(self, plans: list[RemediationPlan], note: str) -> None:
        """The plan as a diff, then the question; both where the person is looking."""
        console = self.report_to.notes(even_quiet=True)
        console.print(plan_view(plans, note))
        err = not self.report_to.notes_on_stdout
        if not typer.confirm(f"Apply {len(plans)} change(s)?", default=False, err=err):
            console.print("Aborted: nothing was changed.")
            raise typer.Exit(ExitCode.USAGE)


def _where(target: BackupTarget) -> str:
    if target.directory:
        return f"--backup-dir {target.directory}"
    return f"--backup-bucket {target.bucket}"
