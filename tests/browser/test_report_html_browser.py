"""The HTML report in a real headless Chromium: it renders cleanly, shows the scan's numbers,
keeps hostile strings as text, runs its filter under its own CSP, and leaves a screenshot; and
its layout at 1400 and 1024 px, measured from the boxes of its elements: no peer or badge runs
out of its cell, no status word breaks across lines."""

from __future__ import annotations

import base64
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import headless_chromium
import pytest
from report_estate import CROSS_ACCOUNT_PEER, HOSTILE, INJECTED_IDS, remediation, scan

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.model import Attachment
from sgcompliance.report.formats import Presentation
from sgcompliance.report.html.page import HtmlWriter
from sgcompliance.report.html.text import visible

ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts"
SCANNED_AT = datetime(2026, 11, 27, 8, 30, tzinfo=UTC)
WIDTHS = (1400, 1024)


@dataclass
class LoadedPage:
    driver: Any
    url: str
    result: ScanResult
    console: list[dict[str, Any]]

    def count(self, key: str) -> int:
        return int(self.driver.find_element("css selector", f'[data-count="{key}"]').text)

    def script(self, source: str, *args: Any) -> Any:
        return self.driver.execute_script(source, *args)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedPage]:
    reason = headless_chromium.missing_reason()
    if reason is not None:
        print(f"\nbrowser tests skipped: {reason}", file=sys.stderr)
        pytest.skip(reason)
    result = scan()
    html = HtmlWriter().render(result, Presentation(generated_at=SCANNED_AT), remediation(result))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = ARTIFACTS / "report.html"
    report.write_text(html, encoding="utf-8")
    driver = headless_chromium.start(tmp_path_factory.mktemp("chromium-profile"))
    try:
        driver.get(report.as_uri())
        yield LoadedPage(driver, report.as_uri(), result, driver.get_log("browser"))
    finally:
        driver.quit()


def test_the_page_renders_without_console_messages(page: LoadedPage) -> None:
    # GIVEN the report loaded from disk THEN the browser logged nothing: no CSP violation,
    # no blocked fetch, no script error
    assert page.console == []
    assert page.driver.title == "sgcompliance report: org-baseline"


def test_the_page_fetches_nothing(page: LoadedPage) -> None:
    assert page.script("return performance.getEntriesByType('resource').length") == 0


def test_the_headline_counts_equal_the_scan(page: LoadedPage) -> None:
    result = page.result
    assert page.count("groups-scanned") == result.groups_scanned == 5
    assert page.count("rules-evaluated") == result.rules_evaluated
    assert page.count("violations") == len(result.violations) == 6
    assert page.count("exempted") == len(result.exempted) == 1


def test_the_severity_legend_equals_the_scan(page: LoadedPage) -> None:
    for severity, n in page.result.by_severity().items():
        assert page.count(f"severity-{severity}") == n


def test_the_exposure_table_lists_each_violating_group_under_its_attachment(
    page: LoadedPage,
) -> None:
    rows = page.script(
        "return Array.from(document.querySelectorAll('#exposure tbody tr'))"
        ".map(r => r.getAttribute('data-attachment'))"
    )
    # The exposed dev group is exempted, so only the web group is exposed with violations.
    assert rows == ["exposed", "attached", "unknown", "unattached"]
    assert page.count("exposed-groups") == 1 == rows.count(Attachment.EXPOSED.value)


def test_the_offending_peer_is_highlighted(page: LoadedPage) -> None:
    marked = page.script(
        "return Array.from(document.querySelectorAll('mark.offending-peer'))"
        ".map(m => m.textContent)"
    )
    assert sorted(marked) == sorted(
        ["0.0.0.0/0", "0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/8", "::/0", CROSS_ACCOUNT_PEER]
    )


def test_hostile_strings_are_shown_as_text_and_inject_nothing(page: LoadedPage) -> None:
    for element_id in INJECTED_IDS:
        assert page.driver.find_elements("id", element_id) == []
    assert page.script("return document.querySelectorAll('script, img, iframe').length") == 1
    assert page.script("return window.__pwned === undefined")
    body = page.script("return document.body.innerText")
    assert visible(HOSTILE) in body


def test_the_rollback_command_names_the_backup(page: LoadedPage) -> None:
    commands = page.script(
        "return Array.from(document.querySelectorAll('pre.command')).map(c => c.textContent)"
    )
    # The hostile backup id is shell-quoted, so the command can be pasted as it stands.
    assert commands == ["sgc rollback 's3://backups/sg-web/<b id=\"pwned-backup\">v1</b>'"]


def test_the_filter_script_runs_under_the_content_security_policy(page: LoadedPage) -> None:
    # GIVEN every finding shown WHEN the reader types a group id THEN only its findings remain
    field = page.driver.find_element("id", "finding-filter")
    field.send_keys("sg-00000000000web01")
    shown = int(page.driver.find_element("id", "finding-shown").text)
    visible_rows = page.script(
        "return document.querySelectorAll('#findings tbody tr:not([hidden])').length"
    )
    field.clear()
    assert shown == visible_rows == 2


def at_width(page: LoadedPage, width: int) -> None:
    """The page freshly loaded in a window `width` CSS pixels wide."""
    page.driver.set_window_size(width, 900)
    page.driver.get(page.url)
    assert page.script("return window.innerWidth") == width


# Every client rectangle of each element (a wrapped inline element has one per line) against
# the box of the table cell holding it, with half a pixel for rounding.
OUT_OF_CELL = """
const out = [];
for (const el of document.querySelectorAll(arguments[0])) {
  const cell = el.closest('td');
  if (!cell) continue;
  const box = cell.getBoundingClientRect();
  for (const r of el.getClientRects()) {
    if (r.left < box.left - 0.5 || r.right > box.right + 0.5) {
      out.push([el.textContent, Math.round(r.left), Math.round(r.right),
                Math.round(box.left), Math.round(box.right)]);
    }
  }
}
return out;
"""


@pytest.mark.parametrize("width", WIDTHS)
def test_no_peer_or_badge_runs_out_of_its_cell(page: LoadedPage, width: int) -> None:
    # GIVEN a rule whose peer is a group of another account (the widest peer) WHEN the page is
    # shown at this width THEN every peer, marked or not, and every badge stays in its cell
    at_width(page, width)
    peers = page.script(
        "return Array.from(document.querySelectorAll('td.peer-cell')).map(c => c.textContent)"
    )
    assert CROSS_ACCOUNT_PEER in peers
    for selector in ("td.peer-cell mark.peer", ".badge", ".since", ".status"):
        assert page.script(OUT_OF_CELL, selector) == [], selector
    # The peer cell itself never reaches into the description beside it.
    overlaps = page.script(
        "return Array.from(document.querySelectorAll('td.peer-cell')).filter(c => "
        "c.scrollWidth > c.clientWidth + 1).length"
    )
    assert overlaps == 0


def test_the_measurement_sees_a_peer_that_runs_out_of_its_cell(page: LoadedPage) -> None:
    # GIVEN the peers laid out as they were before the fix (one unbreakable line) THEN the
    # measurement above finds the cross-account peer outside its cell: it is not vacuous
    at_width(page, 1024)
    page.script(
        "document.querySelectorAll('wbr').forEach(w => w.remove());"
        "document.querySelectorAll('td.peer-cell').forEach(c => c.style.whiteSpace = 'nowrap');"
    )
    escaped = [row[0] for row in page.script(OUT_OF_CELL, "td.peer-cell mark.peer")]
    assert CROSS_ACCOUNT_PEER in escaped


@pytest.mark.parametrize("width", WIDTHS)
def test_no_status_word_breaks_across_lines(page: LoadedPage, width: int) -> None:
    # GIVEN the findings table squeezed at this width THEN "violation", "exempted" and
    # "expired" each lie on one line (one client rectangle), never "violatio" / "n"
    at_width(page, width)
    words = page.script(
        "return Array.from(document.querySelectorAll('#findings .status-word'))"
        ".map(w => [w.textContent, w.getClientRects().length])"
    )
    assert {word for word, _ in words} >= {"violation", "exempted"}
    assert all(lines == 1 for _, lines in words), words


@pytest.mark.parametrize("width", WIDTHS)
def test_the_remediation_section_starts_on_the_first_screen(page: LoadedPage, width: int) -> None:
    # A remediation report is read for what it changed: its section is not below every card.
    at_width(page, width)
    top = page.script(
        "return document.getElementById('remediation-section').getBoundingClientRect().top"
    )
    assert 0 < top < 900
    assert page.script(
        "return document.querySelector('nav.sections a[href=\"#remediation-section\"]') !== null"
    )


def test_the_filter_finds_findings_by_group_name(page: LoadedPage) -> None:
    page.driver.get(page.url)
    field = page.driver.find_element("id", "finding-filter")
    field.send_keys("legacy-rdp-xxx")
    shown = int(page.driver.find_element("id", "finding-shown").text)
    field.clear()
    assert shown == 1


def test_the_scan_time_and_coverage_are_in_the_masthead(page: LoadedPage) -> None:
    page.driver.get(page.url)
    time = page.driver.find_element("id", "scan-time")
    assert time.get_attribute("datetime") == "2026-11-27T08:30:00Z"
    assert time.text == "2026-11-27 08:30:00 UTC"
    coverage = page.driver.find_element("id", "scan-coverage").text
    assert "3 account-regions" in coverage
    assert "all 3 account-regions were read" in coverage


def test_every_check_links_to_its_fix(page: LoadedPage) -> None:
    page.driver.get(page.url)
    targets = page.script(
        "return Array.from(document.querySelectorAll('#findings a[href^=\"#fix-\"]'))"
        ".map(a => document.getElementById(decodeURIComponent(a.hash.slice(1))) !== null)"
    )
    assert targets
    assert all(targets)


def test_a_screenshot_of_the_whole_page_is_kept(page: LoadedPage) -> None:
    # A fresh load: earlier tests typed into the filter and scrolled.
    page.driver.set_window_size(1360, 900)
    page.driver.get(page.url)
    width, height = page.script(
        "const e = document.documentElement; return [e.scrollWidth, e.scrollHeight]"
    )
    shot = page.driver.execute_cdp_cmd(
        "Page.captureScreenshot",
        {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        },
    )
    target = ARTIFACTS / "report.png"
    target.write_bytes(base64.b64decode(shot["data"]))
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_missing_browser_is_reported_with_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # GIVEN a machine without chromium WHEN the browser tests ask why they cannot run
    monkeypatch.setattr(headless_chromium, "CHROMIUM", tmp_path / "chromium")
    # THEN the reason names the missing binary and the package that provides it
    reason = headless_chromium.missing_reason()
    assert reason is not None
    assert str(tmp_path / "chromium") in reason
    assert "Debian's chromium package" in reason
