//! What a cold start pays in the guard: the embedded policy parsed, compiled, warmed up
//! (`Guard::warm_up`, as the Lambda functions do at init), and the first scan of each
//! stage, each in a fresh process (caches, lazily built pattern sets and page faults
//! included), which a criterion bench cannot show.
//!
//! ```sh
//! cargo run --release -p gatehouse-core --example cold_compile [RUNS] [--no-warm-up]
//! ```
//!
//! Runs itself `RUNS` times (default 21) as a child process and prints the median and
//! the fastest of each phase, in microseconds. With `--no-warm-up` the first scans pay
//! what the warm-up would have built.
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

const PHASES: [&str; 6] = [
    "parse policy",
    "Guard::new",
    "Guard::warm_up",
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
    if std::env::var_os("COLD_COMPILE_NO_WARM_UP").is_none() {
        guard.warm_up();
    }
    let warm_up = lap();
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
    println!("{parse} {compile} {warm_up} {first_prompt} {first_untrusted} {first_output}");
}

fn main() {
    if std::env::var_os("COLD_COMPILE_CHILD").is_some() {
        return child();
    }
    let runs: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(21);
    let warm_up = !std::env::args().any(|a| a == "--no-warm-up");
    let exe = std::env::current_exe().expect("own path");
    let mut samples: Vec<Vec<u128>> = vec![Vec::new(); PHASES.len()];
    for _ in 0..runs {
        let mut child = Command::new(&exe);
        child.env("COLD_COMPILE_CHILD", "1");
        if !warm_up {
            child.env("COLD_COMPILE_NO_WARM_UP", "1");
        }
        let out = child.output().expect("child runs");
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
