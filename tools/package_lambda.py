"""Builds the Lambda deployment zip reproducibly: same sources and wheels, same bytes.

The zip holds the pinned runtime dependencies of `tools/lambda-requirements.txt`, installed by
pip for the function's platform (arm64, CPython 3.12) from wheels only, and the `sgcompliance`
package copied from `src/` (what the wheel would hold, less the parts the function never imports:
the local AWS and its demo, the command line and the test doubles; no tests, no caches; the
packaging tests check that nothing in the zip imports what was left out). Entries are sorted,
dated 1980-01-01, mode 0644, and nothing that records the machine the build ran on is kept:
no console scripts (their shebang names the builder's interpreter), no pip installation records
(RECORD hashes those scripts).

Every module is shipped compiled for the function's CPython 3.12, because the runtime cannot
write bytecode beside the code (/var/task is read-only) and would otherwise compile every module
it imports at each cold start (about 115 ms of the first event). The bytecode is made by a 3.12
interpreter found on the build machine (`--compile-with`, else `python3.12`), as unchecked-hash
pycs (PEP 552: no timestamp, never checked against the source, which ships beside it unchanged)
naming each source by its path in the zip, so it holds nothing of the build's machine or time:
two builds with the same 3.12 release give the same bytes. Without such an interpreter the zip
is built without bytecode, and says so.

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
# The bytecode the function's runtime looks for: `__pycache__/<module>.cpython-312.pyc`.
BYTECODE_TAG = "cpython-312"
# Compiles the sources named on standard input (one path relative to the current directory per
# line) as unchecked-hash pycs, each naming its source by that relative path; prints the number
# of files it could not compile (those are shipped as source, and fail on import as they would).
COMPILER = """
import py_compile, sys
failed = 0
for name in sorted(sys.stdin.read().split()):
    try:
        py_compile.compile(name, dfile=name, doraise=True, optimize=0,
                           invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    except py_compile.PyCompileError:
        failed += 1
print(failed)
"""
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
    # The CPython 3.12 that compiles the bytecode (None: `python3.12` on the PATH).
    compile_with: str | None = None

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
    # What compiled the bytecode ("" when the zip holds none), and how many pycs it holds.
    bytecode_by: str = ""
    bytecode: int = 0

    def summary(self) -> str:
        lines = [
            f"{self.path}: {self.size} bytes ({self.size / 1_048_576:.2f} MiB), "
            f"{self.entries} files",
            f"sha256 {self.sha256}",
            f"bytecode: {self.bytecode} modules compiled by {self.bytecode_by}"
            if self.bytecode_by
            else "bytecode: none (no CPython 3.12 found: pass --compile-with PATH)",
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


def compiler(spec: BuildSpec) -> tuple[str, str] | None:
    """The CPython 3.12 interpreter to compile with and the version it reports; None when there
    is none (a `python3.12` that does not run, such as a shim of an inactive version, is none)."""
    for candidate in [spec.compile_with] if spec.compile_with else _candidates():
        found = _cache_tag(candidate)
        if found is not None:
            return found
    return None


def _candidates() -> list[str]:
    """`python3.12` on the PATH, then the newest 3.12 a pyenv installation holds."""
    found = [c for c in [shutil.which("python3.12")] if c is not None]
    root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    pyenv = sorted(Path(root).glob("versions/3.12.*/bin/python3.12"), key=_release, reverse=True)
    return found + [str(p) for p in pyenv]


def _release(path: Path) -> tuple[int, ...]:
    """(3, 12, N) of `versions/3.12.N/bin/python3.12`; () for a name that is not a release."""
    parts = path.parts[-3].split(".")
    return tuple(int(p) for p in parts) if all(p.isdigit() for p in parts) else ()


def _cache_tag(candidate: str) -> tuple[str, str] | None:
    """`candidate` and its version when it runs and is a CPython 3.12, else None."""
    try:
        done = subprocess.run(
            [candidate, "-c", "import sys; print(sys.implementation.cache_tag, sys.version)"],
            capture_output=True, text=True, check=True, timeout=60,
        )  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return None
    tag, _, version = done.stdout.strip().partition(" ")
    return (candidate, version.split()[0]) if tag == BYTECODE_TAG else None


def compile_stage(stage: Path, interpreter: str) -> int:
    """Compiles every source in `stage` with `interpreter`; the number of pycs written."""
    for cache in sorted(stage.rglob("__pycache__"), reverse=True):
        shutil.rmtree(cache)  # only what this build writes
    sources = sorted(
        p.relative_to(stage).as_posix() for p in stage.rglob("*.py") if keeps(p.relative_to(stage))
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    done = subprocess.run(
        [interpreter, "-I", "-c", COMPILER], input="\n".join(sources), cwd=stage, env=env,
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    failed = int(done.stdout.strip() or 0)
    return len(sources) - failed


def keeps(relative: Path) -> bool:
    """Whether a staged file belongs in the zip (see the module documentation)."""
    if relative.suffix == ".pyc":
        # The bytecode this build compiled for the runtime, of the sources it keeps.
        parent = relative.parts[-2] if len(relative.parts) > 1 else ""
        own = parent == "__pycache__" and relative.name.endswith(f".{BYTECODE_TAG}.pyc")
        return own and not any(part in SKIPPED_DIRS for part in relative.parts[:-2])
    if any(part in SKIPPED_DIRS for part in relative.parts[:-1]):
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


def describe(output: Path, files: Sequence[tuple[str, Path]], bytecode_by: str = "") -> BuiltZip:
    data = output.read_bytes()
    compiled = tuple(name for name, _ in files if name.endswith(COMPILED_SUFFIXES))
    pycs = sum(1 for name, _ in files if name.endswith(".pyc"))
    return BuiltZip(
        output, len(data), hashlib.sha256(data).hexdigest(), len(files), compiled,
        bytecode_by if pycs else "", pycs,
    )  # fmt: skip


def build(spec: BuildSpec) -> BuiltZip:
    if not spec.offline:
        download(spec)
    with tempfile.TemporaryDirectory(prefix="sgc-lambda-") as scratch:
        stage = Path(scratch) / "stage"
        install(spec, stage)
        copy_package(spec.source, stage)
        found = compiler(spec)
        if found is not None:
            compile_stage(stage, found[0])
        files = list(staged_files(stage))
        write_zip(files, spec.output)
        return describe(spec.output, files, f"{found[0]} ({found[1]})" if found else "")


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
    parser.add_argument(
        "--compile-with", help="the CPython 3.12 interpreter that compiles the bytecode"
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
        compile_with=args.compile_with,
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
