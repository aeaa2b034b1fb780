"""Static checks of every terraform module and example, read with python-hcl2: variables typed,
described and used, outputs described, and every reference resolving to a declaration."""

from __future__ import annotations

from pathlib import Path

import pytest
import tf_hcl
from tf_harness import REPO_ROOT, configuration_dirs

# Arguments of a module block that are terraform's own, not the called module's variables.
MODULE_META_ARGUMENTS = frozenset(
    {"source", "version", "providers", "count", "for_each", "depends_on"}
)

CONFIGURATIONS = [pytest.param(p, id=str(p.relative_to(REPO_ROOT))) for p in configuration_dirs()]


def _local_module_calls(config: tf_hcl.Configuration) -> list[tuple[tf_hcl.Block, Path]]:
    calls = []
    for block in config.of("module"):
        source = str(block.body.get("source", ""))
        if source.startswith("./") or source.startswith("../"):
            calls.append((block, (config.path / source).resolve()))
    return calls


def test_there_are_configurations_to_check() -> None:
    # GIVEN the repository WHEN listing terraform modules and examples THEN both kinds exist
    names = {p.parent.name for p in configuration_dirs()}
    assert names == {"modules", "examples"}


@pytest.mark.parametrize(
    "path", [pytest.param(p, id=p.name) for p in configuration_dirs() if p.parent.name == "modules"]
)
def test_every_module_has_terraform_tests(path: Path) -> None:
    assert sorted(p.name for p in (path / "tests").glob("*.tftest.hcl")) != []


@pytest.mark.parametrize("path", CONFIGURATIONS)
def test_every_variable_has_a_type_and_a_description(path: Path) -> None:
    # GIVEN a configuration WHEN reading its variables THEN each says its type and what it is
    config = tf_hcl.load(path)
    lacking = [
        b.address
        for b in config.of("variable")
        if "type" not in b.body or not str(b.body.get("description", "")).strip()
    ]
    assert lacking == []


@pytest.mark.parametrize("path", CONFIGURATIONS)
def test_every_variable_is_used(path: Path) -> None:
    # GIVEN a configuration WHEN collecting var. references outside the variable blocks
    config = tf_hcl.load(path)
    used = {r.name for r in config.references(frozenset({"variable"})) if r.kind == "var"}
    # THEN every declared variable is among them
    assert config.declared("var") - used == set()


@pytest.mark.parametrize("path", CONFIGURATIONS)
def test_every_output_has_a_description(path: Path) -> None:
    config = tf_hcl.load(path)
    lacking = [b.address for b in config.of("output") if not str(b.body.get("description", ""))]
    assert lacking == []


@pytest.mark.parametrize("path", CONFIGURATIONS)
@pytest.mark.parametrize("kind", ["var", "local", "module", "data", "resource"])
def test_every_reference_resolves(path: Path, kind: str) -> None:
    # GIVEN a configuration WHEN collecting its references of one kind
    config = tf_hcl.load(path)
    # A moved block's `from` names an address that is gone on purpose; its `to` is checked by
    # terraform validate.
    referenced = {r.name for r in config.references(frozenset({"moved"})) if r.kind == kind}
    # THEN each names something the configuration declares
    assert referenced - config.declared(kind) == set()


@pytest.mark.parametrize("path", CONFIGURATIONS)
def test_module_outputs_referenced_exist(path: Path) -> None:
    # GIVEN a configuration calling local modules WHEN it reads module.NAME.OUTPUT
    config = tf_hcl.load(path)
    outputs = {
        f"{block.labels[0]}.{name}": True
        for block, source in _local_module_calls(config)
        for name in tf_hcl.load(source).names("output")
    }
    referenced = {r.name for r in config.references() if r.kind == "output"}
    # THEN the called module declares that output
    assert {name for name in referenced if name not in outputs} == set()


@pytest.mark.parametrize("path", CONFIGURATIONS)
def test_module_calls_pass_declared_variables_and_every_required_one(path: Path) -> None:
    config = tf_hcl.load(path)
    problems = []
    for block, source in _local_module_calls(config):
        called = tf_hcl.load(source)
        arguments = set(block.body) - MODULE_META_ARGUMENTS
        required = {b.labels[0] for b in called.of("variable") if "default" not in b.body}
        problems += [f"{block.address}: unknown {a}" for a in arguments - called.declared("var")]
        problems += [f"{block.address}: missing {r}" for r in required - arguments]
    assert problems == []
