# The two set-up commands are `make demo` and `make test`; both create .venv when missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install test lint unit demo bench bench-live bench-events bench-html bench-offline clean

# Each concern (terraform checks, packaging, browser tests, reliability) keeps its targets in mk/.
-include mk/*.mk
# The fragments declare targets first; a bare `make` still only installs.
.DEFAULT_GOAL := install

# Installs the exact versions of requirements.lock (every one checked against its hash; pip
# itself is pinned there too), then the project alone on top. `make lock` regenerates the lock
# from pyproject.toml; tools/lock_check.py fails the install when the lock misses a dependency.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python tools/lock_check.py pyproject.toml requirements.lock
	$(BIN)/python -m pip install -q --require-hashes -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy --strict src
	$(BIN)/lint-imports

# SGC_TF_APPLY: the organization example is applied to the local AWS where terraform exists.
# loadgroup keeps tests that share one expensive fixture (a terraform apply) on one worker.
test: lint
	SGC_TF_APPLY=1 $(BIN)/pytest -q -n 2 --dist loadgroup

demo: $(STAMP)
	$(BIN)/sgc local demo

bench: $(STAMP)
	$(BIN)/python benchmarks/engine.py

bench-live: $(STAMP)
	$(BIN)/python benchmarks/live_scan.py

bench-events: $(STAMP)
	$(BIN)/python benchmarks/event_latency.py

bench-html: $(STAMP)
	$(BIN)/python benchmarks/html_report.py

bench-offline: $(STAMP)
	$(BIN)/python benchmarks/offline_scan.py

clean:
	rm -rf $(VENV) .venv-checkov build dist .fuzz-artifacts .mypy_cache .ruff_cache .pytest_cache .hypothesis
