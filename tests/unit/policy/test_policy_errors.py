"""Invalid policies: every problem has its JSON path, a message and a one-line hint."""

from __future__ import annotations

from typing import Any

import pytest

from sgcompliance.errors import PolicyError
from sgcompliance.policy.loader import parse_policy, validate_document
from sgcompliance.policy.problems import MAX_PROBLEMS

SSH = {"protocols": ["tcp"], "ports": "22"}


def doc_with(**extra: Any) -> dict[str, Any]:
    check = {"id": "C1", "type": "restricted_ports", "severity": "high", "ports": [SSH]}
    return {"version": "1", "id": "p", "checks": [check], **extra}


def check_doc(**check: Any) -> dict[str, Any]:
    base = {"id": "C1", "type": "restricted_ports", "severity": "high", "ports": [SSH]}
    return {"version": "1", "id": "p", "checks": [{**base, **check}]}


def problem_at(doc: object, path: str) -> tuple[str, str]:
    found = {p: (m, h) for p, m, h in validate_document(doc, "test")}
    assert path in found, f"no problem at {path}; got {sorted(found)}"
    return found[path]


def test_a_valid_document_has_no_problems() -> None:
    assert validate_document(doc_with(), "test") == []


def test_an_unknown_top_level_key_is_named_with_a_did_you_mean() -> None:
    # GIVEN a misspelt top-level key WHEN validated THEN its path and the right key are named
    message, hint = problem_at(doc_with(exemptoins=[]), "$.exemptoins")
    assert "unknown key 'exemptoins'" in message
    assert hint == "did you mean 'exemptions'?"


def test_an_unknown_key_in_a_check_is_named_with_a_did_you_mean() -> None:
    message, hint = problem_at(check_doc(severty="low"), "$.checks[0].severty")
    assert "unknown key" in message
    assert hint == "did you mean 'severity'?"


def test_an_unknown_key_in_a_port_spec_is_named_with_a_did_you_mean() -> None:
    doc = check_doc(ports=[{"protocols": ["tcp"], "ports": "22", "protocol": "tcp"}])
    _, hint = problem_at(doc, "$.checks[0].ports[0].protocol")
    assert hint == "did you mean 'protocols'?"


def test_an_unknown_key_in_an_exemption_match_is_named() -> None:
    exemption = {"id": "e", "owner": "o", "reason": "r", "match": {"group_id": ["sg-01"]}}
    _, hint = problem_at(doc_with(exemptions=[exemption]), "$.exemptions[0].match.group_id")
    assert hint == "did you mean 'group_ids'?"


def test_an_unknown_key_in_settings_is_named() -> None:
    _, hint = problem_at(
        doc_with(settings={"coverage_detect": False}), "$.settings.coverage_detect"
    )
    assert hint == "did you mean 'coverage_detection'?"


def test_a_key_of_another_check_type_is_unknown_for_this_type() -> None:
    # GIVEN `ports` on an all_traffic check (a typo must never silently change a check)
    doc = check_doc(type="all_traffic")
    message, _ = problem_at(doc, "$.checks[0].ports")
    assert message == "unknown key 'ports' for a all_traffic check"


def test_a_misspelt_check_type_gets_a_did_you_mean() -> None:
    message, hint = problem_at(check_doc(type="restricted_port"), "$.checks[0].type")
    assert "is not one of" in message
    assert hint == "did you mean 'restricted_ports'?"


def test_a_missing_required_key_is_named_at_its_object() -> None:
    doc = {"version": "1", "id": "p", "checks": [{"id": "C1", "type": "max_rules"}]}
    problems = validate_document(doc, "test")
    messages = {m for p, m, _ in problems if p == "$.checks[0]"}
    assert messages == {"missing required key 'severity'", "missing required key 'maximum'"}


def test_a_wrong_version_is_reported() -> None:
    message, _ = problem_at({**doc_with(), "version": 1}, "$.version")
    assert message == 'must be "1"'


def test_a_document_that_is_not_an_object_is_reported_at_the_root() -> None:
    message, _ = problem_at(["not", "a", "policy"], "$")
    assert message == "a policy document is an object, got a list"


def test_a_non_string_key_is_reported() -> None:
    doc: dict[Any, Any] = {**doc_with(), 1: "x"}
    message, _ = problem_at(doc, "$")
    assert "not a string" in message


def test_duplicate_check_ids_are_reported_at_the_second() -> None:
    check = {"id": "C1", "type": "all_traffic", "severity": "low"}
    doc = doc_with()
    doc["checks"].append(check)
    message, _ = problem_at(doc, "$.checks[1].id")
    assert message == "duplicate check id 'C1' (first used at $.checks[0])"


def test_duplicate_exemption_ids_are_reported() -> None:
    exemption = {"id": "e", "owner": "o", "reason": "r", "match": {"checks": ["C1"]}}
    message, _ = problem_at(doc_with(exemptions=[exemption, exemption]), "$.exemptions[1].id")
    assert "duplicate exemption id 'e'" in message


@pytest.mark.parametrize("ports", ["25-20", "65536", "0-70000"])
def test_a_port_range_outside_0_to_65535_or_reversed_is_reported(ports: str) -> None:
    doc = check_doc(ports=[{"protocols": ["tcp"], "ports": ports}])
    message, _ = problem_at(doc, "$.checks[0].ports[0].ports")
    assert "0 <= from <= to <= 65535" in message


def test_an_integer_port_above_65535_is_reported() -> None:
    doc = check_doc(ports=[{"protocols": ["tcp"], "ports": 70000}])
    message, _ = problem_at(doc, "$.checks[0].ports[0].ports")
    assert message == "port range '70000' must satisfy 0 <= from <= to <= 65535"


def test_an_invalid_cidr_source_is_reported() -> None:
    message, hint = problem_at(check_doc(sources=["10.0.0.0/33"]), "$.checks[0].sources[0]")
    assert "is not a valid CIDR" in message
    assert hint.startswith("use a CIDR")


def test_a_cidr_with_host_bits_suggests_the_network() -> None:
    _, hint = problem_at(check_doc(sources=["10.1.2.3/8"]), "$.checks[0].sources[0]")
    assert hint == "did you mean 10.0.0.0/8?"


def test_a_misspelt_source_word_gets_a_did_you_mean_once() -> None:
    problems = validate_document(check_doc(sources=["wrold"]), "test")
    assert problems == [
        (
            "$.checks[0].sources[0]",
            "'wrold' is not world, public or a CIDR",
            "did you mean 'world'?",
        )
    ]


def test_an_invalid_date_is_reported() -> None:
    exemption = {
        "id": "e",
        "owner": "o",
        "reason": "r",
        "expires": "2026-02-30",
        "match": {"checks": ["C1"]},
    }
    message, _ = problem_at(doc_with(exemptions=[exemption]), "$.exemptions[0].expires")
    assert message == "'2026-02-30' is not a valid date"


def test_an_exemption_match_without_criteria_is_reported() -> None:
    exemption = {"id": "e", "owner": "o", "reason": "r", "match": {}}
    message, _ = problem_at(doc_with(exemptions=[exemption]), "$.exemptions[0].match")
    assert "at least 1" in message


def test_an_empty_criterion_list_is_reported_since_it_would_match_everything() -> None:
    exemption = {"id": "e", "owner": "o", "reason": "r", "match": {"group_ids": []}}
    message, _ = problem_at(doc_with(exemptions=[exemption]), "$.exemptions[0].match.group_ids")
    assert "at least 1 item" in message


def test_an_exemption_naming_an_unknown_check_is_reported() -> None:
    exemption = {"id": "e", "owner": "o", "reason": "r", "match": {"checks": ["C1x"]}}
    message, hint = problem_at(doc_with(exemptions=[exemption]), "$.exemptions[0].match.checks[0]")
    assert message == "no check 'C1x' in this policy"
    assert hint == "did you mean 'C1'?"


def test_an_exemption_may_name_the_unresolved_prefix_list_check() -> None:
    match = {"checks": ["SGC.PREFIX_LIST_UNRESOLVED"]}
    exemption = {"id": "e", "owner": "o", "reason": "r", "match": match}
    assert validate_document(doc_with(exemptions=[exemption]), "test") == []


def test_the_unresolved_prefix_list_check_id_is_reserved() -> None:
    message, _ = problem_at(check_doc(id="SGC.PREFIX_LIST_UNRESOLVED"), "$.checks[0].id")
    assert "reserved" in message


def test_an_unknown_pack_is_reported_with_a_did_you_mean() -> None:
    message, hint = problem_at(doc_with(extends="builtin:stirct"), "$.extends")
    assert message == "unknown built-in pack 'builtin:stirct'"
    assert hint == "did you mean 'strict'?"


def test_overrides_without_extends_are_reported() -> None:
    message, _ = problem_at(doc_with(overrides={"C1": {"enabled": False}}), "$.overrides")
    assert "no extends" in message


def test_a_policy_without_checks_or_extends_is_reported() -> None:
    message, _ = problem_at({"version": "1", "id": "p"}, "$")
    assert message == "the policy has no checks"


def test_every_problem_is_reported_not_only_the_first() -> None:
    doc = check_doc(severity="hgih", sources=["wrold"], extra=True)
    paths = [p for p, _, _ in validate_document(doc, "test")]
    assert set(paths) == {"$.checks[0].severity", "$.checks[0].sources[0]", "$.checks[0].extra"}


def test_parse_policy_raises_policy_error_with_every_problem() -> None:
    with pytest.raises(PolicyError) as caught:
        parse_policy(check_doc(severity="hgih", extra=True), "acme.json")
    assert {p for p, _, _ in caught.value.problems} == {"$.checks[0].severity", "$.checks[0].extra"}
    assert str(caught.value).startswith("acme.json: $.checks[0]")


def test_every_problem_has_a_non_empty_hint() -> None:
    doc = {
        "version": "2",
        "id": "",
        "checks": [{"id": "C1", "type": "max_rules", "maximum": -1, "directions": []}],
        "settings": {"trusted_accounts": ["123"]},
    }
    problems = validate_document(doc, "test")
    assert len(problems) >= 5
    assert all(hint for _, _, hint in problems)


def test_a_trailing_newline_does_not_sneak_past_a_pattern() -> None:
    # GIVEN a port with a trailing newline (Python's `$` would accept it; JSON Schema's does not)
    doc = check_doc(ports=[{"protocols": ["tcp"], "ports": "22\n"}])
    message, _ = problem_at(doc, "$.checks[0].ports[0].ports")
    assert message == '"22\\n" is not in the expected form'


def test_a_deeply_nested_value_is_a_problem_not_a_crash() -> None:
    # GIVEN a value nested deeper than Python's recursion limit
    deep: list[Any] = []
    for _ in range(5000):
        deep = [deep]
    # WHEN validated THEN it is an ordinary problem where the nesting gets too deep
    problems = validate_document(doc_with(description=deep), "test")
    assert len(problems) == 1
    path, message, _ = problems[0]
    assert path.startswith("$.description[0][0]")
    assert message == "nested more than 32 levels deep"


def test_two_long_keys_quoted_alike_are_still_two_problems() -> None:
    # GIVEN two unknown keys that differ only past what a message quotes
    doc = doc_with(**{"x" * 100 + "a": 1, "x" * 100 + "b": 2})
    # WHEN validated THEN each is its own problem, quoted the same way
    problems = validate_document(doc, "test")
    assert len(problems) == 2
    assert problems[0] == problems[1]
    assert problems[0][1] == f"unknown key {'x' * 64!r}... (101 characters)"


def test_a_quoted_value_stays_on_one_line() -> None:
    # GIVEN an id made of control characters, line and paragraph separators
    doc = doc_with(id="\n\r\x1b[31m\u2028\u2029\x00")
    # WHEN validated THEN the message escapes them all
    message, _ = problem_at(doc, "$.id")
    assert message == '"\\n\\r\\u001b[31m\\u2028\\u2029\\u0000" is not in the expected form'


def test_a_long_path_keeps_its_first_steps_and_the_key_it_is_about() -> None:
    # GIVEN an unknown key under a check id, both far too long
    doc = {**doc_with(extends="builtin:strict"), "overrides": {"Z" * 5000: {"k" * 5000: 1}}}
    # WHEN validated THEN the path names the overrides and the unknown key, not what is between
    paths = [path for path, message, _ in validate_document(doc, "test") if "unknown" in message]
    assert paths == [f'$.overrides...["{"k" * 64}"... (5,000 characters)]']


def test_a_list_of_problems_cut_short_keeps_the_order_of_the_whole_list() -> None:
    # GIVEN misplaced checks: 50 of them make fewer problems than where the list stops,
    # 2,000 of them more
    few = validate_document(doc_with(checks=[1] * 50), "test")
    many = validate_document(doc_with(checks=[1] * 2000), "test")
    # THEN the long list starts as the short one did and says that it stops
    assert len(few) < MAX_PROBLEMS < len(many)
    assert many[: len(few)] == few
    assert many[-1] == (
        "$",
        "more problems not listed: the schema check stops at 1,000",
        "fix these and validate again",
    )
