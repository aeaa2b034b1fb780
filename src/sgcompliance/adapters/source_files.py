"""Reading the source files of infrastructure code for the locations of its findings: the
repository a directory is in, a module directory's `.tf` files, and the modules
`terraform init` installed.

Paths are given and returned relative to the repository's root (the nearest directory above
holding `.git`, else the working directory), which is what GitHub code scanning resolves a
SARIF artifact URI against. A directory outside the repository, a file too large or not text is
skipped: a location is a convenience, never a reason to refuse a scan.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path

# A .tf file larger than this is not read for line numbers.
MAX_SOURCE_BYTES = 4 * 1024 * 1024
MODULES_MANIFEST = Path(".terraform") / "modules" / "modules.json"


def repository_root(start: Path) -> Path:
    """The nearest directory at or above `start` holding `.git`, else the working directory."""
    here = start.resolve()
    for candidate in (here, *here.parents):
        if (candidate / ".git").exists():
            return candidate
    return Path.cwd().resolve()


def relative_to_root(path: Path, root: Path) -> str:
    """`path` relative to `root` with forward slashes, or as given when it is outside."""
    resolved = path.resolve()
    if resolved.is_relative_to(root):
        return resolved.relative_to(root).as_posix()
    return path.as_posix()


class TerraformFiles:
    """The `.tf` files of module directories under one repository."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def read(self, directory: str) -> Iterator[tuple[str, str]]:
        folder = (self.root / directory).resolve()
        if not folder.is_relative_to(self.root) or not folder.is_dir():
            return
        for file in sorted(folder.glob("*.tf")):
            try:
                if not file.is_file() or file.stat().st_size > MAX_SOURCE_BYTES:
                    continue
                text = file.read_text("utf-8", errors="replace")
            except OSError:
                continue
            yield relative_to_root(file, self.root), text


def installed_modules(module_dir: Path) -> Mapping[str, str]:
    """Module key -> directory relative to the root module, from the manifest `terraform init`
    writes; empty when there is none or it cannot be read."""
    manifest = module_dir / MODULES_MANIFEST
    try:
        if manifest.stat().st_size > MAX_SOURCE_BYTES:
            return {}
        data = json.loads(manifest.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    modules = data.get("Modules") if isinstance(data, dict) else None
    found: dict[str, str] = {}
    for module in modules if isinstance(modules, list) else ():
        if not isinstance(module, dict):
            continue
        key, directory = module.get("Key"), module.get("Dir")
        if isinstance(key, str) and key and isinstance(directory, str):
            found[key] = directory
    return found
