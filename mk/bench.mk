# The peer benchmark of issue #14: sgcompliance next to Cloud Custodian on the same estate and
# local AWS (benchmarks/peer_custodian.py). Custodian lives in its own virtualenv because c7n
# pins boto3, botocore and others that must not move the project's .venv. Nothing in
# `make test` needs it; `make bench-peer` creates it when it is missing.
C7N_VENV ?= .venv-c7n
C7N_STAMP := $(C7N_VENV)/.installed-stamp
C7N_VERSION ?= 0.9.53
C7N_ORG_VERSION ?= 0.6.52
# For example PEER_ARGS="--sizes 3x2x200 --repeats 5 --json out/peer.json".
PEER_ARGS ?=

.PHONY: bench-peer custodian-tools

$(C7N_STAMP): mk/bench.mk
	test -x $(C7N_VENV)/bin/python || $(PYTHON) -m venv $(C7N_VENV)
	$(C7N_VENV)/bin/python -m pip install -q --upgrade pip
	$(C7N_VENV)/bin/python -m pip install -q c7n==$(C7N_VERSION) c7n-org==$(C7N_ORG_VERSION)
	touch $(C7N_STAMP)

custodian-tools: $(C7N_STAMP)

bench-peer: $(STAMP) $(C7N_STAMP)
	$(BIN)/python benchmarks/peer_custodian.py $(PEER_ARGS)

# `make clean` also removes the Custodian virtualenv.
clean: clean-peer
.PHONY: clean-peer
clean-peer:
	rm -rf $(C7N_VENV)

# The organization's sweep on paper (issue #14): benchmarks/org_sweep.py checks its call counts
# against the real sweep on the local AWS, then simulates 1,000 accounts x 17 regions x 100
# groups in virtual time. For example ORG_ARGS="--accounts 5000 --concurrency 40".
ORG_ARGS ?=
.PHONY: bench-org
bench-org: $(STAMP)
	$(BIN)/python benchmarks/org_sweep.py $(ORG_ARGS)
