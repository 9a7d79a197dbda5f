# The injection classifier (docs/MODEL_CARD.md): reproducible training and its figures.
# Included by the Makefile. Needs the shared dev corpus; `make test` does not.

CORPUS ?= ../shared/corpus/prompts-dev.jsonl
MODEL ?= crates/core/models/injection-v1.bin
MODEL_MANIFEST ?= crates/core/models/injection-v1.manifest.json

.PHONY: train train-check train-eval

train: ## retrain the injection classifier (deterministic: rewrites the shipped model bit for bit)
	@test -f "$(CORPUS)" || { echo "train: $(CORPUS) not found (set CORPUS=...)"; exit 1; }
	$(CARGO) run --quiet -p gatehouse-train -- train --corpus "$(CORPUS)" --out $(MODEL) --manifest $(MODEL_MANIFEST)
	@sha256sum $(MODEL)

train-check: ## retrain into a temporary file and check it equals the shipped model
	@test -f "$(CORPUS)" || { echo "train-check: $(CORPUS) not found (set CORPUS=...)"; exit 1; }
	@tmp=$$(mktemp -d) && \
	$(CARGO) run --quiet -p gatehouse-train -- train --corpus "$(CORPUS)" --out $$tmp/model.bin --manifest $$tmp/manifest.json && \
	cmp $$tmp/model.bin $(MODEL) && cmp $$tmp/manifest.json $(MODEL_MANIFEST) && \
	echo "train-check: shipped model reproduced bit for bit" ; rc=$$?; rm -rf $$tmp; exit $$rc

train-eval: ## classifier figures per source and category, tune and holdout splits
	@test -f "$(CORPUS)" || { echo "train-eval: $(CORPUS) not found (set CORPUS=...)"; exit 1; }
	$(CARGO) run --quiet -p gatehouse-train -- eval --corpus "$(CORPUS)" --split tune --threshold 0.5
	$(CARGO) run --quiet -p gatehouse-train -- eval --corpus "$(CORPUS)" --split holdout --threshold 0.5
