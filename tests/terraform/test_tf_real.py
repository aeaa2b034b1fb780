"""The real terraform binary, where the machine has it and the AWS provider in a plugin mirror:
`init` from the mirror, `validate`, and `terraform test` (mock providers) of every module and
`validate` of every example, in a staged copy of terraform/."""

from __future__ import annotations

from pathlib import Path

import pytest
import tf_harness
from tf_harness import TERRAFORM_ROOT, Terraform

# The checks share one `terraform init` of every configuration (`initialised`) in one staged
# tree: one worker runs it, once.
pytestmark = pytest.mark.xdist_group("terraform-init")

# Every module has tests (test_tf_structure checks it); examples may.
TESTED = [
    pytest.param(p, id=str(p.relative_to(TERRAFORM_ROOT)))
    for p in tf_harness.configuration_dirs()
    if list((p / "tests").glob("*.tftest.hcl"))
]
CONFIGURATIONS = [
    pytest.param(p, id=str(p.relative_to(TERRAFORM_ROOT))) for p in tf_harness.configuration_dirs()
]


def _staged(staged_tree: Path, source: Path) -> Path:
    return staged_tree / source.relative_to(TERRAFORM_ROOT)


@pytest.fixture(scope="module")
def initialised(terraform: Terraform, staged_tree: Path) -> dict[Path, str]:
    """`terraform init` once per configuration; the failures by directory (empty when none)."""
    failures = {}
    for source in tf_harness.configuration_dirs():
        outcome = terraform.init(_staged(staged_tree, source))
        if not outcome.ok:
            failures[source] = outcome.describe()
    return failures


@pytest.mark.parametrize("source", CONFIGURATIONS)
def test_init_installs_the_provider_from_the_mirror(
    source: Path, initialised: dict[Path, str], staged_tree: Path
) -> None:
    assert source not in initialised, initialised.get(source)
    lock = (_staged(staged_tree, source) / ".terraform.lock.hcl").read_text(encoding="utf-8")
    assert 'provider "registry.terraform.io/hashicorp/aws"' in lock


@pytest.mark.parametrize("source", CONFIGURATIONS)
def test_configuration_validates(
    source: Path, terraform: Terraform, initialised: dict[Path, str], staged_tree: Path
) -> None:
    if source in initialised:
        pytest.fail(f"init failed, nothing to validate:\n{initialised[source]}")
    outcome = terraform.validate(_staged(staged_tree, source))
    assert outcome.ok, outcome.describe()


@pytest.mark.parametrize("source", TESTED)
def test_terraform_tests_pass_against_mocked_providers(
    source: Path, terraform: Terraform, initialised: dict[Path, str], staged_tree: Path
) -> None:
    # GIVEN a configuration with tests/*.tftest.hcl
    if source in initialised:
        pytest.fail(f"init failed, cannot test:\n{initialised[source]}")
    # WHEN terraform test runs them THEN all pass
    outcome = terraform.test(_staged(staged_tree, source))
    assert outcome.ok, outcome.describe()
    assert " 0 failed" in outcome.output
