# Security checks: bandit on src/ (high-severity findings fail `make test`), pip-audit over the
# locked dependencies (`make audit`, needs the vulnerability service), the lock itself
# (`make lock`), and the fuzz campaigns.
# Each tool is installed into the venv when missing, so a fresh machine needs nothing else.
LOCK := requirements.lock
BANDIT_SPEC := bandit>=1.9
PIP_AUDIT_SPEC := pip-audit>=2.10
UV_SPEC := uv>=0.9
# The oldest Python the project supports; the resolution is universal (every platform and every
# newer Python, each dependency with its environment marker), so the lock also installs on the
# Lambda runtime's 3.12 and in CI.
LOCK_PYTHON := 3.11
FUZZ_EXAMPLES ?= 20000
# Inputs of the input campaign (tests/fuzz/test_fuzz_campaign.py) in `make fuzz`.
FUZZ_INPUTS ?= 20000

.PHONY: security-static audit lock audit-lock fuzz fuzz-atheris

test: security-static

security-static: $(STAMP)
	test -x $(BIN)/bandit || $(BIN)/python -m pip install -q '$(BANDIT_SPEC)'
	$(BIN)/bandit -q -r src --severity-level high --confidence-level low

# --strict: a dependency the service cannot answer for fails the audit instead of being skipped.
# The lock pins every dependency with its hashes, so pip-audit reads it as is (no resolution).
audit: $(STAMP)
	test -x $(BIN)/pip-audit || $(BIN)/python -m pip install -q '$(PIP_AUDIT_SPEC)'
	$(BIN)/pip-audit --requirement $(LOCK) --require-hashes --disable-pip --strict \
		--vulnerability-service pypi --progress-spinner off

# Resolves pyproject.toml's dependencies and its dev extra (which holds the `local` extra, the
# security tools and uv itself) into $(LOCK): every package pinned, with the sha256 of each of
# its files on the index. Versions already in the lock are kept unless UPGRADE=1 is given
# (`make lock UPGRADE=1` moves everything to the newest allowed). `make install` installs it.
# No dependency on $(STAMP): the install reads the lock, and a stale lock is what this repairs.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	test -x $(BIN)/uv || $(BIN)/python -m pip install -q '$(UV_SPEC)'
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version $(LOCK_PYTHON) \
		--generate-hashes --no-emit-index-url --custom-compile-command 'make lock' \
		$(if $(UPGRADE),--upgrade) --quiet --output-file $(LOCK)
	$(BIN)/python tools/lock_check.py pyproject.toml $(LOCK)

# The name this target had before `make lock`.
audit-lock: lock

# Long hypothesis campaigns over every untrusted-input parser, and the input campaign of
# issue #13 over FUZZ_INPUTS inputs (`make test` runs short ones; `make reliability` 100,000).
fuzz: $(STAMP)
	SGC_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) SGC_FUZZ_CAMPAIGN=$(FUZZ_INPUTS) \
		$(BIN)/pytest -q -n 2 tests/fuzz

# Coverage-guided fuzzing of the event parser with atheris, when it installs on this machine.
fuzz-atheris: $(STAMP)
	$(BIN)/python -c "import atheris" 2>/dev/null || $(BIN)/python -m pip install -q 'atheris>=2.3'
	mkdir -p .fuzz-artifacts
	$(BIN)/python tests/fuzz/atheris_events.py -atheris_runs=$(FUZZ_EXAMPLES) -max_len=512 \
		-artifact_prefix=.fuzz-artifacts/
