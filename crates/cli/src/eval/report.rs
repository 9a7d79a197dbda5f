//! The evaluation report: built from a tally, printed as text or serialised as JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use serde::Serialize;

use super::corpus::Split;
use super::metrics::{Counts, Metrics, Miss, RuleCounts, Tally};
use crate::format::percent;

/// What was evaluated, and how.
#[derive(Debug, Clone)]
pub(crate) struct Setup {
    /// The corpus file.
    pub corpus: String,
    /// The policy's name.
    pub policy: String,
    /// The stages rows were scanned at.
    pub stages: Vec<&'static str>,
    /// The role, if any.
    pub role: Option<String>,
    /// The split used.
    pub split: Split,
    /// Rows in the file, whatever the split.
    pub total_rows: usize,
    /// Source grouping depth.
    pub source_depth: usize,
    /// Category grouping depth.
    pub category_depth: usize,
    /// Time spent reading and scanning.
    pub elapsed: Duration,
}

/// The whole report. Its JSON form is the `--json` output.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Report {
    /// The corpus file.
    pub corpus: String,
    /// The policy file, or `embedded default`.
    pub policy: String,
    /// Stages the rows were scanned at.
    pub stages: Vec<&'static str>,
    /// The role used, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// `all`, `tune` or `holdout`.
    pub split: Split,
    /// Rows in the file.
    pub total_rows: usize,
    /// Rows in the split, i.e. evaluated.
    pub rows: usize,
    /// Sources grouped by their first N `:`-separated parts (0: whole).
    pub source_depth: usize,
    /// Categories grouped by their first N `:`-separated parts (0: whole).
    pub category_depth: usize,
    /// Seconds spent reading and scanning.
    pub seconds: f64,
    /// All evaluated rows.
    pub overall: Metrics,
    /// Rows per decision.
    pub decisions: BTreeMap<String, usize>,
    /// Per source (cut to `source_depth`).
    pub by_source: Vec<Group>,
    /// Per category (cut to `category_depth`).
    pub by_category: Vec<Group>,
    /// Per rule: rows it fired on.
    pub rules: BTreeMap<String, RuleCounts>,
    /// Positives let through, lowest score first (at most `--misses`).
    pub missed: Vec<Miss>,
    /// All positives let through.
    pub missed_total: usize,
    /// Negatives caught, strictest decision and highest score first (at most `--misses`).
    pub false_positives: Vec<Miss>,
    /// All negatives caught.
    pub false_positives_total: usize,
}

/// Figures of one source or category.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Group {
    /// The source or category.
    pub name: String,
    /// Its figures.
    #[serde(flatten)]
    pub metrics: Metrics,
}

fn groups(map: BTreeMap<String, Counts>) -> Vec<Group> {
    map.into_iter()
        .map(|(name, c)| Group {
            name,
            metrics: c.metrics(),
        })
        .collect()
}

impl Report {
    /// Builds the report, keeping the `misses` worst of each kind.
    pub(crate) fn new(setup: Setup, tally: Tally, misses: usize) -> Report {
        let missed_total = tally.missed.len();
        let false_positives_total = tally.false_positives.len();
        Report {
            corpus: setup.corpus,
            policy: setup.policy,
            stages: setup.stages,
            role: setup.role,
            split: setup.split,
            total_rows: setup.total_rows,
            rows: tally.rows,
            source_depth: setup.source_depth,
            category_depth: setup.category_depth,
            seconds: setup.elapsed.as_secs_f64(),
            overall: tally.overall.metrics(),
            decisions: tally
                .decisions
                .iter()
                .map(|(d, n)| (d.as_str().to_owned(), *n))
                .collect(),
            by_source: groups(tally.by_source),
            by_category: groups(tally.by_category),
            rules: tally.rules,
            missed: tally.missed.into_iter().take(misses).collect(),
            missed_total,
            false_positives: tally.false_positives.into_iter().take(misses).collect(),
            false_positives_total,
        }
    }

    /// The report as text for a terminal.
    pub(crate) fn to_text(&self) -> String {
        let mut o = String::new();
        let rate = if self.seconds > 0.0 {
            self.rows as f64 / self.seconds
        } else {
            0.0
        };
        let _ = writeln!(o, "corpus    {}", self.corpus);
        let _ = writeln!(o, "policy    {}", self.policy);
        let _ = writeln!(o, "stage     {}", self.stages.join(", "));
        if let Some(role) = &self.role {
            let _ = writeln!(o, "role      {role}");
        }
        let _ = writeln!(
            o,
            "split     {} ({} of {} rows; holdout = SHA-256(id) mod 100 < 20)",
            self.split.as_str(),
            self.rows,
            self.total_rows
        );
        let _ = writeln!(o, "time      {:.2} s ({rate:.0} rows/s)", self.seconds);
        let m = &self.overall;
        let _ = writeln!(o);
        let _ = writeln!(
            o,
            "overall   recall {} ({}/{})   FPR {} ({}/{})   precision {}",
            percent(m.recall),
            m.caught,
            m.positives,
            percent(m.fpr),
            m.false_positives,
            m.negatives,
            percent(m.precision)
        );
        let _ = writeln!(
            o,
            "stopped   {} of positives ({}/{}) and {} of negatives ({}/{}) reviewed or denied",
            percent(m.stop_rate),
            m.stopped,
            m.positives,
            percent(m.false_stop_rate),
            m.false_stops,
            m.negatives
        );
        let decisions: Vec<String> = ["allow", "redact", "flag", "review", "deny"]
            .iter()
            .map(|d| format!("{d} {}", self.decisions.get(*d).copied().unwrap_or(0)))
            .collect();
        let _ = writeln!(o, "decisions {}", decisions.join(", "));
        table(
            &mut o,
            &depth_title("source", self.source_depth),
            &self.by_source,
        );
        table(
            &mut o,
            &depth_title("category", self.category_depth),
            &self.by_category,
        );
        if !self.rules.is_empty() {
            let _ = writeln!(o, "\nrules (rows fired on)\n  positive  negative  rule");
            for (rule, c) in &self.rules {
                let _ = writeln!(o, "  {:>8}  {:>8}  {rule}", c.positives, c.negatives);
            }
        }
        let _ = writeln!(
            o,
            "\nworst misses: positives let through, lowest score first ({} of {})",
            self.missed.len(),
            self.missed_total
        );
        misses(&mut o, &self.missed);
        let _ = writeln!(
            o,
            "\nfalse positives: negatives caught, strictest first ({} of {})",
            self.false_positives.len(),
            self.false_positives_total
        );
        misses(&mut o, &self.false_positives);
        o
    }
}

fn depth_title(what: &str, depth: usize) -> String {
    match depth {
        0 => format!("by {what}"),
        1 => format!("by {what} (first `:` part; --{what}-depth 0 for all)"),
        n => format!("by {what} (first {n} `:` parts; --{what}-depth 0 for all)"),
    }
}

fn table(o: &mut String, title: &str, groups: &[Group]) {
    let _ = writeln!(o, "\n{title}");
    let _ = writeln!(
        o,
        "  {:>5} {:>6} {:>7} {:>7}  {:>5} {:>5} {:>7} {:>7}  {:>7}  name",
        "pos", "caught", "recall", "stopped", "neg", "fp", "fpr", "stopped", "prec"
    );
    for g in groups {
        let m = &g.metrics;
        let _ = writeln!(
            o,
            "  {:>5} {:>6} {:>7} {:>7}  {:>5} {:>5} {:>7} {:>7}  {:>7}  {}",
            m.positives,
            m.caught,
            percent(m.recall),
            percent(m.stop_rate),
            m.negatives,
            m.false_positives,
            percent(m.fpr),
            percent(m.false_stop_rate),
            percent(m.precision),
            g.name
        );
    }
}

fn misses(o: &mut String, list: &[Miss]) {
    for m in list {
        let rules = if m.rules.is_empty() {
            String::new()
        } else {
            format!("  [{}]", m.rules.join(", "))
        };
        let _ = writeln!(
            o,
            "  {} (line {})  {} {:.3}  {}{rules}",
            m.id, m.line, m.decision, m.score, m.category
        );
        let _ = writeln!(o, "      {}", m.excerpt);
    }
}
