# Golden files of the machine report formats (jsonl, csv, sarif, asff, ocsf): rewrite them from
# the fixed estate after an intended change, then review `git diff tests/fixtures/report`.
.PHONY: golden-update

golden-update: $(STAMP)
	SGC_UPDATE_GOLDEN=1 $(BIN)/pytest -q tests/unit/report -k golden -rs
