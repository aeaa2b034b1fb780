"""The policy object the Lambda reads from S3 is bounded like a policy file (issue #13): an
alias bomb, an object over the policy size limit or a huge number is a ConfigError that says
so, at once."""

from __future__ import annotations

import json

import pytest
from config_fakes import base_parameters, manager

from sgcompliance.errors import ConfigError
from sgcompliance.sources.documents import POLICY_LIMITS
from sgcompliance.testing import FakePolicyObject
from support.bounded_run import bounded, tracing

BOMB = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n' + "".join(
    f"{name}: &{name} [" + ",".join([f"*{before}"] * 9) + "]\n"
    for before, name in zip("abcdefgh", "bcdefghi", strict=True)
)


def load(text: str, key: str) -> ConfigError:
    parameters = base_parameters(policy=f"s3://sgc-policies/{key}")
    configs = manager(parameters, FakePolicyObject(text))
    with tracing():
        measured = bounded(configs.get, hard_seconds=3)
    assert measured.overrun is None, "still reading after 3 s"
    assert measured.seconds < 1
    assert isinstance(measured.error, ConfigError), measured.error
    return measured.error


def test_a_yaml_alias_bomb_in_the_policy_object_is_refused_at_once() -> None:
    refused = load(BOMB, "policy.yaml")
    assert "YAML anchors and aliases are not read (found the anchor &a at line 1" in str(refused)


def test_a_policy_object_over_the_policy_size_limit_is_refused() -> None:
    over = POLICY_LIMITS.max_bytes + 10
    text = json.dumps({"version": "1", "id": "x", "description": "d" * over})
    refused = load(text, "policy.json")
    assert f"over the limit of {POLICY_LIMITS.max_bytes:,} bytes (4 MiB)" in str(refused)


def test_a_huge_integer_in_the_policy_object_is_named_as_such() -> None:
    refused = load('{"version": "1", "id": ' + "7" * 5000 + "}", "policy.json")
    assert "$.id: an integer of 5,000 digits" in str(refused)


def test_a_huge_yaml_integer_in_the_policy_object_is_named_as_such() -> None:
    refused = load('version: "1"\nid: ' + "7" * 5000 + "\n", "policy.yaml")
    assert "an integer of 5,000 digits at line 2, column 5" in str(refused)


@pytest.mark.parametrize("key", ["policy.json", "policy.yaml"])
def test_a_deep_policy_object_names_the_limit(key: str) -> None:
    refused = load('{"version": "1", "id": "x", "d": ' + "[" * 60 + "]" * 60 + "}", key)
    assert "nested too deeply: 61 levels, 29 over the limit of 32" in str(refused)
