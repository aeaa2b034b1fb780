"""Policy files: JSON and YAML read the same, parse errors name file and line, digests are
stable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sgcompliance.errors import InputError, PolicyError
from sgcompliance.policy.loader import load_policy, parse_policy, schema
from sgcompliance.sources.documents import load_document, parse_yaml

POLICY_YAML = """\
version: "1"
id: acme
extends: builtin:strict
overrides:
  EC2.19:
    severity: high
checks:
  - id: ACME-SSH
    type: restricted_ports
    severity: high
    ports: [{protocols: [tcp], ports: 22}]
    sources: [world, 203.0.113.0/24]
exemptions:
  - id: bastion
    owner: netops@example.com
    reason: bastion behind MFA
    expires: 2026-12-31
    match: {group_ids: [sg-0123abcd], tags: {role: null}}
"""

POLICY_JSON = {
    "version": "1",
    "id": "acme",
    "extends": "builtin:strict",
    "overrides": {"EC2.19": {"severity": "high"}},
    "checks": [
        {
            "id": "ACME-SSH",
            "type": "restricted_ports",
            "severity": "high",
            "ports": [{"protocols": ["tcp"], "ports": 22}],
            "sources": ["world", "203.0.113.0/24"],
        }
    ],
    "exemptions": [
        {
            "id": "bastion",
            "owner": "netops@example.com",
            "reason": "bastion behind MFA",
            "expires": "2026-12-31",
            "match": {"group_ids": ["sg-0123abcd"], "tags": {"role": None}},
        }
    ],
}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_yaml_and_json_documents_load_to_the_same_policy(tmp_path: Path) -> None:
    # GIVEN the same policy as YAML (with an unquoted date) and as JSON
    from_yaml = load_policy(write(tmp_path, "p.yaml", POLICY_YAML))
    from_json = load_policy(write(tmp_path, "p.json", json.dumps(POLICY_JSON)))
    # THEN both give the same Policy value, digest included
    assert from_yaml == from_json


@pytest.mark.parametrize("suffix", [".yml", ".YAML"])
def test_yml_and_upper_case_suffixes_are_read_as_yaml(tmp_path: Path, suffix: str) -> None:
    assert load_document(write(tmp_path, f"p{suffix}", "a: 1\n")) == {"a": 1}


def test_an_unknown_suffix_is_read_as_json(tmp_path: Path) -> None:
    assert load_document(write(tmp_path, "p.policy", '{"a": 1}')) == {"a": 1}


def test_yaml_dates_stay_strings_as_in_json(tmp_path: Path) -> None:
    assert load_document(write(tmp_path, "p.yaml", "expires: 2026-12-31\n")) == {
        "expires": "2026-12-31"
    }


def test_a_json_syntax_error_names_the_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "p.json", '{\n  "id": "x",\n  "checks" []\n}')
    with pytest.raises(InputError) as caught:
        load_document(path)
    assert str(path) in str(caught.value)
    assert "line 3, column 12" in str(caught.value)


def test_a_yaml_syntax_error_names_the_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", "id: x\nchecks: [a, b\nversion: 1\n")
    with pytest.raises(InputError) as caught:
        load_document(path)
    assert str(path) in str(caught.value)
    assert "line 3, column" in str(caught.value)


@pytest.mark.parametrize(
    ("name", "text"), [("p.json", '{"a": 1, "a": 2}'), ("p.yaml", "a: 1\na: 2\n")]
)
def test_a_repeated_key_is_an_error_not_a_silent_override(
    tmp_path: Path, name: str, text: str
) -> None:
    with pytest.raises(InputError, match="duplicate key 'a'"):
        load_document(write(tmp_path, name, text))


def test_a_missing_file_is_an_input_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing.yaml: \$: file not found"):
        load_policy(tmp_path / "missing.yaml")


def test_a_file_that_is_not_utf8_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    path.write_bytes(b'{"id": "\xff"}')
    with pytest.raises(InputError, match="not UTF-8"):
        load_document(path)


def test_an_invalid_policy_file_raises_policy_error_naming_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "p.yaml", 'version: "1"\nid: x\nchecks: []\nextra: 1\n')
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    assert caught.value.source == str(path)
    assert ("$.extra", "unknown key 'extra'") in [(p, m) for p, m, _ in caught.value.problems]


def test_an_unknown_builtin_pack_raises_policy_error() -> None:
    with pytest.raises(PolicyError, match="unknown built-in pack 'builtin:nope'"):
        load_policy("builtin:nope")


def reordered(value: object) -> object:
    if isinstance(value, dict):
        return {key: reordered(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [reordered(item) for item in value]
    return value


def test_the_digest_does_not_depend_on_key_order() -> None:
    assert parse_policy(POLICY_JSON, "a").digest == parse_policy(reordered(POLICY_JSON), "b").digest


def test_the_digest_does_not_depend_on_spelling_out_defaults() -> None:
    # GIVEN one check relying on defaults and one spelling every default out
    short = {"id": "C", "type": "all_traffic", "severity": "low"}
    spelled = {
        **short,
        "title": "C",
        "enabled": True,
        "remediation": "flag",
        "directions": ["ingress"],
        "sources": ["world"],
        "ip_versions": [6, 4],
    }
    doc = {"version": "1", "id": "p"}
    # THEN they are the same policy
    assert parse_policy({**doc, "checks": [short]}, "a") == parse_policy(
        {**doc, "checks": [spelled]}, "b"
    )


def test_the_digest_changes_with_any_meaningful_change() -> None:
    changed = json.loads(json.dumps(POLICY_JSON))
    changed["checks"][0]["severity"] = "critical"
    assert parse_policy(POLICY_JSON, "a").digest != parse_policy(changed, "a").digest


def object_schemas(node: object) -> list[dict[str, object]]:
    if isinstance(node, list):
        return [found for item in node for found in object_schemas(item)]
    if not isinstance(node, dict):
        return []
    own = [node] if node.get("type") == "object" else []
    return own + [found for value in node.values() for found in object_schemas(value)]


def test_every_object_with_fixed_keys_in_the_schema_is_closed() -> None:
    # GIVEN every object schema of the published contract
    objects = object_schemas(schema())
    # THEN keyed objects forbid other keys, and maps (tags, overrides) constrain their values
    assert len(objects) > 10
    for node in objects:
        closed = node.get("additionalProperties")
        assert closed is False or (isinstance(closed, dict) and "properties" not in node), node


def test_a_yaml_list_used_as_a_key_is_an_input_error_with_its_position() -> None:
    # GIVEN YAML whose mapping key is a list (legal YAML, impossible as a JSON document)
    # WHEN it is parsed THEN the error names the problem and where it is
    with pytest.raises(InputError, match="line 1, column 3: found a list or mapping used as a key"):
        parse_yaml("? [a]\n: 1\n", "policy.yaml")


@pytest.mark.parametrize(("suffix", "text"), [(".json", "[" * 100_000), (".yaml", "[" * 5_000)])
def test_a_document_nested_too_deeply_is_an_input_error(
    tmp_path: Path, suffix: str, text: str
) -> None:
    # GIVEN a file nested deeper than the parser can follow
    path = tmp_path / f"deep{suffix}"
    path.write_text(text)
    # WHEN it is read THEN it is refused by name, not with a RecursionError
    with pytest.raises(InputError, match="nested too deeply"):
        load_document(path)
