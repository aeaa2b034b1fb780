"""Every report format keeps hostile content inert: each format has its own check of what
"escaped" means for it, and a format without a check fails here so that none is forgotten."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from hostile_strings import (
    FORMULA,
    HOSTILE,
    INJECTED_KEY,
    LONG_HOSTILE,
    SCRIPT,
    control_characters,
    keys_in,
    strings_in,
)

from sgcompliance.engine.evaluate import ScanResult, evaluate
from sgcompliance.engine.model import Direction, Peer, PeerKind, RegionSnapshot, Rule, SecurityGroup
from sgcompliance.engine.policy import Exemption
from sgcompliance.policy.loader import load_policy
from sgcompliance.report.formats import Presentation, format_names, render

ACCOUNT, REGION = "111111111111", "eu-west-1"
TODAY = date(2026, 11, 27)
# A spreadsheet runs a cell as a formula when it starts with one of these.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def hostile_rule(rule_id: str, group_id: str, port: int, cidr: str) -> Rule:
    kind = PeerKind.IPV6 if ":" in cidr else PeerKind.IPV4
    tags = (("Name", HOSTILE),)
    return Rule(
        rule_id, group_id, Direction.INGRESS, "tcp", port, port, Peer(kind, cidr), HOSTILE, tags
    )


def hostile_result() -> ScanResult:
    """Two groups whose every free-text field is hostile; one is exempted by a hostile owner."""
    groups = tuple(
        SecurityGroup(
            f"sg-000000000000000{n}",
            FORMULA if n == "a" else LONG_HOSTILE[:255],
            ACCOUNT,
            REGION,
            (
                hostile_rule(f"sgr-000000000000000{n}1", f"sg-000000000000000{n}", 22, "0.0.0.0/0"),
                hostile_rule(f"sgr-000000000000000{n}2", f"sg-000000000000000{n}", 3389, "::/0"),
            ),
            vpc_id="vpc-1",
            description=LONG_HOSTILE,
            tags={"Owner": FORMULA, "Note": HOSTILE},
        )
        for n in ("a", "b")
    )
    exemption = Exemption(
        "EX-1", HOSTILE, LONG_HOSTILE, FORMULA, date(2099, 1, 1),
        group_ids=frozenset({"sg-000000000000000b"}),
    )  # fmt: skip
    policy = load_policy("builtin:strict")
    policy = replace(policy, exemptions=(exemption,), description=HOSTILE)
    return evaluate(policy, [RegionSnapshot(ACCOUNT, REGION, groups)], today=TODAY)


def json_documents(output: str) -> list[Any]:
    """The output as one JSON document, or as JSON lines."""
    try:
        return [json.loads(output)]
    except json.JSONDecodeError:
        return [json.loads(line) for line in output.splitlines() if line.strip()]


def check_json(output: str) -> None:
    # One document or one per line; the hostile text stays a string value, never structure.
    documents = json_documents(output)
    assert documents
    for doc in documents:
        assert INJECTED_KEY not in keys_in(doc)
    assert any(FORMULA in s for doc in documents for s in strings_in(doc)), "hostile text lost"


def check_csv(output: str) -> None:
    rows = list(csv.reader(io.StringIO(output)))
    header, body = rows[0], rows[1:]
    assert body
    assert all(len(row) == len(header) for row in body), "a value broke the columns"
    for row in body:
        for cell in row:
            if "HYPERLINK" in cell:
                assert not cell.startswith(FORMULA_STARTS), f"a formula cell: {cell[:40]!r}"


def check_html(output: str) -> None:
    assert SCRIPT not in output
    assert "&lt;script&gt;" in output
    assert not control_characters(output, allowed="\n\t")


def check_table(output: str) -> None:
    # Plain text for a terminal: no escape sequence or control character from the input.
    assert not control_characters(output, allowed="\n")


CHECKS: dict[str, Callable[[str], None]] = {
    "table": check_table,
    "json": check_json,
    "jsonl": check_json,
    "csv": check_csv,
    "sarif": check_json,
    "asff": check_json,
    "ocsf": check_json,
    "html": check_html,
}


@pytest.mark.parametrize("name", format_names())
def test_hostile_content_is_inert_in_every_report_format(name: str) -> None:
    # GIVEN a scan whose names, descriptions, tags and exemption are hostile
    check = CHECKS.get(name)
    if check is None:
        pytest.fail(f"report format {name!r} has no hostile-content check: add one to CHECKS")
    presentation = Presentation(color=False, width=120)
    # WHEN rendered  THEN the output is well-formed for the format, the hostile text inert
    check(render(hostile_result(), name, presentation))
