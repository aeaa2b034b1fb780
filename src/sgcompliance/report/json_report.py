"""The JSON report: `{"summary": ..., "coverage": ..., "findings": [...], "passed": [...]}` with
sorted keys, for machines and diffs; `summary` names the policy (id, version, digest) and when
the scan ran; `coverage` says which account-regions were asked for, read and not read (see
`coverage.coverage_record`); `passed` the checks each group passed (see `passes.py`); a
remediation run adds `"remediation": {...}` (see `records.remediation_record`).

Keys are sorted and findings are in location order, so two reports of the same estate differ
only where the estate or the policy changed.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.report.formats import PiecewiseText, Presentation
from sgcompliance.report.json_text import with_items
from sgcompliance.report.records import finding_records, scan_record_without_findings
from sgcompliance.report.remediation_view import RemediationReport


class JsonWriter(PiecewiseText):
    def pieces(
        self,
        result: ScanResult,
        presentation: Presentation,
        remediation: RemediationReport | None = None,
    ) -> Iterator[bytes]:
        # ASCII-only escapes keep the bytes identical under any locale or terminal encoding.
        # The findings are written as they are made: their records never all exist at once.
        document = scan_record_without_findings(result, remediation, presentation.generated_at)
        pieces = with_items(document, "findings", 1, finding_records(result))
        return chain(pieces, (b"\n",))
