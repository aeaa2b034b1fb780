"""Rule rows are first read by a reader of the common shapes (`_plain_rule`), and otherwise by
`parse_rule`, which reads every shape and words every refusal: the two must read the same rule
from every row the first one takes, and the first must leave to `parse_rule` every row that it
refuses. Rows naming the same peer share one `Peer`."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from snapshot_documents import rule_row, rules_doc

from sgcompliance.engine.model import Peer, Rule
from sgcompliance.errors import InputError
from sgcompliance.sources.snapshot import _plain_rule, parse_rule, read_snapshot
from support.hypothesis_budget import examples

ABSENT = object()
# For each field, values a plain row has and values no reader should take as they are.
odd = st.sampled_from([None, "", 0, 1, -1, True, False, 1.5, [], {}, ["x"], {"a": 1}, " tcp "])
FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "SecurityGroupRuleId": st.sampled_from(["sgr-1", "sgr-2"]) | odd,
    "GroupId": st.sampled_from(["sg-1"]) | odd,
    "IsEgress": st.booleans() | odd,
    "IpProtocol": st.sampled_from(["tcp", "udp", "-1", "icmp", "6", "50", "TCP", "all", 6, 17, 300])
    | odd,
    "FromPort": st.sampled_from([None, -1, 0, 22, 443, 65535, 65536, -2]) | odd,
    "ToPort": st.sampled_from([None, -1, 0, 22, 80, 65535, 65536]) | odd,
    "CidrIpv4": st.sampled_from(["0.0.0.0/0", "10.0.0.0/8", "::/0", "10.0.0.1", "300.0.0.0/8"])
    | odd,
    "CidrIpv6": st.sampled_from(["::/0", "2001:db8::/32", "0.0.0.0/0", "fe80::1%eth0/64"]) | odd,
    "PrefixListId": st.sampled_from(["pl-1", "pl-2"]) | odd,
    "ReferencedGroupInfo": st.fixed_dictionaries(
        {},
        optional={
            "GroupId": st.sampled_from(["sg-2", ""]) | odd,
            "UserId": st.sampled_from(["222222222222", ""]) | odd,
        },
    )
    | odd,
    "Description": st.sampled_from(["ssh", "", " "]) | odd,
    "Tags": st.sampled_from([[], [{"Key": "k", "Value": "v"}], [{"Key": ""}]]) | odd,
}
rows = st.fixed_dictionaries(
    {}, optional={key: values | st.just(ABSENT) for key, values in FIELDS.items()}
).map(lambda row: {k: v for k, v in row.items() if v is not ABSENT})
plain_rows = st.builds(
    lambda peer, fields: rule_row(**{"CidrIpv4": None, **peer, **fields}),
    st.sampled_from(
        [
            {"CidrIpv4": "0.0.0.0/0"},
            {"CidrIpv6": "::/0"},
            {"PrefixListId": "pl-1"},
            {"ReferencedGroupInfo": {"GroupId": "sg-2"}},
            {"ReferencedGroupInfo": {"GroupId": "sg-2", "UserId": "222222222222"}},
        ]
    ),
    st.fixed_dictionaries(
        {},
        optional={
            "IpProtocol": st.sampled_from(["tcp", "udp", "-1", "icmp", "50", 6]),
            "FromPort": st.sampled_from([None, -1, 0, 22, 8000]),
            "ToPort": st.sampled_from([None, -1, 22, 8999, 65535]),
            "IsEgress": st.booleans(),
            "Description": st.sampled_from(["ssh", ""]),
        },
    ),
)


def parsed(row: object) -> Rule | InputError:
    try:
        return parse_rule(row, "s.json", "$.SecurityGroupRules[0]")
    except InputError as exc:
        return exc


@settings(max_examples=examples(3000), deadline=None)
@given(rows | plain_rows)
def test_a_row_the_plain_reader_takes_is_the_rule_parse_rule_reads(row: dict[str, Any]) -> None:
    # GIVEN any row: plain, or with any field missing or of a shape no reader should take
    plain = _plain_rule(row, {}, {})
    # WHEN parse_rule reads it
    full = parsed(row)
    # THEN what the plain reader took is that rule; what parse_rule refuses it did not take
    if plain is not None:
        assert plain == full
    if isinstance(full, InputError):
        assert plain is None


@settings(max_examples=examples(300), deadline=None)
@given(plain_rows)
def test_plain_rows_are_all_taken_by_the_plain_reader(row: dict[str, Any]) -> None:
    full = parsed(row)
    if isinstance(full, Rule):
        assert _plain_rule(row, {}, {}) == full


def test_rows_naming_the_same_peer_share_it_and_their_rules_are_those_of_parse_rule() -> None:
    # GIVEN rows naming the same CIDR, group and prefix list, and one row only parse_rule reads
    tagged = rule_row("sgr-9", Tags=[{"Key": "team", "Value": "ops"}])
    rows = [
        rule_row("sgr-1"),
        rule_row("sgr-2", FromPort=443, ToPort=443),
        rule_row("sgr-3", CidrIpv4=None, ReferencedGroupInfo={"GroupId": "sg-2"}),
        rule_row("sgr-4", CidrIpv4=None, ReferencedGroupInfo={"GroupId": "sg-2", "UserId": ""}),
        tagged,
    ]
    # WHEN the snapshot is read
    rules = read_snapshot(rules_doc(*rows)).groups[0].rules
    # THEN each rule is parse_rule's, and equal peers are one object
    assert list(rules) == [parse_rule(row) for row in rows]
    peers: list[Peer] = [r.peer for r in rules]
    assert peers[0] is peers[1]
    assert peers[2] is peers[3]
    assert rules[4].tags == (("team", "ops"),)
