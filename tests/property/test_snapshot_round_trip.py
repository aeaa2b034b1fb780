"""Any estate, written as the describe JSON `sgc snapshot` writes and read back, is the same
estate: the reader of plain rule rows (and the one `Peer` it shares among the rows naming the
same peer) changes nothing that is read."""

from __future__ import annotations

from dataclasses import replace

from engine_estates import PROPERTY_SETTINGS, estates
from hypothesis import given

from sgcompliance.engine.model import Attachment, RegionSnapshot
from sgcompliance.sources.snapshot import read_snapshot
from support.estate import document


@PROPERTY_SETTINGS
@given(estates())
def test_an_estate_reads_back_from_its_snapshot_document(estate: RegionSnapshot) -> None:
    # GIVEN an estate (no network interfaces: its attachment is unknown)
    expected = replace(
        estate, groups=tuple(replace(g, attachment=Attachment.UNKNOWN) for g in estate.groups)
    )
    # WHEN written as describe JSON and read back  THEN it is the same estate
    assert read_snapshot(document(estate)) == expected
