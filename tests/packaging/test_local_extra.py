"""`pip install 'sgcompliance[local]'`: the extra that `sgc local` needs, and the message that
names it when the moto server cannot start for want of it."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from lambda_build import ROOT
from packaging.requirements import Requirement

HINT = "pip install 'sgcompliance[local]'"


def optional_dependencies() -> dict[str, list[Requirement]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    groups: dict[str, list[str]] = project["optional-dependencies"]
    return {name: [Requirement(text) for text in texts] for name, texts in groups.items()}


def test_the_local_extra_holds_moto_with_its_server_and_dev_includes_it() -> None:
    # GIVEN the project's optional dependencies
    groups = optional_dependencies()
    # WHEN the `local` and `dev` groups are read
    local = {r.name: r for r in groups["local"]}
    dev = {r.name: r for r in groups["dev"]}
    # THEN `local` is moto with its server extra, and `dev` reaches it through the project
    assert "server" in local["moto"].extras
    assert "local" in dev["sgcompliance"].extras
    assert "moto" not in dev  # declared once, in `local`


def sgc_without(hidden: str, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Runs the `sgc` command line in a child where the module `hidden` cannot be imported."""
    script = (
        "import sys\n"
        f"sys.modules[{hidden!r}] = None  # importlib.util.find_spec now answers None\n"
        "from sgcompliance.entrypoints.cli.app import main\n"
        f"sys.argv = ['sgc', *{args!r}]\n"
        "main()\n"
    )
    env = {**os.environ, "SGC_LOCAL_STATE": str(cwd / "local.json"), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize("hidden", ["moto", "flask", "flask_cors"])
def test_sgc_local_up_without_the_server_names_the_extra(hidden: str, tmp_path: Path) -> None:
    # GIVEN an interpreter without one of the modules the moto server needs
    # WHEN `sgc local up` runs
    done = sgc_without(hidden, ["local", "up", "--timeout", "5"], tmp_path)
    # THEN it fails as a usage error, names what is missing and the extra to install
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"{hidden} is not installed" in done.stderr
    assert HINT in done.stderr
    assert not (tmp_path / "local.json").exists()


def test_sgc_local_demo_without_moto_names_the_extra(tmp_path: Path) -> None:
    # GIVEN an interpreter without moto  WHEN the demo runs
    done = sgc_without("moto", ["local", "demo"], tmp_path)
    # THEN its first step fails, naming the extra to install, and the demo says it failed
    assert done.returncode == 1, done.stdout + done.stderr
    assert HINT in done.stdout + done.stderr
