"""Reading a Terraform plan's JSON (`terraform show -json PLANFILE`) from a file or stdin,
within limits of its own."""

from __future__ import annotations

import sys
from pathlib import Path

from sgcompliance.sources.documents import MIB, Limits, load_document, parse_json

# `terraform show -json` holds each resource about three times (planned values, changes,
# configuration) and nests two levels more per module. Measured: benchmarks/plan_scan.py's plan
# of 5,000 security-group resources is 4.5 MiB of compact JSON nested 11 levels; the real plan
# of tests/fixtures/terraform_plans nests 13. The limits leave room for far larger plans and
# deep module trees.
PLAN_LIMITS = Limits("Terraform plan", 1024 * MIB, 128, 64_000_000)
STDIN = "-"


def read_plan_file(ref: str) -> object:
    """The plan document of a file, or of stdin for `-`."""
    if ref == STDIN:
        return parse_json(sys.stdin.read(), "<stdin>", PLAN_LIMITS)
    return load_document(Path(ref), PLAN_LIMITS)
