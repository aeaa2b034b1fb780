"""The findings of a report paired with the check behind each: location order, every finding."""

from __future__ import annotations

from formats_estate import estate_result

from sgcompliance.report.controls import check_catalog, findings_with_checks
from sgcompliance.report.records import by_location


def test_every_finding_comes_once_in_location_order() -> None:
    # GIVEN the report estate's scan, exempted findings included
    result = estate_result()
    # WHEN its findings are paired with their checks
    paired = findings_with_checks(result)
    # THEN they are the scan's findings, in the order every report lists them
    assert [finding for finding, _ in paired] == by_location(result.findings)


def test_each_finding_is_paired_with_its_own_check() -> None:
    # GIVEN the report estate's scan, with findings of several checks
    result = estate_result()
    catalog = check_catalog(result)
    # WHEN its findings are paired with their checks
    paired = findings_with_checks(result)
    # THEN each carries the catalog's entry for its own check
    assert len({info.check_id for _, info in paired}) > 1
    assert all(info == catalog[finding.check_id] for finding, info in paired)
    assert all(info.check_id == finding.check_id for finding, info in paired)
