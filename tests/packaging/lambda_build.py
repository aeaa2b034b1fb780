"""Helpers of the packaging tests: the build tool, its pins, the runtime's SDK directory.

The Lambda zip is built by tools/package_lambda.py, from the wheelhouse `make package` fills.

These tests never download: they build with `--offline` from build/lambda-wheels, which
`make package` (a prerequisite of `make test`) fills. Run alone without it, they skip and say so.
The zip targets arm64 / CPython 3.12; the tests run it on this machine's interpreter, where pure
Python runs as is. Its compiled modules cannot load here: `yaml` falls back to pure Python by
itself, and `rpds` (no fallback) is replaced, in `host_overlay` only, by this interpreter's build
of it from the virtualenv, so that a test can say which module was swapped and why.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "package_lambda.py"
SITE_PACKAGES = Path(next(p for p in sys.path if p.endswith("site-packages")))
# What the Lambda runtime provides next to the function's code: boto3 and its dependencies.
RUNTIME_SDK = ("boto3", "botocore", "s3transfer", "dateutil", "urllib3", "six.py")
# Compiled modules of the zip without a pure Python fallback, taken from this interpreter.
HOST_BUILDS = ("rpds",)
PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;#]+)", re.MULTILINE)


def load_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("package_lambda", TOOL)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def pins(requirements: Path) -> dict[str, str]:
    """{normalized distribution name: version} of the requirements file."""
    text = requirements.read_text("utf-8")
    return {normalized(name): version for name, version in PIN.findall(text)}


def missing_wheels(tool: ModuleType) -> list[str]:
    wheelhouse: Path = tool.DEFAULT_WHEELHOUSE
    present = {normalized(p.name.split("-")[0]) + "-" + p.name.split("-")[1]
               for p in wheelhouse.glob("*.whl")}  # fmt: skip
    wanted = pins(tool.DEFAULT_REQUIREMENTS)
    return sorted(f"{n}=={v}" for n, v in wanted.items() if f"{n}-{v}" not in present)


def build_into(tool: ModuleType, wheelhouse: Path, output: Path) -> object:
    spec = tool.BuildSpec(output=output, wheelhouse=wheelhouse, offline=True)
    return tool.build(spec)
