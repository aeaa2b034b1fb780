"""checkov over terraform/ (terraform and CloudFormation): no failed check, and every skip says
why in the configuration itself."""

from __future__ import annotations

import json
import re
import subprocess
from typing import Any

import pytest
import tf_tools
from tf_harness import TERRAFORM_ROOT

# `#checkov:skip=CKV_AWS_1:reason` in HCL; `checkov:skip=...` in a CloudFormation Metadata.
_SKIP = re.compile(r"checkov:skip=([A-Z0-9_]+)(?::(.*))?")
_MIN_REASON = 15
_CHECKOV_TIMEOUT = 600
# The checks share one checkov run (`reports`): one worker runs it, once.
pytestmark = pytest.mark.xdist_group("checkov")


@pytest.fixture(scope="module")
def reports() -> list[dict[str, Any]]:
    tool = tf_tools.checkov(TERRAFORM_ROOT)
    if not tool.available:
        pytest.skip(f"checkov skipped: {tool.missing}")
    done = subprocess.run(
        tool.argv, capture_output=True, text=True, timeout=_CHECKOV_TIMEOUT, check=False
    )
    # checkov exits 1 when a check failed; anything else without JSON is a crash.
    assert done.stdout.strip().startswith(("[", "{")), done.stdout + done.stderr
    parsed = json.loads(done.stdout)
    return parsed if isinstance(parsed, list) else [parsed]


def _results(reports: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [r for report in reports for r in report.get("results", {}).get(kind, [])]


def test_checkov_scans_terraform_and_cloudformation(reports: list[dict[str, Any]]) -> None:
    assert {r["check_type"] for r in reports} == {"terraform", "cloudformation"}
    assert all(r["summary"]["passed"] > 0 for r in reports)


def test_checkov_finds_no_failed_check(reports: list[dict[str, Any]]) -> None:
    failed = [
        f"{r['check_id']} {r['resource']} ({r['file_path']}): {r['check_name']}"
        for r in _results(reports, "failed_checks")
    ]
    assert failed == []


def test_every_skip_checkov_reports_has_a_reason(reports: list[dict[str, Any]]) -> None:
    unexplained = [
        f"{r['check_id']} {r['resource']}"
        for r in _results(reports, "skipped_checks")
        if len(str(r.get("suppress_comment") or "").strip()) < _MIN_REASON
    ]
    assert unexplained == []


def test_every_skip_comment_in_the_tree_has_a_reason() -> None:
    # GIVEN every skip annotation in terraform/ (also those on resources checkov did not reach)
    files = [p for p in TERRAFORM_ROOT.rglob("*") if p.suffix in {".tf", ".yaml", ".yml"}]
    skips = [
        (path.name, match)
        for path in files
        for match in _SKIP.finditer(path.read_text(encoding="utf-8"))
    ]
    # THEN each names its reason right there
    bare = [
        f"{name}: {m.group(1)}"
        for name, m in skips
        if len((m.group(2) or "").strip()) < _MIN_REASON
    ]
    assert bare == []
