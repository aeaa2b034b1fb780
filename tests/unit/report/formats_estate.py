"""The fixed estate behind the golden files of the machine formats (json, jsonl, csv, sarif,
asff, ocsf): two accounts, two regions, the AWS FSBP pack, one exemption, and hostile strings
(quotes, newlines, `<script>`, spreadsheet formulas, non-ASCII, bidi overrides, very long
text) in group names, descriptions and tags.

Regenerate the golden files after an intended change with
`SGC_UPDATE_GOLDEN=1 .venv/bin/pytest tests/unit/report -k golden` (or `make golden-update`)
and review the diff.
"""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from sgcompliance import __version__
from sgcompliance.engine.evaluate import ScanResult, evaluate
from sgcompliance.engine.policy import Exemption
from sgcompliance.policy.loader import load_policy
from sgcompliance.report.formats import Presentation, render
from sgcompliance.sources.snapshot import read_snapshots

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "report"
ESTATE = FIXTURES / "estate.json"
TODAY = date(2026, 11, 27)
GENERATED_AT = datetime(2026, 11, 27, 8, 30, 15, 250000, tzinfo=UTC)
PRESENTATION = Presentation(width=120, generated_at=GENERATED_AT)
# The release number appears in some formats; golden files hold this instead.
VERSION_MARK = "<sgcompliance-version>"
UPDATE_ENV = "SGC_UPDATE_GOLDEN"

LEGACY_DB = Exemption(
    "EX-LEGACY", 'dba "team" <script>', "replica migrates in Q1", "SEC-42", date(2027, 3, 31),
    group_ids=frozenset({"sg-0a0000000000000a3"}),
)  # fmt: skip


def estate_result() -> ScanResult:
    snapshots = read_snapshots(json.loads(ESTATE.read_text(encoding="utf-8")), str(ESTATE))
    policy = dataclasses.replace(load_policy("builtin:aws-fsbp"), exemptions=(LEGACY_DB,))
    return evaluate(policy, snapshots, today=TODAY)


def rendered(name: str) -> str:
    """The estate's report, with the release number masked."""
    return render(estate_result(), name, PRESENTATION).replace(__version__, VERSION_MARK)


def assert_golden(name: str, filename: str) -> None:
    """The report equals the golden file (or rewrites it when SGC_UPDATE_GOLDEN=1)."""
    golden = FIXTURES / filename
    text = rendered(name)
    if os.environ.get(UPDATE_ENV) == "1":
        golden.write_bytes(text.encode("utf-8"))
        pytest.skip(f"{UPDATE_ENV}=1: rewrote {golden.name}; review the diff")
    assert golden.exists(), f"missing {golden}; create it with {UPDATE_ENV}=1"
    assert text == golden.read_bytes().decode("utf-8"), (
        f"{name} output differs from {golden.name}; if intended, regenerate with {UPDATE_ENV}=1"
    )
