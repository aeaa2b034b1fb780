# Reliability: the fault-injection campaign (tests/reliability, docs/reliability.md).
# `make test` runs a small campaign as part of the suite; `make reliability` runs the full one
# and prints its tables: schedules, faults by kind, rules revoked and restored, invariant
# violations, peak memory; and the concurrent-change campaign's (adversary actions by kind,
# refused rollbacks, violations per invariant, port calls per remediated group).
# It then runs the input campaign (tests/fuzz/test_fuzz_campaign.py, issue #13) over
# REL_FUZZ_INPUTS bad inputs and prints its figures (1,100 inputs in `make test`).
# Last, every property test (hypothesis marks them) under the `thorough` profile: 500 examples
# a test, ten times what `make test` runs (tests/support/hypothesis_budget.py); tests/fuzz has
# its own budget (`make fuzz`).
REL_SCHEDULES ?= 200
REL_RACES ?= 20
REL_LOAD_GROUPS ?= 10000
REL_CHANGE_SCHEDULES ?= 200
REL_WORKERS ?= 2
REL_FUZZ_INPUTS ?= 100000

.PHONY: reliability

reliability: $(STAMP)
	SGC_REL_SCHEDULES=$(REL_SCHEDULES) SGC_REL_RACES=$(REL_RACES) \
	SGC_REL_LOAD_GROUPS=$(REL_LOAD_GROUPS) SGC_REL_CHANGE_SCHEDULES=$(REL_CHANGE_SCHEDULES) \
		$(BIN)/pytest -q -p no:cacheprovider -n $(REL_WORKERS) tests/reliability
	SGC_FUZZ_CAMPAIGN=$(REL_FUZZ_INPUTS) \
		$(BIN)/pytest -q -p no:cacheprovider -n $(REL_WORKERS) tests/fuzz/test_fuzz_campaign.py
	SGC_HYPOTHESIS_PROFILE=thorough $(BIN)/pytest -q -p no:cacheprovider -n $(REL_WORKERS) \
		-m hypothesis --ignore=tests/fuzz tests
