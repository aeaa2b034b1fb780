"""The files that keep the repository healthy: the git hooks, Dependabot, the licence and the
changelog, each checked against what the project actually has."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from lambda_build import ROOT

PRE_COMMIT = ROOT / ".pre-commit-config.yaml"
DEPENDABOT = ROOT / ".github" / "dependabot.yml"
TERRAFORM = ROOT / "terraform"
# The hooks the project's checks need: ruff (lint and format), mypy, terraform fmt, actionlint.
REQUIRED_HOOKS = {"ruff-check", "ruff-format", "mypy", "terraform-fmt", "actionlint"}
VENV_BIN = ".venv/bin/"


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text("utf-8"))


def hooks() -> list[dict[str, Any]]:
    return [hook for repo in load(PRE_COMMIT)["repos"] for hook in repo["hooks"]]


def test_the_pre_commit_config_has_the_project_s_checks_as_local_hooks() -> None:
    # GIVEN the pre-commit configuration  WHEN its repositories and hooks are read
    config = load(PRE_COMMIT)
    ids = [hook["id"] for hook in hooks()]
    # THEN every check is there once, and every hook runs locally (none downloads anything)
    assert set(ids) >= REQUIRED_HOOKS
    assert len(ids) == len(set(ids))
    assert {repo["repo"] for repo in config["repos"]} == {"local"}
    assert {hook["language"] for hook in hooks()} == {"system"}


@pytest.mark.parametrize("hook", hooks(), ids=lambda hook: hook["id"])
def test_each_hook_s_command_exists(hook: dict[str, Any]) -> None:
    # GIVEN a hook's entry  WHEN its command is looked up
    command = shlex.split(hook["entry"])[0]
    if command.startswith(VENV_BIN):
        # The project's virtualenv: the one running these tests was installed from the same lock.
        found = Path(sys.prefix) / "bin" / command.removeprefix(VENV_BIN)
        # THEN the virtualenv has it
        assert found.is_file(), f"{hook['id']}: {found} does not exist (is it in the dev extra?)"
    else:
        path = shutil.which(command)
        if path is None:
            pytest.skip(f"{command} is not on PATH on this machine, so {hook['id']} cannot run")
        # THEN it is on PATH
        assert Path(path).is_file()


def test_the_hooks_check_what_make_lint_checks() -> None:
    # GIVEN the hooks' entries and the make targets that lint
    entries = {hook["id"]: hook["entry"] for hook in hooks()}
    makefiles = (ROOT / "Makefile").read_text("utf-8") + (ROOT / "mk" / "package.mk").read_text(
        "utf-8"
    )
    # WHEN they are compared  THEN mypy is as strict and on the same trees, and terraform fmt
    # checks the whole terraform directory
    assert "$(BIN)/mypy --strict src" in makefiles
    assert entries["mypy"] == ".venv/bin/mypy --strict src"
    assert "$(BIN)/mypy --strict tools" in makefiles
    assert entries["mypy-tools"] == ".venv/bin/mypy --strict tools"
    assert entries["terraform-fmt"] == "terraform fmt -check -recursive terraform"


def test_pre_commit_itself_accepts_the_configuration() -> None:
    # GIVEN pre-commit (a dev dependency)
    if shutil.which("pre-commit", path=str(Path(sys.prefix) / "bin")) is None:
        pytest.skip("pre-commit is not installed in this virtualenv (`make install` adds it)")
    # WHEN it validates the configuration (offline: no hook is installed or run)
    done = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-config", str(PRE_COMMIT)],
        capture_output=True,
        text=True,
        check=False,
    )
    # THEN it finds nothing wrong
    assert done.returncode == 0, done.stdout + done.stderr


def terraform_roots() -> set[str]:
    """Every directory under terraform/ whose .tf files declare required_providers, as the
    absolute repository path Dependabot expects."""
    found = {
        path.parent
        for path in TERRAFORM.rglob("*.tf")
        if ".terraform" not in path.parts
        and re.search(r"^\s*required_providers\s*\{", path.read_text("utf-8"), re.MULTILINE)
    }
    return {"/" + p.relative_to(ROOT).as_posix() for p in found}


def dependabot_directories(ecosystem: str) -> set[str]:
    found: set[str] = set()
    for update in load(DEPENDABOT)["updates"]:
        if update["package-ecosystem"] == ecosystem:
            found.update(update.get("directories", []))
            if "directory" in update:
                found.add(update["directory"])
    return found


def test_dependabot_watches_pip_and_the_github_actions_at_the_root() -> None:
    # GIVEN the Dependabot configuration  WHEN its ecosystems are read
    config = load(DEPENDABOT)
    # THEN it is version 2, pip and github-actions look at the root, each on a schedule
    assert config["version"] == 2
    assert dependabot_directories("pip") == {"/"}
    assert dependabot_directories("github-actions") == {"/"}
    assert all(update["schedule"]["interval"] for update in config["updates"])


def test_dependabot_covers_every_terraform_root() -> None:
    # GIVEN the terraform directories that declare required providers
    roots = terraform_roots()
    assert {"/terraform/modules/hub", "/terraform/modules/member"} <= roots
    # WHEN compared with the directories Dependabot updates for terraform
    listed = dependabot_directories("terraform")
    # THEN each one is listed, and each listed one exists
    assert roots <= listed, f"add to .github/dependabot.yml: {sorted(roots - listed)}"
    assert all((ROOT / d.lstrip("/")).is_dir() for d in listed)


def test_the_licence_is_the_apache_2_0_text_pyproject_names() -> None:
    # GIVEN the licence file and the project's metadata
    text = (ROOT / "LICENSE").read_text("utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    # WHEN they are read  THEN both say Apache-2.0, and the file holds the whole licence
    assert project["license"] == "Apache-2.0"
    assert "Apache License\n                           Version 2.0, January 2004" in text
    for section in range(1, 10):
        assert re.search(rf"^\s+{section}\. [A-Z]", text, re.MULTILINE), section
    assert "END OF TERMS AND CONDITIONS" in text
    assert "APPENDIX: How to apply the Apache License to your work." in text


def test_the_changelog_has_an_unreleased_section_and_the_current_version() -> None:
    # GIVEN the changelog and the project's version
    text = (ROOT / "CHANGELOG.md").read_text("utf-8")
    version = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    # WHEN its release headings are read (Keep a Changelog: `## [VERSION] - DATE`)
    headings = re.findall(r"^## \[([^\]]+)\]", text, re.MULTILINE)
    # THEN Unreleased comes first, then the current version
    assert headings[:2] == ["Unreleased", version]
    assert "keepachangelog.com" in text
