"""Checks that requirements.lock pins every dependency pyproject.toml declares.

`make install` installs the lock alone (then the project with `--no-deps`), so a dependency
added to pyproject.toml but not to the lock would silently be missing. This reads the project's
`dependencies` and the extras that `make install` needs (`dev`, and the extras it names through
the project itself, such as `sgcompliance[local]`), and reports each one the lock does not pin,
or pins at a version outside the declared range. Standard library only: it runs in a fresh
virtualenv before anything is installed (the version check needs `packaging`, and is skipped,
saying so, where it is not importable).

    python tools/lock_check.py [pyproject.toml] [requirements.lock]

Exit 0 when the lock covers everything, 1 (with one line per problem) otherwise.
"""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PYPROJECT = ROOT / "pyproject.toml"
DEFAULT_LOCK = ROOT / "requirements.lock"
INSTALLED_EXTRAS = ("dev",)
REGENERATE = "run `make lock` to regenerate it"
# NAME[extras] SPECIFIERS ; MARKER  (PEP 508, without URLs, which the project does not use)
_REQUIREMENT = re.compile(
    r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[(?P<extras>[^\]]*)\])?"
    r"\s*(?P<spec>[^;]*?)\s*(?:;(?P<marker>.*))?$"
)
_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)", re.MULTILINE)


def normalized(name: str) -> str:
    """The PEP 503 form of a distribution name."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True, slots=True)
class Requirement:
    name: str
    extras: tuple[str, ...]
    specifier: str
    marker: str

    @property
    def key(self) -> str:
        return normalized(self.name)


def parse_requirement(text: str) -> Requirement:
    match = _REQUIREMENT.match(text)
    if match is None:
        raise ValueError(f"not a requirement this check understands: {text!r}")
    extras = tuple(e.strip() for e in (match["extras"] or "").split(",") if e.strip())
    marker = (match["marker"] or "").strip()
    return Requirement(match["name"], extras, match["spec"].strip(), marker)


def declared(pyproject: Mapping[str, object], extras: Iterable[str]) -> list[Requirement]:
    """The project's dependencies and those of `extras`, following the extras that name the
    project itself (`sgcompliance[local]` in `dev`) instead of listing the project."""
    project = pyproject["project"]
    assert isinstance(project, dict)
    own = normalized(str(project["name"]))
    optional: dict[str, list[str]] = project.get("optional-dependencies", {})
    found: list[Requirement] = [parse_requirement(r) for r in project.get("dependencies", [])]
    pending, seen = list(extras), set[str]()
    while pending:
        extra = pending.pop()
        if extra in seen:
            continue
        seen.add(extra)
        if extra not in optional:
            raise KeyError(f"pyproject.toml has no optional-dependencies group {extra!r}")
        for text in optional[extra]:
            requirement = parse_requirement(text)
            if requirement.key == own:
                pending.extend(requirement.extras)
            else:
                found.append(requirement)
    return found


def locked(lock_text: str) -> dict[str, str]:
    """{normalized name: version} of every `NAME==VERSION` line of the lock."""
    return {normalized(m["name"]): m["version"] for m in _PIN.finditer(lock_text)}


def version_test() -> Callable[[str, str], bool] | None:
    """`(specifier, version) -> admitted`, or None where `packaging` is not importable."""
    try:
        from packaging.specifiers import SpecifierSet  # noqa: PLC0415 (optional)
    except ImportError:  # a fresh virtualenv: names only
        return None

    def admits(specifier: str, version: str) -> bool:
        return SpecifierSet(specifier).contains(version, prereleases=True)

    return admits


def problems(requirements: Sequence[Requirement], pins: Mapping[str, str]) -> list[str]:
    """One line per requirement the pins miss or contradict."""
    admits = version_test()
    found: list[str] = []
    for requirement in requirements:
        version = pins.get(requirement.key)
        if version is None:
            found.append(f"{requirement.name}: not in the lock")
        elif (
            admits is not None
            and requirement.specifier
            and not admits(requirement.specifier, version)
        ):
            found.append(
                f"{requirement.name}: the lock pins {version}, outside {requirement.specifier}"
            )
    return found


def check(pyproject: Path, lock: Path, extras: Iterable[str] = INSTALLED_EXTRAS) -> list[str]:
    document = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    if not lock.is_file():
        return [f"{lock} does not exist"]
    return problems(declared(document, extras), locked(lock.read_text(encoding="utf-8")))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    pyproject = Path(args[0]) if args else DEFAULT_PYPROJECT
    lock = Path(args[1]) if len(args) > 1 else DEFAULT_LOCK
    found = check(pyproject, lock)
    for line in found:
        print(f"{lock}: {line}", file=sys.stderr)
    if found:
        print(f"{lock} is out of date with {pyproject}: {REGENERATE}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
