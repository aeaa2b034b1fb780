"""The indented JSON of the reports is written by orjson, and is byte for byte what
`json.dumps(value, indent=2, sort_keys=True, ensure_ascii=True)` writes: the same layout, key
order and escapes, for any text (controls, non-ASCII, beyond the BMP, lone surrogates), any
integer and any nesting; and so is a document written with its long list a batch at a time."""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sgcompliance.report import json_text
from sgcompliance.report.json_text import array, indented, with_items
from support.hypothesis_budget import examples


def reference(value: Any) -> bytes:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=True).encode("ascii")


# Any character, lone surrogates included; and the ones worth meeting often.
any_text = st.text(st.characters(exclude_categories=()), max_size=12) | st.sampled_from(
    ["", '"', "\\", "/", "\x00", "\x1f", "\x7f", "\u2028", "é", "\U0001f600", "\ud800", "a:b"]
)
integers = st.integers(-(2**64), 2**64) | st.sampled_from([0, -1, 2**63, 2**64 - 1, 10**30])
scalars = any_text | integers | st.booleans() | st.none()
# What report records hold: no floats (json_text's module says why).
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(any_text, inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=examples(400), deadline=None)
@given(values)
def test_any_value_is_written_as_the_standard_library_writes_it(value: Any) -> None:
    assert indented(value) == reference(value)


def test_every_character_is_escaped_as_the_standard_library_escapes_it() -> None:
    # GIVEN every code point but the surrogates (which orjson refuses), and the surrogates
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    surrogates = "".join(chr(c) for c in range(0xD800, 0xE000))
    # WHEN written as a value and as a key  THEN the bytes are the standard library's
    for text in (every, surrogates):
        assert indented([text, {text: text}]) == reference([text, {text: text}])


@settings(max_examples=examples(200), deadline=None)
@given(
    st.dictionaries(any_text, values, max_size=4),
    any_text,
    st.lists(values, max_size=600),
    st.integers(0, 2),
)
def test_a_document_with_its_list_written_in_batches_is_the_whole_documents_text(
    document: dict[str, Any], key: str, items: list[Any], wraps: int
) -> None:
    # GIVEN a document whose list is a key of the document itself (depth 1), or of an object
    # in a list of the document (depth 3: a SARIF run's results), or deeper
    inner: dict[str, Any] = {**document, key: []}
    whole: dict[str, Any] = {**document, key: items}
    outer, full = inner, whole
    for _ in range(wraps):
        outer, full = {"runs": [outer], "z": 1}, {"runs": [full], "z": 1}
    # WHEN written with the list empty and the items a batch at a time
    written = b"".join(with_items(outer, key, 1 + 2 * wraps, iter(items)))
    # THEN it is the text of the whole document
    assert written == reference(full)


@pytest.mark.parametrize("count", [0, 1, json_text.BATCH, json_text.BATCH + 1, 3 * json_text.BATCH])
def test_a_list_written_in_batches_is_the_whole_lists_text(count: int) -> None:
    items = [
        {"n": i, "text": "é\u2028" * (i % 3), "big": 2**70 if i == 7 else i} for i in range(count)
    ]
    assert b"".join(array(iter(items))) == reference(items)


def test_a_key_that_is_not_one_empty_list_of_the_document_is_refused() -> None:
    with pytest.raises(ValueError, match="not one empty list"):
        list(with_items({"findings": [1]}, "findings", 1, []))
