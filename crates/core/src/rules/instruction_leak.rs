//! `instruction_leak`: the output must not repeat the agent's instructions (system
//! prompt leakage), measured by word n-gram overlap.
//!
//! At compile time the configured `instructions` are canonicalised (as the normaliser
//! does), cut into words, and every run of `n` consecutive words (default 5) is hashed
//! into a set. At scan time the output's canonical words are cut the same way. A finding
//! when the share of the instructions' n-grams present in the output reaches
//! `threshold` (default 0.2), or when `run` (default 4) consecutive n-grams of the output
//! are all from the instructions (`n + run - 1` words copied verbatim). Its score rises
//! with the share of the instructions leaked.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use super::{Check, CompileCtx, Hit, Input};
use crate::decision::{Category, Severity};
use crate::error::RuleError;
use crate::normalise::{self, ViewKind};

/// Configuration of an `instruction_leak` rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The agent instructions (system prompt) that must not leak.
    pub instructions: String,
    /// Words per n-gram (default 5).
    #[serde(default = "default_n")]
    pub n: usize,
    /// Share of the instructions' n-grams in the output that is a leak (default 0.2).
    #[serde(default = "default_threshold")]
    pub threshold: f32,
    /// This many consecutive shared n-grams are a leak whatever the share (default 4).
    #[serde(default = "default_run")]
    pub run: usize,
}

fn default_n() -> usize {
    5
}

fn default_threshold() -> f32 {
    0.2
}

fn default_run() -> usize {
    4
}

/// A compiled `instruction_leak` rule.
#[derive(Debug)]
pub(crate) struct InstructionLeak {
    n: usize,
    threshold: f32,
    run: usize,
    grams: HashSet<u64>,
}

/// Words of a canonical text with their byte ranges in it.
fn words(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// FNV-1a over the words of one n-gram, separated, so `ab c` and `a bc` differ.
fn hash_gram<'a>(words: impl Iterator<Item = &'a str>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for w in words {
        for b in w.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

fn grams(text: &str, n: usize) -> Vec<u64> {
    let ws: Vec<&str> = words(text)
        .into_iter()
        .filter_map(|(s, e)| text.get(s..e))
        .collect();
    ws.windows(n)
        .map(|w| hash_gram(w.iter().copied()))
        .collect()
}

impl InstructionLeak {
    pub(crate) fn compile(
        config: &Config,
        _cx: &mut CompileCtx<'_>,
    ) -> Result<InstructionLeak, String> {
        if !(2..=16).contains(&config.n) {
            return Err(format!("`n` must be between 2 and 16, got `{}`", config.n));
        }
        if !(config.threshold > 0.0 && config.threshold <= 1.0) {
            return Err(format!(
                "`threshold` must be in (0, 1], got `{}`",
                config.threshold
            ));
        }
        if config.run == 0 {
            return Err("`run` must be at least 1".to_owned());
        }
        let grams: HashSet<u64> =
            grams(&normalise::canonical_phrase(&config.instructions), config.n)
                .into_iter()
                .collect();
        if grams.is_empty() {
            return Err(format!(
                "`instructions` must have at least {} words",
                config.n
            ));
        }
        Ok(InstructionLeak {
            n: config.n,
            threshold: config.threshold,
            run: config.run,
            grams,
        })
    }
}

impl Check for InstructionLeak {
    fn category(&self) -> Category {
        Category::Leak
    }

    fn severity(&self) -> Severity {
        Severity::High
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        let Some(view) = input
            .views
            .views
            .iter()
            .find(|v| v.kind == ViewKind::Canonical)
        else {
            return Err(RuleError("no canonical view".into()));
        };
        let spans = words(&view.text);
        let ws: Vec<&str> = spans
            .iter()
            .filter_map(|(s, e)| view.text.get(*s..*e))
            .collect();
        let mut shared: HashSet<u64> = HashSet::new();
        // Longest run of consecutive shared n-grams: (length, first gram index).
        let (mut best, mut best_at, mut cur) = (0usize, 0usize, 0usize);
        let mut first_shared: Option<usize> = None;
        let mut last_shared = 0;
        for (i, w) in ws.windows(self.n).enumerate() {
            let h = hash_gram(w.iter().copied());
            if self.grams.contains(&h) {
                shared.insert(h);
                cur += 1;
                if cur > best {
                    best = cur;
                    best_at = i + 1 - cur;
                }
                first_shared.get_or_insert(i);
                last_shared = i;
            } else {
                cur = 0;
            }
        }
        let Some(first) = first_shared else {
            return Ok(());
        };
        let share = shared.len() as f32 / self.grams.len() as f32;
        if share < self.threshold && best < self.run {
            return Ok(());
        }
        // Span: the longest verbatim run if it is a leak by itself, else every shared word.
        let (from, to) = if best >= self.run {
            (best_at, best_at + best - 1)
        } else {
            (first, last_shared)
        };
        let start = spans.get(from).map_or(0, |s| s.0);
        let end = spans.get(to + self.n - 1).map_or(view.text.len(), |s| s.1);
        let span = view.to_original(start..end);
        let mut hit = Hit::new(
            span.start,
            span.end,
            format!(
                "output repeats {:.0} % of the instructions' {}-word sequences (longest verbatim run {} words)",
                share * 100.0,
                self.n,
                if best == 0 { 0 } else { best + self.n - 1 }
            ),
        );
        hit.score = Some((0.6 + 0.4 * share).min(1.0));
        hits.push(hit);
        Ok(())
    }
}
