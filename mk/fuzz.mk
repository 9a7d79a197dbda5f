# Coverage-guided fuzzing of the guard (fuzz/, docs/dev/fuzzing.md). Included by the
# Makefile. Not part of `make test`: it runs for as long as it is given, and it builds
# with nightly-only options (RUSTC_BOOTSTRAP=1 on the machine's stable toolchain).

# Seconds per target, and libFuzzer's limits: an input slower than FUZZ_TIMEOUT seconds
# or a process over FUZZ_RSS_MB is a finding, as a panic is.
FUZZ_SECONDS ?= 300
FUZZ_TIMEOUT ?= 5
FUZZ_RSS_MB ?= 3072
FUZZ_TARGETS ?= scan policy events
FUZZ = cd fuzz && RUSTC_BOOTSTRAP=1 $(CARGO) fuzz

.PHONY: fuzz

fuzz: ## fuzz the guard's scan, policy parsing and the functions' events with libFuzzer (FUZZ_SECONDS each; needs cargo-fuzz)
	@command -v cargo-fuzz >/dev/null || { echo "fuzz: cargo-fuzz is missing: cargo install cargo-fuzz --locked"; exit 1; }
	python3 scripts/fuzz-seeds.py fuzz/corpus
	@for t in $(FUZZ_TARGETS); do \
	  echo "fuzz: $$t for $(FUZZ_SECONDS) s"; \
	  $(FUZZ) run -O $$t -- -max_total_time=$(FUZZ_SECONDS) -timeout=$(FUZZ_TIMEOUT) \
	    -rss_limit_mb=$(FUZZ_RSS_MB) -max_len=16384 || exit 1; \
	done
