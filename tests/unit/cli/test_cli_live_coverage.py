"""A live scan that could not read every account-region (with a fake runtime): each failure is
one line naming the account-region and why, no traceback, exit code 3, and the report, in any
format, says the scan is incomplete."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sgcompliance.engine.fleet import Scope
from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.entrypoints.cli import live
from sgcompliance.entrypoints.cli.app import app
from sgcompliance.errors import AwsUnavailableError
from sgcompliance.report.formats import format_names
from support.fake_runtime import ReadsAlike

runner = CliRunner()
READ = Scope("111111111111", "eu-west-1")
HTML_PAGE = Scope("111111111111", "xx-west-9")
BUG = Scope("222222222222", "eu-west-1")
UNAVAILABLE = (
    "DescribeSecurityGroups in 111111111111/xx-west-9: the endpoint's answer is not an AWS "
    "response (an HTML page)"
)


@dataclass
class FakeRuntime(ReadsAlike):
    """What `sgc scan` uses of a runtime: its account-regions and how one is read."""

    scopes: list[Scope] = field(default_factory=lambda: [READ, HTML_PAGE, BUG])

    def read(self, scope: Scope) -> RegionSnapshot:
        if scope == HTML_PAGE:
            raise AwsUnavailableError(UNAVAILABLE)
        if scope == BUG:
            raise ValueError("a bug\nover two lines")
        return RegionSnapshot(scope.account_id, scope.region, ())


@pytest.fixture(autouse=True)
def library_logger_quiet() -> Iterator[None]:
    """A handler test earlier on the same worker may have left the library's logger a stdout
    handler (the Lambda's JSON logs); the report on stdout must be the report alone."""
    library = logging.getLogger("sgcompliance")
    kept = list(library.handlers)
    library.handlers[:] = []
    yield
    library.handlers[:] = kept


@pytest.fixture(autouse=True)
def fake_runtime(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(live, "build_runtime", lambda target: FakeRuntime())


def scan(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["scan", "--regions", "eu-west-1", *args], env={"COLUMNS": "400"})
    return result.exit_code, result.stdout, result.stderr


def test_each_failed_account_region_is_one_table_row_and_the_exit_code_is_3() -> None:
    code, _, stderr = scan("-f", "json")
    assert code == 3
    rows = [line for line in stderr.splitlines() if "FAILED" in line]
    assert len(rows) == 2
    assert "xx-west-9" in rows[0]
    assert UNAVAILABLE in rows[0]
    assert "ValueError: a bug over two lines" in rows[1]
    assert "Traceback" not in stderr
    assert "2 of 3 account-regions could not be read: their groups were not judged" in stderr


def test_quiet_prints_one_error_line_per_failure_and_the_count() -> None:
    code, _, stderr = scan("-f", "json", "--quiet")
    assert code == 3
    assert stderr.splitlines() == [
        f"error: 111111111111/xx-west-9: {UNAVAILABLE}",
        "error: 222222222222/eu-west-1: ValueError: a bug over two lines",
        "error: 2 of 3 account-regions could not be read",
    ]


def test_the_json_report_has_the_coverage_of_the_live_scan() -> None:
    code, stdout, _ = scan("-f", "json", "--quiet")
    coverage = json.loads(stdout)["coverage"]
    assert code == 3
    assert coverage["complete"] is False
    assert [(f["region"], f["error_code"]) for f in coverage["failed"]] == [
        ("xx-west-9", "SGC504"), ("eu-west-1", "SGC999"),
    ]  # fmt: skip
    assert coverage["scanned"] == [{"account_id": "111111111111", "region": "eu-west-1"}]


def test_the_table_report_does_not_say_no_violations() -> None:
    _, stdout, _ = scan("--quiet")
    assert "No violations." not in stdout
    assert "INCOMPLETE SCAN: 2 of 3 account-regions could not be read" in stdout


@pytest.mark.parametrize("name", format_names())
def test_every_report_format_written_to_a_file_names_the_failed_account_region(
    name: str, tmp_path: Path
) -> None:
    report = tmp_path / f"report.{name}"
    code, _, stderr = scan("-f", name, "-o", str(report))
    assert code == 3
    assert "Traceback" not in stderr
    assert "xx-west-9" in report.read_text("utf-8")
