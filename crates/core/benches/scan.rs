//! Speed of the guard on the embedded default policy (issue 2 goals in brackets):
//! - `prompt/1k_benign`, `prompt/1k_attack`: one 1 KB prompt (p50 ≤ 20 µs)
//! - `untrusted/64k_document`: a 64 KB retrieved document (≥ 200 MB/s)
//! - `untrusted/64k_poisoned_document`: the same with sixteen planted injections
//! - `untrusted/64k_tool_output`: 64 KB of varied JSON order records, timestamps
//!   and ids that make a leet view, as real tool outputs do
//! - `adversarial/1m_*`: 1 MB hostile inputs: near-misses, nested encodings,
//!   zero-width floods (< 20 ms each)
//! - `output/1k_answer`: a 1 KB model answer with a secret configured
//! - `compile/default_policy`: parse and compile the embedded policy (≤ 5 ms)
//!
//! Run: `cargo bench -p gatehouse-core --bench scan` (figures in docs/BENCHMARKS.md).
//! All inputs are generated here, deterministically; none comes from a corpus.
#![expect(
    clippy::expect_used,
    reason = "benchmark setup: a default policy that does not compile must abort the run"
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gatehouse_core::{Guard, Policy, ScanContext, ScanRequest, Stage};

#[allow(dead_code, reason = "`inputs::all` serves the scan_loop example")]
mod inputs;

use inputs::*;

fn guard() -> Guard {
    Guard::embedded_default().expect("the embedded default policy compiles")
}

fn bench_prompt(c: &mut Criterion) {
    let guard = guard();
    let mut group = c.benchmark_group("prompt");
    for (name, text) in [
        ("1k_benign", prompt_1k_benign()),
        ("1k_attack", prompt_1k_attack()),
    ] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| guard.scan(&ScanRequest::new(Stage::Prompt, black_box(&text))));
        });
    }
    group.finish();
}

fn bench_untrusted(c: &mut Criterion) {
    let guard = guard();
    let doc = document_64k();
    let mut group = c.benchmark_group("untrusted");
    group.throughput(Throughput::Bytes(doc.len() as u64));
    group.bench_function("64k_document", |b| {
        b.iter(|| guard.scan(&ScanRequest::new(Stage::Untrusted, black_box(&doc))));
    });
    let poisoned = document_64k_poisoned();
    group.throughput(Throughput::Bytes(poisoned.len() as u64));
    group.bench_function("64k_poisoned_document", |b| {
        b.iter(|| guard.scan(&ScanRequest::new(Stage::Untrusted, black_box(&poisoned))));
    });
    let tool = tool_output_64k();
    group.throughput(Throughput::Bytes(tool.len() as u64));
    group.bench_function("64k_tool_output", |b| {
        b.iter(|| guard.scan(&ScanRequest::new(Stage::Untrusted, black_box(&tool))));
    });
    group.finish();
}

fn bench_adversarial(c: &mut Criterion) {
    let guard = guard();
    let mut group = c.benchmark_group("adversarial");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(5));
    for (name, text) in [
        ("1m_near_misses", adversarial_near_misses()),
        ("1m_nested_encodings", adversarial_nested_encodings()),
        ("1m_zero_width", adversarial_invisible()),
    ] {
        group.throughput(Throughput::Bytes(text.len() as u64));
        for stage in [Stage::Prompt, Stage::Untrusted] {
            group.bench_function(format!("{name}/{stage}"), |b| {
                b.iter(|| guard.scan(&ScanRequest::new(stage, black_box(&text))));
            });
        }
    }
    group.finish();
}

fn bench_output(c: &mut Criterion) {
    let guard = guard();
    let answer = answer_1k();
    let ctx = ScanContext {
        secrets: vec!["canary-7f3a9c".to_owned()],
        ..ScanContext::default()
    };
    let mut group = c.benchmark_group("output");
    group.throughput(Throughput::Bytes(answer.len() as u64));
    group.bench_function("1k_answer", |b| {
        b.iter(|| {
            let req = ScanRequest {
                stage: Stage::Output,
                text: black_box(&answer),
                role: None,
                ctx: &ctx,
            };
            guard.scan(&req)
        });
    });
    group.finish();
}

fn bench_compile(c: &mut Criterion) {
    let mut group = c.benchmark_group("compile");
    group.bench_function("default_policy", |b| {
        b.iter(|| {
            let policy = Policy::embedded_default().expect("default policy parses");
            Guard::new(black_box(&policy)).expect("default policy compiles")
        });
    });
    group.finish();
}

criterion_group!(
    benches,
    bench_prompt,
    bench_untrusted,
    bench_adversarial,
    bench_output,
    bench_compile
);
criterion_main!(benches);
