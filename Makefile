# Gatehouse. A newcomer needs two targets: `make demo` and `make test`.
# Everything else is here for the people who carry the code on.

SHELL := /bin/bash
.DEFAULT_GOAL := help
CARGO ?= cargo
export CARGO_TERM_COLOR ?= never
TOOLS := .tools/venv/bin
CORPUS ?= ../shared/corpus/prompts-dev.jsonl
LEAKS ?= ../shared/corpus/output-leaks-dev.jsonl
SAM_ENV ?= default

.PHONY: help demo test tools fmt-check lint unit validate eval bench build deploy clean

help: ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

demo: ## run the guarded flow locally on embedded defaults (no AWS, no network)
	$(CARGO) run --quiet -p gatehouse -- demo

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

eval: ## detection figures on the shared dev corpus (when present)
	@if [ -f "$(CORPUS)" ]; then \
	  $(CARGO) run --quiet --release -p gatehouse -- eval "$(CORPUS)" --split tune && \
	  $(CARGO) run --quiet --release -p gatehouse -- eval "$(CORPUS)" --split holdout; \
	else echo "eval: $(CORPUS) not found; nothing to measure"; fi
	@if [ -f "$(LEAKS)" ]; then \
	  $(CARGO) run --quiet --release -p gatehouse -- eval "$(LEAKS)" --stage output; \
	else echo "eval: $(LEAKS) not found"; fi

bench: ## criterion benches (figures go to docs/BENCHMARKS.md)
	$(CARGO) bench -p gatehouse-core

build: tools ## sam build: every bootstrap via cargo-lambda (x86_64)
	PATH="$(CURDIR)/$(TOOLS):$$PATH" $(TOOLS)/sam build

deploy: build ## sam deploy with the chosen samconfig environment (SAM_ENV=prod)
	PATH="$(CURDIR)/$(TOOLS):$$PATH" $(TOOLS)/sam deploy --config-env $(SAM_ENV)

clean:
	$(CARGO) clean
	rm -rf .aws-sam
