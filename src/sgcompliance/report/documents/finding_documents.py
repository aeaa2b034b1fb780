"""Formats of one JSON document per finding (ASFF, OCSF): the documents, exempted findings
included, in location order, each made from its finding and the check behind it, then one
document per account-region that could not be read (so that a partial scan never reads as a
complete one); and the AWS names (partitions, ARNs) they give what a document is about."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from datetime import datetime
from functools import lru_cache
from itertools import chain
from typing import Any

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.findings import Finding
from sgcompliance.engine.fleet import ScopeFailure
from sgcompliance.report.controls import CheckInfo, findings_with_checks
from sgcompliance.report.coverage import failures
from sgcompliance.report.formats import PiecewiseText, Presentation
from sgcompliance.report.json_text import array
from sgcompliance.report.remediation_view import RemediationReport


class FindingDocumentsWriter(PiecewiseText):
    """Writes the documents as one JSON array; a format supplies how one document looks."""

    @abstractmethod
    def document(self, finding: Finding, info: CheckInfo, at: datetime | None) -> dict[str, Any]:
        """The document of one finding, stamped with `at` (the epoch when None)."""

    @abstractmethod
    def not_scanned(
        self, failure: ScopeFailure, policy_id: str, at: datetime | None
    ) -> dict[str, Any]:
        """The document of an account-region that could not be read, stamped with `at`."""

    def documents(self, result: ScanResult, at: datetime | None) -> list[dict[str, Any]]:
        """The findings' documents (what `sgc export securityhub` imports)."""
        return list(self._documents(result, at))

    def _documents(self, result: ScanResult, at: datetime | None) -> Iterator[dict[str, Any]]:
        for finding, info in findings_with_checks(result):
            yield self.document(finding, info, at)

    def pieces(
        self,
        result: ScanResult,
        presentation: Presentation,
        remediation: RemediationReport | None = None,
    ) -> Iterator[bytes]:
        del remediation  # findings only; remediation has its own formats
        at = presentation.generated_at
        # Written as they are made: the documents never all exist at once.
        documents = chain(
            self._documents(result, at),
            (self.not_scanned(f, result.policy.id, at) for f in failures(result)),
        )
        return chain(array(documents), (b"\n",))


# Region prefix -> partition; every other region is in the commercial partition.
_PARTITIONS: tuple[tuple[str, str], ...] = (
    ("cn-", "aws-cn"),
    ("us-gov-", "aws-us-gov"),
    ("us-iso-", "aws-iso"),
    ("us-isob-", "aws-iso-b"),
)


# Asked for several times per finding, of the few regions an estate has.
@lru_cache(maxsize=1024)
def partition_for(region: str) -> str:
    for prefix, partition in _PARTITIONS:
        if region.startswith(prefix):
            return partition
    return "aws"


def security_group_arn(account_id: str, region: str, group_id: str) -> str:
    return f"arn:{partition_for(region)}:ec2:{region}:{account_id}:security-group/{group_id}"


def account_arn(account_id: str, region: str) -> str:
    """The account as Security Hub and OCSF name it (`AWS::::Account:ID` is Security Hub's)."""
    return f"arn:{partition_for(region)}:iam::{account_id}:root"


def securityhub_product_arn(account_id: str, region: str) -> str:
    """The `default` product of an account: how a custom integration imports its findings."""
    partition = partition_for(region)
    return f"arn:{partition}:securityhub:{region}:{account_id}:product/{account_id}/default"
