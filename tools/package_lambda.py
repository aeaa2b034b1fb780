"""Builds the Lambda deployment zip reproducibly: same sources and wheels, same bytes.

The zip holds the pinned runtime dependencies of `tools/lambda-requirements.txt`, installed by
pip for the function's platform (arm64, CPython 3.12) from wheels only, and the `sgcompliance`
package copied from `src/` (what the wheel would hold, less the parts the function never imports:
the local AWS and its demo, the command line and the test doubles; no tests, no caches; the
packaging tests check that nothing in the zip imports what was left out). Entries are sorted,
dated 1980-01-01, mode 0644, and nothing that records the machine the build ran on is kept:
no bytecode, no console scripts (their shebang names the builder's interpreter), no pip
installation records (RECORD hashes those scripts).

Wheels are downloaded into a wheelhouse first and installed from it alone (`--no-index`), so a
build with `--offline` needs no network and two builds from one wheelhouse are byte-identical.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "sgcompliance"
DEFAULT_OUTPUT = ROOT / "dist" / "lambda" / "sgcompliance-lambda.zip"
DEFAULT_WHEELHOUSE = ROOT / "build" / "lambda-wheels"
DEFAULT_REQUIREMENTS = ROOT / "tools" / "lambda-requirements.txt"
DEFAULT_SOURCE = ROOT / "src" / PACKAGE
# The function runs on arm64 (Graviton) with the python3.12 managed runtime.
TARGET_PLATFORM = "manylinux2014_aarch64"
TARGET_PYTHON = "3.12"
IMPLEMENTATION = "cp"
# The earliest date a zip entry can carry.
FIXED_DATE = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644
UNIX = 3
COMPRESSION_LEVEL = 9
SKIPPED_DIRS = frozenset({"__pycache__", "bin"})
# pip's records of one installation, not of the package: RECORD hashes machine-specific
# console scripts, the others name the installer and the request.
INSTALL_RECORDS = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})
COMPILED_SUFFIXES = (".so",)
# Subpackages of sgcompliance that the handler never imports, left out of the zip: the local AWS
# and its demo (`sgc local`, the `local` extra's moto server), the `sgc` command line (typer and
# rich are not in the zip either), and the in-memory test doubles.
LEFT_OUT = ("local", "entrypoints/cli", "testing")


@dataclass(frozen=True, slots=True)
class BuildSpec:
    """What to build, from what, for which platform."""

    output: Path = DEFAULT_OUTPUT
    wheelhouse: Path = DEFAULT_WHEELHOUSE
    requirements: Path = DEFAULT_REQUIREMENTS
    source: Path = DEFAULT_SOURCE
    platform: str = TARGET_PLATFORM
    python_version: str = TARGET_PYTHON
    offline: bool = False

    def target_options(self) -> list[str]:
        return [
            "--platform",
            self.platform,
            "--implementation",
            IMPLEMENTATION,
            "--python-version",
            self.python_version,
            "--only-binary=:all:",
        ]


@dataclass(frozen=True, slots=True)
class BuiltZip:
    path: Path
    size: int
    sha256: str
    entries: int
    compiled: tuple[str, ...]

    def summary(self) -> str:
        lines = [
            f"{self.path}: {self.size} bytes ({self.size / 1_048_576:.2f} MiB), "
            f"{self.entries} files",
            f"sha256 {self.sha256}",
        ]
        lines.extend(f"compiled for the target platform: {name}" for name in self.compiled)
        return "\n".join(lines)


def pip(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "pip", *args], check=True)


def download(spec: BuildSpec) -> None:
    """Fetches the pinned wheels for the target platform into the wheelhouse."""
    spec.wheelhouse.mkdir(parents=True, exist_ok=True)
    options = spec.target_options()
    pip("download", "-q", "--dest", str(spec.wheelhouse), *options, "-r", str(spec.requirements))


def install(spec: BuildSpec, stage: Path) -> None:
    """Installs the pinned wheels into `stage` from the wheelhouse alone."""
    pip(
        "install",
        "-q",
        "--isolated",
        "--no-index",
        "--find-links",
        str(spec.wheelhouse),
        "--target",
        str(stage),
        "--no-compile",
        *spec.target_options(),
        "-r",
        str(spec.requirements),
    )


def package_files(source: Path, left_out: Sequence[str] = LEFT_OUT) -> Iterator[Path]:
    """The package's files as its wheel ships them (pyproject: packages = ["src/sgcompliance"]):
    everything but bytecode and hidden files (editor and tool leftovers), less the subpackages
    `left_out` (paths relative to the package, such as "entrypoints/cli")."""
    skipped = tuple(Path(part).parts for part in left_out)
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        hidden = any(part.startswith(".") for part in relative.parts)
        inside_left_out = any(relative.parts[: len(parts)] == parts for parts in skipped)
        if path.is_file() and not hidden and not inside_left_out and keeps(relative):
            yield relative


def copy_package(source: Path, stage: Path) -> None:
    for relative in package_files(source):
        target = stage / source.name / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / relative, target)


def keeps(relative: Path) -> bool:
    """Whether a staged file belongs in the zip (see the module documentation)."""
    if any(part in SKIPPED_DIRS for part in relative.parts[:-1]):
        return False
    if relative.suffix == ".pyc":
        return False
    in_dist_info = len(relative.parts) > 1 and relative.parts[-2].endswith(".dist-info")
    return not (in_dist_info and relative.name in INSTALL_RECORDS)


def staged_files(stage: Path) -> Iterator[tuple[str, Path]]:
    """(name in the zip, file) for every kept file, sorted by name."""
    found = [
        (path.relative_to(stage).as_posix(), path)
        for path in stage.rglob("*")
        if path.is_file() and keeps(path.relative_to(stage))
    ]
    yield from sorted(found)


def write_zip(files: Sequence[tuple[str, Path]], output: Path) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    partial = output.with_name(output.name + ".partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for name, path in files:
            entry = zipfile.ZipInfo(name, date_time=FIXED_DATE)
            entry.create_system = UNIX
            entry.external_attr = FILE_MODE << 16
            entry.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(entry, path.read_bytes(), compresslevel=COMPRESSION_LEVEL)
    os.replace(partial, output)


def describe(output: Path, files: Sequence[tuple[str, Path]]) -> BuiltZip:
    data = output.read_bytes()
    compiled = tuple(name for name, _ in files if name.endswith(COMPILED_SUFFIXES))
    return BuiltZip(output, len(data), hashlib.sha256(data).hexdigest(), len(files), compiled)


def build(spec: BuildSpec) -> BuiltZip:
    if not spec.offline:
        download(spec)
    with tempfile.TemporaryDirectory(prefix="sgc-lambda-") as scratch:
        stage = Path(scratch) / "stage"
        install(spec, stage)
        copy_package(spec.source, stage)
        files = list(staged_files(stage))
        write_zip(files, spec.output)
        return describe(spec.output, files)


def parse(argv: Sequence[str]) -> BuildSpec:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--wheelhouse", type=Path, default=DEFAULT_WHEELHOUSE)
    parser.add_argument("--requirements", type=Path, default=DEFAULT_REQUIREMENTS)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    parser.add_argument("--platform", default=TARGET_PLATFORM)
    parser.add_argument("--python-version", default=TARGET_PYTHON)
    parser.add_argument(
        "--offline", action="store_true", help="install from the wheelhouse without downloading"
    )
    args = parser.parse_args(argv)
    return BuildSpec(
        output=args.output,
        wheelhouse=args.wheelhouse,
        requirements=args.requirements,
        source=args.source,
        platform=args.platform,
        python_version=args.python_version,
        offline=args.offline,
    )


def main(argv: Sequence[str] | None = None) -> int:
    spec = parse(sys.argv[1:] if argv is None else argv)
    built = build(spec)
    print(built.summary())
    built.path.with_name(built.path.name + ".sha256").write_text(
        f"{built.sha256}  {built.path.name}\n", encoding="utf-8"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
