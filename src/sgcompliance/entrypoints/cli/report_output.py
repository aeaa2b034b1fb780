"""Where a report goes: stdout, or a file written atomically with a one-line note on stderr.

Also turns what the remediator did into the `RemediationReport` the writers receive, so the
report package never depends on the application layer.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import typer

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.entrypoints.cli.console import Terminal, presentation_for, write_stdout
from sgcompliance.entrypoints.cli.summary_view import show_summary
from sgcompliance.errors import SgcError
from sgcompliance.remediation.plan import RemediationPlan
from sgcompliance.remediation.remediator import GroupOutcome, RemediationRun, RemediationSettings
from sgcompliance.report.formats import format_names, render, render_pieces
from sgcompliance.report.history import ReportFindings
from sgcompliance.report.remediation_view import RemediationEntry, RemediationReport

DRY_RUN = "dry_run"


def format_help() -> str:
    return f"Report format: {', '.join(format_names())}."


def report_time(today: datetime | None = None) -> datetime:
    """When the command started, for the reports' time. SOURCE_DATE_EPOCH (the
    reproducible-builds convention) pins it, else `--today` (its midnight, UTC), so reports can
    be compared byte for byte."""
    pinned = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if pinned.isdigit():
        return datetime.fromtimestamp(int(pinned), UTC)
    if today is not None:
        return datetime(today.year, today.month, today.day, tzinfo=UTC)
    return datetime.now(UTC)


def write_report(
    result: ScanResult,
    report_format: str,
    output: Path | None,
    terminal: Terminal,
    remediation: RemediationReport | None = None,
    *,
    started: datetime | None = None,
    previous: ReportFindings | None = None,
) -> None:
    """The report to stdout, or to `output` (atomically) with a one-line summary on stderr;
    `previous`, the last scan's JSON report, for formats that show what changed (html).

    On a person's terminal the table report is its summary (`summary_view`); with --verbose,
    the whole table and then the summary again, so that it is what stays on the screen."""
    when = started or report_time()
    person = terminal.for_a_person(report_format, output)
    if person and not terminal.verbose:
        show_summary(terminal, result, remediation)
        return
    if output is None:
        presentation = replace(
            presentation_for(sys.stdout, terminal), generated_at=when, previous=previous
        )
        write_stdout(render(result, report_format, presentation, remediation))
        if person:
            show_summary(terminal, result, remediation, hint=False)
        return
    presentation = replace(presentation_for(None), generated_at=when, previous=previous)
    # Written as it is made: a large report's text is never in memory whole (the JSON formats).
    write_pieces_atomically(output, render_pieces(result, report_format, presentation, remediation))
    if not terminal.quiet:
        typer.echo(summary_line(result, report_format, output, remediation), err=True)


def summary_line(
    result: ScanResult, report_format: str, output: Path, remediation: RemediationReport | None
) -> str:
    line = (
        f"wrote {report_format} report to {output}: {len(result.violations)} violations, "
        f"{len(result.exempted)} exempted"
    )
    if remediation is not None:
        removed = sum(len(e.removed_rules) for e in remediation.entries)
        verb = "to remove" if remediation.dry_run else "removed"
        line += f", {len(remediation.entries)} groups remediated ({removed} rules {verb})"
    return line


def write_atomically(output: Path, text: str) -> None:
    """Readers of `output` see the old report or the new one, never a half-written file."""
    write_pieces_atomically(output, (text.encode("utf-8"),))


def write_pieces_atomically(output: Path, pieces: Iterable[bytes]) -> None:
    """`write_atomically` of the bytes of `pieces`, each written as it is made; the file is
    not there at all unless every piece was."""
    directory = output.parent
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise _unwritable(output, exc) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            for piece in pieces:
                handle.write(piece)
        # mkstemp creates 0600; a report gets the permissions any new file would.
        os.chmod(temp, 0o666 & ~_umask())
        os.replace(temp, output)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise _unwritable(output, exc) from exc
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _unwritable(output: Path, exc: OSError) -> SgcError:
    return SgcError(
        f"{output}: cannot write the report: {exc.strerror or exc}",
        hint="check that the directory exists and is writable",
    )


def planned_report(
    plans: Sequence[RemediationPlan], note: str, settings: RemediationSettings
) -> RemediationReport:
    """Plans not carried out: a dry run's, or none at all when nothing violates."""
    entries = tuple(RemediationEntry(plan, DRY_RUN) for plan in plans)
    return RemediationReport(settings.mode, settings.dry_run, entries, note)


def run_report(
    run: RemediationRun, settings: RemediationSettings, rollback_options: str = ""
) -> RemediationReport:
    """What an applied run did, group by group; `rollback_options` name where backups are."""
    entries = tuple(_entry(outcome, rollback_options) for outcome in run.outcomes)
    return RemediationReport(settings.mode, settings.dry_run, entries, run.blast_radius_note)


def _entry(outcome: GroupOutcome, rollback_options: str) -> RemediationEntry:
    return RemediationEntry(
        plan=outcome.plan,
        outcome=outcome.outcome.value,
        backup_id=outcome.backup_id,
        revoked=tuple(outcome.revoked),
        error=outcome.error,
        rollback_options=rollback_options,
        changed=tuple(outcome.changed),
    )
