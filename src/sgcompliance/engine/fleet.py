"""Fan-out over accounts x regions with bounded concurrency; one scope failing stops no other."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Generic, TypeVar

from sgcompliance.errors import SgcError

log = logging.getLogger(__name__)


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
        log.warning("scope %s failed: %s", scope, exc)
        return ScopeResult(scope, None, str(exc), exc.code, time.perf_counter() - start)
    except Exception as exc:  # the per-account boundary: report it, let the others finish
        log.exception("scope %s failed unexpectedly", scope)
        return ScopeResult(
            scope, None, f"{type(exc).__name__}: {exc}", "SGC999", time.perf_counter() - start
        )
    return ScopeResult(scope, snapshot, seconds=time.perf_counter() - start)
