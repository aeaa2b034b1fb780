"""Documents are read within limits (issue #13): YAML anchors and aliases are refused where
they are, and every document has a size, a nesting-depth and a value-count limit, each refused
with a message naming the limit and how far over it the document is. Huge numbers have their
own message. Each read is bounded in time and memory."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest

from sgcompliance.errors import DocumentLimitError, InputError, PolicyError
from sgcompliance.policy.loader import load_policy
from sgcompliance.sources.documents import (
    POLICY_LIMITS,
    SNAPSHOT_LIMITS,
    Limits,
    load_document,
    parse_json,
    parse_yaml,
)
from support.bounded_run import bounded, tracing

SMALL = Limits("test document", max_bytes=1000, max_depth=4, max_items=50)


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """Each anchor a list of `width` aliases of the one before: width**levels strings."""
    names = list("abcdefghijklmnopqrstuvwxyz"[:levels])
    lines = [f"{names[0]}: &{names[0]} [" + ",".join(['"x"'] * width) + "]"]
    for before, name in pairwise(names):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{before}"] * width) + "]")
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- YAML anchors and aliases ----------------------------------------------------------------


def test_the_399_byte_alias_bomb_is_refused_at_once_naming_file_line_and_column(
    tmp_path: Path,
) -> None:
    # GIVEN the alias bomb of the issue (9 levels of 9 aliases: 387 million strings)
    path = write(tmp_path, "bomb.yaml", alias_bomb())
    assert len(path.read_bytes()) < 400
    # WHEN validated as a policy, with a watchdog
    with tracing():
        measured = bounded(lambda: load_policy(path), hard_seconds=3)
    # THEN it is refused within the bound, by name, where the first anchor is
    assert measured.overrun is None, "the bomb was still expanding after 3 s"
    assert isinstance(measured.error, InputError)
    assert f"{path}: $: YAML anchors and aliases are not read" in str(measured.error)
    assert "anchor &a at line 1, column 4" in str(measured.error)
    assert "write the value out in full" in measured.error.hint
    assert measured.seconds < 1


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("a: &x 1\nb: 2\n", "anchor &x at line 1, column 4"),
        ("a: [1, 2]\nb: *x\n", "alias *x at line 2, column 4"),
        ("- &list [1]\n", "anchor &list at line 1, column 3"),
        ("a: !!str &s text\n", "anchor &s at line 1, column 4"),
    ],
)
def test_any_anchor_or_alias_is_refused_with_its_position(text: str, found: str) -> None:
    with pytest.raises(InputError) as refused:
        parse_yaml(text, "p.yaml")
    assert found in str(refused.value)


def test_a_plain_yaml_document_still_reads_as_the_json_one() -> None:
    text = 'version: "1"\nid: x\nexpires: 2026-12-31\nn: [1, 2.5, true, null]\n'
    doc = {"version": "1", "id": "x", "expires": "2026-12-31", "n": [1, 2.5, True, None]}
    assert parse_yaml(text, "p.yaml") == doc == parse_json(json.dumps(doc), "p.json")


def test_a_yaml_tag_outside_plain_data_is_refused_with_its_position() -> None:
    with pytest.raises(InputError, match=r"the YAML tag !!binary at line 1, column 4 is not read"):
        parse_yaml("a: !!binary aGVsbG8=\n", "p.yaml")


# --- size --------------------------------------------------------------------------------------


def test_a_policy_over_the_size_limit_names_the_limit_and_how_far_over(tmp_path: Path) -> None:
    over = POLICY_LIMITS.max_bytes + 1234
    head = '{"version": "1", "id": "x", "description": "'
    text = head + "d" * (over - len(head) - 2) + '"}'
    path = write(tmp_path, "big.json", text)
    assert len(path.read_bytes()) == over
    with pytest.raises(DocumentLimitError) as refused:
        load_policy(path)
    limit = f"{POLICY_LIMITS.max_bytes:,}"
    assert f"the policy is {over:,} bytes: 1,234 over the limit of {limit} bytes (4 MiB)" in str(
        refused.value
    )
    assert refused.value.code == "SGC102"


def test_text_given_as_a_string_is_measured_in_utf8_bytes() -> None:
    # 400 three-byte characters are 1,200 bytes (plus the quotes), over a 1,000-byte limit
    with pytest.raises(DocumentLimitError, match="1,202 bytes: 202 over the limit of 1,000"):
        parse_json('"' + "漢" * 400 + '"', "t.json", SMALL)


def test_a_file_is_read_no_further_than_the_limit(tmp_path: Path) -> None:
    # GIVEN an endless input (a character device)  WHEN read as a snapshot file
    small = Limits("snapshot", max_bytes=1000, max_depth=4, max_items=50)
    with tracing():
        measured = bounded(lambda: load_document(Path("/dev/zero"), small), hard_seconds=3)
    # THEN it is refused after limit + 1 bytes, not read to the end of memory
    assert measured.overrun is None
    assert isinstance(measured.error, DocumentLimitError)
    assert "more than 1,000 bytes" in str(measured.error)


def test_the_snapshot_limit_is_far_above_a_200000_rule_snapshot() -> None:
    # measured: `sgc snapshot` writes a 200,000-rule estate as 73.4 MiB (76,966,610 bytes)
    assert SNAPSHOT_LIMITS.max_bytes >= 10 * 76_966_610


# --- depth -------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_nesting_over_the_limit_names_the_depth_and_the_limit(tmp_path: Path, suffix: str) -> None:
    deep = {"version": "1", "id": "x", "description": json.loads("[" * 39 + "]" * 39)}
    path = write(tmp_path, f"deep{suffix}", json.dumps(deep))
    with pytest.raises(DocumentLimitError) as refused:
        load_policy(path)
    assert "nested too deeply: 40 levels, 8 over the limit of 32" in str(refused.value)


def test_yaml_nesting_names_where_it_goes_over() -> None:
    with pytest.raises(
        DocumentLimitError, match=r"7 levels, 3 over the limit of 4 \(at line 1, column 5\)"
    ):
        parse_yaml("[[[[[[[1]]]]]]]", "d.yaml", SMALL)


@pytest.mark.parametrize(
    ("suffix", "levels"),
    [
        (".json", "200,000 levels, 199,968 over"),
        # libyaml stops at 1,000 levels
        (".yaml", "at least 1,000 levels, at least 968 over"),
    ],
)
def test_nesting_deeper_than_the_parser_follows_is_a_limit_error(
    tmp_path: Path, suffix: str, levels: str
) -> None:
    path = write(tmp_path, f"deep{suffix}", "[" * 200_000 + "]" * 200_000)
    with tracing():
        measured = bounded(lambda: load_document(path))
    assert isinstance(measured.error, DocumentLimitError)
    assert f"nested too deeply: {levels} the limit of 32" in str(measured.error)
    assert measured.seconds < 1
    assert measured.peak_bytes < 20_000_000


# --- values ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("parse", "count"),
    [
        # JSON: counted in the text, before parsing (commas and colons outside strings)
        (parse_json, "at least 61 keys and values: at least 11 over"),
        # YAML: counted while composing, then the rest of the events
        (parse_yaml, "63 keys and values: 13 over"),
    ],
)
def test_more_values_than_the_limit_names_the_count_and_the_limit(
    parse: object, count: str
) -> None:
    assert callable(parse)
    with pytest.raises(DocumentLimitError, match=f"holds {count} the limit of 50"):
        parse(json.dumps({"a": list(range(60))}), "v", SMALL)


def test_json_with_too_many_values_is_refused_before_it_takes_memory() -> None:
    # GIVEN 2 MB of empty objects: 600,000 values, 50 MB once parsed
    text = "[" + ",".join(["{}"] * 600_000) + "]"
    limits = Limits("backup", 16 * 1024 * 1024, 16, 500_000)
    # WHEN parsed  THEN refused by count, without building them
    with tracing():
        measured = bounded(lambda: parse_json(text, "b.json", limits))
    assert isinstance(measured.error, DocumentLimitError)
    assert "holds at least 600,000 keys and values" in str(measured.error)
    assert measured.peak_bytes < 5_000_000


def test_commas_inside_strings_are_not_values() -> None:
    limits = Limits("policy", 4 * 1024 * 1024, 32, 100)
    assert parse_json(json.dumps({"a": "," * 10_000}), "p.json", limits) == {"a": "," * 10_000}


# --- numbers -----------------------------------------------------------------------------------


def test_a_5000_digit_integer_has_its_own_message_not_the_repeated_key_one(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "n.json", '{"version": "1", "id": ' + "9" * 5000 + "}")
    with pytest.raises(InputError) as refused:
        load_policy(path)
    message = str(refused.value)
    assert "$.id: an integer of 5,000 digits: longer than the 4,300 digits read" in message
    assert "repeated key" not in refused.value.hint
    assert "string" in refused.value.hint


def test_a_huge_yaml_integer_names_its_line_and_column() -> None:
    with pytest.raises(InputError, match=r"an integer of 5,000 digits at line 2, column 5"):
        parse_yaml("a: 1\nid: " + "9" * 5000 + "\n", "n.yaml")


@pytest.mark.parametrize("text", ['{"a": 1e999}', '{"a": NaN}', '{"a": -Infinity}'])
def test_a_number_json_cannot_hold_is_refused(text: str) -> None:
    with pytest.raises(InputError, match=r"\$\.a: .* is not a finite number"):
        parse_json(text, "n.json")


def test_a_long_repeated_key_is_not_echoed_whole() -> None:
    key = "k" * 10_000
    with pytest.raises(InputError) as refused:
        parse_json(json.dumps({key: 1})[:-1] + f', "{key}": 2}}', "d.json")
    assert "duplicate key" in str(refused.value)
    assert len(str(refused.value)) < 200


def test_an_invalid_policy_is_still_a_policy_error(tmp_path: Path) -> None:
    with pytest.raises(PolicyError):
        load_policy(write(tmp_path, "p.yaml", 'version: "1"\nid: x\nchecks: []\nextra: 1\n'))


@pytest.mark.parametrize("text", ["0x" + "f" * 5000, "0x" + "a" * 3700])
def test_a_short_yaml_integer_with_a_huge_value_is_refused_not_printed(text: str) -> None:
    # found by the campaign: the value reached the policy validator, whose message printed it
    with pytest.raises(InputError, match=r"an integer of [\d,]+ digits at line 1, column 4"):
        parse_yaml(f"a: {text}\n", "n.yaml")


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ('{"a": ["x", "\\ud800"]}', "$.a[1]"),
        ('{"a": {"\\udfff": 1}}', "$.a"),
        ('{"a": "ok \\ud83d\\ude00", "b": "\\ud83d"}', "$.b"),
    ],
)
def test_a_json_string_with_half_a_surrogate_pair_is_refused_with_its_path(
    text: str, path: str
) -> None:
    # found by the campaign: such a string reached the snapshot reader's digests, which raised
    # UnicodeEncodeError
    with pytest.raises(InputError) as refused:
        parse_json(text, "u.json")
    assert f"u.json: {path}: the string holds \\ud" in str(refused.value)
    assert "half of a UTF-16 surrogate pair" in str(refused.value)


def test_a_whole_surrogate_pair_is_the_character_it_stands_for() -> None:
    assert parse_json('{"a": "\\ud83d\\ude00"}', "u.json") == {"a": "\U0001f600"}


def test_a_yaml_snapshot_has_a_lower_value_limit_than_a_json_one(tmp_path: Path) -> None:
    text = json.dumps({"a": [1] * 60_000})
    assert isinstance(load_document(write(tmp_path, "s.json", text)), dict)
    with pytest.raises(DocumentLimitError) as refused:
        load_document(write(tmp_path, "s.yaml", text))
    assert (
        "the snapshot holds 60,003 keys and values: 10,003 over the limit of 50,000 in YAML "
        "(64,000,000 in JSON)"
    ) in str(refused.value)
    assert refused.value.hint == "write the snapshot as JSON, or split it"


def test_a_long_path_is_shortened_between_whole_steps() -> None:
    deep = {"version": "1", "id": "x", "description": json.loads("[" * 39 + "]" * 39)}
    with pytest.raises(DocumentLimitError) as refused:
        parse_json(json.dumps(deep), "p.json", POLICY_LIMITS)
    path = refused.value.path
    assert path.startswith("$.description[0][0]")
    assert "][0]...[0][" in path
    assert len(path) <= 104
