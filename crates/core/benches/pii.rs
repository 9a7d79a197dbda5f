//! PII and secret rules over 1 KB and 64 KB of mixed text (prose, numbers, dates,
//! prices and a few real PII values), with three policies on the prompt stage:
//! no rules (the normaliser alone), the PII rules alone, and the embedded default.
//!
//! `cargo bench -p gatehouse-core --bench pii -- --warm-up-time 1 --measurement-time 3`

#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "bench set-up: a failure aborts the bench"
)]

use criterion::{BenchmarkId, Criterion, Throughput, black_box, criterion_group, criterion_main};
use gatehouse_core::{Guard, Policy, ScanRequest, Stage};

const PARAGRAPHS: &[&str] = &[
    "Hi, I ordered a blue kettle on 2024-01-15 (order ord-1001) and it still has not arrived. ",
    "The tracking number 1Z999AA10123456784 shows it left the depot at 10:30 on 16.01.2024. ",
    "I paid $49.99 plus £4.99 shipping, and the invoice INV-2024-000123 says 20% VAT. ",
    "You can reach me at jane.doe@example.com or on +44 20 7946 0958 between 9 and 5. ",
    "My card ending 4242 was charged twice; the full number is 4242 4242 4242 4242. ",
    "Please refund to IBAN GB82 WEST 1234 5698 7654 32 instead of the card. ",
    "Our office router is 203.0.113.7 and the app runs version 3.11.4 on Python. ",
    "Could you also check order ord-2002, which was placed from the same account last week? ",
    "Thanks for your help, the support team has always been very kind and quick to answer. ",
    "We tried calling (212) 555-0123 but nobody picked up, so I am writing instead. ",
];

fn text_of(len: usize) -> String {
    let mut s = String::with_capacity(len + 128);
    let mut i = 0;
    while s.len() < len {
        s.push_str(PARAGRAPHS[i % PARAGRAPHS.len()]);
        i += 1;
    }
    s.truncate(len);
    s
}

const PII_RULES: &str = r#"
      - { id: pii.email, action: redact, check: { type: email } }
      - { id: pii.phone, action: redact, check: { type: phone } }
      - { id: pii.card, action: redact, check: { type: payment_card } }
      - { id: pii.iban, action: redact, check: { type: iban } }
      - { id: pii.ssn, action: redact, check: { type: us_ssn } }
      - { id: pii.ip, action: redact, check: { type: ip_address } }
      - { id: secret.aws_access_key, action: deny, check: { type: aws_access_key } }
      - { id: secret.aws_secret_key, action: deny, check: { type: aws_secret_key } }
"#;

fn policy(prompt_rules: &str) -> Guard {
    let yaml = format!(
        "version: 1\nstages:\n  untrusted: {{ rules: [] }}\n  output: {{ rules: [] }}\n  prompt:\n    rules:{}\n",
        if prompt_rules.is_empty() {
            " []"
        } else {
            prompt_rules
        }
    );
    Guard::new(&Policy::from_yaml(&yaml).unwrap()).unwrap()
}

fn bench(c: &mut Criterion) {
    let guards = [
        ("normaliser_only", policy("")),
        ("pii_rules", policy(PII_RULES)),
        ("default_policy", Guard::embedded_default().unwrap()),
    ];
    for (size, label) in [(1024, "1KB"), (64 * 1024, "64KB")] {
        let text = text_of(size);
        let mut group = c.benchmark_group(format!("pii/{label}"));
        group.throughput(Throughput::Bytes(size as u64));
        for (name, guard) in &guards {
            group.bench_with_input(BenchmarkId::from_parameter(name), &text, |b, t| {
                b.iter(|| black_box(guard.scan(&ScanRequest::new(Stage::Prompt, black_box(t)))));
            });
        }
        group.finish();
    }
    // Each rule alone over 64 KB, minus the normaliser-only time, is that rule's cost.
    let text = text_of(64 * 1024);
    let mut group = c.benchmark_group("pii_rule/64KB");
    group.throughput(Throughput::Bytes(text.len() as u64));
    for line in PII_RULES.lines().filter(|l| l.contains("type:")) {
        let name = line
            .split("type: ")
            .nth(1)
            .and_then(|s| s.split(' ').next())
            .unwrap_or("?");
        let guard = policy(&format!("\n{line}\n"));
        group.bench_with_input(BenchmarkId::from_parameter(name), &text, |b, t| {
            b.iter(|| black_box(guard.scan(&ScanRequest::new(Stage::Prompt, black_box(t)))));
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
