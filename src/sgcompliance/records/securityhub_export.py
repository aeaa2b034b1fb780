"""Sending ASFF findings to Security Hub: per account and region, in batches of 100.

Findings of the importing account's `default` product must be imported by the account they
are about, in their own region, so documents are grouped by the account and region of their
`ProductArn`. A whole batch that fails (no access, Security Hub not enabled there) is reported
per finding like a rejected finding, and the other batches and accounts go on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sgcompliance.errors import AwsApiError, SgcError

BATCH_SIZE = 100

Document = Mapping[str, Any]


class RejectedFinding(Protocol):
    @property
    def finding_id(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def message(self) -> str: ...


class FindingsImporter(Protocol):
    """Security Hub of one account and region."""

    def import_findings(self, documents: Sequence[Document]) -> Sequence[RejectedFinding]: ...


@dataclass(frozen=True, slots=True)
class FailedFinding:
    finding_id: str
    account_id: str
    region: str
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class ScopeExport:
    account_id: str
    region: str
    sent: int
    batches: int
    failed: tuple[FailedFinding, ...] = ()

    @property
    def imported(self) -> int:
        return self.sent - len(self.failed)


@dataclass(frozen=True, slots=True)
class ExportReport:
    scopes: tuple[ScopeExport, ...]

    @property
    def sent(self) -> int:
        return sum(s.sent for s in self.scopes)

    @property
    def imported(self) -> int:
        return sum(s.imported for s in self.scopes)

    @property
    def batches(self) -> int:
        return sum(s.batches for s in self.scopes)

    @property
    def failed(self) -> tuple[FailedFinding, ...]:
        return tuple(f for s in self.scopes for f in s.failed)

    @property
    def ok(self) -> bool:
        return not self.failed


def home_of(document: Document) -> tuple[str, str]:
    """(account, region) of a document's product: where it has to be imported."""
    parts = str(document["ProductArn"]).split(":")
    return parts[4], parts[3]


def batches(documents: Sequence[Document], size: int = BATCH_SIZE) -> Iterator[Sequence[Document]]:
    for start in range(0, len(documents), size):
        yield documents[start : start + size]


def export_findings(
    documents: Sequence[Document],
    importer_for: Callable[[str, str], FindingsImporter],
    batch_size: int = BATCH_SIZE,
) -> ExportReport:
    """Import every document into Security Hub; report what each account-region took."""
    by_home: dict[tuple[str, str], list[Document]] = {}
    for document in documents:
        by_home.setdefault(home_of(document), []).append(document)
    scopes = [
        _export_scope(account, region, by_home[(account, region)], importer_for, batch_size)
        for account, region in sorted(by_home)
    ]
    return ExportReport(tuple(scopes))


def _export_scope(
    account: str,
    region: str,
    documents: Sequence[Document],
    importer_for: Callable[[str, str], FindingsImporter],
    batch_size: int,
) -> ScopeExport:
    failed: list[FailedFinding] = []
    count = 0
    try:
        importer = importer_for(account, region)
    except SgcError as exc:  # e.g. the member role cannot be assumed: this account only
        failed.extend(_whole_batch_failed(documents, account, region, exc))
        return ScopeExport(account, region, len(documents), 0, tuple(failed))
    for batch in batches(documents, batch_size):
        count += 1
        try:
            rejected = importer.import_findings(batch)
        except SgcError as exc:
            failed.extend(_whole_batch_failed(batch, account, region, exc))
            continue
        failed.extend(
            FailedFinding(r.finding_id, account, region, r.code, r.message) for r in rejected
        )
    return ScopeExport(account, region, len(documents), count, tuple(failed))


def _whole_batch_failed(
    documents: Sequence[Document], account: str, region: str, exc: SgcError
) -> list[FailedFinding]:
    code = exc.aws_code if isinstance(exc, AwsApiError) and exc.aws_code else exc.code
    return [FailedFinding(str(d["Id"]), account, region, code, str(exc)) for d in documents]
