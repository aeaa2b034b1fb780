"""The HTML report in a real headless Chromium: it renders cleanly, shows the scan's numbers,
keeps hostile strings as text, runs its filter under its own CSP, and leaves a screenshot."""

from __future__ import annotations

import base64
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import headless_chromium
import pytest
from report_estate import HOSTILE, INJECTED_IDS, remediation, scan

from sgcompliance.engine.evaluate import ScanResult
from sgcompliance.engine.model import Attachment
from sgcompliance.report.formats import Presentation
from sgcompliance.report.html.page import HtmlWriter
from sgcompliance.report.html.text import visible

ARTIFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artifacts"


@dataclass
class LoadedPage:
    driver: Any
    url: str
    result: ScanResult
    console: list[dict[str, Any]]

    def count(self, key: str) -> int:
        return int(self.driver.find_element("css selector", f'[data-count="{key}"]').text)

    def script(self, source: str) -> Any:
        return self.driver.execute_script(source)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedPage]:
    reason = headless_chromium.missing_reason()
    if reason is not None:
        print(f"\nbrowser tests skipped: {reason}", file=sys.stderr)
        pytest.skip(reason)
    result = scan()
    html = HtmlWriter().render(result, Presentation(), remediation(result))
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
    assert page.count("violations") == len(result.violations) == 5
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
    assert sorted(marked) == ["0.0.0.0/0", "0.0.0.0/0", "10.0.0.0/8", "10.0.0.0/8", "::/0"]


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


def test_a_screenshot_of_the_whole_page_is_kept(page: LoadedPage) -> None:
    # A fresh load: earlier tests typed into the filter and scrolled.
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
