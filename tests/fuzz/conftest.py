"""Prints the input campaign's figures at the end of the run (tests/fuzz/test_fuzz_campaign.py):
each campaign test hands its tally over as a user property, which pytest-xdist carries from the
workers to the controller. SGC_FUZZ_REPORT=FILE also writes the tally, with a few messages of
each class of input, as JSON (docs/reliability.md's table is filled from it)."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from support.input_campaign import Tally

PROPERTY = "input_campaign"
_tally = Tally()
_started = time.monotonic()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call":
        return
    for name, value in report.user_properties:
        if name == PROPERTY:
            _tally.merge(Tally.from_dict(json.loads(str(value))))


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _tally.inputs:
        return
    terminalreporter.section("input campaign (issue #13)")
    for line in _tally.table(wall_seconds=time.monotonic() - _started):
        terminalreporter.write_line(line)
    target = os.environ.get("SGC_FUZZ_REPORT")
    if target:
        report = _tally.to_dict()
        report["seconds"] = sorted(report["seconds"])[-20:]
        report["kinds"] = {k: [*v[:4], sorted(v[4])[-5:], v[5]] for k, v in _tally.kinds.items()}
        Path(target).write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
