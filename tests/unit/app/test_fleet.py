"""Fleet fan-out: bounded, ordered, and one failing scope stops no other."""

from __future__ import annotations

import threading

from sgcompliance.engine.fleet import Scope, ScopeResult, read_fleet
from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.errors import AccessDeniedError

SCOPES = [
    Scope(a, r)
    for a in ("111111111111", "222222222222", "333333333333")
    for r in ("eu-west-1", "us-east-1")
]


def snapshot_of(scope: Scope) -> RegionSnapshot:
    return RegionSnapshot(scope.account_id, scope.region, ())


def test_access_denied_in_one_account_leaves_the_others_complete() -> None:
    def read(scope: Scope) -> RegionSnapshot:
        if scope.account_id == "222222222222":
            raise AccessDeniedError(
                "AccessDenied on DescribeSecurityGroups", operation="DescribeSecurityGroups"
            )
        return snapshot_of(scope)

    results = read_fleet(SCOPES, read, max_workers=3)
    failed = [r.scope for r in results if not r.ok]
    assert failed == [Scope("222222222222", "eu-west-1"), Scope("222222222222", "us-east-1")]
    assert all(r.snapshot is not None for r in results if r.ok)
    assert {r.error_code for r in results if not r.ok} == {"SGC501"}


def test_an_unexpected_exception_is_reported_with_its_type() -> None:
    def read(scope: Scope) -> RegionSnapshot:
        raise RuntimeError("boom")

    results = read_fleet(SCOPES[:1], read)
    assert results[0].error == "RuntimeError: boom"


def test_results_come_back_in_scope_order_and_concurrency_is_bounded() -> None:
    active = 0
    peak = 0
    lock = threading.Lock()
    done: list[ScopeResult[RegionSnapshot]] = []

    def read(scope: Scope) -> RegionSnapshot:
        nonlocal active, peak
        with lock:
            active += 1
            peak = max(peak, active)
        threading.Event().wait(0.01)
        with lock:
            active -= 1
        return snapshot_of(scope)

    results = read_fleet(SCOPES, read, max_workers=2, on_done=done.append)
    assert [r.scope for r in results] == SCOPES
    assert peak <= 2
    assert len(done) == len(SCOPES)
