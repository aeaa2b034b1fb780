"""What a scan covered, for every report format: the account-regions asked for, read, and not
read with their reasons.

A live scan's result carries its `Coverage` (`engine.fleet.FleetScanResult`); a scan of
snapshot files covered exactly the snapshots it was given. A report of a scan that covered less
than was asked must say so: every format uses these records (see docs/reports.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.fleet import Coverage, FleetScanResult, Scope, ScopeFailure

Record = dict[str, Any]

# The check id of the documents (ASFF, OCSF) and rows (CSV) standing for an account-region
# that could not be read.
NOT_SCANNED_CHECK = "SGC.SCOPE_NOT_SCANNED"
NOT_SCANNED_TITLE = "Account-region could not be read: its security groups were not judged"


def coverage_of(result: ScanResult) -> Coverage:
    """The result's own coverage, or, for a scan of snapshots, exactly the snapshots' scopes."""
    if isinstance(result, FleetScanResult):
        return result.coverage
    return Coverage(tuple(Scope(a, r) for a, r in dict.fromkeys(result.scopes)))


def failures(result: ScanResult) -> list[ScopeFailure]:
    """The account-regions that could not be read, in account, region order."""
    return sorted(coverage_of(result).failed, key=lambda f: f.scope)


def coverage_record(result: ScanResult) -> Record:
    """`{"complete", "summary", "accounts", "regions", "requested", "scanned", "failed"}`:
    the accounts and regions asked for, then the account-regions; each sorted."""
    coverage = coverage_of(result)
    return {
        "complete": coverage.complete,
        "summary": coverage.summary(),
        "accounts": sorted({s.account_id for s in coverage.requested}),
        "regions": sorted({s.region for s in coverage.requested}),
        "requested": _scopes(coverage.requested),
        "scanned": _scopes(coverage.scanned),
        "failed": [failure_record(f) for f in failures(result)],
    }


def failure_record(failure: ScopeFailure) -> Record:
    return {
        "account_id": failure.scope.account_id,
        "region": failure.scope.region,
        "error_code": failure.code,
        "reason": failure.reason,
    }


def not_scanned_id(failure: ScopeFailure, policy_id: str) -> str:
    """Stable per policy and account-region: a re-run updates the same document."""
    digest = hashlib.sha256(policy_id.encode("utf-8")).hexdigest()[:16]
    return f"sgcompliance/not-scanned/{failure.scope.account_id}/{failure.scope.region}/{digest}"


def failure_line(failure: ScopeFailure) -> str:
    """`111111111111/eu-west-1: REASON`, as the terminal and the HTML page show it."""
    return f"{failure.scope}: {failure.reason}"


def incomplete_heading(result: ScanResult) -> str:
    """`INCOMPLETE SCAN: 1 of 3 account-regions could not be read; ...`, or "" when complete."""
    coverage = coverage_of(result)
    if coverage.complete:
        return ""
    return (
        f"INCOMPLETE SCAN: {coverage.summary()}; their security groups were not judged, "
        "so this report cannot say they are compliant"
    )


def time_text(at: datetime | None) -> str | None:
    """When the scan ran, as reports write it (`2026-11-27T08:30:15Z`), or None when the caller
    gave no time: the report then says it does not know rather than invent one."""
    if at is None:
        return None
    return at.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _scopes(scopes: Iterable[Scope]) -> list[Record]:
    return [{"account_id": s.account_id, "region": s.region} for s in sorted(set(scopes))]
