"""CSV: RFC 4180 rows, one per finding, with spreadsheet formulas and terminal escapes inert."""

from __future__ import annotations

import csv
import io

import pytest
from formats_estate import PRESENTATION, assert_golden, estate_result

from sgcompliance.report.csv_report import COLUMNS, CsvWriter, inert


def text() -> str:
    return CsvWriter().render(estate_result(), PRESENTATION)


def rows() -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text(), newline="")))


def row(check_id: str, group_id: str) -> dict[str, str]:
    return next(r for r in rows() if r["check_id"] == check_id and r["group_id"] == group_id)


def test_golden_csv_of_the_fixed_estate() -> None:
    assert_golden("csv", "estate.csv")


def test_a_header_then_one_row_per_finding() -> None:
    assert text().splitlines()[0] == ",".join(COLUMNS)
    assert len(rows()) == len(estate_result().findings)


def test_records_end_with_crlf_as_rfc_4180_asks() -> None:
    assert text().split("\r\n")[0] == ",".join(COLUMNS)
    assert text().endswith("\r\n")


def test_quotes_and_line_breaks_survive_a_round_trip() -> None:
    # GIVEN a rule description with quotes and a newline WHEN the CSV is parsed back
    description = row("EC2.13", "sg-0a0000000000000a1")["rule_description"]
    # THEN it is intact (the description does not start with a formula character)
    assert description.startswith('ops "night" shift\n<script>alert(1)</script>\r\n=cmd|')


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_starting_with_a_formula_character_is_made_text(prefix: str) -> None:
    assert inert(f"{prefix}cmd|' /C calc'!A0") == f"'{prefix}cmd|' /C calc'!A0"


def test_a_formula_description_from_the_estate_comes_out_as_text() -> None:
    assert row("EC2.18", "sg-0b0000000000000b1")["rule_description"] == "'@SUM(1+1)"


def test_ordinary_text_is_left_alone() -> None:
    assert inert("web tier, port 443") == "web tier, port 443"


def test_terminal_escape_sequences_are_shown_not_sent() -> None:
    # GIVEN text with an escape character and a bidi override THEN both come out as escapes
    assert inert("\x1b[31mred \u202eexe") == "\\x1b[31mred \\u202eexe"


def test_an_exempted_finding_names_its_exemption() -> None:
    exempted = row("EC2.18", "sg-0a0000000000000a3")
    assert (exempted["status"], exempted["exempted_by"]) == ("exempted", "EX-LEGACY")
    assert exempted["exemption_expires"] == "2027-03-31"
