"""Running the terraform binary in tests: where it is, the plugin mirror it installs from, and a
staged copy of terraform/ to run it in.

Registry downloads are impossible here, so `init` installs the AWS provider only from a local
filesystem mirror through a CLI configuration file the tests write themselves (the machine's
TF_CLI_CONFIG_FILE may point to a file that does not exist). Commands run in a copy of the whole
terraform/ tree (modules refer to each other by relative path), so `.terraform/` directories and
lock files never land in the working tree and concurrent tests do not share state.

`unavailable_reason()` says why the real checks cannot run; tests skip with that text.

For other terraform tests in this directory (e.g. an apply against the local moto server): ask
for the `terraform` fixture (conftest.py; it skips with the reason), stage a private copy with
`stage_tree(tmp_path / "terraform")` to add override files to, and call
`terraform.run([...], cwd, env={...})`; the environment drops the caller's TF_* variables, so
pass TF_VAR_* and provider credentials in `env`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
TERRAFORM_ROOT = REPO_ROOT / "terraform"
MODULES_ROOT = TERRAFORM_ROOT / "modules"
EXAMPLES_ROOT = TERRAFORM_ROOT / "examples"

# Overridable so a machine with the binary or the mirror elsewhere can still run the checks.
BINARY_ENV = "SGC_TERRAFORM"
MIRROR_ENV = "SGC_TF_PLUGIN_MIRROR"
DEFAULT_MIRROR = Path("/opt/tf-plugins")
AWS_PROVIDER = Path("registry.terraform.io/hashicorp/aws")

# Generous: `terraform test` of a module plans every run block against a mocked provider.
COMMAND_TIMEOUT = 600.0


def module_dirs() -> list[Path]:
    return sorted(p for p in MODULES_ROOT.iterdir() if p.is_dir()) if MODULES_ROOT.is_dir() else []


def example_dirs() -> list[Path]:
    return (
        sorted(p for p in EXAMPLES_ROOT.iterdir() if p.is_dir()) if EXAMPLES_ROOT.is_dir() else []
    )


def configuration_dirs() -> list[Path]:
    """Every directory terraform treats as one module: the modules and the examples."""
    return module_dirs() + example_dirs()


def find_binary() -> str | None:
    return os.environ.get(BINARY_ENV) or shutil.which("terraform")


def plugin_mirror() -> Path:
    return Path(os.environ.get(MIRROR_ENV, str(DEFAULT_MIRROR)))


def unavailable_reason() -> str | None:
    """Why terraform cannot run here, or None when it can."""
    if find_binary() is None:
        return f"no terraform binary on PATH (or in ${BINARY_ENV})"
    mirror = plugin_mirror()
    provider = mirror / AWS_PROVIDER
    if not provider.is_dir() or not any(provider.iterdir()):
        return (
            f"no hashicorp/aws provider in the plugin mirror {mirror} (set ${MIRROR_ENV}); "
            "registry downloads are impossible here"
        )
    return None


def write_cli_config(path: Path, mirror: Path) -> Path:
    """A CLI configuration that installs providers from `mirror` only, never from a registry."""
    path.write_text(
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f'    path    = "{mirror}"\n'
        '    include = ["registry.terraform.io/*/*"]\n'
        "  }\n"
        "}\n",
        encoding="utf-8",
    )
    return path


def stage_tree(destination: Path) -> Path:
    """A copy of terraform/ at `destination` (without any local state), returned."""
    ignored = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "*.tfstate*")
    shutil.copytree(TERRAFORM_ROOT, destination, ignore=ignored)
    return destination


@dataclass(frozen=True, slots=True)
class Outcome:
    """One finished terraform command."""

    args: tuple[str, ...]
    returncode: int
    output: str
    seconds: float

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def describe(self) -> str:
        return f"terraform {' '.join(self.args)} exited {self.returncode}:\n{self.output}"


@dataclass(frozen=True, slots=True)
class Terraform:
    """The binary with the environment every command runs in."""

    binary: str
    cli_config: Path

    def environment(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
        env.update(
            TF_CLI_CONFIG_FILE=str(self.cli_config),
            TF_IN_AUTOMATION="1",
            TF_INPUT="0",
            CHECKPOINT_DISABLE="1",
        )
        env.update(extra or {})
        return env

    def run(self, args: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None) -> Outcome:
        command = (self.binary, *args, "-no-color")
        started = time.monotonic()
        done = subprocess.run(
            command,
            cwd=cwd,
            env=self.environment(env),
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        seconds = time.monotonic() - started
        return Outcome(tuple(args), done.returncode, done.stdout + done.stderr, seconds)

    def init(self, cwd: Path) -> Outcome:
        return self.run(["init", "-backend=false", "-input=false"], cwd)

    def validate(self, cwd: Path) -> Outcome:
        return self.run(["validate"], cwd)

    def test(self, cwd: Path) -> Outcome:
        return self.run(["test"], cwd)


def terraform_in(workdir: Path) -> Terraform:
    """The machine's terraform, configured to install from the plugin mirror only.

    Call only when `unavailable_reason()` is None."""
    binary = find_binary()
    if binary is None:
        raise RuntimeError(unavailable_reason())
    config = write_cli_config(workdir / "terraform.tfrc", plugin_mirror())
    return Terraform(binary=binary, cli_config=config)
