"""Security Hub: import ASFF findings with BatchImportFindings, find this tool's active ones
with GetFindings, and resolve their workflow with BatchUpdateFindings.

A call can succeed while Security Hub rejects some of its findings: those come back per finding
(`FailedFindings`, `UnprocessedFindings`) and are returned as rejections, never raised. A call
that fails as a whole (no access, Security Hub not enabled) raises the project's error for it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sgcompliance.adapters.aws.errors import translating

# Security Hub takes at most this many findings in one BatchImportFindings or
# BatchUpdateFindings call, and returns at most this many per GetFindings page.
MAX_BATCH = 100
POLICY_FIELD = "sgcompliance/PolicyId"


@dataclass(frozen=True, slots=True)
class Rejection:
    finding_id: str
    code: str
    message: str


class SecurityHubImporter:
    """BatchImportFindings, GetFindings and BatchUpdateFindings in one account and region (the
    client's)."""

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

    def active_findings(self, product_arn: str, policy_id: str) -> list[dict[str, Any]]:
        """The ACTIVE security-group findings of `product_arn` written for `policy_id`.

        The caller checks every returned finding again (`records.securityhub_export.is_stale`):
        a service that ignores a filter (moto does) returns more, never less, than asked.
        """
        filters = {
            "ProductArn": [{"Value": product_arn, "Comparison": "EQUALS"}],
            "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
            "ResourceType": [{"Value": "AwsEc2SecurityGroup", "Comparison": "EQUALS"}],
            "ProductFields": [{"Key": POLICY_FIELD, "Value": policy_id, "Comparison": "EQUALS"}],
        }
        found: list[dict[str, Any]] = []
        paginator = self._client.get_paginator("get_findings")
        with translating("GetFindings", scope=self._scope):
            pages = paginator.paginate(Filters=filters, PaginationConfig={"PageSize": MAX_BATCH})
            for page in pages:
                found.extend(f for f in page.get("Findings", []) if isinstance(f, dict))
        return found

    def resolve_workflows(self, product_arn: str, finding_ids: Sequence[str]) -> list[Rejection]:
        """Workflow status RESOLVED for these findings; the ones Security Hub did not update."""
        if not finding_ids:
            return []
        if len(finding_ids) > MAX_BATCH:
            raise ValueError(f"at most {MAX_BATCH} findings per call, got {len(finding_ids)}")
        identifiers = [{"Id": i, "ProductArn": product_arn} for i in finding_ids]
        with translating("BatchUpdateFindings", scope=self._scope):
            response = self._client.batch_update_findings(
                FindingIdentifiers=identifiers, Workflow={"Status": "RESOLVED"}
            )
        return [
            Rejection(
                str(item.get("FindingIdentifier", {}).get("Id", "")),
                str(item.get("ErrorCode", "")),
                str(item.get("ErrorMessage", "")),
            )
            for item in response.get("UnprocessedFindings", [])
        ]
