"""The demo story end to end: its own moto server, the real `sgc` commands, every check.

The demo on a server the user started (`--endpoint-url`) is the run of
tests/security/test_sec_credentials.py, which checks that it is used and left running."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from sgcompliance.entrypoints.cli.app import run_sgc
from sgcompliance.entrypoints.cli.local import demo_wiring
from sgcompliance.local.demo.context import DemoOptions
from sgcompliance.local.demo.findings import compare_restored, read_report
from sgcompliance.local.demo.runner import StoryReport
from sgcompliance.local.demo.story import DEMO_STEPS, new_run_dir, run_demo
from sgcompliance.local.server.moto_server import answers
from support.library_logging import library_logging_kept

# The story's checks share one demo run (`demo_run`): one worker runs it, once.
pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("demo-story")]

STARTED = re.compile(r"started a moto server at (http://127\.0\.0\.1:\d+)")
# A timeline line: "    07:03:01.942       +0 ms  change    AuthorizeSecurityGroupIngress ..."
TIMELINE = re.compile(r"\s+\d\d:\d\d:\d\d\.\d{3}\s+[+-]\d+ ms  \w+")


@dataclass(frozen=True)
class DemoRun:
    report: StoryReport
    lines: list[str]
    run_dir: Path

    @property
    def endpoint(self) -> str:
        found = [m.group(1) for line in self.lines if (m := STARTED.search(line))]
        assert len(found) == 1, "step 1 names the server it started"
        return found[0]


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """One run of the whole story on a server it starts itself (it takes a few seconds)."""
    lines: list[str] = []
    run_dir = new_run_dir(tmp_path_factory.mktemp("demo"))
    # The demo runs the Lambda handler in-process, whose wiring configures the library logger.
    with library_logging_kept():
        report = run_demo(DemoOptions(run_dir), demo_wiring(run_sgc), lines.append)
    return DemoRun(report, lines, run_dir)


def test_every_step_runs_and_passes_its_checks(demo_run: DemoRun) -> None:
    # GIVEN the demo run on its own server  THEN every step ran, checked something, and passed
    failed = [
        (s.title, s.error, [c.text for c in s.checks if not c.ok]) for s in demo_run.report.steps
    ]
    assert [s.title for s in demo_run.report.steps] == [s.title for s in DEMO_STEPS]
    assert all(s.ok for s in demo_run.report.steps), failed
    assert all(s.checks for s in demo_run.report.steps)


def test_the_rescan_after_rollback_finds_what_the_first_scan_found(demo_run: DemoRun) -> None:
    # GIVEN the JSON reports the demo's scans wrote
    before = read_report(demo_run.run_dir / "scan-before.json")
    remediated = read_report(demo_run.run_dir / "scan-remediated.json")
    restored = read_report(demo_run.run_dir / "scan-rolled-back.json")
    # THEN the remediation removed every violation of a remove check, and the rollback
    # brought back exactly the findings of the first scan
    assert before.revocable()
    assert remediated.revocable() == []
    recreated = {f.rule_id for f in before.revocable() if f.rule_id}
    assert compare_restored(before, restored, recreated).ok


def test_the_pipeline_story_prints_the_timeline_from_change_to_alert(demo_run: DemoRun) -> None:
    # GIVEN the demo's output  THEN the live part printed each moment of the change's way,
    # the alert from the inbox and the audit record
    timeline = [line.split()[3] for line in demo_run.lines if TIMELINE.match(line)]
    assert timeline[0] == "change"
    assert {"event", "queued", "received", "decision", "revoke", "alert"} <= set(timeline)
    assert any(
        line.strip().startswith("subject     sgcompliance CRITICAL") for line in demo_run.lines
    )
    assert any(line.strip().startswith('action           "revoke"') for line in demo_run.lines)


def test_the_server_the_demo_started_is_stopped(demo_run: DemoRun) -> None:
    assert not answers(demo_run.endpoint)


def test_each_step_prints_its_duration(demo_run: DemoRun) -> None:
    durations = [line for line in demo_run.lines if re.fullmatch(r"  \(\d+\.\d s\)", line)]
    assert len(durations) == len(DEMO_STEPS)
