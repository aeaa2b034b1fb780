# Browser tests: the HTML report is checked in Debian's headless Chromium, driven by chromedriver.
# `make test` installs both when missing; where apt is unavailable the browser test skips and
# prints why.
CHROMIUM ?= /usr/bin/chromium
CHROMEDRIVER ?= /usr/bin/chromedriver

.PHONY: browser test-browser

test: browser

browser:
	@if [ -x $(CHROMIUM) ] && [ -x $(CHROMEDRIVER) ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "browser: apt-get not found; the browser tests will skip"; exit 0; fi; \
	echo "browser: installing chromium and chromium-driver"; \
	export DEBIAN_FRONTEND=noninteractive; \
	apt-get install -y -q --no-install-recommends chromium chromium-driver >/dev/null 2>&1 \
		|| { apt-get update -q >/dev/null && \
		     apt-get install -y -q --no-install-recommends chromium chromium-driver >/dev/null; } \
		|| echo "browser: could not install chromium; the browser tests will skip"

test-browser: browser $(STAMP)
	$(BIN)/pytest -q tests/browser
