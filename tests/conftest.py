"""Suite-wide credential scan: every test's captured output (stdout, stderr, logs, failure
reports) and the files it left in its `tmp_path` are searched for credentials (see
tests/support/credential_patterns.py); any found fails the session and is listed, masked."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.credential_patterns import file_leaks, leaks

LEAK = "credential_leak"
_found: list[str] = []


# What powertools marks a logger it configured with; restored with the handlers, so that the
# next wiring configures the logger afresh instead of looking for a handler no longer there.
_POWERTOOLS_MARKS = ("powertools_handler", "init")


@pytest.fixture(autouse=True)
def library_logger_as_found() -> Iterator[None]:
    """The handler's wiring gives the library's logger a stdout handler for the process; a
    command-line test run later on the same worker must not find it writing into its report."""
    library = logging.getLogger("sgcompliance")
    kept = (list(library.handlers), library.level, library.propagate)
    marks = {name: getattr(library, name) for name in _POWERTOOLS_MARKS if hasattr(library, name)}
    yield
    library.handlers[:] = kept[0]
    library.setLevel(kept[1])
    library.propagate = kept[2]
    for name in _POWERTOOLS_MARKS:
        if name in marks:
            setattr(library, name, marks[name])
        elif hasattr(library, name):
            delattr(library, name)


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    tmp = getattr(item, "funcargs", {}).get("tmp_path")
    if isinstance(tmp, Path) and tmp.is_dir():
        item.user_properties.extend((LEAK, leak) for leak in file_leaks(tmp))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    texts = [content for _, content in report.sections]
    if report.failed:
        texts.append(report.longreprtext)
    found = [leak for text in texts for leak in leaks(text)]
    found += [str(value) for name, value in report.user_properties if name == LEAK]
    _found.extend(f"{report.nodeid}: {leak}" for leak in found)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _found:
        terminalreporter.section("credential scan: credentials in the suite's output")
        for line in dict.fromkeys(_found):
            terminalreporter.write_line(line)


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _found and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
