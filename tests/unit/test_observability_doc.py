"""docs/observability.md documents every audit field and every metric the code emits."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from sgcompliance.records.audit import AuditAction, IgnoreReason, Trigger, audit_record, to_json
from sgcompliance.records.metrics import MetricName

DOC = Path(__file__).resolve().parents[2] / "docs" / "observability.md"


def table_names(text: str) -> set[str]:
    """The first cell of every table row, when it is a `code` name."""
    return set(re.findall(r"^\| `([A-Za-z0-9_]+)` \|", text, flags=re.MULTILINE))


def test_every_audit_record_field_is_documented() -> None:
    # GIVEN a record's JSON fields  THEN each has a row in the schema table
    trigger = Trigger("e", "n", "1", "r")
    record = audit_record(trigger, decided_at=datetime(2026, 1, 1), action=AuditAction.NONE)
    assert set(to_json(record)) <= table_names(DOC.read_text())


def test_every_metric_is_documented() -> None:
    assert {m.value for m in MetricName} <= table_names(DOC.read_text())


def test_every_ignore_reason_is_documented() -> None:
    text = DOC.read_text()
    assert all(f"`{reason.value}`" in text for reason in IgnoreReason)
