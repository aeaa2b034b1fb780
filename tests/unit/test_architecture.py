"""What the import contracts (.importlinter, checked by `lint-imports` in `make lint`) cannot say:
every package is placed in the layers, and a function-level import is always documented laziness."""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

import sgcompliance

PACKAGE = Path(sgcompliance.__file__).parent
CONTRACTS = PACKAGE.parents[1] / ".importlinter"
LAZY_MARK = "# noqa: PLC0415 - lazy:"


def layered_packages() -> set[str]:
    config = configparser.ConfigParser()
    config.read(CONTRACTS, encoding="utf-8")
    layers = config["importlinter:contract:layers"]["layers"]
    return {
        name.strip() for line in layers.splitlines() for name in line.split("|") if name.strip()
    }


def function_level_imports(source: str) -> list[tuple[int, str]]:
    """(line, text) of every import inside a function of `source`."""
    lines = source.splitlines()
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    found.append((inner.lineno, lines[inner.lineno - 1]))
    return found


def test_every_top_level_package_and_module_has_a_layer() -> None:
    # GIVEN the project's top-level packages and modules (the shared kernel included)
    names = {
        f"sgcompliance.{p.stem if p.suffix else p.name}"
        for p in PACKAGE.iterdir()
        if (p.is_dir() and (p / "__init__.py").exists())
        or (p.suffix == ".py" and p.name != "__init__.py")
    }
    # WHEN compared with the layers contract  THEN none escapes it
    unplaced = sorted(names - layered_packages())
    assert unplaced == [], f"add {unplaced} to the layers contract in .importlinter"


def test_the_layers_contract_names_only_what_exists() -> None:
    # GIVEN the layers contract  WHEN each name is looked up  THEN it is a package or module
    missing = [
        name
        for name in sorted(layered_packages())
        if not (PACKAGE.parent.joinpath(*name.split(".")).is_dir())
        and not PACKAGE.parent.joinpath(*name.split(".")).with_suffix(".py").exists()
    ]
    assert missing == []


def test_every_function_level_import_is_documented_laziness() -> None:
    # GIVEN every module of the project
    undocumented = [
        f"{path.relative_to(PACKAGE)}:{line}: {text.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for line, text in function_level_imports(path.read_text("utf-8"))
        # WHEN an import sits in a function  THEN its line says why it is lazy
        if LAZY_MARK not in text
    ]
    assert undocumented == []


def test_the_laziness_check_sees_an_undocumented_import() -> None:
    # GIVEN a function with an unexplained import  WHEN scanned  THEN it is found, unmarked
    source = "def f():\n    import json\n    return json\n"
    assert function_level_imports(source) == [(2, "    import json")]
    assert LAZY_MARK not in function_level_imports(source)[0][1]
