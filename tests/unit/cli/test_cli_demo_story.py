"""The story runner behind `sgc local demo`: order, checks, errors and cleanup steps."""

from __future__ import annotations

import pytest

from sgcompliance.errors import SgcError
from sgcompliance.local.demo.runner import Check, Step, run_story


class Trail:
    """The story's context in these tests: which steps ran."""

    def __init__(self) -> None:
        self.ran: list[str] = []

    def step(self, name: str, *checks: bool) -> Step[Trail]:
        def run(trail: Trail) -> list[Check]:
            trail.ran.append(name)
            return [Check(ok, f"{name} check {i}") for i, ok in enumerate(checks)]

        return Step(name, run)


def failing(trail: Trail) -> list[Check]:
    trail.ran.append("broken")
    raise SgcError("the server is gone", hint="start it again")


def test_a_failed_check_fails_the_story_but_later_steps_still_run() -> None:
    trail, lines = Trail(), []
    steps = [trail.step("scan", True), trail.step("remediate", False), trail.step("rescan", True)]
    report = run_story("story", steps, trail, lines.append)
    assert trail.ran == ["scan", "remediate", "rescan"]
    assert not report.ok
    assert "  - step 2: remediate check 0" in lines


def test_an_error_skips_later_steps_except_the_cleanup() -> None:
    # GIVEN a step that raises, then an ordinary step, then a cleanup step
    trail, lines = Trail(), []
    cleanup = Step("stop", trail.step("stop", True).run, always=True)
    steps = [Step("broken", failing), trail.step("rescan", True), cleanup]
    # WHEN the story runs
    report = run_story("story", steps, trail, lines.append)
    # THEN the ordinary step is skipped, the cleanup runs, and the error is reported
    assert trail.ran == ["broken", "stop"]
    assert [s.skipped for s in report.steps] == [False, True, False]
    assert "  FAILED: the server is gone" in lines


def test_a_story_whose_checks_all_pass_says_so() -> None:
    trail, lines = Trail(), []
    report = run_story("story", [trail.step("scan", True, True)], trail, lines.append)
    assert report.ok
    assert lines[-1] == "All checks passed."


def test_an_unexpected_exception_still_runs_the_cleanup_and_propagates() -> None:
    # GIVEN a step with a bug, followed by a cleanup step
    trail = Trail()

    def buggy(context: Trail) -> list[Check]:
        raise ZeroDivisionError("a bug")

    steps = [Step("buggy", buggy), Step("stop", trail.step("stop", True).run, always=True)]
    # WHEN the story runs  THEN the bug propagates, after the cleanup ran
    with pytest.raises(ZeroDivisionError):
        run_story("story", steps, trail, [].append)
    assert trail.ran == ["stop"]
