"""The cases of the Terraform fixture, written as a CloudFormation template, get from one policy
the checks their Terraform twins get: one policy and one set of semantics for both kinds of
code (and for the running accounts)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from sgcompliance.engine.policy import UNKNOWN_BEFORE_APPLY_CHECK
from sgcompliance.policy.loader import load_policy
from sgcompliance.sources.cloudformation import load_template
from sgcompliance.sources.code_estate import CodeEstate
from sgcompliance.sources.code_scan import scan_code
from sgcompliance.sources.terraform_plan import read_plan

FIXTURES = Path(__file__).parents[1] / "fixtures"
TEMPLATE = FIXTURES / "cloudformation" / "cases.yaml"
PLAN = FIXTURES / "terraform_plans" / "cases.plan.json"
TODAY = date(2026, 6, 1)
WORLD_SSH = {"CIS-5.2", "EC2.13", "EC2.18", "EC2.19"}

# logical id -> (the Terraform twin's address, the checks both fail)
CASES = {
    "TcpRangeWorld": ("aws_security_group.tcp_range_world", WORLD_SSH),
    "AllTraffic": (
        "aws_security_group.all_traffic",
        WORLD_SSH | {"EC2.14", "SGC-ALL-TRAFFIC", "SGC-DATASTORE"},
    ),
    "UdpRdp": ("aws_security_group.udp_rdp", {"CIS-5.2", "EC2.18", "EC2.19"}),
    "Ipv6World": ("aws_security_group.ipv6_world", {"CIS-5.3", "EC2.13", "EC2.18", "EC2.19"}),
    "HalfPair": ("aws_security_group.half_pair", WORLD_SSH | {"SGC-WIDE-CIDR"}),
    "PrefixList": ("aws_security_group.prefix_list", WORLD_SSH | {"SGC-WIDE-CIDR"}),
    "UnknownAtDeploy": ("aws_security_group.unknown_at_plan", {UNKNOWN_BEFORE_APPLY_CHECK}),
    "LoadBalancer": ("aws_security_group.load_balancer", set()),
    "ByReference": ("aws_security_group.by_reference", set()),
}


def failed_checks(estate: CodeEstate) -> dict[str, set[str]]:
    result = scan_code(load_policy("builtin:strict"), estate, today=TODAY)
    found: dict[str, set[str]] = {}
    for finding in result.violations:
        found.setdefault(finding.group_id, set()).add(finding.check_id)
    return found


@pytest.fixture(scope="module")
def template_checks() -> dict[str, set[str]]:
    return failed_checks(load_template(TEMPLATE, {}))


@pytest.fixture(scope="module")
def plan_checks() -> dict[str, set[str]]:
    return failed_checks(read_plan(json.loads(PLAN.read_text()), "plan.json").estate)


@pytest.mark.parametrize("logical_id", sorted(CASES))
def test_each_case_fails_the_checks_its_terraform_twin_fails(
    logical_id: str, template_checks: dict[str, set[str]], plan_checks: dict[str, set[str]]
) -> None:
    address, expected = CASES[logical_id]
    assert template_checks.get(logical_id, set()) == expected
    assert plan_checks.get(address, set()) == expected


def test_every_group_of_the_template_is_a_case(template_checks: dict[str, set[str]]) -> None:
    estate = load_template(TEMPLATE, {})
    assert {g.group_id for g in estate.snapshot.groups} == set(CASES)
    assert set(template_checks) <= set(CASES)


def test_the_unknown_case_names_the_resource_it_waits_for() -> None:
    (unknown,) = load_template(TEMPLATE, {}).unresolved
    assert (unknown.address, unknown.attribute) == (
        "UnknownAtDeploy",
        "SecurityGroupIngress[0].CidrIp",
    )
    assert unknown.reason.startswith("Ref BastionIp (AWS::EC2::EIP) is known only once")
