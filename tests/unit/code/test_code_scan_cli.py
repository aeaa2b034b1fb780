"""`sgc scan --terraform-plan`: exit codes as for any scan, every report format, and SARIF
results that point at the file and line of each block (what code scanning annotates)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from code_plans import CASES_DIR, CASES_PLAN, REPO, cases_plan, ingress, plan, resource
from typer.testing import CliRunner

from sgcompliance.entrypoints.cli.app import app
from sgcompliance.report.formats import format_names

runner = CliRunner()
PLAN_ARGS = ["scan", "--terraform-plan", str(CASES_PLAN), "--today", "2026-12-01"]


def _declared_line(path: Path, kind: str, name: str) -> int:
    lines = path.read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if f'resource "{kind}" "{name}"' in line)


@pytest.mark.parametrize("report_format", format_names())
def test_every_report_format_writes_a_plan_scan_and_exits_1(
    report_format: str, tmp_path: Path
) -> None:
    out = tmp_path / f"report.{report_format}"
    # Wide enough that the table writes an address on one line.
    args = [*PLAN_ARGS, "-f", report_format, "-o", str(out), "-q"]
    result = runner.invoke(app, args, env={"COLUMNS": "400"})
    assert result.exit_code == 1, result.output
    assert "aws_security_group.tcp_range_world" in out.read_text("utf-8")


def test_sarif_results_point_at_the_block_of_each_group_or_rule(tmp_path: Path) -> None:
    source_dir = CASES_DIR.relative_to(REPO)
    out = tmp_path / "plan.sarif"
    result = runner.invoke(
        app, [*PLAN_ARGS, "--source-dir", str(CASES_DIR), "-f", "sarif", "-o", str(out)]
    )
    assert result.exit_code == 1, result.output
    fails = [r for r in json.loads(out.read_text())["runs"][0]["results"] if r["kind"] == "fail"]
    seen = set()
    for found in fails:
        where = found["locations"][0]["physicalLocation"]
        rule_id = found["properties"]["ruleId"] or ""
        # The standalone rule resource when the rule is one, else the group's block.
        declared = (
            rule_id.split("/", 1)[1] if "/aws_" in rule_id else found["properties"]["groupId"]
        )
        module, _, address = declared.rpartition("aws_")
        kind, name = ("aws_" + address).split(".")[:2]
        name = re.sub(r"\[.*", "", name)
        path = CASES_DIR / ("modules/app/main.tf" if module else "main.tf")
        assert where["artifactLocation"]["uri"] == path.relative_to(REPO).as_posix()
        assert where["region"]["startLine"] == _declared_line(path, kind, name)
        seen.add(where["artifactLocation"]["uri"])
    assert seen == {f"{source_dir}/main.tf", f"{source_dir}/modules/app/main.tf"}


def test_without_a_source_directory_results_name_the_group(tmp_path: Path) -> None:
    out = tmp_path / "plan.sarif"
    runner.invoke(app, [*PLAN_ARGS, "-f", "sarif", "-o", str(out)])
    (first, *_) = json.loads(out.read_text())["runs"][0]["results"]
    assert first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].startswith("aws:")


def test_a_compliant_plan_from_stdin_exits_0() -> None:
    web = {"name": "web", "ingress": [ingress(443, "0.0.0.0/0")]}
    doc = plan([resource("aws_security_group.web", web)])
    result = runner.invoke(
        app, ["scan", "--terraform-plan", "-", "-f", "json"], input=json.dumps(doc)
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"]["violations"] == 0


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--source-dir", "."], "--source-dir needs --terraform-plan"),
        (["--terraform-plan", str(CASES_PLAN), "--input", str(CASES_PLAN)], "--input cannot"),
    ],
)
def test_options_that_do_not_go_together_exit_2(args: list[str], words: str) -> None:
    result = runner.invoke(app, ["scan", *args])
    assert result.exit_code == 2
    assert words in result.stderr


def test_a_snapshot_given_as_a_plan_exits_2_with_what_it_is(tmp_path: Path) -> None:
    snapshot = tmp_path / "snap.json"
    snapshot.write_text(json.dumps([{"account_id": "1", "region": "r"}]))
    result = runner.invoke(app, ["scan", "--terraform-plan", str(snapshot)])
    assert result.exit_code == 2
    assert "not a Terraform plan (is it a snapshot" in result.stderr


def test_an_exemption_by_address_and_tag_as_declared_applies(tmp_path: Path) -> None:
    doc = cases_plan()
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({
        "version": "1", "id": "team", "extends": "builtin:strict",
        "exemptions": [{
            "id": "lb-ssh", "owner": "network", "reason": "range reviewed",
            "match": {"group_ids": ["aws_security_group.tcp_range_world"]},
        }],
    }))  # fmt: skip
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(json.dumps(doc))
    result = runner.invoke(
        app, ["scan", "--terraform-plan", str(plan_file), "-p", str(policy), "-f", "json"]
    )
    findings = json.loads(result.stdout)["findings"]
    exempted = {f["group_id"] for f in findings if f["exempted_by"]}
    assert exempted == {"aws_security_group.tcp_range_world"}


TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  AdminCidr:
    Type: String
    Default: 0.0.0.0/0
Resources:
  WebSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 22
          ToPort: 22
          CidrIp: !Ref AdminCidr
          Description: ssh
"""


def test_a_template_is_judged_with_its_parameters_and_points_at_its_lines(tmp_path: Path) -> None:
    # A file name with a space: the SARIF URI percent-encodes it.
    template = tmp_path / "web stack.yaml"
    template.write_text(TEMPLATE)
    (tmp_path / ".git").mkdir()  # the template's repository: URIs are relative to it
    out = tmp_path / "stack.sarif"
    opened = runner.invoke(app, ["scan", "--cloudformation", str(template), "-f", "sarif",
                                 "-o", str(out)])  # fmt: skip
    assert opened.exit_code == 1, opened.output
    results = json.loads(out.read_text())["runs"][0]["results"]
    where = results[0]["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == "web%20stack.yaml"
    assert (
        where["region"]["startLine"] == TEMPLATE.splitlines().index("        - IpProtocol: tcp") + 1
    )
    closed = runner.invoke(app, ["scan", "--cloudformation", str(template),
                                 "--parameters", "AdminCidr=10.0.0.0/8"])  # fmt: skip
    assert closed.exit_code == 0, closed.output


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--parameters", "A=1"], "--parameters needs --cloudformation"),
        (["--cloudformation", "t.yaml", "--terraform-plan", "p.json"], "run one each"),
        (["--cloudformation", "t.yaml", "--source-dir", "."], "--source-dir needs"),
        (["--cloudformation", "t.yaml", "--parameters", "A"], "is not KEY=VALUE"),
    ],
)
def test_template_options_that_do_not_go_together_exit_2(args: list[str], words: str) -> None:
    result = runner.invoke(app, ["scan", *args])
    assert result.exit_code == 2
    assert words in result.stderr


def test_the_scan_filters_narrow_a_plan_scan_as_any_scan(tmp_path: Path) -> None:
    result = runner.invoke(app, [*PLAN_ARGS, "--checks", "CIS-5.3", "-f", "json"])
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    assert {(f["check_id"], f["group_id"]) for f in findings} == {
        ("CIS-5.3", "aws_security_group.ipv6_world")
    }
    previous = tmp_path / "previous.json"
    previous.write_text(result.stdout)
    html = runner.invoke(app, [*PLAN_ARGS, "--previous", str(previous), "-f", "html", "-q"])
    assert html.exit_code == 1, html.output
