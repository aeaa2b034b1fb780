"""The table report: summary, triage order, exemptions, literal untrusted text, safe widths."""

from __future__ import annotations

import dataclasses
import re

import pytest
from report_samples import compliant_result, sample_result

from sgcompliance.report.formats import Presentation
from sgcompliance.report.table import WIDE_LAYOUT_MIN_WIDTH, TableWriter

ANSI = re.compile(r"\x1b\[")


def table(width: int = 160, *, color: bool = False, unicode: bool = True) -> str:
    return TableWriter().render(sample_result(), Presentation(color, width, unicode))


def test_the_summary_names_the_policy_and_counts_by_severity() -> None:
    head = "\n".join(table().splitlines()[:3])
    assert "policy sample (digest abababababab)" in head
    assert "Scanned 2 groups and 3 rules in 1 account/region scope (1 account)." in head
    assert "Violations: 3  (critical 1, high 0, medium 1, low 1, info 0)   Exempted: 1" in head


def test_without_colour_there_are_no_escape_codes() -> None:
    assert not ANSI.search(table(color=False))


def test_with_colour_the_severities_are_styled() -> None:
    assert ANSI.search(table(color=True))


def test_violations_are_listed_most_severe_first() -> None:
    text = table().split("Exempted (1)")[0]
    positions = [text.index(label) for label in ("CRITICAL", "MEDIUM", "LOW")]
    assert positions == sorted(positions)


def test_each_violation_shows_group_rule_and_message() -> None:
    text = table()
    assert "sg-0000000000000000a" in text
    assert "sgr-0000000000000000a" in text
    assert "tcp 22 from 0.0.0.0/0" in text
    assert "reaches restricted tcp 22 via 0.0.0.0/0" in text


def test_a_group_level_finding_says_it_concerns_the_whole_group() -> None:
    assert "(whole group)" in table()


def test_an_expired_exemption_is_mentioned_in_the_violation() -> None:
    assert "exemption 'EX-OLD' expired on 2026-01-01" in table(width=200)


def test_exempted_findings_show_exemption_id_owner_ticket_and_expiry() -> None:
    exempted = table().split("Exempted (1)")[1]
    for expected in ("EX-1", 'owner dba "team" [bold]', "ticket SEC-1", "expires 2027-01-31"):
        assert expected in exempted


def test_rich_markup_in_names_is_printed_literally() -> None:
    # GIVEN a group named "[red]web[/red]" WHEN rendered THEN the brackets are printed as is
    assert "[red]web[/red]" in table()


def test_hostile_description_is_printed_literally_with_controls_escaped() -> None:
    # GIVEN a description with quotes, a newline, <script>, markup, an emoji code and ESC
    # WHEN rendered THEN it reads as written, the newline and ESC shown as escapes (the cell
    # may fold it, so blanks are ignored)
    folded = "".join(table(width=250).split())
    assert 'say"hi"\\n<script>alert(1)</script>[bold]loud[/bold]:smile:\\x1b[31mred' in folded


def test_an_escape_character_never_reaches_the_terminal() -> None:
    assert "\x1b" not in table()


def test_a_compliant_result_says_there_are_no_violations() -> None:
    text = TableWriter().render(compliant_result(), Presentation(width=120))
    assert "No violations." in text
    assert "Exempted (" not in text


@pytest.mark.parametrize("width", [40, 60, 80, 100, 120, 200])
def test_no_line_is_wider_than_the_given_width(width: int) -> None:
    assert max(len(line) for line in table(width).splitlines()) <= width


def test_the_wide_layout_keeps_ids_whole() -> None:
    lines = table(WIDE_LAYOUT_MIN_WIDTH).splitlines()
    assert any("sgr-0000000000000000a" in line for line in lines)
    assert any("sg-0000000000000000a" in line for line in lines)


def test_a_narrow_width_stacks_the_location_into_one_column() -> None:
    text = table(WIDE_LAYOUT_MIN_WIDTH - 1)
    assert "Where" in text
    assert "Account" not in text


def test_an_ascii_destination_gets_ascii_only_output() -> None:
    text = TableWriter().render(compliant_result(), Presentation(width=80, unicode=False))
    assert text.isascii()


def test_lines_carry_no_trailing_blanks_when_not_coloured() -> None:
    assert all(line == line.rstrip() for line in table().splitlines())


def test_the_wide_layout_keeps_a_long_check_id_on_one_line() -> None:
    """A check id is copied into `sgc checks show` and into exemptions: folded, it cannot be."""
    result = sample_result()
    long_id = "SGC.UNKNOWN_BEFORE_APPLY"
    first = dataclasses.replace(result.findings[0], check_id=long_id)
    result = dataclasses.replace(result, findings=(first, *result.findings[1:]))
    text = TableWriter().render(result, Presentation(False, 120, True))
    assert any(long_id in line for line in text.splitlines())
