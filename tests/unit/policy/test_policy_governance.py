"""`sgc policy validate` warns about exemptions a security team would not mean to grant."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sgcompliance.entrypoints.cli.policy import policy_app
from sgcompliance.policy.governance import exemption_warnings
from sgcompliance.policy.loader import parse_policy

runner = CliRunner()
GOVERNED = {
    "id": "EXC-12",
    "owner": "netops@example.com",
    "reason": "bastion",
    "expires": "2027-01-31",
    "match": {"tagged": True, "checks": ["EC2.13"], "accounts": ["123456789012"]},
}


def policy_with(*exemptions: dict[str, object]) -> dict[str, object]:
    return {"version": "1", "id": "p", "extends": "builtin:strict", "exemptions": list(exemptions)}


def test_a_governed_exemption_draws_no_warning() -> None:
    assert exemption_warnings(parse_policy(policy_with(GOVERNED), "p")) == []


@pytest.mark.parametrize(
    ("match", "expires", "said"),
    [
        ({"tagged": True, "accounts": ["123456789012"]}, "2027-01-31", "covers every check"),
        ({"tagged": True, "checks": ["EC2.13"]}, "2027-01-31", "covers every account"),
        ({"checks": ["EC2.13"], "group_ids": ["sg-0abc"]}, None, "never expires"),
        (
            {"checks": ["EC2.13"], "accounts": ["123456789012"], "rule_tags": {"ok": "yes"}},
            "2027-01-31",
            "a rule's own tags",
        ),
        (
            {"checks": ["EC2.13"], "accounts": ["123456789012"], "tags": {"approved": None}},
            "2027-01-31",
            "granted by group tags",
        ),
    ],
    ids=["every-check", "every-account", "no-expiry", "rule-tags", "bare-group-tags"],
)
def test_each_wide_or_self_service_exemption_is_named(
    match: dict[str, object], expires: str | None, said: str
) -> None:
    # GIVEN an exemption with one concern
    exemption = {**GOVERNED, "match": match}
    if expires is None:
        exemption.pop("expires")
    # WHEN validated  THEN exactly that concern is named, with the exemption's id
    warnings = exemption_warnings(parse_policy(policy_with(exemption), "p"))
    assert len(warnings) == 1
    assert said in warnings[0]
    assert "'EXC-12'" in warnings[0]


def test_validate_prints_warnings_and_strict_fails_on_them(tmp_path: Path) -> None:
    # GIVEN a valid policy whose exemption covers every check and never expires
    path = tmp_path / "p.json"
    wide = {**GOVERNED, "match": {"tagged": True, "accounts": ["123456789012"]}}
    wide.pop("expires")
    path.write_text(json.dumps(policy_with(wide)))
    # WHEN validated  THEN it is valid, with two warnings on stderr
    plain = runner.invoke(policy_app, ["validate", str(path)])
    assert plain.exit_code == 0
    assert plain.stderr.count("warning: exemption 'EXC-12'") == 2
    # AND with --strict the warnings fail it (usage error)
    strict = runner.invoke(policy_app, ["validate", "--strict", str(path)])
    assert strict.exit_code == 2
