"""Suite-wide credential scan: every test's captured output (stdout, stderr, logs, failure
reports) and the files it left in its `tmp_path` are searched for credentials (see
tests/support/credential_patterns.py); any found fails the session and is listed, masked.

Also keeps `xdist_group` working under `--dist loadgroup`, and runs the tests of the shared demo
organization together (see `pytest_collection_modifyitems`), and loads the hypothesis profile
(support/hypothesis_budget.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support.credential_patterns import file_leaks, leaks
from support.hypothesis_budget import load_profile
from support.library_logging import library_logging_kept

# `quick` in `make test`, `thorough` in `make reliability` (support/hypothesis_budget.py).
load_profile()

LEAK = "credential_leak"
GROUP_MARK = "xdist_group"
SHARED_ORG = "demo_org"
_found: list[str] = []


@pytest.fixture(autouse=True)
def library_logger_as_found() -> Iterator[None]:
    """The handler's wiring gives the library's logger a stdout handler for the process; a
    command-line test run later on the same worker must not find it writing into its report."""
    with library_logging_kept():
        yield


def _group_of(item: pytest.Item) -> str | None:
    names = {
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers(GROUP_MARK)
    }
    return "_".join(sorted(names)) if names else None


def _suffixed(nodeid: str) -> bool:
    # How the loadgroup scheduler tells a group suffix from an `@` inside parameter ids.
    return nodeid.rfind("@") > nodeid.rfind("]")


def _shared_org_together(items: list[pytest.Item]) -> None:
    """The tests that read the shared demo organization (`demo_org`, tests/integration) run one
    after the other, where the first of them stands: each test that empties the server between
    two of them would make the next seed the whole organization again. The order is the same
    on every xdist worker (it only depends on the collection)."""
    shared = [item for item in items if SHARED_ORG in getattr(item, "fixturenames", ())]
    if not shared:
        return
    first = items.index(shared[0])
    rest = [item for item in items if SHARED_ORG not in getattr(item, "fixturenames", ())]
    items[:] = [*rest[:first], *shared, *rest[first:]]


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """An xdist worker tells the scheduler an item's group by a `@group` suffix of its node id.
    pytest-xdist 3.8 writes that suffix into `item._nodeid`, which pytest 9.2's structured node
    ids no longer read (pytest-xdist issue 1386): every group would be spread over the workers
    and each worker would pay the group's expensive fixture (a terraform apply) again. The
    suffix is written into the structured id here; a pytest where neither works stops the run
    rather than silently losing the groups."""
    _shared_org_together(items)
    if not getattr(config.option, "loadgroup", False):
        return
    for item in items:
        group = _group_of(item)
        if group is None or _suffixed(item.nodeid):
            continue
        if hasattr(item, "_id"):
            from _pytest.nodeid import NodeId

            item._id = NodeId.parse(f"{item.nodeid}@{group}")
        if not _suffixed(item.nodeid):
            raise pytest.UsageError(
                f"--dist loadgroup cannot group {item.nodeid} (mark {GROUP_MARK}({group!r})) "
                f"with pytest {pytest.__version__}: its tests would share nothing"
            )


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
