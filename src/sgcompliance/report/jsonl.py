"""JSON Lines: one self-contained JSON object per line, for log pipelines and `jq -c`.

The first line is the summary (with the policy digest and the scan's time), the second the
coverage (the account-regions asked for, read and not read, with their reasons), then one line
per finding in location order, one line per group that passed checks (the checks it passed),
then (after a remediation run) one line per remediated group. Every line carries `"record"`:
`summary`, `coverage`, `finding`, `passed` or `remediation`, so a reader can filter without
knowing the order. The objects are the JSON report's records (`records.py`), so both formats
name every field the same way.
"""

from __future__ import annotations

import json

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.report.coverage import coverage_record
from sgcompliance.report.formats import Presentation
from sgcompliance.report.passes import passed_records
from sgcompliance.report.records import (
    Record,
    finding_records,
    remediation_entry_record,
    summary_record,
)
from sgcompliance.report.remediation_view import RemediationReport


def _line(kind: str, record: Record) -> str:
    # ASCII escapes: a newline or a line separator in a description can never split a record.
    return json.dumps({"record": kind, **record}, sort_keys=True, ensure_ascii=True)


def _remediation_lines(report: RemediationReport) -> list[str]:
    run = {
        "mode": report.mode.value,
        "dry_run": report.dry_run,
        "blast_radius_note": report.blast_radius_note,
    }
    entries = sorted(
        report.entries, key=lambda e: (e.plan.account_id, e.plan.region, e.plan.group_id)
    )
    return [_line("remediation", {**run, **remediation_entry_record(e)}) for e in entries]


class JsonLinesWriter:
    def render(
        self,
        result: ScanResult,
        presentation: Presentation,
        remediation: RemediationReport | None = None,
    ) -> str:
        passed = passed_records(result)
        lines = [
            _line("summary", summary_record(result, presentation.generated_at, passed)),
            _line("coverage", coverage_record(result)),
        ]
        lines.extend(_line("finding", record) for record in finding_records(result))
        lines.extend(_line("passed", record) for record in passed)
        if remediation is not None:
            lines.extend(_remediation_lines(remediation))
        return "\n".join(lines) + "\n"
