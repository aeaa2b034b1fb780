"""Clean failures of live scans against the moto server: a region moto does not know, an
endpoint that answers an HTML page or garbage, throttling past every retry, and AWS describing
groups and rules two ways are each one line naming the account-region and why (no traceback,
no HTML), the other account-regions are judged, every report format says the scan is
incomplete, and the exit code is 3."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from sgcompliance.adapters.aws.session import ClientFactory
from sgcompliance.entrypoints.cli.app import app
from sgcompliance.report.formats import format_names
from support.estate import authorize, create_group, perm
from support.foreign_endpoint import (
    GARBAGE_200,
    HTML_200,
    HTML_404,
    NO_RULES,
    THROTTLED,
    Answer,
    Pick,
    foreign_endpoint,
)

pytestmark = pytest.mark.integration

runner = CliRunner()
ACCOUNT = "123456789012"  # moto's account for the test credentials: read directly, no role
READ = "us-east-1"
BROKEN = "us-west-2"
UNKNOWN = "xx-west-9"


def sgc(*args: str) -> Result:
    return runner.invoke(app, list(args), env={"COLUMNS": "400"})


@pytest.fixture
def world_ssh(ec2: Any) -> str:
    """A group opening tcp 22 to the world in us-east-1: the scan has something to find."""
    group = create_group(ec2, "bastion")
    authorize(ec2, group, perm("tcp", (22, 22), "0.0.0.0/0"))
    return group


def failed_rows(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if "FAILED" in line]


def assert_clean(result: Result) -> None:
    """No traceback and no piece of an HTML page anywhere the user looks."""
    for text in (result.stdout, result.stderr):
        assert "Traceback" not in text
        assert "<title>" not in text.lower()
        assert "<!doctype" not in text.lower()


def coverage(report: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(report.read_text("utf-8"))["coverage"]
    return found


# --- a region moto does not know -----------------------------------------------------------


def test_a_region_moto_does_not_know_is_one_line_and_the_others_are_judged(
    endpoint: str, world_ssh: str, tmp_path: Path
) -> None:
    # WHEN a region moto answers with an HTML 500 page is scanned with one it knows
    report = tmp_path / "scan.json"
    regions = f"{READ},{UNKNOWN}"
    result = sgc("scan", "--endpoint-url", endpoint, "--regions", regions, "-f", "json",
                 "-o", str(report))  # fmt: skip
    # THEN exit 3; that account-region is one row naming why; the other is judged
    assert result.exit_code == 3, result.output
    assert_clean(result)
    [row] = failed_rows(result)
    assert f"{ACCOUNT} │ {UNKNOWN}" in row
    assert (
        f"DescribeSecurityGroups in {ACCOUNT}/{UNKNOWN}: the endpoint's answer is not an AWS "
        f"response (an HTML page) ({UNKNOWN} is not a region this AWS SDK knows)"
    ) in row
    found = coverage(report)
    assert found["complete"] is False
    assert [(f["region"], f["error_code"]) for f in found["failed"]] == [(UNKNOWN, "SGC504")]
    findings = json.loads(report.read_text("utf-8"))["findings"]
    assert world_ssh in {f["group_id"] for f in findings}


@pytest.mark.parametrize("name", format_names())
def test_every_report_format_says_the_scan_is_incomplete(
    endpoint: str, world_ssh: str, tmp_path: Path, name: str
) -> None:
    report = tmp_path / f"scan.{name}"
    result = sgc("scan", "--endpoint-url", endpoint, "--regions", f"{READ},{UNKNOWN}",
                 "-f", name, "-o", str(report))  # fmt: skip
    assert result.exit_code == 3, result.output
    assert_clean(result)
    text = report.read_text("utf-8")
    assert UNKNOWN in text
    assert "Internal Server Error" not in text  # moto's HTML page, never quoted
    assert world_ssh in text


def test_a_region_alone_that_fails_is_not_a_compliant_report(endpoint: str) -> None:
    result = sgc("scan", "--endpoint-url", endpoint, "--regions", UNKNOWN)
    assert result.exit_code == 3
    assert "No violations." not in result.stdout
    assert "INCOMPLETE SCAN: 1 of 1 account-region could not be read" in result.stdout
    assert_clean(result)


def test_quiet_says_each_failure_in_one_line(endpoint: str) -> None:
    result = sgc("scan", "--endpoint-url", endpoint, "--regions", f"{READ},{UNKNOWN}",
                 "-f", "json", "--quiet")  # fmt: skip
    assert result.exit_code == 3
    assert result.stderr.splitlines() == [
        f"error: {ACCOUNT}/{UNKNOWN}: DescribeSecurityGroups in {ACCOUNT}/{UNKNOWN}: the "
        f"endpoint's answer is not an AWS response (an HTML page) ({UNKNOWN} is not a region "
        "this AWS SDK knows)",
        "error: 1 of 2 account-regions could not be read",
    ]


def test_a_snapshot_of_a_region_moto_does_not_know_exits_3_in_one_line(
    endpoint: str, tmp_path: Path
) -> None:
    out = tmp_path / "estate.json"
    result = sgc("snapshot", "--endpoint-url", endpoint, "--regions", f"{READ},{UNKNOWN}",
                 "-o", str(out))  # fmt: skip
    assert result.exit_code == 3
    assert_clean(result)
    assert len(failed_rows(result)) == 1
    assert [d["region"] for d in json.loads(out.read_text("utf-8"))] == [READ]


# --- an endpoint in front of one region that is not AWS, or is AWS under stress --------------


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (HTML_404, f"DescribeSecurityGroups in {ACCOUNT}/{BROKEN} failed: HTTP 404, not an AWS "
                   "response"),
        (HTML_200, f"DescribeSecurityGroups in {ACCOUNT}/{BROKEN}: the endpoint's answer is not "
                   "an AWS response (HTTP 200, an HTML page, no request id)"),
        (GARBAGE_200, f"DescribeSecurityGroups in {ACCOUNT}/{BROKEN}: the endpoint's answer is "
                      "not an AWS response (not XML or JSON)"),
        (THROTTLED, f"DescribeSecurityGroups in {ACCOUNT}/{BROKEN} failed: RequestLimitExceeded: "
                    "Request limit exceeded. (after 2 attempts; request id req-throttled)"),
    ],
    ids=["html-404", "html-200", "garbage-200", "throttled"],
)  # fmt: skip
def test_an_endpoint_failing_one_region_fails_that_account_region_alone(
    endpoint: str, world_ssh: str, tmp_path: Path, answer: Answer, reason: str
) -> None:
    # GIVEN an endpoint passing every call to the moto server except EC2 in us-west-2
    with foreign_endpoint(endpoint, {Pick("ec2", BROKEN): answer}) as foreign:
        report = tmp_path / "scan.json"
        result = sgc("scan", "--endpoint-url", foreign.endpoint, "--regions", f"{READ},{BROKEN}",
                     "--max-attempts", "2", "-f", "json", "-o", str(report))  # fmt: skip
    # THEN us-west-2 is one row with its reason, us-east-1 is judged, the exit code is 3
    assert result.exit_code == 3, result.output
    assert_clean(result)
    [row] = failed_rows(result)
    assert f" {BROKEN} " in row
    assert reason in row
    [failed] = coverage(report)["failed"]
    assert (failed["region"], failed["reason"]) == (BROKEN, reason)
    assert world_ssh in {f["group_id"] for f in json.loads(report.read_text("utf-8"))["findings"]}


def test_groups_and_rules_that_aws_describes_two_ways_fail_the_account_region(
    endpoint: str, factory: ClientFactory, world_ssh: str, tmp_path: Path
) -> None:
    # GIVEN us-west-2 holds a group opening SSH to the world, and DescribeSecurityGroupRules
    # there answers (validly) that there are no rules at all
    west = factory.ec2(BROKEN)
    hidden = create_group(west, "hidden")
    authorize(west, hidden, perm("tcp", (22, 22), "0.0.0.0/0"))
    answers = {Pick("ec2", BROKEN, "DescribeSecurityGroupRules"): NO_RULES}
    with foreign_endpoint(endpoint, answers) as foreign:
        report = tmp_path / "scan.json"
        result = sgc("scan", "--endpoint-url", foreign.endpoint, "--regions", f"{READ},{BROKEN}",
                     "-f", "json", "-o", str(report))  # fmt: skip
    # THEN that account-region fails by name (read twice), it does not pass as compliant
    assert result.exit_code == 3, result.output
    assert foreign.calls == 2
    [failed] = coverage(report)["failed"]
    assert failed["error_code"] == "SGC505"
    assert failed["reason"].startswith(
        f"{ACCOUNT}/{BROKEN}: DescribeSecurityGroups and DescribeSecurityGroupRules disagreed "
        "in 2 reads: group "
    )
    # the default group's egress, and the hidden group's ingress and egress
    assert failed["reason"].endswith("(and 2 more differences)")
    assert "is in IpPermissions" in failed["reason"]


def test_an_organization_listing_that_is_an_html_page_is_not_an_empty_organization(
    endpoint: str,
) -> None:
    # GIVEN Organizations answering HTTP 200 with an HTML page (botocore reads no accounts)
    with foreign_endpoint(endpoint, {Pick("organizations", "us-east-1"): HTML_200}) as foreign:
        result = sgc("scan", "--endpoint-url", foreign.endpoint, "--organization",
                     "--regions", READ)  # fmt: skip
    # THEN the scan stops with one line, instead of scanning the caller's account alone
    assert result.exit_code == 2, result.output
    assert_clean(result)
    assert result.stderr.splitlines()[0] == (
        "error: ListAccounts: the endpoint's answer is not an AWS response "
        "(HTTP 200, an HTML page, no request id)"
    )
