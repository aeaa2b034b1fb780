# Lambda packaging: `make package` builds dist/lambda/sgcompliance-lambda.zip reproducibly
# (tools/package_lambda.py) and prints its size and sha256.
LAMBDA_ZIP := dist/lambda/sgcompliance-lambda.zip
LAMBDA_WHEELS := build/lambda-wheels

.PHONY: package package-offline lint-tools

package: $(STAMP)
	$(BIN)/python tools/package_lambda.py --output $(LAMBDA_ZIP) --wheelhouse $(LAMBDA_WHEELS)

# The same build from the wheels an earlier `make package` downloaded: no network.
package-offline: $(STAMP)
	$(BIN)/python tools/package_lambda.py --output $(LAMBDA_ZIP) --wheelhouse $(LAMBDA_WHEELS) --offline

# The packaging tests build from the wheelhouse `package` fills, so they never download.
test: package

lint-tools: $(STAMP)
	$(BIN)/ruff check tools
	$(BIN)/ruff format --check tools
	$(BIN)/mypy --strict tools

lint: lint-tools

# `terraform apply` of the organization example against the moto server, the handler on the
# created resources, then `terraform destroy` (about 3 minutes; `make test` runs it too).
.PHONY: test-terraform-apply
test-terraform-apply: $(STAMP)
	SGC_TF_APPLY=1 $(BIN)/pytest -q -s tests/terraform/test_tf_apply.py
