//! Counting outcomes into recall, false-positive rate and precision, overall and per
//! group, and keeping the worst misses.

use std::collections::BTreeMap;

use gatehouse_core::{Decision, Verdict};
use serde::Serialize;

use super::corpus::Row;

/// True when a decision catches a row: flag, review or deny. `redact` lets the text
/// through (rewritten), so it does not count as caught.
pub(crate) fn is_caught(decision: Decision) -> bool {
    matches!(decision, Decision::Flag | Decision::Review | Decision::Deny)
}

/// True when a decision stops a row: review or deny. A flagged text goes on to the
/// model (recorded); a stopped one does not, unless a human lets it.
pub(crate) fn is_stopped(decision: Decision) -> bool {
    matches!(decision, Decision::Review | Decision::Deny)
}

/// What one guard made of one row.
#[derive(Debug, Clone)]
pub(crate) struct Outcome {
    /// The decision.
    pub decision: Decision,
    /// The combined score.
    pub score: f32,
    /// The rules that fired, each once, in first-finding order.
    pub rules: Vec<String>,
}

impl Outcome {
    /// The outcome of a verdict.
    pub(crate) fn of(verdict: &Verdict) -> Outcome {
        Outcome {
            decision: verdict.decision,
            score: verdict.score,
            rules: verdict.rule_ids(),
        }
    }
}

/// Confusion counts of a set of rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Positive rows caught.
    pub tp: usize,
    /// Positive rows let through.
    pub fn_: usize,
    /// Negative rows caught (false alarms).
    pub fp: usize,
    /// Negative rows let through.
    pub tn: usize,
    /// Positive rows stopped (review or deny), a part of `tp`.
    pub tp_stopped: usize,
    /// Negative rows stopped (review or deny), a part of `fp`.
    pub fp_stopped: usize,
}

impl Counts {
    fn add(&mut self, positive: bool, decision: Decision) {
        match (positive, is_caught(decision)) {
            (true, true) => self.tp += 1,
            (true, false) => self.fn_ += 1,
            (false, true) => self.fp += 1,
            (false, false) => self.tn += 1,
        }
        if is_stopped(decision) {
            if positive {
                self.tp_stopped += 1;
            } else {
                self.fp_stopped += 1;
            }
        }
    }

    /// The figures of these counts.
    pub(crate) fn metrics(self) -> Metrics {
        let ratio = |num: usize, den: usize| (den > 0).then(|| num as f64 / den as f64);
        Metrics {
            positives: self.tp + self.fn_,
            negatives: self.fp + self.tn,
            caught: self.tp,
            missed: self.fn_,
            false_positives: self.fp,
            recall: ratio(self.tp, self.tp + self.fn_),
            fpr: ratio(self.fp, self.fp + self.tn),
            precision: ratio(self.tp, self.tp + self.fp),
            stopped: self.tp_stopped,
            stop_rate: ratio(self.tp_stopped, self.tp + self.fn_),
            false_stops: self.fp_stopped,
            false_stop_rate: ratio(self.fp_stopped, self.fp + self.tn),
        }
    }
}

/// Recall, false-positive rate and precision with the counts behind them.
/// A ratio whose denominator is zero is `null` (e.g. recall of a benign-only source).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct Metrics {
    /// Rows labelled attack (or leak).
    pub positives: usize,
    /// Rows labelled benign (or no_leak).
    pub negatives: usize,
    /// Positives caught (flag, review or deny).
    pub caught: usize,
    /// Positives let through (allow or redact).
    pub missed: usize,
    /// Negatives caught.
    pub false_positives: usize,
    /// caught / positives.
    pub recall: Option<f64>,
    /// false_positives / negatives.
    pub fpr: Option<f64>,
    /// caught / (caught + false_positives).
    pub precision: Option<f64>,
    /// Positives stopped (review or deny): caught, and not let on to the model.
    pub stopped: usize,
    /// stopped / positives.
    pub stop_rate: Option<f64>,
    /// Negatives stopped (review or deny): the false alarms a person waits on.
    pub false_stops: usize,
    /// false_stops / negatives.
    pub false_stop_rate: Option<f64>,
}

/// A row worth a look: a missed positive or a false alarm.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Miss {
    /// Row id.
    pub id: String,
    /// Line in the corpus file.
    pub line: usize,
    /// The row's label.
    pub label: &'static str,
    /// The decision taken.
    pub decision: Decision,
    /// The combined score.
    pub score: f32,
    /// The row's source.
    pub source: String,
    /// The row's category.
    pub category: String,
    /// Rules that fired.
    pub rules: Vec<String>,
    /// The start of the text, escaped and shortened.
    pub excerpt: String,
}

/// How often a rule fired on positive and on negative rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct RuleCounts {
    /// Positive rows it fired on.
    pub positives: usize,
    /// Negative rows it fired on (each a potential false alarm).
    pub negatives: usize,
}

/// Everything counted for one guard over the rows.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tally {
    /// Rows seen.
    pub rows: usize,
    /// All rows.
    pub overall: Counts,
    /// Per `source`.
    pub by_source: BTreeMap<String, Counts>,
    /// Per `category`, cut to the configured depth.
    pub by_category: BTreeMap<String, Counts>,
    /// How many rows got each decision.
    pub decisions: BTreeMap<Decision, usize>,
    /// Per rule id: rows it fired on.
    pub rules: BTreeMap<String, RuleCounts>,
    /// Positives let through.
    pub missed: Vec<Miss>,
    /// Negatives caught.
    pub false_positives: Vec<Miss>,
}

impl Tally {
    /// Counts one row's outcome under its groups.
    pub(crate) fn add(&mut self, row: &Row, groups: Groups<'_>, outcome: &Outcome) {
        let positive = row.label.is_positive();
        let caught = is_caught(outcome.decision);
        self.rows += 1;
        self.overall.add(positive, outcome.decision);
        group(&mut self.by_source, groups.source).add(positive, outcome.decision);
        group(&mut self.by_category, groups.category).add(positive, outcome.decision);
        *self.decisions.entry(outcome.decision).or_default() += 1;
        for rule in &outcome.rules {
            let c = self.rules.entry(rule.clone()).or_default();
            if positive {
                c.positives += 1;
            } else {
                c.negatives += 1;
            }
        }
        if positive != caught {
            let miss = Miss {
                id: row.id.clone(),
                line: row.line,
                label: row.label.as_str(),
                decision: outcome.decision,
                score: outcome.score,
                source: row.source.clone(),
                category: row.category.clone(),
                rules: outcome.rules.clone(),
                excerpt: crate::format::excerpt(&row.text, crate::format::EXCERPT_CHARS),
            };
            if positive {
                self.missed.push(miss);
            } else {
                self.false_positives.push(miss);
            }
        }
    }

    /// Sorts the misses worst first: missed positives by lowest score, false alarms
    /// by highest (ties by line, so the order is stable).
    pub(crate) fn sort_misses(&mut self) {
        self.missed
            .sort_by(|a, b| a.score.total_cmp(&b.score).then(a.line.cmp(&b.line)));
        self.false_positives.sort_by(|a, b| {
            b.decision
                .cmp(&a.decision)
                .then(b.score.total_cmp(&a.score))
                .then(a.line.cmp(&b.line))
        });
    }
}

fn group<'m>(map: &'m mut BTreeMap<String, Counts>, key: &str) -> &'m mut Counts {
    map.entry(key.to_owned()).or_default()
}

/// The groups a row is counted under (its source and category, cut to depth).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Groups<'a> {
    /// Source group.
    pub source: &'a str,
    /// Category group.
    pub category: &'a str,
}

/// A source or category cut to its first `depth` `:`-separated parts (0 keeps it
/// whole): `indirect:email:Research Assistance:start` at depth 2 is `indirect:email`.
pub(crate) fn cut_at_depth(name: &str, depth: usize) -> &str {
    if depth == 0 {
        return name;
    }
    match name.match_indices(':').nth(depth - 1) {
        Some((i, _)) => name.get(..i).unwrap_or(name),
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_depth_cuts_at_colons() {
        let cases = [
            (
                "indirect:email:Research Assistance:start",
                2,
                "indirect:email",
            ),
            ("indirect:email:Research Assistance:start", 1, "indirect"),
            (
                "indirect:email:Research Assistance:start",
                0,
                "indirect:email:Research Assistance:start",
            ),
            ("hijacking", 2, "hijacking"),
            ("banking77:age_limit", 2, "banking77:age_limit"),
            (
                "github:microsoft/BIPIA:benchmark/code/test.jsonl",
                2,
                "github:microsoft/BIPIA",
            ),
        ];
        for (category, depth, want) in cases {
            assert_eq!(cut_at_depth(category, depth), want);
        }
    }

    #[test]
    fn metrics_handle_empty_denominators() {
        let m = Counts {
            tp: 3,
            fn_: 1,
            fp: 1,
            tn: 0,
            tp_stopped: 2,
            fp_stopped: 0,
        }
        .metrics();
        assert_eq!(
            (m.recall, m.fpr, m.precision),
            (Some(0.75), Some(1.0), Some(0.75))
        );
        assert_eq!((m.stop_rate, m.false_stop_rate), (Some(0.5), Some(0.0)));
        let benign_only = Counts {
            tn: 4,
            ..Counts::default()
        }
        .metrics();
        assert_eq!(
            (benign_only.recall, benign_only.fpr, benign_only.precision),
            (None, Some(0.0), None)
        );
        assert_eq!(
            (benign_only.stop_rate, benign_only.false_stop_rate),
            (None, Some(0.0))
        );
    }

    /// Flag, review and deny catch; only review and deny stop.
    #[test]
    fn which_decisions_catch_and_stop() {
        for (decision, caught, stopped) in [
            (Decision::Allow, false, false),
            (Decision::Redact, false, false),
            (Decision::Flag, true, false),
            (Decision::Review, true, true),
            (Decision::Deny, true, true),
        ] {
            assert_eq!(
                (is_caught(decision), is_stopped(decision)),
                (caught, stopped),
                "{decision}"
            );
        }
    }
}
