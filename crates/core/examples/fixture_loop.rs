//! Scans every text of the prompt fixtures (`tests/cases/prompt/*.toml`, about 800
//! attack and benign prompts and documents in ten languages, written by the team) at
//! its own stage, several passes, and prints the mean time per scan of each pass.
//!
//! The single-input benchmarks scan one text again and again, so the pattern set's lazy
//! DFA only ever meets the states of that text. Real traffic is many different texts:
//! every new text may need DFA states not built yet, and a DFA whose states outgrow
//! its cache clears it and starts again. This loop shows that cost; the first pass is
//! a cold process, the later ones a warm one.
//!
//! ```sh
//! cargo run --profile bench -p gatehouse-core --example fixture_loop [PASSES]
//! ```
#![expect(
    clippy::expect_used,
    reason = "measurement tool: unreadable fixtures or a policy that does not compile must abort the run"
)]

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use gatehouse_core::{Guard, ScanRequest, Stage};

/// One fixture case: only the fields the loop needs.
#[derive(serde::Deserialize)]
struct Case {
    stage: Stage,
    text: String,
}

#[derive(serde::Deserialize)]
struct File {
    #[serde(rename = "case")]
    cases: Vec<Case>,
}

fn main() {
    let passes: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/prompt");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("fixture folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut cases = Vec::new();
    for path in &paths {
        let text = std::fs::read_to_string(path).expect("fixture file");
        let file: File = toml::from_str(&text).expect("fixture TOML");
        cases.extend(file.cases);
    }
    let guard = Guard::embedded_default().expect("default policy");
    let bytes: usize = cases.iter().map(|c| c.text.len()).sum();
    println!(
        "{} texts ({bytes} bytes) from {} files",
        cases.len(),
        paths.len()
    );
    for pass in 0..passes {
        let started = Instant::now();
        for case in &cases {
            black_box(guard.scan(&ScanRequest::new(case.stage, black_box(&case.text))));
        }
        let per = started.elapsed().as_secs_f64() * 1e6 / cases.len().max(1) as f64;
        println!("pass {pass}: {per:.1} µs per scan");
    }
}
