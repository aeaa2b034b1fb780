"""`sgc checks list/show` and the check catalog behind them: complete for every pack, examples
that really fire, references parsed, docs/checks.md up to date."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sgcompliance.entrypoints.cli.app import app
from sgcompliance.policy.catalog import catalog, catalog_data, pack_checks, parse_reference
from sgcompliance.policy.catalog_doc import DOC_PATH, REGENERATE, checks_markdown
from sgcompliance.policy.catalog_example import example_findings

ROOT = Path(__file__).resolve().parents[3]
runner = CliRunner()
PACK_IDS = sorted(pack_checks())


def test_every_check_of_the_packs_has_a_catalog_entry() -> None:
    # GIVEN the check ids the built-in packs use WHEN compared with the hand-written catalog
    missing = set(PACK_IDS) - set(catalog_data())
    # THEN none lacks an explanation
    assert not missing, f"add entries to src/sgcompliance/policy/catalog.json for {missing}"


def test_the_catalog_has_no_entry_for_a_check_no_pack_uses() -> None:
    stale = set(catalog_data()) - set(PACK_IDS)
    assert not stale, f"remove stale catalog entries {stale}"


@pytest.mark.parametrize("check_id", PACK_IDS)
def test_every_entry_explains_how_to_fix_it_by_hand(check_id: str) -> None:
    entry = catalog()[check_id]
    assert entry.meaning
    assert len(entry.console_steps) >= 2
    assert any(step.startswith("aws ec2 ") for step in entry.cli_steps)
    assert entry.references


@pytest.mark.parametrize("check_id", PACK_IDS)
def test_every_example_estate_makes_its_check_fire(check_id: str) -> None:
    # GIVEN the entry's example WHEN judged by its check alone THEN the check finds it
    findings = example_findings(catalog()[check_id])
    assert findings
    assert {f.check_id for f in findings} == {check_id}


def test_docs_checks_md_is_generated_from_the_current_catalog() -> None:
    written = (ROOT / DOC_PATH).read_text("utf-8")
    assert written == checks_markdown(), f"{DOC_PATH} is out of date: run `{REGENERATE}`"


@pytest.mark.parametrize(
    ("text", "standard", "control"),
    [
        ("CIS AWS Foundations Benchmark v3.0.0 5.2", "CIS AWS Foundations Benchmark v3.0.0", "5.2"),
        ("AWS FSBP EC2.19", "AWS Foundational Security Best Practices", "EC2.19"),
        ("AWS Security Hub EC2.53", "AWS Security Hub", "EC2.53"),
        ("sgcompliance SGC-WIDE-CIDR", "sgcompliance", "SGC-WIDE-CIDR"),
    ],
)
def test_a_reference_is_split_into_standard_and_control(
    text: str, standard: str, control: str
) -> None:
    reference = parse_reference(text)
    assert (reference.standard, reference.control) == (standard, control)


def test_a_security_hub_control_links_to_its_documentation() -> None:
    url = parse_reference("AWS FSBP EC2.13").url
    assert url.endswith("/ec2-controls.html#ec2-13")


def test_checks_list_shows_every_check_with_its_severity_and_packs() -> None:
    result = runner.invoke(app, ["checks", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: line for line in result.stdout.splitlines() if line.strip()}
    assert all(check_id in rows for check_id in PACK_IDS)
    assert "critical" in rows["EC2.19"]
    assert "aws-fsbp, strict" in rows["EC2.19"]


def test_checks_list_as_json_gives_id_severity_title_and_packs() -> None:
    result = runner.invoke(app, ["checks", "list", "--format", "json"])
    assert result.exit_code == 0, result.output
    listed = {c["id"]: c for c in json.loads(result.stdout)}
    assert sorted(listed) == PACK_IDS
    assert listed["CIS-5.2"]["packs"] == ["cis-aws", "strict"]
    assert listed["SGC-WIDE-CIDR"]["severity"] == "medium"


def test_checks_show_explains_the_check_with_references_steps_and_an_example() -> None:
    # WHEN a check is shown
    result = runner.invoke(app, ["checks", "show", "EC2.13"])
    # THEN every part a person needs to act on it is there
    assert result.exit_code == 0, result.output
    for part in (
        "What it means", "References", "AWS Foundational Security Best Practices EC2.13",
        "CIS AWS Foundations Benchmark v1.2.0 4.1", "Fix it in the AWS console",
        "aws ec2 revoke-security-group-ingress", "Example finding", "reaches restricted tcp 22",
    ):  # fmt: skip
        assert part in result.stdout


def test_checks_show_matches_an_id_regardless_of_case() -> None:
    result = runner.invoke(app, ["checks", "show", "sgc-wide-cidr", "-f", "json"])
    assert result.exit_code == 0, result.output
    detail = json.loads(result.stdout)
    assert detail["id"] == "SGC-WIDE-CIDR"
    assert detail["example_findings"][0]["check_id"] == "SGC-WIDE-CIDR"


def test_an_unknown_check_id_exits_2_and_suggests_the_close_ones() -> None:
    result = runner.invoke(app, ["checks", "show", "EC2.190"])
    assert result.exit_code == 2
    assert "no check 'EC2.190'; did you mean EC2.19" in result.stderr
    assert "sgc checks list" in result.stderr


def test_piped_checks_output_has_no_trailing_blanks() -> None:
    # GIVEN stdout that is not a terminal WHEN listing THEN lines end at their last character
    result = runner.invoke(app, ["checks", "list"])
    assert result.exit_code == 0
    assert all(line == line.rstrip() for line in result.stdout.splitlines())
