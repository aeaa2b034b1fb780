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
from functools import lru_cache
from typing import Any

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.fleet import ScopeFailure
from sgcompliance.report.coverage import NOT_SCANNED_CHECK, NOT_SCANNED_TITLE, failures
from sgcompliance.report.formats import Presentation
from sgcompliance.report.plain_text import visible_escapes
from sgcompliance.report.records import Record, finding_records
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


# Most cells repeat (checks, titles, accounts, regions, protocols, peers): the latest few
# thousand are remembered.
@lru_cache(maxsize=4096)
def inert(value: str) -> str:
    """The cell as text a spreadsheet will not evaluate and a terminal will not interpret."""
    # Printable ASCII holds no control character and no bidirectional override: most cells
    # are, and skip the translation (two fifths of the time of a large report, measured).
    visible = value if value.isascii() and value.isprintable() else value.translate(_VISIBLE)
    return "'" + visible if visible.startswith(FORMULA_PREFIXES) else visible


def _cell(value: Any) -> str:
    if type(value) is str:  # most cells: the checks below, for a string, only cost time
        return inert(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        # Numbers are ours (ports), never user text: -1 stays a number, not text.
        return str(value)
    return inert(str(value))


def _row(record: Record, tags_text: dict[int, tuple[Record, str]]) -> list[str]:
    """The cells of a finding's record, in column order. `tags_text` keeps the JSON of each
    group's tags (one record per group, shared by its findings) over the rows of a report."""
    rule = record["rule"] or {}
    exempted = record["exempted_by"] or {}
    expired = record["expired_exemption"] or {}
    get = rule.get
    values = (
        record["finding_id"],
        "exempted" if exempted else "violation",
        record["severity"],
        record["check_id"],
        record["title"],
        record["account_id"],
        record["region"],
        record["group_id"],
        record["group_name"],
        record["attachment"],
        record["rule_id"],
        get("direction"),
        get("protocol"),
        get("from_port"),
        get("to_port"),
        get("peer"),
        get("peer_kind"),
        get("description"),
        record["reason"],
        record["message"],
        record["remediation"],
        exempted.get("id"),
        exempted.get("owner"),
        exempted.get("expires"),
        expired.get("id"),
        _tags_text(record["group_tags"], tags_text),
    )
    return list(map(_cell, values))


def _tags_text(tags: Record, known: dict[int, tuple[Record, str]]) -> str:
    found = known.get(id(tags))
    if found is None:
        text = json.dumps(tags, sort_keys=True, ensure_ascii=False) if tags else ""
        found = known[id(tags)] = (tags, text)
    return found[1]


def _not_scanned_row(failure: ScopeFailure) -> list[str]:
    values = {
        "status": "not_scanned",
        "check_id": NOT_SCANNED_CHECK,
        "title": NOT_SCANNED_TITLE,
        "account_id": failure.scope.account_id,
        "region": failure.scope.region,
        "reason": failure.code,
        "message": failure.reason,
    }
    return [_cell(values.get(column)) for column in COLUMNS]


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
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        tags_text: dict[int, tuple[Record, str]] = {}
        for record in finding_records(result):
            writer.writerow(_row(record, tags_text))
        for failure in failures(result):
            writer.writerow(_not_scanned_row(failure))
        return buffer.getvalue()
