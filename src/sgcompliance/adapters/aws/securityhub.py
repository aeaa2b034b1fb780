"""Security Hub: import ASFF findings with BatchImportFindings.

A call can succeed while Security Hub rejects some of its findings: those come back per finding
(`FailedFindings`) and are returned as rejections, never raised. A call that fails as a whole
(no access, Security Hub not enabled) raises the project's error for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sgcompliance.adapters.aws.errors import translating

# Security Hub takes at most this many findings in one BatchImportFindings call.
MAX_BATCH = 100


@dataclass(frozen=True, slots=True)
class Rejection:
    finding_id: str
    code: str
    message: str


class SecurityHubImporter:
    """BatchImportFindings in one account and region (the client's)."""

    def __init__(self, client: Any, scope: str = "") -> None:
        self._client = client
        self._scope = scope

    def import_findings(self, documents: Sequence[Mapping[str, Any]]) -> list[Rejection]:
        if not documents:
            return []
        if len(documents) > MAX_BATCH:
            raise ValueError(f"at most {MAX_BATCH} findings per call, got {len(documents)}")
        with translating("BatchImportFindings", scope=self._scope):
            response = self._client.batch_import_findings(Findings=[dict(d) for d in documents])
        return [
            Rejection(
                str(item.get("Id", "")),
                str(item.get("ErrorCode", "")),
                str(item.get("ErrorMessage", "")),
            )
            for item in response.get("FailedFindings", [])
        ]
