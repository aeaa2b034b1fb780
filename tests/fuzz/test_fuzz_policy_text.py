"""The policy loader over hostile text, as a file (`load_policy`) and as the S3 policy object
the handler's configuration reads (text a bucket writer controls): a policy or an SgcError
with a clear message, never another exception. Document-level properties are in
tests/property/test_policy_schema.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fuzz_support import FUZZ, JSON_VALUES, assert_clear
from hypothesis import given
from hypothesis import strategies as st

from sgcompliance.config.manager import ConfigManager, PolicySource
from sgcompliance.errors import ConfigError, SgcError
from sgcompliance.policy.loader import load_policy

VALID = {"version": "1", "id": "fuzz", "extends": "builtin:strict"}
HOSTILE_YAML = [
    "a: &a [*a]",  # a recursive alias
    "a: &a ['x','x']\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b]\n"
    "d: [*c,*c,*c,*c,*c,*c,*c,*c]",  # a small "billion laughs"
    "!!binary aGVsbG8=",
    "version: 1\nid: 2026-11-27\nchecks: []",
    "? [a, b]\n: c",  # a list as a key
    "{" * 50 + "}" * 50,  # a mapping as a key
    "[" * 5000,
    "id: x\nid: y",
    "\x1f",
    "%YAML 9.9\n---\na: 1",
    "id: " + "B" * 10_000,
]
HOSTILE_JSON = [
    '{"version": "1", "id": "x", "id": "y"}',
    "[" * 100_000 + "]" * 100_000,
    '{"version": 1e999}',
    '{"version": "1", "id": "' + "9" * 5000 + '"}',
    "NaN",
    '{"id": "\\ud800"}',
    '{"checks": [' + ",".join(['{"id": "A"}'] * 2000) + "]}",
]


class TextObject:
    """The S3 policy object, holding whatever text was put there."""

    def __init__(self, text: str) -> None:
        self.text = text

    def source(self, bucket: str, key: str) -> PolicySource:  # noqa: ARG002 - the port
        text = self.text

        class Bound:
            def fetch(self, if_none_match: str | None) -> tuple[str | None, str]:  # noqa: ARG002
                return text, '"etag"'

        return Bound()


def refused_or_loaded_from_a_file(directory: Path, text: str, suffix: str) -> None:
    """THEN the file loads to a policy, or is refused with an SgcError with a clear message."""
    path = directory / f"policy{suffix}"
    path.write_text(text, "utf-8", errors="surrogatepass")
    try:
        load_policy(path)
    except SgcError as exc:
        assert_clear(str(exc))


def refused_or_loaded_from_s3(text: str, key: str) -> None:
    environ = {"SGC_POLICY": f"s3://policies/{key}", "SGC_EXTERNAL_ID": "ext-0123456789"}
    configs = ConfigManager(None, TextObject(text).source, environ=environ, local=True)
    try:
        configs.get()
    except ConfigError as exc:
        assert_clear(str(exc))


@pytest.mark.parametrize("text", HOSTILE_YAML)
def test_hostile_yaml_files_are_refused_with_an_sgc_error(tmp_path: Path, text: str) -> None:
    refused_or_loaded_from_a_file(tmp_path, text, ".yaml")


@pytest.mark.parametrize("text", HOSTILE_JSON)
def test_hostile_json_files_are_refused_with_an_sgc_error(tmp_path: Path, text: str) -> None:
    refused_or_loaded_from_a_file(tmp_path, text, ".json")


@pytest.mark.parametrize("text", HOSTILE_YAML + HOSTILE_JSON)
def test_a_hostile_s3_policy_object_is_a_configuration_error(text: str) -> None:
    refused_or_loaded_from_s3(text, "policy.yaml")
    refused_or_loaded_from_s3(text, "policy.json")


@FUZZ
@given(st.text(max_size=300), st.sampled_from(["policy.yaml", "policy.json"]))
def test_any_s3_policy_text_loads_or_is_a_configuration_error(text: str, key: str) -> None:
    refused_or_loaded_from_s3(text, key)


@FUZZ
@given(st.dictionaries(st.text(max_size=12), JSON_VALUES, max_size=4))
def test_a_valid_policy_with_hostile_fields_loads_or_is_a_configuration_error(
    extra: dict[str, object],
) -> None:
    # GIVEN a valid policy with arbitrary fields added (JSON text is YAML text too)
    text = json.dumps({**VALID, **extra})
    # WHEN the configuration loads it  THEN a policy, or a clear ConfigError
    refused_or_loaded_from_s3(text, "policy.yaml")


def test_a_yaml_tag_that_builds_objects_is_refused(tmp_path: Path) -> None:
    # GIVEN a policy file that asks the YAML loader to run a command
    marker = tmp_path / "ran"
    path = tmp_path / "policy.yaml"
    path.write_text(f"!!python/object/apply:os.system ['touch {marker}']\n", "utf-8")
    # WHEN loaded  THEN it is refused, and nothing ran
    with pytest.raises(SgcError):
        load_policy(path)
    assert not marker.exists()
