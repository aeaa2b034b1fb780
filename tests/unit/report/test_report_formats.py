"""The writer registry: formats by name, one interface, and lazy loading of heavy writers."""

from __future__ import annotations

import subprocess
import sys

import pytest
from report_samples import sample_result

from sgcompliance.errors import SgcError
from sgcompliance.report.formats import (
    Presentation,
    ReportWriter,
    UnknownFormatError,
    format_names,
    render,
    render_pieces,
    writer_for,
)


def test_table_and_json_are_registered() -> None:
    assert {"table", "json"} <= set(format_names())


@pytest.mark.parametrize("name", format_names())
def test_every_registered_format_implements_the_writer_interface(name: str) -> None:
    assert isinstance(writer_for(name), ReportWriter)


@pytest.mark.parametrize("name", format_names())
def test_every_format_renders_complete_text_ending_in_a_newline(name: str) -> None:
    text = render(sample_result(), name, Presentation(width=120))
    assert text.endswith("\n")
    assert "sg-0000000000000000a" in text


def test_an_unknown_format_is_an_sgc_error_naming_the_known_ones() -> None:
    with pytest.raises(UnknownFormatError, match="known: table, json") as caught:
        writer_for("yaml")
    assert isinstance(caught.value, SgcError)


def test_writing_json_does_not_load_the_table_library() -> None:
    # GIVEN a fresh interpreter WHEN it renders JSON THEN rich was never imported
    program = (
        "import sys\n"
        "from sgcompliance.engine.evaluate import ScanResult\n"
        "from sgcompliance.engine.policy import Policy\n"
        "from sgcompliance.report.formats import render\n"
        "render(ScanResult(Policy('p', '1', ()), (), 0, 0), 'json')\n"
        "print('rich' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("name", format_names())
def test_every_format_in_pieces_is_its_text_encoded(name: str) -> None:
    # GIVEN a result  WHEN written in pieces (for a file)  THEN the bytes of the whole text
    shown = Presentation(width=120)
    text = render(sample_result(), name, shown)
    assert b"".join(render_pieces(sample_result(), name, shown)) == text.encode("utf-8")
