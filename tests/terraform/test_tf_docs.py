"""Each module's and example's README lists its inputs and outputs as the .tf files declare them:
tables written by tools/terraform_docs.py, regenerated here and compared."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import tf_hcl
from tf_harness import REPO_ROOT, TERRAFORM_ROOT, configuration_dirs

TOOL = REPO_ROOT / "tools" / "terraform_docs.py"
REGENERATE = "run `.venv/bin/python tools/terraform_docs.py` to regenerate the tables"
CONFIGURATIONS = [pytest.param(p, id=str(p.relative_to(REPO_ROOT))) for p in configuration_dirs()]
ROW_NAME = re.compile(r"^\| `([^`]+)` \|", re.MULTILINE)


def load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("terraform_docs", TOOL)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


def section(readme: str, title: str) -> str:
    """The text of one `## title` section of the generated part."""
    return readme.split(f"## {title}\n", 1)[1].split("\n## ", 1)[0].split("<!-- END", 1)[0]


def test_the_tool_documents_every_configuration() -> None:
    # GIVEN the configurations the terraform tests check  WHEN the tool lists its own
    tool = load_tool()
    # THEN they are the same directories
    assert tool.configuration_dirs() == configuration_dirs()


@pytest.mark.parametrize("path", CONFIGURATIONS)
def test_the_readme_tables_are_up_to_date(path: Path) -> None:
    # GIVEN a configuration and its README
    tool = load_tool()
    readme = path / "README.md"
    assert readme.is_file(), f"{readme} does not exist: {REGENERATE}"
    current = readme.read_text("utf-8")
    # WHEN its tables are generated again from the .tf files
    wanted = tool.rendered(current, path)
    # THEN the README already holds them
    assert current == wanted, f"{readme.relative_to(REPO_ROOT)} is out of date: {REGENERATE}"


@pytest.mark.parametrize("path", CONFIGURATIONS)
def test_the_readme_lists_exactly_the_declared_variables_and_outputs(path: Path) -> None:
    # GIVEN the configuration as tf_hcl reads it, and its README
    config = tf_hcl.load(path)
    readme = (path / "README.md").read_text("utf-8")
    # WHEN the names in the Inputs and Outputs tables are read
    inputs = ROW_NAME.findall(section(readme, "Inputs"))
    outputs = ROW_NAME.findall(section(readme, "Outputs"))
    # THEN each declared variable and output has exactly one row, and only those do
    assert sorted(inputs) == sorted(config.names("variable")), REGENERATE
    assert sorted(outputs) == sorted(config.names("output")), REGENERATE
    # AND a variable without a default is marked required, one with a default is not
    rows = {
        name: line
        for line in section(readme, "Inputs").splitlines()
        for name in ROW_NAME.findall(line + "\n")
    }
    for block in config.of("variable"):
        required = rows[block.labels[0]].split(" | ")[2] == "required"
        assert required == ("default" not in block.body), block.labels[0]


def test_a_new_variable_makes_the_check_fail_until_regenerated(tmp_path: Path) -> None:
    # GIVEN a copy of the terraform tree with one variable more in the member module
    tree = tmp_path / "terraform"
    shutil.copytree(TERRAFORM_ROOT, tree, ignore=shutil.ignore_patterns(".terraform*"))
    member = tree / "modules" / "member"
    handwritten = (member / "README.md").read_text("utf-8").split("<!-- BEGIN", 1)[0]
    with (member / "variables.tf").open("a", encoding="utf-8") as handle:
        handle.write(
            '\nvariable "extra_setting" {\n  type        = number\n'
            '  description = "A | new setting."\n  default     = 3\n}\n'
        )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, str(TOOL), "--terraform", str(tree), *args],
            capture_output=True,
            text=True,
            check=False,
        )

    # WHEN the tool checks  THEN it fails, naming that README and how to regenerate
    checked = run("--check")
    assert checked.returncode == 1
    assert "modules/member/README.md" in checked.stderr
    assert "python tools/terraform_docs.py" in checked.stderr
    assert "modules/hub/README.md" not in checked.stderr
    # WHEN it regenerates  THEN the check passes, the row is there, the prose is kept
    assert run().returncode == 0
    assert run("--check").returncode == 0
    text = (member / "README.md").read_text("utf-8")
    assert "| `extra_setting` | `number` | `3` | A \\| new setting. |" in text
    assert text.startswith(handwritten)
