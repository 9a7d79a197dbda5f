//! `gatehouse demo --samples`: scans the sample prompts, untrusted documents and
//! model outputs embedded from `crates/cli/samples/` and prints each verdict with its
//! findings. Plain `gatehouse demo` runs the guarded flow ([`crate::demo_flow`]).

use std::fmt::Write as _;

use anyhow::Context as _;
use gatehouse_core::{ScanContext, ScanRequest, Stage};
use serde::Deserialize;

use crate::common::{Outcome, PolicyArg};

/// Arguments of `gatehouse demo`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    pub policy: PolicyArg,
}

/// The embedded samples: (stage, file name, contents).
const SAMPLES: [(Stage, &str, &str); 3] = [
    (
        Stage::Prompt,
        "prompts.jsonl",
        include_str!("../samples/prompts.jsonl"),
    ),
    (
        Stage::Untrusted,
        "untrusted.jsonl",
        include_str!("../samples/untrusted.jsonl"),
    ),
    (
        Stage::Output,
        "outputs.jsonl",
        include_str!("../samples/outputs.jsonl"),
    ),
];

/// One sample: written for the demo, not taken from any corpus.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Sample {
    id: String,
    /// What the sample shows.
    about: String,
    text: String,
    /// Values that must not leak (output samples).
    #[serde(default)]
    secrets: Vec<String>,
}

/// Runs `gatehouse demo`.
pub(crate) fn run(args: &Args) -> anyhow::Result<Outcome> {
    let guard = args.policy.load()?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Gatehouse demo: sample texts scanned with the {} policy",
        args.policy.label()
    );
    for (stage, file, contents) in SAMPLES {
        let _ = writeln!(out, "\n=== stage {stage} (samples/{file}) ===");
        for (n, line) in contents
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            let sample: Sample = serde_json::from_str(line)
                .with_context(|| format!("samples/{file} line {}", n + 1))?;
            let ctx = ScanContext {
                secrets: sample.secrets,
                ..ScanContext::default()
            };
            let req = ScanRequest {
                stage,
                text: &sample.text,
                role: None,
                ctx: &ctx,
            };
            let verdict = guard.scan(&req);
            let _ = writeln!(out, "\n--- {} · {}", sample.id, sample.about);
            let _ = writeln!(
                out,
                "text      {}",
                crate::format::excerpt(&sample.text, 160)
            );
            out.push_str(&crate::format::verdict(&sample.text, &verdict));
        }
    }
    crate::common::print_stdout(&out)?;
    Ok(Outcome::Success)
}
