"""JSON integers are read by the parser itself where the interpreter converts no longer an
integer than `MAX_DIGITS` digits, and otherwise through the hook that names the long one: the
same document is accepted or refused, with the same message, whatever the interpreter's
`int_max_str_digits`."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from sgcompliance.errors import InputError
from sgcompliance.sources.documents import MAX_DIGITS, parse_json


@pytest.fixture(params=[0, 1000, MAX_DIGITS, 10_000], ids=lambda n: f"int_max_str_digits={n}")
def interpreter_limit(request: pytest.FixtureRequest) -> Iterator[int]:
    before = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(request.param)
    try:
        yield request.param
    finally:
        sys.set_int_max_str_digits(before)


@pytest.mark.parametrize("digits", [1, 19, 20, 640, 999, 1001, MAX_DIGITS])
def test_an_integer_of_at_most_the_digits_read_is_read_whatever_the_interpreter_limit(
    interpreter_limit: int, digits: int
) -> None:
    text = "9" * digits
    if 0 < interpreter_limit < digits:
        # The interpreter converts no such integer: refused, saying how long it is.
        with pytest.raises(InputError, match=f"an integer of {digits:,} digits"):
            parse_json(f'{{"a": [1, -{text}]}}', "n.json")
        return
    assert parse_json(f'{{"a": [1, -{text}]}}', "n.json") == {"a": [1, -int(text)]}


@pytest.mark.parametrize("digits", [MAX_DIGITS + 1, 5000, 20_000])
def test_a_longer_integer_is_refused_with_its_path_whatever_the_interpreter_limit(
    interpreter_limit: int, digits: int
) -> None:
    with pytest.raises(InputError) as refused:
        parse_json(f'{{"a": [1, {"7" * digits}]}}', "n.json")
    assert str(refused.value) == (
        f"n.json: $.a[1]: an integer of {digits:,} digits: longer than the 4,300 digits read"
    )


def test_a_syntax_error_after_a_long_integer_is_still_named_where_it_is() -> None:
    with pytest.raises(InputError, match="an integer of 5,000 digits"):
        parse_json('{"a": ' + "1" * 5000 + "}", "n.json")
    with pytest.raises(InputError, match=r"invalid JSON at line 1, column \d+"):
        parse_json('{"a": ' + "1" * 5000 + ", }", "n.json")
