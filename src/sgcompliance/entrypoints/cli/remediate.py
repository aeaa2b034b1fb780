"""`sgc remediate`: scan live, show the plan, back up, apply, and report what was done.

The report (any format, stdout or --output) carries the scan and a `RemediationReport`: the
before/after rule diff per group, backup ids and rollback commands. Notes and the confirmation
prompt go to stdout only when the report there is a table for a person; otherwise to stderr,
so `--format json` on stdout stays parseable.
"""

from __future__ import annotations

import contextlib
import sys
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from sgcompliance.adapters.aws.estate import BackupTarget, Runtime
from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.fleet import Coverage, with_coverage
from sgcompliance.engine.policy import Policy, Severity
from sgcompliance.engine.selection import EVERYTHING, Selection
from sgcompliance.entrypoints.bootstrap import build_runtime
from sgcompliance.entrypoints.cli import aws_options as opt
from sgcompliance.entrypoints.cli.console import (
    ExitCode,
    Terminal,
    not_confirmed,
    reported_errors,
)
from sgcompliance.entrypoints.cli.filters import ScanFilters, show_selection
from sgcompliance.entrypoints.cli.fleet_view import plan_view, read_scopes, show_scopes, stats_table
from sgcompliance.entrypoints.cli.option_groups import takes_option_groups
from sgcompliance.entrypoints.cli.pipeline import (
    CliPipeline,
    RecordTarget,
    RunChoices,
    cli_pipeline,
    preflight,
    trail_where,
)
from sgcompliance.entrypoints.cli.report_output import (
    planned_report,
    report_time,
    run_report,
    write_report,
)
from sgcompliance.errors import SgcError
from sgcompliance.events.enforcement import (
    Enforcement,
    Judgement,
    alert_run,
    carry_out,
    finish,
    judge,
    record_all,
)
from sgcompliance.policy.loader import DEFAULT_POLICY, load_policy
from sgcompliance.records.audit import Trigger
from sgcompliance.records.undo import run_rollback_command
from sgcompliance.remediation.plan import Mode, RemediationPlan
from sgcompliance.remediation.remediator import RemediationRun, RemediationSettings
from sgcompliance.report.remediation_view import RemediationReport


@dataclass(frozen=True, slots=True)
class ReportTo:
    """Where the report goes and how the terminal behaves."""

    report_format: str
    output: Path | None
    terminal: Terminal
    started: datetime

    @property
    def for_a_person(self) -> bool:
        return self.terminal.for_a_person(self.report_format, self.output)

    @property
    def notes_on_stdout(self) -> bool:
        """Stdout when a person reads a table there; stderr when stdout is machine output."""
        return self.output is None and self.report_format == "table"

    def notes(self, *, even_quiet: bool = False) -> Console:
        terminal = replace(self.terminal, quiet=False) if even_quiet else self.terminal
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
        Severity,
        typer.Option(
            metavar="SEVERITY", help="emergency_remediation locks down groups at or above this."
        ),
    ] = Severity.CRITICAL,
    policy_ref: opt.PolicyRef = DEFAULT_POLICY,
    report_format: opt.ReportFormat = "table",
    output: opt.ReportOutput = None,
    quiet: opt.Quiet = False,
    verbose: opt.Verbose = False,
    no_color: opt.NoColor = False,
    filters: ScanFilters,
    backups: opt.BackupLocation,
    kms_key_id: opt.KmsKey = None,
    allow_unversioned: opt.AllowUnversioned = False,
    audit: opt.AuditLocation,
    metrics_file: opt.MetricsFile = None,
    sns_topic: opt.SnsTopic = None,
    aws: opt.AwsTarget,
    max_workers: opt.MaxWorkers = 8,
    stats: opt.Stats = False,
) -> None:
    """Scan, show the plan as a diff, back up every group it changes, then apply it.

    Each group is read again just before its revoke: a rule changed since the scan is judged
    again, never revoked in its old form. The report (--format, --output) holds the scan and,
    per group, the rules removed and kept, the backup id and the rollback command; every
    decision leaves an audit record (--audit-bucket, --audit-dir, or audit/ beside
    --backup-dir), and --metrics-file and --sns-topic add the metrics and the alert the
    Lambda function would send. Everything written to is checked before the first change.
    On a terminal, the plan comes first and the summary last (--verbose: every finding too);
    --checks, --severity and the other filters narrow what is judged and so what is changed.
    Exit code 0 when every planned change was applied and verified (or nothing was needed), 2
    when the command line or a destination is not usable, 3 when an account-region could not be
    read or a group could not be changed (or its outcome not fully recorded), 5 when the prompt
    was declined or got no answer (standard input closed, Ctrl-C): nothing was changed.
    """
    terminal = Terminal.from_options(quiet=quiet, no_color=no_color, verbose=verbose)
    report_to = ReportTo(report_format, output, terminal, report_time())
    choices = RunChoices(mode, dry_run, max_revokes, lockdown_severity)
    with reported_errors():
        loaded = load_policy(policy_ref)
        selection = filters.selection(loaded)
        backups_target = backups.target(kms_key_id, allow_unversioned)
        records = audit.target(metrics_file, sns_topic)
        target = aws.target("remediate")
        show_selection(terminal, selection)
        job = Job(choices, backups_target, records, report_to, max_workers, stats, yes, selection)
        ok = job.run(build_runtime(target), selection.policy(loaded))
    raise typer.Exit(ExitCode.COMPLIANT if ok else ExitCode.PARTIAL)


@dataclass(frozen=True, slots=True)
class Job:
    """One `sgc remediate` invocation's choices."""

    choices: RunChoices
    backups: BackupTarget
    records: RecordTarget
    report_to: ReportTo
    max_workers: int
    stats: bool
    yes: bool
    selection: Selection = EVERYTHING

    @property
    def settings(self) -> RemediationSettings:
        c = self.choices
        return RemediationSettings(
            c.mode, c.dry_run, c.max_revokes, c.lockdown_severity, max_workers=self.max_workers
        )

    def run(self, runtime: Runtime, policy: Policy) -> bool:
        """True when every account-region was read and every planned change made."""
        choices, terminal = self.choices, self.report_to.terminal
        # Runs that cannot revoke need no store; one that can is refused without one.
        revokes = not choices.dry_run and choices.mode is not Mode.FLAG_ONLY
        store = runtime.backups(self.backups, required=revokes)
        with cli_pipeline(runtime, policy, choices, (self.backups, store), self.records) as cli:
            preflight(cli.services, self.report_to.output, writes=not choices.dry_run)
            # Read as `sgc scan` reads: rule rows only for the groups the policy flags, which
            # are the only ones planned (each is read again before any revoke).
            reader = runtime.reader_for(cli.services.scanner)
            results = read_scopes(runtime, reader, self.max_workers, terminal)
            read = [r.snapshot for r in results if r.snapshot is not None]
            snapshots = self.selection.snapshots(read)
            how = Enforcement(choices.mode, choices.dry_run, False, defer_outcome_tags=True)
            judged = self._selected(judge(cli.pipeline, cli.services, snapshots, how))
            # The report says which account-regions could not be read, as `sgc scan`'s does:
            # without it, a run that read one region of two reports a complete scan.
            judged = replace(judged, result=with_coverage(judged.result, Coverage.of(results)))
            show_scopes(terminal, results, judged.result, timed=self.stats)
            ok = self._carry_out(cli, judged, how, runtime)
        if self.stats:
            terminal.stderr().print(stats_table(runtime.counter.snapshot(), len(results)))
        return ok and all(r.ok for r in results)

    def _selected(self, judged: Judgement) -> Judgement:
        """The judgement without the engine's own findings the selection leaves out (the
        policy's checks left out were disabled before the scan), planned again without them."""
        result = self.selection.result(judged.result)
        if result is judged.result:
            return judged
        plans, note = judged.remediator.plan(result, judged.snapshots)
        return replace(judged, result=result, plans=plans, note=note)

    def _carry_out(
        self, cli: CliPipeline, judged: Judgement, how: Enforcement, runtime: Runtime
    ) -> bool:
        plans, note, scan = judged.plans, judged.note, judged.result
        notes = self.report_to.notes()
        if self.choices.dry_run:
            report_to = self.report_to
            # The plan is what a dry run is for: on a terminal it comes first, the summary last.
            if plans and report_to.for_a_person and not report_to.terminal.verbose:
                notes.print(plan_view(plans, note))
            report_to.write(scan, planned_report(plans, note, self.settings))
            notes.print("Dry run: nothing was changed." if plans else _NOTHING)
            return True
        if plans and not self.yes:
            self._confirm(plans, note)
        trigger = Trigger(_run_id(), CLI_EVENT_NAME, runtime.caller_account, _regions(runtime))
        enforced = carry_out(cli.pipeline, cli.services, trigger, judged, how)
        fresh = record_all(cli.services, enforced.records)
        alert_run(cli.services, trigger.event_id, fresh)
        finish(cli.services, enforced.unfinished)
        run = enforced.run
        assert run is not None  # carry_out always says what its run did
        return self._report(cli, scan, run, trigger.event_id) and run.ok

    def _report(self, cli: CliPipeline, scan: ScanResult, run: RemediationRun, run_id: str) -> bool:
        """The report, after the changes: a report that cannot be written does not undo them,
        so it is said as such (exit 3), with where the records went."""
        notes = self.report_to.notes()
        options = cli.services.rollback_options
        try:
            self.report_to.write(scan, run_report(run, self.settings, options))
        except SgcError as exc:
            self.report_to.terminal.stderr().print(
                f"[red]The changes were made and recorded ({trail_where(cli.services)}), "
                f"but the report could not be written: {exc}[/red]"
            )
            return False
        if run.stopped_by is not None:
            notes.print(f"[red]Stopped: {run.stopped_by}[/red]")
        if not run.outcomes:
            notes.print(_NOTHING)
        notes.print(f"Run id: {run_id}", highlight=False)
        if any(o.backup_id for o in run.outcomes):
            notes.print(f"Undo a group with: sgc rollback --group GROUP_ID --latest {options}")
            undo = escape(run_rollback_command(run_id, options))
            notes.print(f"Undo the whole run with: {undo}", highlight=False)
        return True

    def _confirm(self, plans: list[RemediationPlan], note: str) -> None:
        """The plan as a diff, then the question; both where the person is looking."""
        console = self.report_to.notes(even_quiet=True)
        console.print(plan_view(plans, note))
        err = not self.report_to.notes_on_stdout
        # The prompt reads with input(), which writes to stdout: kept off a machine report there.
        prompt_out = sys.stderr if err else sys.stdout
        try:
            with contextlib.redirect_stdout(prompt_out):
                confirmed = typer.confirm(f"Apply {len(plans)} change(s)?", default=False, err=err)
        except typer.Abort:  # no answer: standard input closed (CI, `< /dev/null`), or Ctrl-C
            typer.echo("", err=err)  # end the prompt's line
            confirmed = False
        if not confirmed:
            not_confirmed("remediate", "nothing was changed (pass --yes to apply without a prompt)")


CLI_EVENT_NAME = "CliRemediate"
_NOTHING = "Nothing to remediate: no violations."


def _run_id() -> str:
    return f"cli-{uuid.uuid4().hex[:16]}"


def _regions(runtime: Runtime) -> str:
    regions = runtime.requested_regions
    return regions[0] if len(regions) == 1 else "multiple"
