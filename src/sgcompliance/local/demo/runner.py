"""A story: numbered steps run in order, each timed and each ending in checks that pass or fail.

The demo (`sgc local demo`) is one story; later ones (the event-driven pipeline) add steps to it
or tell their own. A step that raises stops the story, except steps marked `always` (cleanup),
which run whatever happened before them, an unexpected exception included. A failed check does
not stop the story: the steps after it still show what they can.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sgcompliance.errors import SgcError

Echo = Callable[[str], None]
C = TypeVar("C")
RULE_WIDTH = 78


@dataclass(frozen=True, slots=True)
class Check:
    """One thing a step verified, said in a sentence."""

    ok: bool
    text: str


@dataclass(frozen=True, slots=True)
class Step(Generic[C]):
    title: str
    run: Callable[[C], list[Check]]
    # Runs even after an earlier step failed with an error: for stopping what was started.
    always: bool = False


@dataclass(frozen=True, slots=True)
class StepResult:
    number: int
    title: str
    seconds: float
    checks: tuple[Check, ...] = ()
    error: str | None = None
    skipped: bool = False

    @property
    def ok(self) -> bool:
        return not self.skipped and self.error is None and all(c.ok for c in self.checks)


@dataclass(slots=True)
class StoryReport:
    title: str
    steps: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(s.ok for s in self.steps)

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.steps)


def run_story(title: str, steps: Sequence[Step[C]], context: C, echo: Echo) -> StoryReport:
    """Run every step in order, printing a header, the step's own output, checks and time."""
    report = StoryReport(title)
    echo(title)
    stopped = False
    for number, step in enumerate(steps, start=1):
        if stopped and not step.always:
            report.steps.append(StepResult(number, step.title, 0.0, skipped=True))
            continue
        try:
            result = _run_step(number, step, context, echo)
        except BaseException:
            # A bug or Ctrl-C: still stop what the story started, then let it propagate.
            _clean_up(steps[number:], number + 1, context, echo)
            raise
        report.steps.append(result)
        stopped = stopped or result.error is not None
    _summary(report, echo)
    return report


def _clean_up(steps: Sequence[Step[C]], first: int, context: C, echo: Echo) -> None:
    for number, step in enumerate(steps, start=first):
        if step.always:
            _run_step(number, step, context, echo)


def _run_step(number: int, step: Step[C], context: C, echo: Echo) -> StepResult:
    echo("")
    echo(_rule(f"== {number}. {step.title} "))
    start = time.perf_counter()
    try:
        checks = tuple(step.run(context))
    except SgcError as exc:
        seconds = time.perf_counter() - start
        echo(f"  FAILED: {exc}")
        echo(f"  hint: {exc.hint}")
        return StepResult(number, step.title, seconds, error=str(exc))
    seconds = time.perf_counter() - start
    for check in checks:
        echo(f"  [{'ok' if check.ok else 'FAILED'}] {check.text}")
    echo(f"  ({seconds:.1f} s)")
    return StepResult(number, step.title, seconds, checks)


def _summary(report: StoryReport, echo: Echo) -> None:
    echo("")
    echo(_rule("== Summary "))
    width = max(len(s.title) for s in report.steps) + 4 if report.steps else 20
    for s in report.steps:
        status = "skipped" if s.skipped else ("ok" if s.ok else "FAILED")
        echo(f"  {f'{s.number}. {s.title}':<{width}} {s.seconds:6.1f} s  {status}")
    echo(f"  {'total':<{width}} {report.seconds:6.1f} s")
    if report.ok:
        echo("All checks passed.")
        return
    echo("FAILED:")
    for step in report.steps:
        problems = [c.text for c in step.checks if not c.ok] + ([step.error] if step.error else [])
        for problem in problems:
            echo(f"  - step {step.number}: {problem}")


def _rule(text: str) -> str:
    return text + "=" * max(3, RULE_WIDTH - len(text))
