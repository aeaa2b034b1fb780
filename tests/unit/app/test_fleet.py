"""Fleet fan-out: bounded, ordered, and one failing scope stops no other."""

from __future__ import annotations

import logging
import threading
from datetime import date

import pytest

from sgcompliance.engine.evaluate import evaluate
from sgcompliance.engine.fleet import (
    REASON_LIMIT,
    Coverage,
    Scope,
    ScopeFailure,
    ScopeResult,
    read_fleet,
    with_coverage,
)
from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.engine.policy import Policy
from sgcompliance.errors import AccessDeniedError, AwsApiError

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


# --- a failed scope is one line, and what was covered is said --------------------------------


def test_a_failure_reason_is_one_bounded_line_without_an_html_page() -> None:
    page = "<!doctype html>\n<html><title>500</title><body>" + "x" * 5000 + "</body></html>"

    def read(scope: Scope) -> RegionSnapshot:
        raise AwsApiError(f"DescribeSecurityGroups in {scope} failed: 500: {page}")

    [result] = read_fleet(SCOPES[:1], read)
    assert result.error == (
        "DescribeSecurityGroups in 111111111111/eu-west-1 failed: 500: [an HTML page, omitted]"
    )


def test_a_long_reason_is_cut_to_the_limit() -> None:
    def read(scope: Scope) -> RegionSnapshot:
        raise AwsApiError("line one\nline two\t" + "y" * 10_000)

    [result] = read_fleet(SCOPES[:1], read)
    assert result.error is not None
    assert len(result.error) == REASON_LIMIT
    assert result.error.startswith("line one line two y")
    assert result.error.endswith("...")


def test_an_unexpected_exception_leaves_no_traceback_above_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def read(scope: Scope) -> RegionSnapshot:
        raise RuntimeError("boom")

    with caplog.at_level(logging.DEBUG, logger="sgcompliance.engine.fleet"):
        read_fleet(SCOPES[:1], read)
    loud = [r for r in caplog.records if r.levelno > logging.DEBUG]
    assert [r.getMessage() for r in loud] == [
        "scope 111111111111/eu-west-1 failed: RuntimeError: boom"
    ]
    assert all(r.exc_info is None for r in loud)
    assert all(r.levelno < logging.WARNING for r in loud)


def test_coverage_says_what_was_asked_read_and_not_read() -> None:
    def read(scope: Scope) -> RegionSnapshot:
        if scope.region == "us-east-1":
            raise AccessDeniedError("AccessDenied", operation="AssumeRole")
        return snapshot_of(scope)

    coverage = Coverage.of(read_fleet(SCOPES, read))
    assert coverage.requested == tuple(SCOPES)
    assert coverage.scanned == tuple(s for s in SCOPES if s.region == "eu-west-1")
    assert [(f.scope.region, f.code, f.reason) for f in coverage.failed] == [
        ("us-east-1", "SGC501", "AccessDenied")
    ] * 3
    assert not coverage.complete
    assert coverage.summary() == "3 of 6 account-regions could not be read"


def test_a_scan_result_carries_its_coverage_unchanged_otherwise() -> None:
    scan = evaluate(Policy("p", "1", ()), [snapshot_of(SCOPES[0])], today=date(2026, 1, 1))
    coverage = Coverage(tuple(SCOPES[:2]), (ScopeFailure(SCOPES[1], "denied", "SGC501"),))
    covered = with_coverage(scan, coverage)
    assert covered.coverage is coverage
    assert (covered.findings, covered.scopes, covered.policy) == (
        scan.findings,
        scan.scopes,
        scan.policy,
    )
    assert Coverage(tuple(SCOPES[:1])).complete
