"""The library API: what `import sgcompliance` offers a user who judges snapshots in code."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import sgcompliance

WORLD_SSH = {
    "account_id": "111111111111",
    "region": "eu-west-1",
    "SecurityGroups": [
        {"GroupId": "sg-1", "GroupName": "web", "VpcId": "vpc-1", "OwnerId": "111111111111"}
    ],
    "SecurityGroupRules": [
        {
            "SecurityGroupRuleId": "sgr-1",
            "GroupId": "sg-1",
            "IsEgress": False,
            "IpProtocol": "tcp",
            "FromPort": 20,
            "ToPort": 25,
            "CidrIpv6": "::/0",
        }
    ],
}


def test_a_snapshot_is_judged_through_the_public_names_alone() -> None:
    # GIVEN a policy and a snapshot read through the package's own names
    policy = sgcompliance.load_policy("builtin:strict")
    snapshots = sgcompliance.read_snapshots(WORLD_SSH, "example")
    # WHEN evaluated
    result = sgcompliance.evaluate(policy, snapshots, today=date(2026, 1, 1))
    # THEN SSH in a port range open to the IPv6 world is a violation of that rule
    assert isinstance(result, sgcompliance.ScanResult)
    assert result.violations
    assert {f.rule_id for f in result.violations} == {"sgr-1"}
    assert all(isinstance(f, sgcompliance.Finding) for f in result.findings)


def test_every_exported_name_resolves_and_nothing_else_does() -> None:
    # GIVEN the exported names  WHEN each is looked up  THEN it exists
    assert all(getattr(sgcompliance, name) is not None for name in sgcompliance.__all__)
    # AND a name outside the API is an AttributeError, as for any module
    with pytest.raises(AttributeError):
        _ = sgcompliance.not_a_public_name  # type: ignore[attr-defined]


def test_a_bad_policy_is_the_public_policy_error() -> None:
    # GIVEN a policy document with an unknown key  WHEN parsed  THEN PolicyError names it
    with pytest.raises(sgcompliance.PolicyError):
        sgcompliance.parse_policy({"id": "p", "nonsense": 1}, "inline")


def test_importing_the_package_loads_neither_the_engine_nor_the_loader() -> None:
    # GIVEN a fresh interpreter  WHEN the package is imported
    probe = "import sys, json, sgcompliance; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    loaded = json.loads(done.stdout)
    # THEN only the package and its version are loaded: the API comes on first use
    assert [m for m in loaded if m.startswith("sgcompliance")] == [
        "sgcompliance",
        "sgcompliance.version",
    ]


def test_the_package_exports_exactly_the_api_module_and_the_version() -> None:
    # GIVEN the API module and the package  WHEN their export lists are compared
    from sgcompliance import api

    # THEN they agree: the package's lazy names are the API's, plus the version
    assert set(sgcompliance.__all__) == {*api.__all__, "__version__"}


def test_the_readme_library_example_runs_as_shown() -> None:
    # GIVEN the README's Python example  WHEN run from the repository root, as a reader would
    root = Path(sgcompliance.__file__).resolve().parents[2]
    readme = (root / "README.md").read_text("utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    assert len(blocks) == 1
    done = subprocess.run(
        [sys.executable, "-c", blocks[0]], cwd=root, capture_output=True, text=True, check=False
    )
    # THEN it prints the violations of the example estate
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(r"[1-9]\d* violations\n", done.stdout)
