//! The learned detector's cost: one 1 KB prompt, one 64 KB document (windows), and
//! compiling the whole default policy (model parsed once per process).

use criterion::{Criterion, black_box, criterion_group, criterion_main};
use gatehouse_core::rules::classifier::{INJECTION_V1, ModelName};
use gatehouse_core::{Guard, Policy};

fn text(len: usize) -> String {
    let base = "Hello, I ordered a blue jacket last week and the parcel has not arrived yet. \
                The tracking page says it left the warehouse on Monday. Could you check \
                where it is and whether I can still change the delivery address? Thanks. ";
    let mut s = base.repeat(len / base.len() + 1);
    s.truncate(len);
    s.to_lowercase()
}

fn bench(c: &mut Criterion) {
    let Ok(model) = ModelName::InjectionV1.load() else {
        eprintln!("the shipped model does not load: nothing to measure");
        return;
    };
    let one_k = text(1024);
    let sixty_four_k = text(64 * 1024);
    c.bench_function("classifier/1KB", |b| {
        b.iter(|| model.max_logit(black_box(&one_k)))
    });
    c.bench_function("classifier/64KB", |b| {
        b.iter(|| model.max_logit(black_box(&sixty_four_k)))
    });
    c.bench_function("classifier/parse_model", |b| {
        b.iter(|| gatehouse_core::rules::classifier::Model::parse(black_box(INJECTION_V1)))
    });
    let Ok(policy) = Policy::embedded_default() else {
        eprintln!("the default policy does not load: nothing to measure");
        return;
    };
    c.bench_function("classifier/compile_default_policy", |b| {
        b.iter(|| Guard::new(black_box(&policy)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
