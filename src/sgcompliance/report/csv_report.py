"""CSV: one row per finding (RFC 4180), for spreadsheets; after them, one row with status
`not_scanned` per account-region that could not be read, so that a spreadsheet of a partial
scan never reads as a complete one.

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` (and some a tab or a
carriage return) as a formula, so a security-group description such as `=cmd|' /C calc'!A0`
could execute on the reader's machine. Every such cell gets a leading apostrophe, which the
spreadsheet shows as text; the CSV quoting itself handles commas, quotes and newlines.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.fleet import ScopeFailure
from sgcompliance.report.coverage import NOT_SCANNED_CHECK, NOT_SCANNED_TITLE, failures
from sgcompliance.report.formats import Presentation
from sgcompliance.report.plain_text import visible_escapes
from sgcompliance.report.records import Record, by_location, finding_record
from sgcompliance.report.remediation_view import RemediationReport

COLUMNS: tuple[str, ...] = (
    "finding_id", "status", "severity", "check_id", "title", "account_id", "region",
    "group_id", "group_name", "attachment", "rule_id", "direction", "protocol", "from_port",
    "to_port", "peer", "peer_kind", "rule_description", "reason", "message", "remediation",
    "exempted_by", "exemption_owner", "exemption_expires", "expired_exemption", "group_tags",
)  # fmt: skip

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Controls other than line breaks and tabs, and the bidirectional overrides, are shown as
# escapes: `cat report.csv` must not run terminal escape sequences from a description.
_VISIBLE = visible_escapes(keep="\t\n\r")


def inert(value: str) -> str:
    """The cell as text a spreadsheet will not evaluate and a terminal will not interpret."""
    visible = value.translate(_VISIBLE)
    return "'" + visible if visible.startswith(FORMULA_PREFIXES) else visible


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        # Numbers are ours (ports), never user text: -1 stays a number, not text.
        return str(value)
    return inert(str(value))


def _row(record: Record) -> dict[str, str]:
    rule = record["rule"] or {}
    exempted = record["exempted_by"] or {}
    expired = record["expired_exemption"] or {}
    values: dict[str, Any] = {
        **{k: record[k] for k in COLUMNS if k in record},
        "status": "exempted" if exempted else "violation",
        "direction": rule.get("direction"),
        "protocol": rule.get("protocol"),
        "from_port": rule.get("from_port"),
        "to_port": rule.get("to_port"),
        "peer": rule.get("peer"),
        "peer_kind": rule.get("peer_kind"),
        "rule_description": rule.get("description"),
        "exempted_by": exempted.get("id"),
        "exemption_owner": exempted.get("owner"),
        "exemption_expires": exempted.get("expires"),
        "expired_exemption": expired.get("id"),
        "group_tags": json.dumps(record["group_tags"], sort_keys=True, ensure_ascii=False)
        if record["group_tags"]
        else "",
    }
    return {column: _cell(values.get(column)) for column in COLUMNS}


def _not_scanned_row(failure: ScopeFailure) -> dict[str, str]:
    values = {
        "status": "not_scanned",
        "check_id": NOT_SCANNED_CHECK,
        "title": NOT_SCANNED_TITLE,
        "account_id": failure.scope.account_id,
        "region": failure.scope.region,
        "reason": failure.code,
        "message": failure.reason,
    }
    return {column: _cell(values.get(column)) for column in COLUMNS}


class CsvWriter:
    def render(
        self,
        result: ScanResult,
        presentation: Presentation,
        remediation: RemediationReport | None = None,
    ) -> str:
        del presentation, remediation  # one row per finding; remediation has its own formats
        buffer = io.StringIO()
        # RFC 4180: CRLF line ends, fields with a comma, quote or line break quoted.
        writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        for finding in by_location(result.findings):
            writer.writerow(_row(finding_record(finding)))
        for failure in failures(result):
            writer.writerow(_not_scanned_row(failure))
        return buffer.getvalue()
