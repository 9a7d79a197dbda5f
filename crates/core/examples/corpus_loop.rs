//! Scans every text of a JSON-lines file (`{"text": …}` per line, other fields
//! ignored: the dev corpus in `../shared/corpus`, or any file of the same shape) at
//! the prompt and untrusted stages, pass by pass, and prints the time per scan of
//! each pass. Varied traffic, unlike `scan_loop`'s one text again and again: the
//! injection pattern DFAs build the states of thousands of different texts, which is
//! where a set with too many patterns fills its cache (docs/BENCHMARKS.md).
//!
//! ```sh
//! cargo run --profile bench -p gatehouse-core --example corpus_loop -- FILE.jsonl [PASSES]
//! # instructions of the warm passes, whatever the machine's load:
//! valgrind --tool=callgrind --toggle-collect='*measured*' \
//!     target/release/examples/corpus_loop FILE.jsonl 3
//! ```
#![expect(
    clippy::expect_used,
    reason = "measurement tool: an unreadable file or a policy that does not compile must abort the run"
)]

use std::hint::black_box;
use std::time::Instant;

use gatehouse_core::{Guard, ScanRequest, Stage};

#[derive(serde::Deserialize)]
struct Row {
    text: String,
}

/// One pass over every text at both stages.
fn scan_all(guard: &Guard, texts: &[String]) {
    for text in texts {
        for stage in [Stage::Prompt, Stage::Untrusted] {
            black_box(guard.scan(&ScanRequest::new(stage, black_box(text))));
        }
    }
}

/// A pass after the first, in its own function so callgrind can count just those
/// (`--toggle-collect='*measured*'`).
#[inline(never)]
fn measured(guard: &Guard, texts: &[String]) {
    scan_all(guard, texts);
}

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: corpus_loop FILE.jsonl [PASSES]");
    let passes: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(3);
    let texts: Vec<String> = std::fs::read_to_string(&path)
        .expect("readable file")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            serde_json::from_str::<Row>(l)
                .expect("a JSON line with `text`")
                .text
        })
        .collect();
    let guard = Guard::embedded_default().expect("default policy");
    println!("{} texts from {path}, two stages each", texts.len());
    for pass in 0..passes {
        let started = Instant::now();
        if pass == 0 {
            scan_all(&guard, &texts);
        } else {
            measured(&guard, &texts);
        }
        let per = started.elapsed().as_secs_f64() * 1e6 / (2 * texts.len()).max(1) as f64;
        println!("pass {pass}: {per:.1} µs per scan, {}", peak_memory());
    }
}

/// The process's peak resident memory so far (Linux), to watch the pattern DFAs'
/// caches fill as new texts come (docs/BENCHMARKS.md).
fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| format!("peak resident {}", l.trim_start_matches("VmHWM:").trim()))
        })
        .unwrap_or_else(|| "peak resident memory unknown".to_owned())
}
