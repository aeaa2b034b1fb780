"""The pre-commit hook for CloudFormation templates (`.pre-commit-hooks.yaml`): `sgc scan
--cloudformation` of each file pre-commit passes, with the same options for every file.

pre-commit passes every staged file its `files:` pattern selects; a file that names no `AWS::`
resource type is not a template and is skipped. The exit code is the worst of the scans': 2 (a
bad template or option) over 1 (violations) over 0.

    python -m sgcompliance.entrypoints.cli.code_hook [--policy P] [--parameters K=V]... FILE...
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

# A template larger than this is still scanned (sgc applies its own limits); the marker is
# looked for in its first part only.
_SNIFF_BYTES = 1024 * 1024
_MARKER = b"AWS::"


def is_template(path: Path) -> bool:
    """Whether a file names an `AWS::` resource type (an unreadable file is passed on, so that
    sgc says what is wrong with it)."""
    try:
        with path.open("rb") as handle:
            return _MARKER in handle.read(_SNIFF_BYTES)
    except OSError:
        return True


def arguments(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sgc-cloudformation-hook", description=__doc__)
    parser.add_argument("--policy", "-p", default=None)
    parser.add_argument("--parameters", action="append", default=[])
    parser.add_argument("--format", "-f", default="table")
    parser.add_argument("files", nargs="*", type=Path)
    return parser.parse_args(list(argv))


def scan_args(template: Path, options: argparse.Namespace) -> list[str]:
    args = ["scan", "--cloudformation", str(template), "--format", options.format]
    if options.policy:
        args += ["--policy", options.policy]
    for parameter in options.parameters:
        args += ["--parameters", parameter]
    return args


def main(argv: Sequence[str] | None = None) -> int:
    from sgcompliance.entrypoints.cli.app import run_sgc  # noqa: PLC0415 - lazy: after argv checks

    options = arguments(sys.argv[1:] if argv is None else argv)
    worst = 0
    for template in options.files:
        if not is_template(template):
            continue
        print(f"sgc: {template}", flush=True)
        code = run_sgc(scan_args(template, options)).exit_code
        worst = max(worst, code) if code in (0, 1, 2) else max(worst, 2)
    return worst


if __name__ == "__main__":
    raise SystemExit(main())
