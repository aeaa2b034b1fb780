"""Offline scan benchmark: `sgc scan --input` of a snapshot file in every report format, next to
a bare `json.load` of the same file (issue #14).

    .venv/bin/python benchmarks/offline_scan.py                       # 20,000 groups, 3 runs
    .venv/bin/python benchmarks/offline_scan.py --groups 2000 --repeats 5 --formats json,csv
    .venv/bin/python benchmarks/offline_scan.py --source /path/to/other/checkout/src

The snapshot is the engine benchmark's synthetic estate (`estate_generator.py`: 20,000 groups
hold about 190,000 rules over 3 accounts x 2 regions), written as `sgc snapshot` writes it
(indented, keys sorted). Every run is a fresh process, timed from its start to its exit:

- `json.load`: `python -c 'json.load(open(FILE, encoding="utf-8"))'`, the reference;
- `start`: `python -c 'import sgcompliance.entrypoints.cli.app'`, what `sgc` costs before it
  reads anything;
- each format: `sgc scan --input FILE --policy builtin:strict --today 2025-06-01 --format F
  --output OUT --quiet` (exit status 1: the estate has violations).

The runs are interleaved (the reference, the start, then every format; N times), so that a busy
machine weighs on all of them alike. For each, the median wall time and its ratio to the
reference's, the median CPU time (user + system: what the process itself took) and its ratio,
the peak resident memory (`ru_maxrss`, which counts the ~20 MB peak of this process, the child's
memory until it runs its program) and its ratio to the input's size, and for the formats
the report's size and sha256 (the same report from two source trees has the same digest;
`SOURCE_DATE_EPOCH` pins the time that ASFF and OCSF carry). `--source DIR` runs the processes
on another source tree (a checkout of an earlier commit), to compare with it. Bytecode is
kept in the scratch directory (`PYTHONPYCACHEPREFIX`; also where `PYTHONDONTWRITEBYTECODE` is
set), written by one unmeasured run of every format on a small snapshot, so that the runs find
their modules compiled, as an installed sgc does.

Goals of issue #14: the JSON format within 2x the reference's time, every other format within
3x, peak memory within 3x the input's size. Each figure gets WITHIN or ABOVE; the exit status is
0 either way unless `--enforce` is given.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from installed_bytecode import bytecode_env

FORMATS = ("json", "jsonl", "csv", "sarif", "asff", "ocsf", "html", "table")
JSON_GOAL = 2.0
OTHER_GOAL = 3.0
MEMORY_GOAL = 3.0
REFERENCE = "json.load"
START = "start"
# 2026-11-27T08:30:15Z: ASFF and OCSF reports carry this time, so two runs write the same bytes.
PINNED_TIME = "1795941015"
MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Run:
    wall: float
    cpu: float
    peak_bytes: int


@dataclass(slots=True)
class Figures:
    name: str
    runs: list[Run] = field(default_factory=list)
    output_bytes: int = 0
    digest: str = ""

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def peak_bytes(self) -> int:
        return max(r.peak_bytes for r in self.runs)


def child_env(source: Path | None, bytecode: Path) -> dict[str, str]:
    """The processes' environment: bytecode is written (to `bytecode`, outside the checkout)
    even where PYTHONDONTWRITEBYTECODE says not to, as an installed sgc has its modules
    compiled: else every run compiles the ~200 modules it imports again (0.5 s)."""
    env = bytecode_env(
        {**os.environ, "SOURCE_DATE_EPOCH": PINNED_TIME, "NO_COLOR": "1", "CI": "1"}, bytecode
    )
    if source is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(source), env.get("PYTHONPATH", "")]).strip(
            os.pathsep
        )
    return env


def run(argv: Sequence[str], env: dict[str, str], expected: tuple[int, ...] = (0,)) -> Run:
    """One process, waited for with `wait4`: its own CPU time and peak memory, not ours."""
    with tempfile.TemporaryFile() as errors:
        start = time.perf_counter()
        process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errors, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        if process.returncode not in expected:
            errors.seek(0)
            said = errors.read().decode("utf-8", "replace").strip()
            raise SystemExit(f"{' '.join(argv)}: exit {process.returncode}: {said[-2000:]}")
    # ru_maxrss is in KiB on Linux.
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024)


def file_digest(path: Path) -> str:
    """A MiB at a time: this process must stay small (see `write_snapshot`)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()[:16]


def write_snapshot(groups: int, path: Path) -> int:
    """The estate as `sgc snapshot` writes it, made in a process of its own; returns the number
    of rules. Linux counts the peak of the memory a child starts from (this process's, until it
    runs the new program) in the child's `ru_maxrss`: this process must never grow, or every
    run would show its peak."""
    made = subprocess.run(
        [sys.executable, __file__, "--write-snapshot", str(path), "--groups", str(groups)],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(made.stdout)


def _write_snapshot(groups: int, path: Path) -> None:
    from estate_generator import describe_documents, generate_estate

    documents = describe_documents(generate_estate(groups))
    path.write_text(json.dumps(documents, indent=2, sort_keys=True, default=str) + "\n")
    print(sum(len(d["SecurityGroupRules"]) for d in documents))


# The console script's entry point, run by this interpreter (so that --source applies to it).
SGC = "import sys; from sgcompliance.entrypoints.cli.app import main; sys.argv[0] = 'sgc'; main()"


def sgc(*args: str) -> list[str]:
    return [sys.executable, "-c", SGC, *args]


def warm_up(formats: Sequence[str], env: dict[str, str], out: Path) -> None:
    """Every format once on a small snapshot, unmeasured: the modules each imports are
    compiled to bytecode (`child_env`) before the runs that count."""
    small = out / "warm-up-snapshot.json"
    write_snapshot(20, small)
    for name in formats:
        command = sgc(
            "scan", "--input", str(small), "--policy", "builtin:strict", "--format", name,
            "--output", str(out / f"warm-up.{name}"), "--quiet",
        )  # fmt: skip
        run(command, env, expected=(0, 1))


def measure(
    snapshot: Path, formats: Sequence[str], repeats: int, env: dict[str, str], out: Path
) -> list[Figures]:
    reference = Figures(REFERENCE)
    start = Figures(START)
    reports = {name: Figures(name) for name in formats}
    load = [
        sys.executable,
        "-c",
        "import json, sys; json.load(open(sys.argv[1], encoding='utf-8'))",
    ]
    for _ in range(repeats):
        reference.runs.append(run([*load, str(snapshot)], env))
        start.runs.append(
            run([sys.executable, "-c", "import sgcompliance.entrypoints.cli.app"], env)
        )
        for name, figures in reports.items():
            target = out / f"report.{name}"
            command = sgc(
                "scan", "--input", str(snapshot), "--policy", "builtin:strict",
                "--today", "2025-06-01", "--format", name, "--output", str(target), "--quiet",
            )  # fmt: skip
            figures.runs.append(run(command, env, expected=(0, 1)))
            figures.output_bytes = target.stat().st_size
            digest = file_digest(target)
            if figures.digest and figures.digest != digest:
                raise SystemExit(f"{name}: two runs wrote different reports")
            figures.digest = digest
    return [reference, start, *reports.values()]


def verdict(within: bool) -> str:
    return "WITHIN" if within else "ABOVE"


def report(figures: list[Figures], input_bytes: int) -> bool:
    reference = figures[0]
    print(
        "\n| run | wall s | x json.load | cpu s | x json.load cpu | peak MiB | x input "
        "| report MiB | sha256 | goal (time, memory) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
    every = True
    for f in figures:
        ratio, cpu_ratio = f.wall / reference.wall, f.cpu / reference.cpu
        memory = f.peak_bytes / input_bytes
        goal = ""
        if f.name not in (REFERENCE, START):
            limit = JSON_GOAL if f.name == "json" else OTHER_GOAL
            time_ok, memory_ok = ratio <= limit, memory <= MEMORY_GOAL
            every = every and time_ok and memory_ok
            goal = f"{verdict(time_ok)} {limit:g}x, {verdict(memory_ok)} {MEMORY_GOAL:g}x"
        size = f"{f.output_bytes / MIB:.1f}" if f.output_bytes else ""
        print(
            f"| {f.name} | {f.wall:.2f} | {ratio:.2f} | {f.cpu:.2f} | {cpu_ratio:.2f} "
            f"| {f.peak_bytes / MIB:.0f} | {memory:.2f} | {size} | {f.digest} | {goal} |"
        )
    return every


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--groups", type=int, default=20_000, help="groups in the estate")
    parser.add_argument("--repeats", type=int, default=3, help="runs per median (default 3)")
    parser.add_argument("--formats", default=",".join(FORMATS), help="comma-separated formats")
    parser.add_argument("--snapshot", type=Path, help="use this snapshot file instead")
    parser.add_argument("--source", type=Path, help="run sgc from this source tree (its src/)")
    parser.add_argument("--enforce", action="store_true", help="exit 1 when a goal is missed")
    parser.add_argument("--write-snapshot", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.formats = tuple(f for f in args.formats.split(",") if f)
    unknown = set(args.formats) - set(FORMATS)
    if unknown:
        parser.error(f"unknown formats: {', '.join(sorted(unknown))}")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if args.write_snapshot:
        _write_snapshot(args.groups, args.write_snapshot)
        return 0
    with tempfile.TemporaryDirectory(prefix="sgc-offline-") as scratch:
        work = Path(scratch)
        snapshot = args.snapshot or work / "snapshot.json"
        estate = (
            "given"
            if args.snapshot
            else f"{args.groups:,} groups, {write_snapshot(args.groups, snapshot):,} rules"
        )
        input_bytes = snapshot.stat().st_size
        source = args.source.resolve() if args.source else None
        print(
            f"sgcompliance offline scan benchmark: python {platform.python_version()}, "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; "
            f"snapshot {input_bytes / MIB:.1f} MiB ({estate}); policy builtin:strict; "
            f"median of {args.repeats}; sgc from {source or 'this checkout'}"
        )
        env = child_env(source, work / "bytecode")
        warm_up(args.formats, env, work)
        figures = measure(snapshot, args.formats, args.repeats, env, work)
    every = report(figures, input_bytes)
    return 1 if args.enforce and not every else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
