# Shift left (docs/shift-left.md): Terraform plans and CloudFormation templates judged before
# they deploy.
.PHONY: terraform-plan-fixtures shift-left-table

# Plan tests/fixtures/terraform_plans/cases for real against the local AWS (terraform and the
# local plugin mirror needed) and rewrite the checked-in cases.plan.json from it.
terraform-plan-fixtures: $(STAMP)
	SGC_WRITE_PLAN_FIXTURES=1 $(BIN)/pytest -q -n 0 tests/integration/test_it_terraform_plan.py

# Run checkov and sgcompliance on the same cases and rewrite the table in docs/shift-left.md.
shift-left-table: $(STAMP) terraform-tools
	SGC_WRITE_SHIFT_LEFT=1 $(BIN)/pytest -q -n 0 tests/terraform/test_tf_shift_left_checkov.py

# A generated plan of 5,000 security-group resources judged against the goal of 2 s
# (benchmarks/plan_scan.py). For example PLAN_ARGS="--resources 20000 --repeats 3".
PLAN_ARGS ?=
.PHONY: bench-plan
bench-plan: $(STAMP)
	$(BIN)/python benchmarks/plan_scan.py $(PLAN_ARGS)
