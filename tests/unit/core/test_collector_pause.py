"""The engine pauses the cycle collector while it evaluates, and leaves it as it found it."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest
from estate_builder import TODAY, group, policy, rule, scan, snapshot

from sgcompliance.engine.collector import collector_paused
from sgcompliance.engine.evaluate import evaluate
from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.policy.loader import load_policy


@pytest.fixture
def collector_enabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    # As it was before the test, whatever the test did to it.
    if was:
        gc.enable()
    else:
        gc.disable()


@pytest.mark.usefixtures("collector_enabled")
def test_nested_pauses_resume_the_collector_only_after_the_outermost() -> None:
    # GIVEN an enabled collector WHEN pauses nest
    with collector_paused():
        with collector_paused():
            inner = gc.isenabled()
        between = gc.isenabled()
    # THEN it is off throughout and on again afterwards
    assert (inner, between, gc.isenabled()) == (False, False, True)


@pytest.mark.usefixtures("collector_enabled")
def test_a_collector_disabled_by_the_caller_stays_disabled() -> None:
    # GIVEN a caller that has turned the collector off itself
    gc.disable()
    # WHEN a pause begins and ends
    with collector_paused():
        pass
    # THEN the caller's choice stands
    assert not gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_overlapping_pauses_in_two_threads_resume_once_both_end() -> None:
    # GIVEN thread A pausing, then thread B pausing while A's pause is open
    a_in, b_in, a_out, b_done = (threading.Event() for _ in range(4))
    seen: dict[str, bool] = {}

    def thread_a() -> None:
        with collector_paused():
            a_in.set()
            b_in.wait(5)
        seen["after_a"] = gc.isenabled()
        a_out.set()

    def thread_b() -> None:
        a_in.wait(5)
        with collector_paused():
            b_in.set()
            a_out.wait(5)
        b_done.set()

    workers = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(10)
    # WHEN A ends first THEN the collector stays off for B, and is back on when B ends
    assert seen["after_a"] is False
    assert b_done.is_set()
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_an_evaluation_leaves_the_collector_on_and_creates_no_cycles() -> None:
    # GIVEN an estate with world-open and referencing rules, judged by the strict pack
    estate = snapshot(
        group(rule("sgr-1", "0.0.0.0/0"), rule("sgr-2", "::/0", ports=(0, 65535))),
        group(rule("sgr-3", "sg-1", protocol="-1", ports=None), group_id="sg-2"),
    )
    strict = load_policy("builtin:strict")
    gc.collect()
    # WHEN it is evaluated and the result dropped
    result = scan(strict, estate)
    assert result.findings
    del result
    # THEN reference counting freed everything (no cycle was left for the paused collector)
    assert gc.collect() == 0
    assert gc.isenabled()


@pytest.mark.usefixtures("collector_enabled")
def test_an_evaluation_that_raises_still_resumes_the_collector() -> None:
    # GIVEN snapshots whose iteration fails part way
    def failing() -> Iterator[RegionSnapshot]:
        yield snapshot(group(rule("sgr-1", "0.0.0.0/0")))
        raise RuntimeError("source failed")

    # WHEN the evaluation fails THEN the collector is on again
    with pytest.raises(RuntimeError):
        evaluate(policy(), failing(), today=TODAY)
    assert gc.isenabled()
