# The injection classifiers (docs/MODEL_CARD.md): reproducible training and their figures.
# Included by the Makefile. Needs the shared dev corpus; `make test` does not.
#
# Two models share one trainer and differ in their recipe (crates/train/src/lib.rs):
# injection-v1 for the untrusted stage, prompt-v1 for the prompt stage.

CORPUS ?= ../shared/corpus/prompts-dev.jsonl
MODELS_DIR ?= crates/core/models
MODELS ?= injection-v1 prompt-v1
TRAIN = $(CARGO) run --quiet -p gatehouse-train --

.PHONY: train train-check train-eval

train: ## retrain the shipped classifiers (deterministic: rewrites each model bit for bit)
	@test -f "$(CORPUS)" || { echo "train: $(CORPUS) not found (set CORPUS=...)"; exit 1; }
	@for m in $(MODELS); do \
	  $(TRAIN) train --model-name $$m --corpus "$(CORPUS)" \
	    --out $(MODELS_DIR)/$$m.bin --manifest $(MODELS_DIR)/$$m.manifest.json || exit 1; \
	  sha256sum $(MODELS_DIR)/$$m.bin; \
	done

train-check: ## retrain each classifier into a temporary file and check it equals the shipped one
	@test -f "$(CORPUS)" || { echo "train-check: $(CORPUS) not found (set CORPUS=...)"; exit 1; }
	@tmp=$$(mktemp -d) && rc=0 && \
	for m in $(MODELS); do \
	  $(TRAIN) train --model-name $$m --corpus "$(CORPUS)" --out $$tmp/$$m.bin --manifest $$tmp/$$m.json && \
	  cmp $$tmp/$$m.bin $(MODELS_DIR)/$$m.bin && cmp $$tmp/$$m.json $(MODELS_DIR)/$$m.manifest.json && \
	  echo "train-check: $$m reproduced bit for bit" || { rc=1; break; }; \
	done; rm -rf $$tmp; exit $$rc

train-eval: ## classifier figures per source and category, tune and holdout splits, at each stage
	@test -f "$(CORPUS)" || { echo "train-eval: $(CORPUS) not found (set CORPUS=...)"; exit 1; }
	@for stage in prompt untrusted; do for split in tune holdout; do \
	  $(TRAIN) eval --corpus "$(CORPUS)" --stage $$stage --split $$split --threshold 0.5 || exit 1; \
	done; done
