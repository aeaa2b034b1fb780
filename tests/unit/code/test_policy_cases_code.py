"""`sgc policy test` cases judge a Terraform plan or a CloudFormation template as they judge
snapshots: the same expectations, by group address or logical id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from code_plans import CASES_PLAN
from typer.testing import CliRunner

from sgcompliance.entrypoints.cli.app import app
from sgcompliance.policy.cases import CaseError, load_case, run_case

TEMPLATE = """\
Parameters:
  Admin: {Type: String, Default: 0.0.0.0/0}
Resources:
  Bastion:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: bastion
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: !Ref Admin, Description: ssh}
"""


def _case(tmp_path: Path, name: str, body: dict[str, object]) -> Path:
    path = tmp_path / f"{name}.json"
    path.write_text(json.dumps({"name": name, "policy": "builtin:cis-aws",
                                "today": "2026-12-01", **body}))  # fmt: skip
    return path


def test_a_case_expects_findings_of_a_plan_by_address(tmp_path: Path) -> None:
    case = _case(tmp_path, "plan", {
        "terraform_plan_file": str(CASES_PLAN),
        "expect": [
            {"check_id": "CIS-5.3", "group_id": "aws_security_group.ipv6_world"},
            {"check_id": "SGC.UNKNOWN_BEFORE_APPLY",
             "group_id": "aws_security_group.unknown_at_plan"},
        ],
        "expect_exactly": False,
    })  # fmt: skip
    assert run_case(load_case(case)).passed


def test_a_case_judges_a_template_with_its_parameters(tmp_path: Path) -> None:
    # Files a case refers to live in a subdirectory: every file of the directory is a case.
    (tmp_path / "stacks").mkdir()
    (tmp_path / "stacks" / "bastion.yaml").write_text(TEMPLATE)
    expected = [{"check_id": "CIS-5.2", "group_id": "Bastion"}]
    template = {"cloudformation_file": "stacks/bastion.yaml"}
    open_case = _case(tmp_path, "open", {**template, "expect": expected})
    closed = _case(
        tmp_path, "closed", {**template, "parameters": {"Admin": "10.0.0.0/8"}, "expect": []}
    )
    assert run_case(load_case(open_case)).passed
    assert run_case(load_case(closed)).passed
    result = CliRunner().invoke(app, ["policy", "test", str(tmp_path)])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"terraform_plan_file": "p.json", "snapshots": []}, "exactly one of"),
        ({"snapshots": [], "parameters": {"A": "b"}}, "parameters are a template's"),
    ],
)
def test_a_case_mixing_inputs_is_refused(
    tmp_path: Path, body: dict[str, object], words: str
) -> None:
    with pytest.raises(CaseError, match=words):
        load_case(_case(tmp_path, "bad", {**body, "expect": []}))
