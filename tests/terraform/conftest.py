"""Fixtures of the terraform checks: the real binary (skipped with its reason when absent) and a
staged copy of terraform/ shared by the tests of one session."""

from __future__ import annotations

from pathlib import Path

import pytest
import tf_harness


@pytest.fixture(scope="session")
def terraform(tmp_path_factory: pytest.TempPathFactory) -> tf_harness.Terraform:
    reason = tf_harness.unavailable_reason()
    if reason is not None:
        pytest.skip(f"real terraform checks skipped: {reason}")
    return tf_harness.terraform_in(tmp_path_factory.mktemp("terraform-cli"))


@pytest.fixture(scope="session")
def staged_tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """terraform/ copied once per session; commands write their .terraform/ there."""
    return tf_harness.stage_tree(tmp_path_factory.mktemp("terraform-tree") / "terraform")
