//! `gatehouse eval --compare CANDIDATE`: the base and a candidate policy over the same
//! rows, their figures side by side, and the rows on which they disagree.

use std::fmt::Write as _;

use gatehouse_core::Decision;
use serde::Serialize;

use super::corpus::Row;
use super::metrics::{Metrics, Outcome, is_caught, is_stopped};
use super::report::{Group, Report};
use crate::format::percent;

/// How the candidate's outcome on a row differs from the base's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Change {
    /// A positive the base lets through and the candidate catches.
    NewlyCaught,
    /// A negative the base lets through and the candidate catches (a new false alarm).
    NewlyFlagged,
    /// A positive the base catches and the candidate lets through.
    NewlyMissed,
    /// A negative the base catches and the candidate lets through.
    NewlyCleared,
    /// Caught (or not) by both, with different decisions (e.g. review → deny).
    Decision,
}

impl Change {
    fn as_str(self) -> &'static str {
        match self {
            Change::NewlyCaught => "newly caught",
            Change::NewlyFlagged => "newly flagged",
            Change::NewlyMissed => "newly missed",
            Change::NewlyCleared => "newly cleared",
            Change::Decision => "decision changed",
        }
    }
}

/// One row on which the two policies decide differently.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Disagreement {
    /// Row id.
    pub id: String,
    /// Line in the corpus file.
    pub line: usize,
    /// The row's label.
    pub label: &'static str,
    /// The label is a positive one (attack, leak).
    #[serde(skip)]
    pub positive: bool,
    /// The row's source.
    pub source: String,
    /// The base policy's decision.
    pub base: Decision,
    /// The candidate policy's decision.
    pub candidate: Decision,
    /// What the difference means for the figures.
    pub change: Change,
    /// Rules that fired under the base policy.
    pub base_rules: Vec<String>,
    /// Rules that fired under the candidate policy.
    pub candidate_rules: Vec<String>,
    /// The start of the text, escaped and shortened.
    pub excerpt: String,
}

impl Disagreement {
    /// The disagreement on one row, if the two outcomes differ in decision.
    pub(crate) fn of(row: &Row, base: &Outcome, candidate: &Outcome) -> Option<Disagreement> {
        if base.decision == candidate.decision {
            return None;
        }
        let positive = row.label.is_positive();
        let change = match (is_caught(base.decision), is_caught(candidate.decision)) {
            (false, true) if positive => Change::NewlyCaught,
            (false, true) => Change::NewlyFlagged,
            (true, false) if positive => Change::NewlyMissed,
            (true, false) => Change::NewlyCleared,
            _ => Change::Decision,
        };
        Some(Disagreement {
            id: row.id.clone(),
            line: row.line,
            label: row.label.as_str(),
            positive,
            source: row.source.clone(),
            base: base.decision,
            candidate: candidate.decision,
            change,
            base_rules: base.rules.clone(),
            candidate_rules: candidate.rules.clone(),
            excerpt: crate::format::excerpt(&row.text, crate::format::EXCERPT_CHARS),
        })
    }
}

/// How many rows the candidate newly stops (review or deny where the base allows,
/// redacts or flags), and how many it no longer stops, by label.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct StopChanges {
    /// Positives newly stopped.
    pub attacks_newly_stopped: usize,
    /// Positives no longer stopped.
    pub attacks_no_longer_stopped: usize,
    /// Negatives newly stopped: new work for reviewers, or customers refused.
    pub benign_newly_stopped: usize,
    /// Negatives no longer stopped.
    pub benign_no_longer_stopped: usize,
}

impl StopChanges {
    fn of(disagreements: &[Disagreement]) -> StopChanges {
        let mut s = StopChanges::default();
        for d in disagreements {
            let counter = match (is_stopped(d.base), is_stopped(d.candidate), d.positive) {
                (false, true, true) => &mut s.attacks_newly_stopped,
                (true, false, true) => &mut s.attacks_no_longer_stopped,
                (false, true, false) => &mut s.benign_newly_stopped,
                (true, false, false) => &mut s.benign_no_longer_stopped,
                _ => continue,
            };
            *counter += 1;
        }
        s
    }
}

/// The comparison report. Its JSON form is the `--compare --json` output.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Comparison {
    /// The full report of the base policy.
    pub base: Report,
    /// The full report of the candidate policy.
    pub candidate: Report,
    /// Positives the candidate catches and the base lets through.
    pub newly_caught: usize,
    /// Positives the base catches and the candidate lets through.
    pub newly_missed: usize,
    /// Negatives the candidate catches and the base lets through.
    pub newly_flagged: usize,
    /// Negatives the base catches and the candidate lets through.
    pub newly_cleared: usize,
    /// Changes of "stopped" (review or deny: the text does not go on unreviewed), which
    /// the caught counts above do not show (flag → review is caught by both).
    pub stopped: StopChanges,
    /// Rows with different decisions.
    pub disagreements_total: usize,
    /// Rows with different decisions, changes of caught status first, then by line
    /// (at most `--disagreements`).
    pub disagreements: Vec<Disagreement>,
}

impl Comparison {
    /// Builds the comparison, keeping the first `keep` disagreements.
    pub(crate) fn new(
        base: Report,
        candidate: Report,
        mut disagreements: Vec<Disagreement>,
        keep: usize,
    ) -> Comparison {
        let count = |c: Change| disagreements.iter().filter(|d| d.change == c).count();
        let (newly_caught, newly_missed, newly_flagged, newly_cleared) = (
            count(Change::NewlyCaught),
            count(Change::NewlyMissed),
            count(Change::NewlyFlagged),
            count(Change::NewlyCleared),
        );
        let stopped = StopChanges::of(&disagreements);
        disagreements.sort_by_key(|d| (d.change, d.line));
        let disagreements_total = disagreements.len();
        disagreements.truncate(keep);
        Comparison {
            base,
            candidate,
            newly_caught,
            newly_missed,
            newly_flagged,
            newly_cleared,
            stopped,
            disagreements_total,
            disagreements,
        }
    }

    /// The comparison as text for a terminal.
    pub(crate) fn to_text(&self) -> String {
        let (b, c) = (&self.base, &self.candidate);
        let mut o = String::new();
        let _ = writeln!(o, "corpus     {}", b.corpus);
        let _ = writeln!(o, "base       {}", b.policy);
        let _ = writeln!(o, "candidate  {}", c.policy);
        let _ = writeln!(
            o,
            "split      {} ({} of {} rows)",
            b.split.as_str(),
            b.rows,
            b.total_rows
        );
        let _ = writeln!(
            o,
            "\n  {:^17}  {:^17}  {:^17}  {:^17}  (base | candidate)",
            "recall", "stopped", "FPR", "precision"
        );
        row(&mut o, "overall", &b.overall, &c.overall);
        for g in &b.by_source {
            let cand = find(&c.by_source, &g.name);
            row(&mut o, &format!("source {}", g.name), &g.metrics, &cand);
        }
        let _ = writeln!(
            o,
            "\nattacks newly caught {}, newly missed {}; benign newly flagged {}, newly cleared {}",
            self.newly_caught, self.newly_missed, self.newly_flagged, self.newly_cleared
        );
        let s = &self.stopped;
        let _ = writeln!(
            o,
            "stopped (review or deny): attacks newly {}, no longer {}; benign newly {}, no longer {}",
            s.attacks_newly_stopped,
            s.attacks_no_longer_stopped,
            s.benign_newly_stopped,
            s.benign_no_longer_stopped
        );
        let _ = writeln!(
            o,
            "\ndisagreements: base → candidate ({} of {})",
            self.disagreements.len(),
            self.disagreements_total
        );
        for d in &self.disagreements {
            let _ = writeln!(
                o,
                "  {} (line {})  {}  {} → {}  {}  [{}] → [{}]",
                d.id,
                d.line,
                d.label,
                d.base,
                d.candidate,
                d.change.as_str(),
                d.base_rules.join(", "),
                d.candidate_rules.join(", ")
            );
            let _ = writeln!(o, "      {}", d.excerpt);
        }
        o
    }
}

/// The candidate's figures of a group, or empty ones when it has none (cannot happen:
/// both saw the same rows).
fn find(groups: &[Group], name: &str) -> Metrics {
    groups.iter().find(|g| g.name == name).map_or_else(
        || super::metrics::Counts::default().metrics(),
        |g| g.metrics,
    )
}

fn row(o: &mut String, name: &str, b: &Metrics, c: &Metrics) {
    let pair = |x: Option<f64>, y: Option<f64>| format!("{:>7} | {:<7}", percent(x), percent(y));
    let _ = writeln!(
        o,
        "  {}  {}  {}  {}  {name}",
        pair(b.recall, c.recall),
        pair(b.stop_rate, c.stop_rate),
        pair(b.fpr, c.fpr),
        pair(b.precision, c.precision)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn disagreement(positive: bool, base: Decision, candidate: Decision) -> Disagreement {
        Disagreement {
            id: String::new(),
            line: 0,
            label: if positive { "attack" } else { "benign" },
            positive,
            source: String::new(),
            base,
            candidate,
            change: Change::Decision,
            base_rules: Vec::new(),
            candidate_rules: Vec::new(),
            excerpt: String::new(),
        }
    }

    #[test]
    fn stop_changes_count_review_and_deny_by_label() {
        use Decision::{Allow, Deny, Flag, Redact, Review};
        // (positive, base, candidate) rows; then the four counts.
        let rows = [
            (false, Flag, Review), // benign newly stopped: caught by both
            (false, Allow, Deny),  // benign newly stopped
            (false, Review, Flag), // benign no longer stopped
            (false, Review, Deny), // stopped by both
            (true, Flag, Deny),    // attack newly stopped
            (true, Deny, Redact),  // attack no longer stopped
            (true, Allow, Flag),   // neither stops it
        ];
        let d: Vec<Disagreement> = rows
            .iter()
            .map(|&(p, b, c)| disagreement(p, b, c))
            .collect();
        assert_eq!(
            StopChanges::of(&d),
            StopChanges {
                attacks_newly_stopped: 1,
                attacks_no_longer_stopped: 1,
                benign_newly_stopped: 2,
                benign_no_longer_stopped: 1,
            }
        );
    }
}
