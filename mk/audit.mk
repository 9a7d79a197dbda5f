# The audit logger's throughput into moto (docs/BENCHMARKS.md, "Audit logger into
# moto"); included by the root Makefile. Measurements only: never part of `make test`.

CARGO ?= cargo
AUDIT_BENCH_SHARDS ?= 1 2 3

.PHONY: bench-audit

## bench-audit: audit logger records/s into moto (release; 1, 2, 3 streams), then moto's raw PutLogEvents
bench-audit: tools
	@for s in $(AUDIT_BENCH_SHARDS); do \
		AUDIT_BENCH_SHARDS=$$s $(CARGO) test --release -q -p audit-logger --test moto -- \
			--ignored --nocapture --test-threads 1 throughput_into_moto | grep 'records/s' || exit 1; \
	done
	$(CARGO) test --release -q -p audit-logger --test moto -- --ignored --nocapture throughput_without_moto | grep 'records/s'
	.tools/venv/bin/python scripts/bench-moto-logs.py
