"""The Lambda zip: reproducible bytes, only what the function needs, and a handler that imports
and runs from it with nothing but the runtime's boto3 beside it."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from lambda_build import ROOT, build_into, normalized, pins

from sgcompliance.local.server.moto_server import LocalServer, start

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
# The subpackages tools/package_lambda.py leaves out (the function never imports them).
LEFT_OUT = ("local", "entrypoints/cli", "testing")
LEFT_OUT_PREFIXES = tuple(f"{part}/" for part in LEFT_OUT)
FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    "AWS_EC2_METADATA_DISABLED": "true",
    "NO_PROXY": "127.0.0.1,localhost",
}
OWN_ACCOUNT = "123456789012"  # moto's account for credentials it did not issue
# The checks share one build of the zip (conftest.py's `built_zip`): one worker builds it, once.
pytestmark = pytest.mark.xdist_group("lambda-zip")


def entries(path: Path) -> list[zipfile.ZipInfo]:
    with zipfile.ZipFile(path) as archive:
        return archive.infolist()


def names(path: Path) -> list[str]:
    return [entry.filename for entry in entries(path)]


def distributions(listed: list[str]) -> dict[str, str]:
    """{normalized name: version} of the `NAME-VERSION.dist-info/` directories listed."""
    found: dict[str, str] = {}
    for top in {n.split("/", 1)[0] for n in listed}:
        if top.endswith(".dist-info"):
            name, version = top.removesuffix(".dist-info").rsplit("-", 1)
            found[normalized(name)] = version
    return found


def run_from(paths: list[Path], script: str, env: Mapping[str, str] = FAKE_AWS) -> Any:
    """Runs `script` without site-packages, importing only from `paths`; returns the JSON it
    prints last."""
    child = {**env, "PYTHONPATH": os.pathsep.join(str(p) for p in paths), "PATH": os.defpath}
    done = subprocess.run(
        [sys.executable, "-S", "-c", script],
        env=child,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_two_builds_from_one_wheelhouse_are_byte_identical(
    tool: ModuleType, wheelhouse: Path, built_zip: Path, tmp_path: Path
) -> None:
    # GIVEN a zip already built  WHEN the same sources and wheels are built again elsewhere
    again = tmp_path / "again.zip"
    build_into(tool, wheelhouse, again)
    # THEN the bytes are the same
    assert again.read_bytes() == built_zip.read_bytes()


def test_entries_are_sorted_dated_1980_and_readable_by_all(built_zip: Path) -> None:
    # GIVEN the built zip  WHEN its entries are listed
    listed = entries(built_zip)
    # THEN they are in name order, all dated 1980-01-01, regular files of mode 0644
    assert [e.filename for e in listed] == sorted(e.filename for e in listed)
    assert {e.date_time for e in listed} == {FIXED_DATE}
    assert {e.external_attr >> 16 for e in listed} == {0o100644}


def test_no_console_scripts_or_installation_records_are_kept(built_zip: Path) -> None:
    # GIVEN the built zip  WHEN its names are read
    listed = names(built_zip)
    # THEN nothing in it depends on the machine or the run that built it
    assert not [n for n in listed if n.startswith("bin/")]
    records = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}
    assert not [n for n in listed if ".dist-info/" in n and n.rsplit("/", 1)[1] in records]


def test_the_sdk_and_the_cli_libraries_are_left_out(built_zip: Path) -> None:
    # GIVEN the built zip  WHEN its top-level names are read
    top = {name.split("/", 1)[0] for name in names(built_zip)}
    # THEN boto3/botocore (the runtime's) and typer/rich (the CLI's) are not in it
    assert not top & {"boto3", "botocore", "s3transfer", "typer", "rich", "tests"}
    assert {"sgcompliance", "aws_lambda_powertools", "jsonschema", "yaml"} <= top


def source_files(source: Path) -> set[str]:
    """Every file of the package's source tree but bytecode, caches and hidden files."""
    return {
        p.relative_to(source).as_posix()
        for p in source.rglob("*")
        if p.is_file()
        and p.suffix != ".pyc"
        and not any(part.startswith(".") or part == "__pycache__" for part in p.parts)
    }


def test_the_package_is_its_source_files_less_what_the_function_never_imports(
    built_zip: Path,
) -> None:
    # GIVEN the package's source files, with the local AWS and the command line among them
    source = ROOT / "src" / "sgcompliance"
    every = source_files(source)
    assert {"local/server/moto_server.py", "entrypoints/cli/app.py"} <= every
    # WHEN the zip's package files are listed (their bytecode aside)
    listed = names(built_zip)
    packaged = {n for n in listed if n.startswith("sgcompliance/") and not n.endswith(".pyc")}
    # THEN they are the source files less those under the subpackages left out, and only those
    expected = {"sgcompliance/" + name for name in every if not name.startswith(LEFT_OUT_PREFIXES)}
    assert packaged == expected
    assert {"sgcompliance/policy/schema.json", "sgcompliance/entrypoints/handler.py"} <= packaged
    assert not [n for n in packaged if "/." in n]
    # AND the bytecode is of those sources alone
    compiled = {n for n in listed if n.startswith("sgcompliance/") and n.endswith(".pyc")}
    assert not [n for n in compiled if n.startswith(tuple(f"sgcompliance/{p}" for p in LEFT_OUT))]


def test_the_local_aws_the_demo_and_the_command_line_are_left_out(built_zip: Path) -> None:
    # GIVEN the built zip  WHEN its names are read
    listed = names(built_zip)
    # THEN no file of the local AWS, its demo or the `sgc` command line is in it
    assert not [n for n in listed if n.startswith("sgcompliance/local/")]
    assert not [n for n in listed if n.startswith("sgcompliance/entrypoints/cli/")]
    assert "sgcompliance/entrypoints/__init__.py" in listed


def imported_modules(path: Path, module: str) -> set[str]:
    """The `sgcompliance` modules one file imports, at any level (function-level imports too),
    as absolute dotted names (`from x import y` counts as x and as x.y)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name.split(".")[0] == "sgcompliance"}


def test_nothing_in_the_zip_imports_a_module_left_out(unzipped: Path) -> None:
    # GIVEN every module of the package in the unzipped task root
    root = unzipped / "sgcompliance"
    modules = {
        ".".join(p.relative_to(unzipped).with_suffix("").parts).removesuffix(".__init__"): p
        for p in root.rglob("*.py")
    }
    assert "sgcompliance.entrypoints.handler" in modules
    # WHEN the package's modules each imports (anywhere in the file) are looked up
    left_out = {
        f"{module}: {name}"
        for module, path in modules.items()
        for name in imported_modules(path, module)
        if name.startswith(tuple("sgcompliance." + p.replace("/", ".") for p in LEFT_OUT))
    }
    unknown = {
        f"{module}: {name}"
        for module, path in modules.items()
        for name in imported_modules(path, module)
        if name not in modules and name.rpartition(".")[0] not in modules
    }
    # THEN none is a module that was left out, and each is a module (or a name in one) of the zip
    assert not left_out, sorted(left_out)
    assert not unknown, sorted(unknown)


def test_every_distribution_in_the_zip_is_one_pinned_in_the_requirements(
    tool: ModuleType, built_zip: Path
) -> None:
    # GIVEN the distributions installed in the zip (their .dist-info directories)
    found = distributions(names(built_zip))
    # WHEN compared with the pinned requirements  THEN they are the same names and versions
    assert found == pins(tool.DEFAULT_REQUIREMENTS)


def test_the_pins_are_the_versions_the_project_is_tested_with(tool: ModuleType) -> None:
    # GIVEN the project's lock of the versions its tests run with
    lock = ROOT / "requirements.lock"
    if not lock.is_file():
        pytest.skip(f"{lock} does not exist, so there is nothing to compare the pins with")
    tested = pins(lock)
    # WHEN the Lambda's pins are looked up in it  THEN each one is the tested version
    shipped = pins(tool.DEFAULT_REQUIREMENTS)
    assert {n: tested.get(n) for n in shipped} == shipped


# CPython 3.12's bytecode magic (3531), and PEP 552's flags of an unchecked hash-based pyc.
MAGIC_312 = (3531).to_bytes(2, "little") + b"\r\n"
UNCHECKED_HASH = 0b01


def test_every_module_ships_compiled_for_cpython_312_without_a_time_or_a_source_check(
    tool: ModuleType, built_zip: Path
) -> None:
    # GIVEN the built zip, from a machine with a CPython 3.12 to compile with
    if tool.compiler(tool.BuildSpec()) is None:
        pytest.skip("no CPython 3.12 on this machine: the zip is built without bytecode")
    with zipfile.ZipFile(built_zip) as archive:
        listed = archive.namelist()
        pycs = {n: archive.read(n)[:8] for n in listed if n.endswith(".pyc")}
    sources = [n for n in listed if n.endswith(".py")]
    # WHEN each source is looked up where the runtime looks for its bytecode
    expected = {
        f"{n.rpartition('/')[0]}/__pycache__/{n.rpartition('/')[2][:-3]}.cpython-312.pyc"
        if "/" in n
        else f"__pycache__/{n[:-3]}.cpython-312.pyc"
        for n in sources
    }
    # THEN every pyc is one of those, the handler's among them, and nearly every source has one
    assert set(pycs) <= expected
    assert "sgcompliance/entrypoints/__pycache__/handler.cpython-312.pyc" in pycs
    assert len(pycs) >= 0.95 * len(sources)
    # AND each is 3.12 bytecode that records no time and is never checked against its source
    assert {header[:4] for header in pycs.values()} == {MAGIC_312}
    assert {int.from_bytes(h[4:8], "little") for h in pycs.values()} == {UNCHECKED_HASH}


def test_compiled_modules_are_built_for_arm64_cpython_312(built_zip: Path) -> None:
    # GIVEN the zip's compiled extension modules
    compiled = [n for n in names(built_zip) if n.endswith(".so")]
    # WHEN their platform tags are read  THEN every one is for the function's platform
    assert compiled
    assert all(n.endswith(".cpython-312-aarch64-linux-gnu.so") for n in compiled)


def test_the_handler_module_imports_from_the_zip_with_only_the_runtime_sdk(
    unzipped: Path, runtime_sdk: Path
) -> None:
    # GIVEN the unzipped task root and boto3 as the runtime provides it, and no site-packages
    script = (
        "import json, sys\n"
        "import sgcompliance.entrypoints.handler as handler\n"
        "print(json.dumps([handler.__file__, sorted(sys.modules)]))\n"
    )
    # WHEN the handler module is imported
    location, loaded = run_from([unzipped, runtime_sdk], script)
    # THEN it comes from the zip and loads neither the SDK nor the CLI libraries yet
    assert Path(location).is_relative_to(unzipped)
    assert not {m.split(".")[0] for m in loaded} & {"boto3", "botocore", "typer", "rich"}


@pytest.fixture(scope="module")
def moto(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    with pytest.MonkeyPatch.context() as env:
        for key, value in FAKE_AWS.items():
            env.setenv(key, value)
        server = start(tmp_path_factory.mktemp("moto") / "moto.log", timeout=60.0)
        try:
            yield server
        finally:
            server.stop()


def world_open_group(endpoint: str) -> str:
    ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name="us-east-1")
    vpc = ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = ec2.create_security_group(GroupName="pkg", Description="pkg", VpcId=vpc)["GroupId"]
    world = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
             "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "ssh"}]}  # fmt: skip
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[world])
    return str(group)


def test_a_scan_runs_from_the_zip_against_the_moto_server(
    moto: LocalServer, unzipped: Path, runtime_sdk: Path, host_overlay: Path
) -> None:
    # GIVEN a group open to the world on tcp 22, and the function's configuration
    group = world_open_group(moto.endpoint)
    env = {
        **FAKE_AWS,
        "AWS_ENDPOINT_URL": moto.endpoint,
        "SGC_ACCOUNTS": OWN_ACCOUNT,
        "SGC_REGIONS": "us-east-1",
        "SGC_MODE": "flag_only",
        "SGC_POLICY": "builtin:strict",
        "HOME": tempfile.gettempdir(),
    }
    script = (
        "import json, sys\n"
        "from sgcompliance.entrypoints.handler import handler\n"
        "body = handler({'action': 'scan'}, None)\n"
        "print(json.dumps([body, sorted({m.split('.')[0] for m in sys.modules})]))\n"
    )
    # WHEN an operator scan is handled by the code of the zip (rpds: this machine's build)
    body, loaded = run_from([host_overlay, unzipped, runtime_sdk], script, env)
    # THEN the policy validated, the group was read and its world-open ssh reported
    assert body["status"] == "ok", body
    assert {(v["group_id"], v["check_id"]) for v in body["violations"]} >= {(group, "EC2.19")}
    # AND a whole invocation needed nothing the zip lacks (typer and rich are the CLI's)
    assert {"jsonschema", "aws_lambda_powertools", "rpds"} <= set(loaded)
    assert not set(loaded) & {"typer", "rich"}
