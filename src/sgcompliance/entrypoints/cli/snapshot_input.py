"""Snapshots given on the command line: a JSON or YAML file, or JSON on stdin."""

from __future__ import annotations

import sys
from pathlib import Path

from sgcompliance.engine.model import RegionSnapshot
from sgcompliance.errors import InputError
from sgcompliance.sources.documents import load_document, parse_json
from sgcompliance.sources.snapshot import read_snapshots

STDIN = "-"


def read_input(ref: str) -> list[RegionSnapshot]:
    if ref == STDIN:
        source = "<stdin>"
        document = parse_json(sys.stdin.read(), source)
    else:
        source = ref
        document = load_document(Path(ref))
    snapshots = read_snapshots(document, source)
    if not snapshots:
        raise InputError(
            "the list holds no snapshots", source=source, hint="give at least one account/region"
        )
    return snapshots
