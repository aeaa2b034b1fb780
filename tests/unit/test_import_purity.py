"""Only adapters, entrypoints and the local AWS import the AWS SDK: capabilities take adapters."""

from __future__ import annotations

import importlib.util
import json
import pkgutil
import subprocess
import sys

import pytest

SDK_MODULES = ("boto3", "botocore")


def submodules(package: str) -> list[str]:
    """The package and every module under it, found on disk without importing them."""
    spec = importlib.util.find_spec(package)
    assert spec is not None
    if spec.submodule_search_locations is None:
        return [package]
    found = [package]
    for info in pkgutil.walk_packages(spec.submodule_search_locations, prefix=f"{package}."):
        found.append(info.name)
    return sorted(found)


def sdk_modules_loaded_by(modules: list[str]) -> list[str]:
    """Import `modules` in a fresh interpreter and list the SDK modules that got loaded."""
    probe = (
        "import importlib, json, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in {SDK_MODULES!r})))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return loaded


# Every capability and report writer: only adapters, entrypoints and the local AWS may load the SDK.
SDK_FREE = (
    "sgcompliance.engine",
    "sgcompliance.sources",
    "sgcompliance.policy",
    "sgcompliance.remediation",
    "sgcompliance.events",
    "sgcompliance.records",
    "sgcompliance.config",
    "sgcompliance.report",
    "sgcompliance.deployment",
    "sgcompliance.errors",
    "sgcompliance.clock",
    "sgcompliance.version",
    "sgcompliance.api",
    "sgcompliance.testing",
)


@pytest.mark.parametrize("package", SDK_FREE)
def test_every_module_of_a_capability_imports_without_the_aws_sdk(package: str) -> None:
    # GIVEN every module of the package (use cases take adapters through their ports)
    modules = submodules(package)
    # WHEN imported in a fresh interpreter  THEN neither boto3 nor botocore is loaded
    assert sdk_modules_loaded_by(modules) == []


def test_the_capabilities_cover_every_module_but_adapters_entrypoints_and_local() -> None:
    # GIVEN every module of the project  WHEN the SDK-free packages and the three that may use
    # the SDK are taken away  THEN nothing is left: a new package must be placed on one side
    others = ("sgcompliance.adapters", "sgcompliance.entrypoints", "sgcompliance.local")
    everything = submodules("sgcompliance")
    unplaced = [
        m for m in everything if m != "sgcompliance" and not m.startswith((*SDK_FREE, *others))
    ]
    assert unplaced == []


def test_the_probe_does_see_the_sdk_when_it_is_imported() -> None:
    # GIVEN the probe itself  WHEN a module that needs boto3 is imported  THEN it is reported,
    # so the checks above cannot pass by never looking
    if importlib.util.find_spec("boto3") is None:
        pytest.skip("boto3 is not installed, so the probe cannot be shown to detect it")
    assert "boto3" in sdk_modules_loaded_by(["boto3"])
