"""Debian's Chromium, driven headless through its chromedriver, isolated from the network.

The browser gets a fresh profile and every flag that stops it contacting anything on its own
(updates, sync, field trials), so a test sees only what the page itself does.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1360,900",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)


def missing_reason() -> str | None:
    """Why the browser test cannot run here, or None when it can."""
    for binary, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not binary.is_file():
            return (
                f"{binary} not found: install Debian's {package} package "
                "(`make browser` does it with apt-get)"
            )
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium package is not installed (pip install 'selenium>=4.51,<4.52')"
    return None


def start(profile: Path):  # type: ignore[no-untyped-def]
    """A headless Chromium WebDriver with its console log kept at every level."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path keeps Selenium Manager from looking for, or fetching, a driver.
    return webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
