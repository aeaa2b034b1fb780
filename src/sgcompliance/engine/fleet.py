"""Fan-out over accounts x regions with bounded concurrency; one scope failing stops no other.

A scope that fails is one line naming why (`ScopeResult.error`: no traceback, no HTML page, at
most `REASON_LIMIT` characters), and the `Coverage` of a run says which scopes were asked for,
which were read and which were not, with their reasons; `with_coverage` hands it to the report
writers with the scan result, so that no report of a partial scan reads as a complete one.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, fields
from typing import Any, Generic, TypeVar

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.errors import SgcError

log = logging.getLogger(__name__)

# Characters of a failed scope's reason: a table cell, a report field, a log line.
REASON_LIMIT = 300
_HTML = re.compile(r"<(!doctype html|html|head|body|title)\b", re.IGNORECASE)


@dataclass(frozen=True, slots=True, order=True)
class Scope:
    account_id: str
    region: str

    def __str__(self) -> str:
        return f"{self.account_id}/{self.region}"


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ScopeResult(Generic[T]):
    scope: Scope
    snapshot: T | None
    error: str | None = None
    error_code: str | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class ScopeFailure:
    scope: Scope
    reason: str
    code: str


@dataclass(frozen=True, slots=True)
class Coverage:
    """What a run was asked to read and what it could not, in the order asked."""

    requested: tuple[Scope, ...]
    failed: tuple[ScopeFailure, ...] = ()

    @classmethod
    def of(cls, results: Sequence[ScopeResult[Any]]) -> Coverage:
        failed = tuple(
            ScopeFailure(r.scope, r.error or "", r.error_code or "") for r in results if not r.ok
        )
        return cls(tuple(r.scope for r in results), failed)

    @property
    def scanned(self) -> tuple[Scope, ...]:
        unread = {f.scope for f in self.failed}
        return tuple(s for s in self.requested if s not in unread)

    @property
    def complete(self) -> bool:
        return not self.failed

    def summary(self) -> str:
        """`2 of 6 account-regions could not be read` (or that all were read)."""
        total = len(self.requested)
        noun = "account-region" if total == 1 else "account-regions"
        if self.complete:
            return f"all {total} {noun} were read"
        return f"{len(self.failed)} of {total} {noun} could not be read"


@dataclass(frozen=True, slots=True, kw_only=True)
class FleetScanResult(ScanResult):
    """A scan of what a fan-out read, with the coverage of that fan-out."""

    coverage: Coverage


def with_coverage(result: ScanResult, coverage: Coverage) -> FleetScanResult:
    values = {f.name: getattr(result, f.name) for f in fields(ScanResult)}
    return FleetScanResult(**values, coverage=coverage)


def scope_reason(text: str) -> str:
    """A failure as one line for a table cell or a report: whitespace and control characters
    collapsed, an HTML page (from an endpoint that is not AWS) left out, `REASON_LIMIT` at
    most."""
    html = _HTML.search(text)
    if html is not None:
        text = text[: html.start()] + "[an HTML page, omitted]"
    flat = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    return flat if len(flat) <= REASON_LIMIT else flat[: REASON_LIMIT - 3] + "..."


def read_fleet(
    scopes: Sequence[Scope],
    read: Callable[[Scope], T],
    *,
    max_workers: int = 8,
    on_done: Callable[[ScopeResult[T]], None] | None = None,
) -> list[ScopeResult[T]]:
    """Read every scope; results come back in scope order whatever the completion order."""
    results: dict[Scope, ScopeResult[T]] = {}
    with ThreadPoolExecutor(
        max_workers=max(1, max_workers), thread_name_prefix="sgc-scope"
    ) as pool:
        futures = {pool.submit(_read_one, scope, read): scope for scope in scopes}
        for future in as_completed(futures):
            result = future.result()
            results[result.scope] = result
            if on_done is not None:
                on_done(result)
    return [results[s] for s in scopes]


def _read_one(scope: Scope, read: Callable[[Scope], T]) -> ScopeResult[T]:
    start = time.perf_counter()
    try:
        snapshot = read(scope)
    except SgcError as exc:
        reason = scope_reason(str(exc))
        # The caller reports every failed scope; a warning would say it twice on a terminal.
        log.info("scope %s failed: %s", scope, reason)
        return ScopeResult(scope, None, reason, exc.code, time.perf_counter() - start)
    except Exception as exc:  # the per-account boundary: report it, let the others finish
        reason = scope_reason(f"{type(exc).__name__}: {exc}")
        log.info("scope %s failed: %s", scope, reason)
        log.debug("scope %s: the unexpected exception", scope, exc_info=True)
        return ScopeResult(scope, None, reason, "SGC999", time.perf_counter() - start)
    return ScopeResult(scope, snapshot, seconds=time.perf_counter() - start)
