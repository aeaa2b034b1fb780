"""Where the groups and rules of infrastructure code are written: the file and line of each
Terraform resource block, found from the plan's module tree and the `.tf` files' text.

Pure: the caller hands over a function that lists a directory's `.tf` files with their text
(`adapters/source_files.py` reads them), and gets back the estate with its locations.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from sgcompliance.sources.code_estate import CodeEstate, SourceLocation
from sgcompliance.sources.terraform_plan import Origin, PlanReading

# `resource "aws_security_group" "web" {`, at the start of a line (HCL's native syntax).
_RESOURCE_BLOCK = re.compile(r'^[ \t]*resource[ \t]+"([^"\n]+)"[ \t]+"([^"\n]+)"[ \t]*\{', re.M)

# A module directory, relative to the root module's: the path of call names leading to it.
ModulePath = tuple[str, ...]
# (file, text) pairs of one module directory's .tf files, or None when it cannot be read.
ReadModule = Callable[[str], Iterable[tuple[str, str]] | None]


def resource_blocks(text: str) -> dict[tuple[str, str], int]:
    """(type, name) -> the 1-based line of its `resource` block, in one file's text."""
    found: dict[tuple[str, str], int] = {}
    for match in _RESOURCE_BLOCK.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        found.setdefault((match[1], match[2]), line)
    return found


def module_directory(
    path: ModulePath, sources: Mapping[ModulePath, str], installed: Mapping[str, str], root: str
) -> str | None:
    """A module's directory relative to the repository, given the root module's (`root`).

    A local `source` ("./modules/app", "../shared") is followed call by call; any other
    (registry, git) is where `terraform init` put it (`installed`: the module key, call names
    joined by dots, -> its directory relative to the root module's, from
    .terraform/modules/modules.json). None when neither, or when it leaves the repository.
    """
    if not path:
        return root
    key = ".".join(path)
    if key in installed:
        return _join(root, installed[key])
    parent = module_directory(path[:-1], sources, installed, root)
    source = sources.get(path)
    if parent is None or source is None or not source.startswith(("./", "../")):
        return None
    return _join(parent, source)


def _join(base: str, relative: str) -> str | None:
    parts = [p for p in base.split("/") if p and p != "."]
    for step in relative.split("/"):
        if step in ("", "."):
            continue
        if step == "..":
            if not parts:
                return None  # outside the repository
            parts.pop()
        else:
            parts.append(step)
    return "/".join(parts)


class BlockIndex:
    """The resource blocks of the module directories asked about, each read once."""

    def __init__(self, read: ReadModule) -> None:
        self._read = read
        self._dirs: dict[str, dict[tuple[str, str], SourceLocation]] = {}

    def find(self, directory: str, kind: str, name: str) -> SourceLocation | None:
        blocks = self._dirs.get(directory)
        if blocks is None:
            blocks = self._dirs[directory] = {}
            for file, text in self._read(directory) or ():
                for key, line in resource_blocks(text).items():
                    blocks.setdefault(key, SourceLocation(file, line))
        return blocks.get((kind, name))


def locate_plan(
    reading: PlanReading, index: BlockIndex, installed: Mapping[str, str], root: str
) -> CodeEstate:
    """The plan's estate with the file and line of each group, rule and unknown value."""
    directories: dict[ModulePath, str | None] = {}

    def where(address: str) -> SourceLocation | None:
        origin: Origin | None = reading.origins.get(address)
        if origin is None:
            return None
        if origin.modules not in directories:
            directories[origin.modules] = module_directory(
                origin.modules, reading.module_sources, installed, root
            )
        directory = directories[origin.modules]
        return None if directory is None else index.find(directory, origin.type, origin.name)

    estate = reading.estate
    locations = dict(estate.locations)
    for key, address in reading.declared_by.items():
        found = where(address)
        if found is not None:
            locations[key] = found
    unresolved = tuple(
        item if item.location is not None else replace(item, location=where(address))
        for item, address in zip(estate.unresolved, reading.unresolved_by, strict=True)
    )
    return replace(estate, locations=locations, unresolved=unresolved)
