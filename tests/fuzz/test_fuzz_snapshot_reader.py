"""The snapshot reader over hostile documents: a snapshot or an InputError with a clear
message, never another exception."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fuzz_support import FUZZ, JSON_VALUES, assert_clear, paths_in, replaced
from hypothesis import given
from hypothesis import strategies as st

from sgcompliance.errors import InputError, SgcError
from sgcompliance.sources.snapshot import read_snapshots

RULES_DOC: dict[str, Any] = {
    "account_id": "111111111111",
    "region": "eu-west-1",
    "SecurityGroups": [
        {"GroupId": "sg-1", "GroupName": "web", "Tags": [{"Key": "Owner", "Value": "ops"}]}
    ],
    "SecurityGroupRules": [
        {
            "SecurityGroupRuleId": "sgr-1",
            "GroupId": "sg-1",
            "IsEgress": False,
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "CidrIpv4": "0.0.0.0/0",
            "Tags": [{"Key": "k", "Value": "v"}],
        },
        {
            "SecurityGroupRuleId": "sgr-2",
            "GroupId": "sg-1",
            "IpProtocol": "-1",
            "ReferencedGroupInfo": {"GroupId": "sg-2", "UserId": "222222222222"},
        },
    ],
    "ManagedPrefixLists": {"pl-1": ["10.0.0.0/8"]},
    "NetworkInterfaces": [
        {"Groups": [{"GroupId": "sg-1"}], "Association": {"PublicIp": "203.0.113.9"}}
    ],
}
PERMISSIONS_DOC: dict[str, Any] = {
    "account_id": "111111111111",
    "region": "eu-west-1",
    "SecurityGroups": [
        {
            "GroupId": "sg-1",
            "GroupName": "web",
            "IpPermissions": [
                {
                    "IpProtocol": "tcp",
                    "FromPort": 80,
                    "ToPort": 80,
                    "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "web"}],
                    "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
                    "PrefixListIds": [{"PrefixListId": "pl-1"}],
                    "UserIdGroupPairs": [{"GroupId": "sg-2", "UserId": "222222222222"}],
                }
            ],
            "IpPermissionsEgress": [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        }
    ],
}


def read_or_refuse(doc: object) -> None:
    """THEN the document is read, or refused with an InputError that says why in one line."""
    try:
        read_snapshots(doc, "fuzz.json")
    except InputError as exc:
        assert_clear(str(exc))
    except SgcError as exc:  # pragma: no cover - only reached when the reader misbehaves
        raise AssertionError(f"a {type(exc).__name__}, not an InputError: {exc}") from exc


@FUZZ
@given(JSON_VALUES)
def test_any_json_value_is_read_or_refused_with_an_input_error(doc: object) -> None:
    read_or_refuse(doc)


@FUZZ
@given(st.sampled_from([RULES_DOC, PERMISSIONS_DOC]), st.data())
def test_a_real_document_with_one_value_replaced_is_read_or_refused(
    base: dict[str, Any], data: st.DataObject
) -> None:
    # GIVEN a valid document with any one value (at any depth) replaced or deleted
    doc = copy.deepcopy(base)
    path = data.draw(st.sampled_from(paths_in(doc)))
    value = data.draw(JSON_VALUES | st.just(...))
    # WHEN read  THEN a snapshot or a clear InputError
    read_or_refuse(replaced(doc, path, value))


@FUZZ
@given(st.sampled_from([RULES_DOC, PERMISSIONS_DOC]), st.data())
def test_a_real_document_with_a_hostile_key_added_anywhere_is_read_or_refused(
    base: dict[str, Any], data: st.DataObject
) -> None:
    doc = copy.deepcopy(base)
    objects = [p for p in paths_in(doc) if isinstance(_at(doc, p), dict)] or [()]
    target = _at(doc, data.draw(st.sampled_from(objects)))
    target[data.draw(st.text(max_size=40) | st.just("B" * 10_000))] = data.draw(JSON_VALUES)
    read_or_refuse(doc)


def test_a_group_list_that_is_not_a_list_is_refused_with_its_path() -> None:
    # GIVEN a network interface whose Groups is a number (a hostile or broken export)
    doc = copy.deepcopy(RULES_DOC)
    doc["NetworkInterfaces"][0]["Groups"] = 5
    # WHEN read  THEN an InputError naming the field, not a TypeError
    with pytest.raises(InputError, match=r"NetworkInterfaces\[0\]\.Groups"):
        read_snapshots(doc, "fuzz.json")


def test_a_huge_value_is_not_echoed_whole_in_the_message() -> None:
    doc = copy.deepcopy(RULES_DOC)
    doc["SecurityGroupRules"][0]["CidrIpv4"] = ["B" * 10_000]
    with pytest.raises(InputError) as refused:
        read_snapshots(doc, "fuzz.json")
    assert_clear(str(refused.value))


def _at(doc: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        doc = doc[step]
    return doc
