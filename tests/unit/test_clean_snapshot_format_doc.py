"""docs/snapshot-format.md says what reading a snapshot does when its two halves disagree: each
error it shows is the one the code gives for that case of examples/estate.json, word for word."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from sgcompliance.sources.snapshot import InconsistentSnapshotError, read_snapshots

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "snapshot-format.md"
Estate = list[dict[str, Any]]


def doc_errors() -> list[str]:
    """The `error: ...` lines of the document's text blocks."""
    return re.findall(r"^error: .*$", DOC.read_text("utf-8"), flags=re.MULTILINE)


def estate() -> Estate:
    found: Estate = json.loads((ROOT / "examples" / "estate.json").read_text("utf-8"))
    return found


def without_the_ssh_row(doc: Estate) -> None:
    """The first snapshot's fifth group keeps tcp 22 from the world in IpPermissions only."""
    group_id = doc[0]["SecurityGroups"][4]["GroupId"]
    rows = doc[0]["SecurityGroupRules"]
    [row] = [r for r in rows if r["GroupId"] == group_id and r.get("CidrIpv4") == "0.0.0.0/0"
             and r.get("FromPort") == 22]  # fmt: skip
    rows.remove(row)


def with_an_rdp_row(doc: Estate) -> None:
    """The first group gets a row (tcp 3389 from the world) its IpPermissions do not hold."""
    rows = doc[0]["SecurityGroupRules"]
    rows.append({
        "SecurityGroupRuleId": "sgr-0bbbbbbbbbbbbbbbb", "IsEgress": False,
        "GroupId": doc[0]["SecurityGroups"][0]["GroupId"],
        "IpProtocol": "tcp", "FromPort": 3389, "ToPort": 3389, "CidrIpv4": "0.0.0.0/0",
    })  # fmt: skip


def with_a_row_of_an_unlisted_group(doc: Estate) -> None:
    rows = doc[0]["SecurityGroupRules"]
    row = copy.deepcopy(rows[0])
    row.update(GroupId="sg-0123456789abcdef0", SecurityGroupRuleId="sgr-0aaaaaaaaaaaaaaaa")
    rows.append(row)


CASES: list[Callable[[Estate], None]] = [
    without_the_ssh_row, with_an_rdp_row, with_a_row_of_an_unlisted_group,
]  # fmt: skip


def test_the_document_shows_one_error_per_case() -> None:
    inconsistent = [line for line in doc_errors() if "SecurityGroupRules, " in line
                    or "not in SecurityGroupRules" in line]  # fmt: skip
    assert len(inconsistent) == len(CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.__name__)
def test_each_documented_error_is_the_one_the_code_gives(case: Callable[[Estate], None]) -> None:
    doc = estate()
    case(doc)
    with pytest.raises(InconsistentSnapshotError) as caught:
        read_snapshots(doc, source="estate.json")
    assert caught.value.code == "SGC101"
    assert f"error: {caught.value}" in doc_errors()
    assert f"hint: {caught.value.hint}" in DOC.read_text("utf-8")


def test_the_document_no_longer_says_ip_permissions_are_ignored_beside_rule_rows() -> None:
    text = " ".join(DOC.read_text("utf-8").split())
    assert "read only when `SecurityGroupRules` is absent" not in text
