"""Sending ASFF findings to Security Hub: per account and region, in batches of 100; and
resolving the findings an earlier export sent that the current scan no longer finds.

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
    try:
        importer = importer_for(account, region)
    except SgcError as exc:  # e.g. the member role cannot be assumed: this account only
        failed = _whole_batch_failed(documents, account, region, exc)
        return ScopeExport(account, region, len(documents), 0, tuple(failed))
    count, failed = _import_all(importer, documents, (account, region), batch_size)
    return ScopeExport(account, region, len(documents), count, tuple(failed))


def _import_all(
    importer: FindingsImporter,
    documents: Sequence[Document],
    where: tuple[str, str],
    batch_size: int,
) -> tuple[int, list[FailedFinding]]:
    """Every document imported in batches: (calls made, findings not imported)."""
    account, region = where
    failed: list[FailedFinding] = []
    count = 0
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
    return count, failed


def _whole_batch_failed(
    documents: Sequence[Document], account: str, region: str, exc: SgcError
) -> list[FailedFinding]:
    code = _code(exc)
    return [FailedFinding(str(d["Id"]), account, region, code, str(exc)) for d in documents]


# --- resolving what is gone -----------------------------------------------------------------
#
# A finding this tool imported earlier and the current scan no longer finds (the rule was
# revoked, the group deleted) is fixed: it is re-imported with `RecordState` ARCHIVED and
# `Compliance.Status` PASSED (BatchImportFindings: how a finding provider updates its own
# findings), then its workflow is set to RESOLVED (BatchUpdateFindings: BatchImportFindings
# cannot change a workflow once a finding exists). A finding is resolved only when the scan
# can vouch that it is gone: its account-region was read completely, its check was run, and it
# is this policy's. Everything Security Hub returns is checked here again, whatever filters the
# query had: a finding outside that scope is never touched.

PROVIDER_NAME = "sgcompliance"
POLICY_FIELD = "sgcompliance/PolicyId"
GROUP_RESOURCE = "AwsEc2SecurityGroup"
# Workflows a person has not closed: only these are set to RESOLVED (SUPPRESSED stays).
OPEN_WORKFLOWS = frozenset({"NEW", "NOTIFIED"})
# The fields of a stored finding a re-import carries (the required ones and the provider's
# own); anything Security Hub added (ProcessedAt, Workflow, Note, ...) is left out.
REIMPORTED_FIELDS = (
    "SchemaVersion", "Id", "ProductArn", "ProductName", "CompanyName", "GeneratorId",
    "AwsAccountId", "Types", "FirstObservedAt", "LastObservedAt", "CreatedAt", "Severity",
    "Title", "Description", "Remediation", "ProductFields", "Resources",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ResolutionScope:
    """What one export can vouch for: findings of this policy and these checks, in these
    account-regions, each read completely."""

    policy_id: str
    check_ids: frozenset[str]
    scopes: frozenset[tuple[str, str]]


class FindingsKeeper(Protocol):
    """Security Hub of one account and region, for resolving what is gone."""

    def active_findings(self, product_arn: str, policy_id: str) -> Sequence[Document]:
        """The ACTIVE findings of the product (filtered by policy where the service can)."""
        ...

    def import_findings(self, documents: Sequence[Document]) -> Sequence[RejectedFinding]: ...

    def resolve_workflows(
        self, product_arn: str, finding_ids: Sequence[str]
    ) -> Sequence[RejectedFinding]:
        """Set the workflow of these findings to RESOLVED; the ones not updated."""
        ...


@dataclass(frozen=True, slots=True)
class ScopeResolution:
    account_id: str
    region: str
    stale_ids: tuple[str, ...] = ()
    failed: tuple[FailedFinding, ...] = ()
    # Findings archived whose workflow could not be set to RESOLVED (with why).
    workflow_failed: tuple[FailedFinding, ...] = ()
    # The whole account-region could not be queried: nothing in it was touched.
    error: str = ""

    @property
    def resolved(self) -> int:
        return len(self.stale_ids) - len(self.failed)


@dataclass(frozen=True, slots=True)
class ResolutionReport:
    scopes: tuple[ScopeResolution, ...]
    dry_run: bool = False

    @property
    def stale(self) -> int:
        return sum(len(s.stale_ids) for s in self.scopes)

    @property
    def resolved(self) -> int:
        return 0 if self.dry_run else sum(s.resolved for s in self.scopes)

    @property
    def ok(self) -> bool:
        return all(not s.error and not s.failed and not s.workflow_failed for s in self.scopes)


def is_stale(
    finding: Document,
    current_ids: frozenset[str] | set[str],
    scope: ResolutionScope,
    where: tuple[str, str],
    product_arn: str,
) -> bool:
    """True when `finding` (as Security Hub returned it, for the account-region `where`) is
    this tool's, in the scope the scan vouches for, still active, and no longer found."""
    fields = finding.get("ProductFields")
    resources = finding.get("Resources")
    if not isinstance(fields, Mapping) or not isinstance(resources, list) or not resources:
        return False
    account, region = where
    return (
        where in scope.scopes
        and finding.get("ProductArn") == product_arn
        and finding.get("AwsAccountId") == account
        and finding.get("RecordState") == "ACTIVE"
        and fields.get("ProviderName") == PROVIDER_NAME
        and fields.get(POLICY_FIELD) == scope.policy_id
        and finding.get("GeneratorId") in scope.check_ids
        and all(_group_in(r, region) for r in resources)
        and finding.get("Id") not in current_ids
    )


def _group_in(resource: object, region: str) -> bool:
    return (
        isinstance(resource, Mapping)
        and resource.get("Type") == GROUP_RESOURCE
        and resource.get("Region", region) == region
    )


def archived(finding: Document, updated_at: str) -> Document:
    """The re-import that archives a stored finding: its own fields, RecordState ARCHIVED,
    Compliance PASSED, and a newer UpdatedAt (Security Hub keeps the latest update)."""
    document = {k: finding[k] for k in REIMPORTED_FIELDS if k in finding}
    compliance = finding.get("Compliance")
    requirements = (
        compliance.get("RelatedRequirements") if isinstance(compliance, Mapping) else None
    )
    document["Compliance"] = {"Status": "PASSED"}
    if requirements:
        document["Compliance"]["RelatedRequirements"] = requirements
    document["RecordState"] = "ARCHIVED"
    document["UpdatedAt"] = updated_at
    return document


def resolve_gone(
    current_ids: frozenset[str],
    scope: ResolutionScope,
    keeper_for: Callable[[str, str], FindingsKeeper],
    product_arn_for: Callable[[str, str], str],
    updated_at: str,
    *,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
) -> ResolutionReport:
    """In every account-region of `scope`, archive and resolve this tool's active findings
    the scan no longer finds; with `dry_run`, only say which they are."""
    run = _Resolution(current_ids, scope, keeper_for, updated_at, dry_run, batch_size)
    results = [run.resolve(where, product_arn_for(*where)) for where in sorted(scope.scopes)]
    return ResolutionReport(tuple(results), dry_run)


@dataclass(frozen=True, slots=True)
class _Resolution:
    current_ids: frozenset[str]
    scope: ResolutionScope
    keeper_for: Callable[[str, str], FindingsKeeper]
    updated_at: str
    dry_run: bool
    batch_size: int

    def resolve(self, where: tuple[str, str], product_arn: str) -> ScopeResolution:
        account, region = where
        try:
            keeper = self.keeper_for(account, region)
            found = keeper.active_findings(product_arn, self.scope.policy_id)
        except SgcError as exc:
            return ScopeResolution(account, region, error=_reason(exc))
        stale = {
            str(f["Id"]): f
            for f in found
            if is_stale(f, self.current_ids, self.scope, where, product_arn)
        }
        ids = tuple(sorted(stale))
        if self.dry_run or not stale:
            return ScopeResolution(account, region, ids)
        failed = self._archive(keeper, where, list(stale.values()))
        not_archived = {f.finding_id for f in failed}
        open_ids = [
            i for i, f in stale.items() if i not in not_archived and _workflow(f) in OPEN_WORKFLOWS
        ]
        unresolved = self._resolve(keeper, where, product_arn, sorted(open_ids))
        return ScopeResolution(account, region, ids, tuple(failed), tuple(unresolved))

    def _archive(
        self, keeper: FindingsKeeper, where: tuple[str, str], stale: list[Document]
    ) -> list[FailedFinding]:
        documents = [archived(f, self.updated_at) for f in stale]
        return _import_all(keeper, documents, where, self.batch_size)[1]

    def _resolve(
        self, keeper: FindingsKeeper, where: tuple[str, str], product_arn: str, ids: list[str]
    ) -> list[FailedFinding]:
        account, region = where
        failed: list[FailedFinding] = []
        for start in range(0, len(ids), self.batch_size):
            chunk = ids[start : start + self.batch_size]
            try:
                rejected = keeper.resolve_workflows(product_arn, chunk)
            except SgcError as exc:
                failed.extend(
                    FailedFinding(i, account, region, _code(exc), str(exc)) for i in chunk
                )
                continue
            failed.extend(
                FailedFinding(r.finding_id, account, region, r.code, r.message) for r in rejected
            )
        return failed


def _workflow(finding: Document) -> str:
    workflow = finding.get("Workflow")
    status = workflow.get("Status") if isinstance(workflow, Mapping) else None
    return str(status or finding.get("WorkflowState") or "NEW")


def _code(exc: SgcError) -> str:
    return exc.aws_code if isinstance(exc, AwsApiError) and exc.aws_code else exc.code


def _reason(exc: SgcError) -> str:
    return f"{_code(exc)}: {exc}"
