# Bulk rollback (issue #14): a remediation run of 486 groups on the local AWS undone with
# `sgc rollback --run`, against the remediation's own time and one process per backup.
.PHONY: bench-rollback

bench-rollback: $(STAMP)
	$(BIN)/python benchmarks/rollback_bulk.py
