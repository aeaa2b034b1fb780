# Security checks: bandit on src/ (high-severity findings fail `make test`), pip-audit over the
# locked dependencies (`make audit`, needs the vulnerability service), and the fuzz campaigns.
# Each tool is installed into the venv when missing, so a fresh machine needs nothing else.
LOCK := requirements.lock
BANDIT_SPEC := bandit>=1.9
PIP_AUDIT_SPEC := pip-audit>=2.10
FUZZ_EXAMPLES ?= 20000

.PHONY: security-static audit audit-lock fuzz fuzz-atheris

test: security-static

security-static: $(STAMP)
	test -x $(BIN)/bandit || $(BIN)/python -m pip install -q '$(BANDIT_SPEC)'
	$(BIN)/bandit -q -r src --severity-level high --confidence-level low

# --strict: a dependency the service cannot answer for fails the audit instead of being skipped.
audit: $(STAMP)
	test -x $(BIN)/pip-audit || $(BIN)/python -m pip install -q '$(PIP_AUDIT_SPEC)'
	$(BIN)/pip-audit --requirement $(LOCK) --no-deps --disable-pip --strict \
		--vulnerability-service pypi --progress-spinner off

# Resolves the project with its dev extra and the security tools, pinned, into the lock file.
audit-lock: $(STAMP)
	$(BIN)/python -m pip install --dry-run --ignore-installed -q --report .lock-report.json \
		'.[dev]' '$(BANDIT_SPEC)' '$(PIP_AUDIT_SPEC)'
	$(BIN)/python -c "import json; d = json.load(open('.lock-report.json')); \
		pins = sorted((i['metadata']['name'], i['metadata']['version']) for i in d['install']); \
		print('\n'.join(f'{n}=={v}' for n, v in pins if n != 'sgcompliance'))" > $(LOCK)
	rm -f .lock-report.json

# Long hypothesis campaigns over every untrusted-input parser (`make test` runs a short one).
fuzz: $(STAMP)
	SGC_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q tests/fuzz

# Coverage-guided fuzzing of the event parser with atheris, when it installs on this machine.
fuzz-atheris: $(STAMP)
	$(BIN)/python -c "import atheris" 2>/dev/null || $(BIN)/python -m pip install -q 'atheris>=2.3'
	mkdir -p .fuzz-artifacts
	$(BIN)/python tests/fuzz/atheris_events.py -atheris_runs=$(FUZZ_EXAMPLES) -max_len=512 \
		-artifact_prefix=.fuzz-artifacts/
