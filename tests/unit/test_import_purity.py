"""The engine and the use cases import no AWS SDK: `core` is pure and `app` takes adapters."""

from __future__ import annotations

import importlib.util
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import sgcompliance

SDK_MODULES = ("boto3", "botocore")


def submodules(package: str) -> list[str]:
    """The package and every module under it, found on disk without importing them."""
    spec = importlib.util.find_spec(package)
    assert spec is not None
    assert spec.submodule_search_locations is not None
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


def test_core_and_every_core_module_import_without_the_aws_sdk() -> None:
    # GIVEN every module of sgcompliance.core
    modules = submodules("sgcompliance.core")
    assert "sgcompliance.core.evaluate" in modules
    # WHEN imported in a fresh interpreter  THEN neither boto3 nor botocore is loaded
    assert sdk_modules_loaded_by(modules) == []


def test_app_and_every_app_module_import_without_the_aws_sdk() -> None:
    if not (Path(sgcompliance.__file__).parent / "app").is_dir():
        pytest.skip("sgcompliance.app does not exist yet, so there is nothing to check")
    # GIVEN every module of sgcompliance.app  WHEN imported  THEN no AWS SDK is loaded
    assert sdk_modules_loaded_by(submodules("sgcompliance.app")) == []


def test_the_probe_does_see_the_sdk_when_it_is_imported() -> None:
    # GIVEN the probe itself  WHEN a module that needs boto3 is imported  THEN it is reported,
    # so the checks above cannot pass by never looking
    if importlib.util.find_spec("boto3") is None:
        pytest.skip("boto3 is not installed, so the probe cannot be shown to detect it")
    assert "boto3" in sdk_modules_loaded_by(["boto3"])
