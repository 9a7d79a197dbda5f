//! Normaliser and whole-scan speed: a 1 KB prompt, a 64 KB document, 1 MiB
//! adversarial inputs. Run briefly with
//! `cargo bench -p gatehouse-core --bench normalise -- --warm-up-time 1 --measurement-time 3`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use gatehouse_core::normalise::normalise;
use gatehouse_core::policy::Limits;
use gatehouse_core::{Guard, ScanRequest, Stage};

#[path = "../tests/support/hostile.rs"]
mod hostile;

const PROMPT: &str = "Hi there! I placed an order last Tuesday (order #A-10442, two pairs of running \
shoes, size 42) and the tracking page still says \"label created\". Could you check whether it has \
actually shipped, and if not, when I can expect it? I'm travelling from the 14th to the 20th, so if it \
won't arrive before then I'd rather have it delivered to my office at 221B Baker Street instead. Also, \
the confirmation email mentioned a 10% discount code for my next purchase, but I can't find it anywhere \
in my account - is it still valid, and does it apply to sale items? One more thing: my partner ordered \
a rain jacket on the same account a week earlier and it arrived with a broken zip. What's the easiest \
way to return it, do we need the original packaging, and will the refund go back to the same card? \
Thanks a lot for your help, and sorry for all the questions at once; I know it is a busy time of year for you too. Best regards, Sam.";

fn document() -> String {
    let paras = [
        PROMPT,
        "Le colis a été expédié hier et devrait arriver d'ici vendredi. Merci de votre patience.",
        "```rust\nfn main() { let x = vec![1, 2, 3]; println!(\"{:?}\", x.iter().sum::<i32>()); }\n```",
        "See https://example.com/help/returns?lang=en&ref=email for the full returns policy, section 4.2.",
        "Der Artikel ist leider nicht mehr auf Lager; wir benachrichtigen Sie, sobald er verfügbar ist.",
        "Заказ будет доставлен в течение трёх рабочих дней. 配送は三営業日以内に行われます。",
    ];
    let mut doc = String::new();
    for p in paras.iter().cycle() {
        if doc.len() >= 64 * 1024 {
            break;
        }
        doc.push_str(p);
        doc.push_str("\n\n");
    }
    doc
}

fn bench(c: &mut Criterion) {
    let limits = Limits::default();
    let Ok(guard) = Guard::embedded_default() else {
        eprintln!("the default policy does not compile");
        return;
    };
    let prompt = PROMPT;
    let doc = document();

    let mut g = c.benchmark_group("normalise");
    g.throughput(Throughput::Bytes(prompt.len() as u64));
    g.bench_function("prompt_1k", |b| {
        b.iter(|| normalise(black_box(prompt), &limits))
    });
    g.throughput(Throughput::Bytes(doc.len() as u64));
    g.bench_function("document_64k", |b| {
        b.iter(|| normalise(black_box(&doc), &limits))
    });
    g.finish();

    let mut g = c.benchmark_group("scan");
    g.throughput(Throughput::Bytes(prompt.len() as u64));
    g.bench_function("prompt_1k", |b| {
        b.iter(|| guard.scan(&ScanRequest::new(Stage::Prompt, black_box(prompt))))
    });
    g.throughput(Throughput::Bytes(doc.len() as u64));
    g.bench_function("document_64k", |b| {
        b.iter(|| guard.scan(&ScanRequest::new(Stage::Untrusted, black_box(&doc))))
    });
    g.finish();

    let mut g = c.benchmark_group("adversarial_1m");
    g.sample_size(10);
    for (name, input) in hostile::hostile_inputs() {
        g.throughput(Throughput::Bytes(input.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| guard.scan(&ScanRequest::new(Stage::Prompt, black_box(&input))))
        });
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
