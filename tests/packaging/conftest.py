"""Fixtures of the packaging tests; see lambda_build.py for how the zip is built and run."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from lambda_build import (
    HOST_BUILDS,
    RUNTIME_SDK,
    SITE_PACKAGES,
    build_into,
    load_tool,
    missing_wheels,
)


@pytest.fixture(scope="session")
def tool() -> ModuleType:
    return load_tool()


@pytest.fixture(scope="session")
def wheelhouse(tool: ModuleType) -> Path:
    missing = missing_wheels(tool)
    if missing:
        pytest.skip(
            f"the wheelhouse {tool.DEFAULT_WHEELHOUSE} lacks {', '.join(missing)}: "
            "run `make package` first (it downloads them; `make test` does it)"
        )
    path: Path = tool.DEFAULT_WHEELHOUSE
    return path


@pytest.fixture(scope="session")
def built_zip(tool: ModuleType, wheelhouse: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("lambda-zip") / "sgcompliance-lambda.zip"
    build_into(tool, wheelhouse, output)
    return output


@pytest.fixture(scope="session")
def unzipped(built_zip: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("task-root")
    with zipfile.ZipFile(built_zip) as archive:
        archive.extractall(target)
    return target


@pytest.fixture(scope="session")
def runtime_sdk(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding only boto3 and its dependencies, as the Lambda runtime has them."""
    target = tmp_path_factory.mktemp("runtime-sdk")
    for name in RUNTIME_SDK:
        (target / name).symlink_to(SITE_PACKAGES / name)
    return target


@pytest.fixture(scope="session")
def host_overlay(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This interpreter's builds of the zip's compiled modules that have no fallback."""
    target = tmp_path_factory.mktemp("host-builds")
    for name in HOST_BUILDS:
        shutil.copytree(SITE_PACKAGES / name, target / name)
    return target
