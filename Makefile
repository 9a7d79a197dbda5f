# Gatehouse. A newcomer needs two targets: `make demo` and `make test`.
# Everything else is here for the people who carry the code on.

SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never
TOOLS := .tools/venv/bin
SAM_ENV ?= default

.PHONY: help test tools fmt-check lint unit validate build deploy clean

# demo, eval, bench: the CLI's targets.
include mk/cli.mk
# train, train-check: the learned detector (docs/MODEL_CARD.md).
include mk/train.mk
# bench-audit: the audit logger into moto.
include mk/audit.mk

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'
	@grep -hE '^## [a-z-]+:' $(MAKEFILE_LIST) | sed -E 's/^## ([a-z-]+): /  make \1      /'

test: tools fmt-check lint unit validate ## everything CI runs: tools, fmt, clippy, all tests, template checks

tools: ## install the test tools into ignored folders (.tools/, node_modules/)
	bash scripts/bootstrap.sh

fmt-check:
	$(CARGO) fmt --all -- --check

lint: ## clippy on every target, warnings are errors
	$(CARGO) clippy --workspace --all-targets -- -D warnings

unit: ## all Rust tests (unit, data-driven, property, integration against moto)
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc

validate: ## template and state-machine checks (sam validate --lint, cfn-lint, asl-validator, checkov)
	@if [ -f template.yaml ]; then bash scripts/validate.sh; else echo "validate: no template.yaml yet"; fi

build: tools ## sam build: every bootstrap via cargo-lambda (x86_64)
	PATH="$(CURDIR)/$(TOOLS):$$PATH" $(TOOLS)/sam build

deploy: build ## sam deploy with the chosen samconfig environment (SAM_ENV=prod)
	PATH="$(CURDIR)/$(TOOLS):$$PATH" $(TOOLS)/sam deploy --config-env $(SAM_ENV)

clean:
	$(CARGO) clean
	rm -rf .aws-sam
