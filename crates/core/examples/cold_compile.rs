//! What a cold start pays in the guard: the embedded policy parsed, compiled, and the
//! first scan of each stage, each in a fresh process (caches, lazily built pattern
//! sets and page faults included), which a criterion bench cannot show.
//!
//! ```sh
//! cargo run --release -p gatehouse-core --example cold_compile [RUNS]
//! ```
//!
//! Runs itself `RUNS` times (default 21) as a child process and prints the median and
//! the fastest of each phase, in microseconds.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::print_stdout,
    missing_docs,
    reason = "a measuring tool: a failed run should stop it loudly"
)]

use std::process::Command;
use std::time::Instant;

use gatehouse_core::{Guard, Policy, ScanRequest, Stage};

const PHASES: [&str; 5] = [
    "parse policy",
    "Guard::new",
    "first prompt scan",
    "first untrusted scan",
    "first output scan",
];

fn child() {
    let mut t = Instant::now();
    let mut lap = || {
        let us = t.elapsed().as_micros();
        t = Instant::now();
        us
    };
    let policy = Policy::embedded_default().expect("embedded policy parses");
    let parse = lap();
    let guard = Guard::new(&policy).expect("embedded policy compiles");
    let compile = lap();
    let prompt = "Hi, where is my order ord-1001? It was due on Monday.";
    guard.scan(&ScanRequest::new(Stage::Prompt, prompt));
    let first_prompt = lap();
    guard.scan(&ScanRequest::new(
        Stage::Untrusted,
        "Order ord-1001: shipped, 2 items.",
    ));
    let first_untrusted = lap();
    guard.scan(&ScanRequest::new(
        Stage::Output,
        "Your order ord-1001 shipped on Monday.",
    ));
    let first_output = lap();
    println!("{parse} {compile} {first_prompt} {first_untrusted} {first_output}");
}

fn main() {
    if std::env::var_os("COLD_COMPILE_CHILD").is_some() {
        return child();
    }
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(21);
    let exe = std::env::current_exe().expect("own path");
    let mut samples: Vec<Vec<u128>> = vec![Vec::new(); PHASES.len()];
    for _ in 0..runs {
        let out = Command::new(&exe)
            .env("COLD_COMPILE_CHILD", "1")
            .output()
            .expect("child runs");
        let line = String::from_utf8_lossy(&out.stdout);
        for (i, v) in line.split_whitespace().enumerate() {
            samples[i].push(v.parse().expect("a number"));
        }
    }
    println!("{runs} fresh processes, µs (median / fastest):");
    let mut total = (0, 0);
    for (name, s) in PHASES.iter().zip(&mut samples) {
        s.sort_unstable();
        let (median, fastest) = (s[s.len() / 2], s[0]);
        total = (total.0 + median, total.1 + fastest);
        println!("  {name:<22} {median:>7} / {fastest:>7}");
    }
    println!("  {:<22} {:>7} / {:>7}", "sum", total.0, total.1);
}
