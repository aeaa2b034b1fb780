"""`extends` and `overrides`: starting from built-in packs and changing their checks."""

from __future__ import annotations

from typing import Any

import pytest

from sgcompliance.engine.policy import Remediation, RestrictedPorts, Severity
from sgcompliance.policy.loader import load_policy, parse_policy, validate_document


def extending(base: str | list[str] = "builtin:strict", **extra: Any) -> dict[str, Any]:
    return {"version": "1", "id": "acme", "extends": base, **extra}


def test_extending_a_pack_keeps_all_its_checks_under_the_documents_id() -> None:
    # GIVEN a document that only extends strict WHEN it loads
    policy = parse_policy(extending(), "acme.json")
    # THEN it has strict's checks and its own identity
    assert [c.id for c in policy.checks] == [c.id for c in load_policy("builtin:strict").checks]
    assert policy.id == "acme"


def test_new_checks_are_appended_after_the_base_checks() -> None:
    check = {"id": "ACME-1", "type": "description_required", "severity": "low"}
    policy = parse_policy(extending(checks=[check]), "acme.json")
    assert policy.checks[-1].id == "ACME-1"


def test_an_override_replaces_only_the_keys_it_gives() -> None:
    # GIVEN an override of EC2.19's severity and remediation
    overrides = {"EC2.19": {"severity": "medium", "remediation": "flag"}}
    policy = parse_policy(extending(overrides=overrides), "acme.json")
    check = policy.check("EC2.19")
    base = load_policy("builtin:strict").check("EC2.19")
    # THEN those change and everything else stays as the pack has it
    assert check is not None
    assert base is not None
    assert (check.severity, check.remediation) == (Severity.MEDIUM, Remediation.FLAG)
    assert (check.spec, check.title, check.references) == (base.spec, base.title, base.references)


def test_an_override_can_disable_a_check() -> None:
    policy = parse_policy(extending(overrides={"SGC-DESCRIPTION": {"enabled": False}}), "a.json")
    check = policy.check("SGC-DESCRIPTION")
    assert check is not None
    assert check.enabled is False


def test_an_override_replaces_a_list_whole() -> None:
    overrides = {"EC2.19": {"ports": [{"protocols": ["tcp"], "ports": "22"}]}}
    check = parse_policy(extending(overrides=overrides), "a.json").check("EC2.19")
    assert check is not None
    assert isinstance(check.spec, RestrictedPorts)
    assert [p.interval for p in check.spec.ports] == [(22, 22)]


def test_an_override_with_a_key_of_another_type_is_reported_at_the_override() -> None:
    overrides = {"SGC-ALL-TRAFFIC": {"ports": [{"protocols": ["tcp"], "ports": "22"}]}}
    problems = validate_document(extending(overrides=overrides), "a.json")
    assert problems == [
        (
            '$.overrides["SGC-ALL-TRAFFIC"].ports',
            "unknown key 'ports' for a all_traffic check",
            "allowed keys here: id, type, title, severity, enabled, remediation, grace_days, "
            "directions, selector, references, description, sources, ip_versions, allowed_peers",
        )
    ]


def test_an_override_may_not_change_id_or_type() -> None:
    problems = validate_document(extending(overrides={"EC2.2": {"type": "max_rules"}}), "a.json")
    assert [(p, m) for p, m, _ in problems] == [('$.overrides["EC2.2"].type', "unknown key 'type'")]


def test_overriding_an_unknown_check_is_an_error_naming_it() -> None:
    problems = validate_document(extending(overrides={"EC2.91": {"enabled": False}}), "a.json")
    assert problems == [
        (
            '$.overrides["EC2.91"]',
            "no check 'EC2.91' in the base packs to override",
            "did you mean 'EC2.19'?",
        )
    ]


def test_a_new_check_colliding_with_a_base_check_is_an_error_naming_it() -> None:
    check = {"id": "EC2.13", "type": "all_traffic", "severity": "low"}
    problems = validate_document(extending(checks=[check]), "a.json")
    assert [(p, m) for p, m, _ in problems] == [
        ("$.checks[0].id", "check id 'EC2.13' is already defined by builtin:strict")
    ]


def test_several_packs_can_be_extended_together() -> None:
    policy = parse_policy(extending(["builtin:aws-fsbp", "builtin:cis-aws"]), "a.json")
    assert [c.id for c in policy.checks] == [
        "EC2.2",
        "EC2.13",
        "EC2.14",
        "EC2.18",
        "EC2.19",
        "CIS-5.2",
        "CIS-5.3",
        "CIS-5.4",
    ]


def test_packs_sharing_a_check_cannot_be_extended_together() -> None:
    problems = validate_document(extending(["builtin:strict", "builtin:aws-fsbp"]), "a.json")
    assert problems == [
        (
            "$.extends[1]",
            "builtin:aws-fsbp defines checks that builtin:strict already has: "
            "EC2.2, EC2.13, EC2.14, EC2.18, EC2.19",
            "extend only one of these packs",
        )
    ]


def test_a_pack_listed_twice_is_reported_once() -> None:
    problems = validate_document(extending(["builtin:cis-aws", "builtin:cis-aws"]), "a.json")
    assert [(p, m) for p, m, _ in problems] == [("$.extends", "items must be unique")]


def test_document_settings_replace_the_base_settings_key_by_key() -> None:
    settings = {"coverage_detection": False, "trusted_accounts": ["123456789012"]}
    policy = parse_policy(extending(settings=settings), "a.json")
    assert policy.settings.coverage_detection is False
    assert policy.settings.resolve_prefix_lists is True
    assert policy.settings.trusted_accounts == frozenset({"123456789012"})


def test_the_resolved_policy_and_the_pack_differ_in_digest() -> None:
    policy = parse_policy(extending(overrides={"EC2.2": {"enabled": False}}), "a.json")
    assert policy.digest != load_policy("builtin:strict").digest


@pytest.mark.parametrize("name", ["aws-fsbp", "cis-aws", "strict"])
def test_extending_a_pack_unchanged_under_its_own_id_gives_the_packs_digest(name: str) -> None:
    pack = load_policy(f"builtin:{name}")
    doc = {"version": "1", "id": pack.id, "description": pack.description}
    policy = parse_policy({**doc, "extends": f"builtin:{name}"}, "a.json")
    assert policy.digest == pack.digest
