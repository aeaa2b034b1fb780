# docs/checks.md is generated from the check catalog and the built-in packs; a unit test fails
# when it is out of date.
.PHONY: docs-checks

docs-checks: $(STAMP)
	$(BIN)/python -m sgcompliance.policy.catalog_doc > docs/checks.md
