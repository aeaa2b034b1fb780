"""The fixture configuration tests/fixtures/terraform_plans/cases planned for real by the
terraform binary against the local AWS, and judged: the same findings as its checked-in plan
(`cases.plan.json`, which covers machines without terraform), so that neither drifts from the
other.

Skipped, with the reason, where there is no terraform binary or no AWS provider in the local
plugin mirror (as the tests under tests/terraform). Measured: 17 s of wall time (60 s beside
other work) and 13 s of CPU time, mostly the AWS provider starting and planning against the
local AWS; on its own xdist worker. With SGC_WRITE_PLAN_FIXTURES=1 (`make
terraform-plan-fixtures`) it rewrites the checked-in plan.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from sgcompliance.local.server.moto_server import LocalServer
from sgcompliance.policy.loader import load_policy
from sgcompliance.sources.code_scan import scan_code
from sgcompliance.sources.terraform_plan import read_plan
from terraform.tf_harness import terraform_in, unavailable_reason

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("terraform-plan")]

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "terraform_plans"
CASES = FIXTURES / "cases"
CHECKED_IN = FIXTURES / "cases.plan.json"
WRITE = "SGC_WRITE_PLAN_FIXTURES"
# What varies from one run to the next, written as fixed text in the checked-in plan.
ENDPOINT_PLACEHOLDER = "http://127.0.0.1:5000"
TIMESTAMP = "2026-12-05T00:00:00Z"


def provider(endpoint: str) -> str:
    return (
        'provider "aws" {\n'
        '  region                      = "us-east-1"\n'
        "  skip_credentials_validation = true\n"
        "  skip_requesting_account_id  = true\n"
        "  skip_metadata_api_check     = true\n"
        f'  endpoints {{\n    ec2 = "{endpoint}"\n    sts = "{endpoint}"\n  }}\n'
        "}\n"
    )


def findings_of(doc: object) -> set[tuple[str, str, str]]:
    estate = read_plan(doc, "plan.json").estate
    result = scan_code(load_policy("builtin:strict"), estate, today=date(2026, 12, 1))
    return {(f.check_id, f.group_id, f.rule_id or "") for f in result.findings}


def real_plan(workdir: Path, endpoint: str) -> dict[str, Any]:
    work = workdir / "cases"
    shutil.copytree(CASES, work)
    (work / "provider.tf").write_text(provider(endpoint), encoding="utf-8")
    terraform = terraform_in(workdir)
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}
    init = ["init", "-backend=false", "-input=false"]
    for args in (init, ["plan", "-input=false", "-out=plan.bin"]):
        outcome = terraform.run(args, work, env)
        assert outcome.ok, outcome.describe()
    shown = subprocess.run(
        [terraform.binary, "show", "-json", "plan.bin"], cwd=work,
        env=terraform.environment(env), capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    text = shown.stdout.replace(endpoint, ENDPOINT_PLACEHOLDER)
    doc: dict[str, Any] = json.loads(text)
    doc["timestamp"] = TIMESTAMP
    # Terraform lists these in no stable order; sorted, a regenerated plan differs only where
    # the configuration did.
    doc["relevant_attributes"] = sorted(doc.get("relevant_attributes", []), key=json.dumps)
    return doc


def test_the_real_plan_of_the_fixtures_is_judged_as_the_checked_in_one(
    moto_server: LocalServer, tmp_path: Path
) -> None:
    reason = unavailable_reason()
    if reason is not None:
        pytest.skip(f"real terraform plan skipped: {reason}")
    doc = real_plan(tmp_path, moto_server.endpoint)
    if os.environ.get(WRITE) == "1":
        CHECKED_IN.write_text(json.dumps(doc, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    found = findings_of(doc)
    assert found == findings_of(json.loads(CHECKED_IN.read_text("utf-8"))), (
        f"the checked-in plan is out of date: run `make terraform-plan-fixtures` ({WRITE}=1)"
    )
    assert {check for check, _, _ in found} >= {"CIS-5.2", "CIS-5.3", "SGC.UNKNOWN_BEFORE_APPLY"}
