//! Scans one of the benchmark inputs a fixed number of times, for instruction counts
//! that do not depend on how busy the machine is:
//!
//! ```sh
//! cargo build --profile bench -p gatehouse-core --example scan_loop
//! valgrind --tool=callgrind --toggle-collect='*measured*' \
//!     target/release/examples/scan_loop prompt/1k_benign 20
//! ```
//!
//! Without arguments, lists the inputs. `file:PATH` as the input scans that file's
//! text at the prompt stage (a hand-made hostile text, a real document), or at the
//! stage `SCAN_LOOP_STAGE` names (`prompt`, `untrusted`, `output`). With
//! `SCAN_LOOP_VIEWS=1` set, also prints the normaliser's views of the input and the
//! findings of the first scan (`SCAN_LOOP_VIEWS=text`: each view's text too). The
//! output stage is scanned with the secret the `output/1k_answer` benchmark
//! configures.
#![expect(
    clippy::expect_used,
    reason = "measurement tool: a default policy that does not compile must abort the run"
)]

#[path = "../benches/inputs/mod.rs"]
#[allow(dead_code, reason = "the benchmark uses the generators one by one")]
mod inputs;

use std::hint::black_box;

use gatehouse_core::{Guard, ScanContext, ScanRequest};

fn main() {
    let mut args = std::env::args().skip(1);
    let cases = inputs::all();
    let Some(name) = args.next() else {
        for (name, stage, text) in &cases {
            println!("{name}\t{stage}\t{} bytes", text.len());
        }
        return;
    };
    let times: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1);
    let file_case;
    let (_, stage, text) = if let Some(path) = name.strip_prefix("file:") {
        let text = std::fs::read_to_string(path).expect("a readable UTF-8 file");
        let stage = std::env::var("SCAN_LOOP_STAGE")
            .map_or(Ok(gatehouse_core::Stage::Prompt), |s| s.parse())
            .expect("SCAN_LOOP_STAGE is prompt, untrusted or output");
        file_case = ("file", stage, text);
        &file_case
    } else {
        cases
            .iter()
            .find(|(n, _, _)| *n == name)
            .expect("a known input name (run without arguments for the list)")
    };
    if std::env::var_os("SCAN_LOOP_VIEWS").is_some() {
        // What the normaliser makes of the input: the views every rule reads.
        let views = gatehouse_core::normalise::normalise(
            text,
            gatehouse_core::normalise::DecodeLimits::default(),
        );
        for v in &views.views {
            println!("view {:?}: {} bytes", v.kind, v.text.len());
            if std::env::var_os("SCAN_LOOP_VIEWS").is_some_and(|v| v == "text") {
                println!("  {:?}", v.text);
            }
        }
    }
    let guard = Guard::embedded_default().expect("the embedded default policy compiles");
    let ctx = ScanContext {
        secrets: vec!["canary-7f3a9c".to_owned()],
        ..ScanContext::default()
    };
    let req = ScanRequest {
        stage: *stage,
        text: black_box(text),
        role: None,
        ctx: &ctx,
    };
    // One scan outside the measured ones fills the lazy pattern DFA and the compiled
    // regexes, as criterion's warm-up does.
    let first = guard.scan(&req);
    if std::env::var_os("SCAN_LOOP_VIEWS").is_some() {
        for f in &first.findings {
            println!(
                "finding {} {:?} {}..{} {}",
                f.rule, f.action, f.start, f.end, f.reason
            );
        }
    }
    let decision = measured(&guard, &req, times);
    // Wall-clock too: the fastest of several batches is the figure least disturbed by
    // other work on the machine (criterion gives the distribution).
    let batch = (times / 10).max(1);
    let mut best = f64::INFINITY;
    for _ in 0..10 {
        let t = std::time::Instant::now();
        measured(&guard, &req, batch);
        best = best.min(t.elapsed().as_secs_f64() / batch as f64);
    }
    println!("{name}: fastest batch {:.1} µs per scan", best * 1e6);
    println!("{name}: {times} scans, decision {decision:?}");
}

/// The scans that count (callgrind: `--toggle-collect='*measured*'`).
#[inline(never)]
fn measured(
    guard: &Guard,
    req: &ScanRequest<'_>,
    times: usize,
) -> Option<gatehouse_core::Decision> {
    let mut decision = None;
    for _ in 0..times {
        decision = Some(guard.scan(black_box(req)).decision);
    }
    decision
}
