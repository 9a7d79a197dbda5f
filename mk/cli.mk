# Targets of the `gatehouse` CLI (crates/cli) and the core benches; included by the
# root Makefile. Paths are relative to the repository root, where make runs.

CARGO ?= cargo
# The labelled corpora live outside the repository (never copied into it).
SHARED ?= ../shared
PROMPTS_CORPUS ?= $(SHARED)/corpus/prompts-dev.jsonl
LEAKS_CORPUS ?= $(SHARED)/corpus/output-leaks-dev.jsonl
# Extra arguments for `gatehouse eval`, e.g. EVAL_ARGS="--split holdout --policy my.yaml".
EVAL_ARGS ?=
GATEHOUSE_RELEASE = $(CARGO) run --release -q -p gatehouse --

.PHONY: eval eval-prompts eval-leaks eval-redteam bench bench-core bench-jsonl bench-ir demo factors

## eval: recall / FPR / precision of the current rules on the dev corpora (when present)
## and on the team's red-team sets (eval/redteam, in the repository)
eval: eval-prompts eval-leaks eval-redteam

eval-prompts:
	@if [ -f "$(PROMPTS_CORPUS)" ]; then \
		$(GATEHOUSE_RELEASE) eval "$(PROMPTS_CORPUS)" $(EVAL_ARGS); \
	else \
		echo "eval: $(PROMPTS_CORPUS) is missing; skipping (set SHARED=... to point at the corpora)"; \
	fi

eval-leaks:
	@if [ -f "$(LEAKS_CORPUS)" ]; then \
		$(GATEHOUSE_RELEASE) eval "$(LEAKS_CORPUS)" --stage output $(EVAL_ARGS); \
	else \
		echo "eval: $(LEAKS_CORPUS) is missing; skipping"; \
	fi

# Red-team sets written blind by the team (eval/redteam/README.md): prompts at the
# prompt stage, tool outputs at the untrusted stage, leaks at the output stage.
# Reported, not tuned on. Then benign tool outputs at the untrusted stage
# (eval/tool-outputs/README.md): every row is benign.
REDTEAM_PROMPTS = $(sort $(wildcard eval/redteam/*-prompts.jsonl))
REDTEAM_UNTRUSTED = $(sort $(wildcard eval/redteam/*-untrusted.jsonl))
REDTEAM_LEAKS = $(sort $(wildcard eval/redteam/*-leaks.jsonl))
# No rows of the blind sets are printed (`--misses 0`): a set some of whose texts have
# been read no longer judges a change blind, and this target runs every one of them.
# To read a set's misses on purpose: `gatehouse eval FILE` (and say so in its README).
REDTEAM_ARGS ?= --misses 0
eval-redteam:
	@for f in $(REDTEAM_PROMPTS); do $(GATEHOUSE_RELEASE) eval "$$f" $(REDTEAM_ARGS) $(EVAL_ARGS) || exit 1; done
	@for f in $(REDTEAM_UNTRUSTED); do $(GATEHOUSE_RELEASE) eval "$$f" --stage untrusted $(REDTEAM_ARGS) $(EVAL_ARGS) || exit 1; done
	@for f in $(REDTEAM_LEAKS); do $(GATEHOUSE_RELEASE) eval "$$f" --stage output $(REDTEAM_ARGS) $(EVAL_ARGS) || exit 1; done
	$(GATEHOUSE_RELEASE) eval eval/tool-outputs/order-records.jsonl --stage untrusted $(EVAL_ARGS)

# glibc's malloc thresholds as the guard functions run with them (template.yaml,
# `GLIBC_TUNABLES` of the pre-processor and the validator; a test checks both agree):
# the benches measure the deployed allocator behaviour, not the adaptive default's.
MALLOC_TUNABLES := glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=67108864

## bench: criterion benches of the core scan, then the CLI's jsonl throughput
bench: bench-core bench-jsonl

bench-core:
	GLIBC_TUNABLES=$(MALLOC_TUNABLES) $(CARGO) bench -p gatehouse-core --bench scan

bench-jsonl:
	GLIBC_TUNABLES=$(MALLOC_TUNABLES) scripts/bench-jsonl.sh

## factors: rewrite crates/core/data/pattern-factors.txt (the injection patterns' literal gate) after changing a pattern
factors:
	GATEHOUSE_WRITE_FACTORS=1 $(CARGO) test -q -p gatehouse-core --lib the_factor_file_is_current

## bench-ir: instructions per scan of each bench input (callgrind; needs valgrind)
bench-ir:
	scripts/bench-ir.sh

## demo: the guarded flow on events/ (pre-process, replayed agent, validate, review, audit) as a trace
demo:
	$(CARGO) run -q -p gatehouse -- demo
