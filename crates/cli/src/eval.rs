//! `gatehouse eval`: recall, false-positive rate and precision of a policy on a
//! labelled JSONL corpus, overall, per source and per category, with the worst misses.
//!
//! The rows stream through one or more [`Evaluator`]s (one per policy), so comparing
//! a candidate policy (`--compare`, issue 5) is a second evaluator on the same rows
//! plus a diff of their outcomes.

mod compare;
mod corpus;
mod metrics;
mod report;

use std::fs::File;
use std::io::{BufReader, Write as _};
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context as _;
use gatehouse_core::{Guard, ScanContext, ScanRequest, Stage};

use crate::common::{Outcome, PolicyArg, StageArg, check_role};
use corpus::{Row, Rows, Split};
use metrics::Tally;

/// Arguments of `gatehouse eval`.
#[derive(Debug, clap::Args)]
#[command(after_help = EVAL_HELP)]
pub(crate) struct Args {
    /// The corpus: JSON lines with `text` and `label` (attack|benign, or leak|no_leak
    /// with `secret`), and optionally `id`, `source`, `category`.
    file: PathBuf,
    #[command(flatten)]
    policy: PolicyArg,
    /// Stage to scan at; by default leak/no_leak rows at `output`, others at `prompt`.
    #[arg(long, value_enum)]
    stage: Option<StageArg>,
    /// The caller's role, for the policy's per-role overrides.
    #[arg(long, value_name = "R")]
    role: Option<String>,
    /// Which rows to use: every row, the 80 % tuning part or the 20 % holdout.
    #[arg(long, value_enum, default_value = "all")]
    split: Split,
    /// Group sources by their first N `:`-separated parts (2: `github:owner/repo`; 0: whole).
    #[arg(long, value_name = "N", default_value_t = 2)]
    source_depth: usize,
    /// Group categories by their first N `:`-separated parts (0: whole category).
    #[arg(long, value_name = "N", default_value_t = 1)]
    category_depth: usize,
    /// How many of the worst misses and false alarms to list.
    #[arg(long, value_name = "N", default_value_t = 10)]
    misses: usize,
    /// A candidate policy file to run beside `--policy` (or the default): prints both
    /// reports' figures side by side and the rows on which they disagree.
    #[arg(long, value_name = "CANDIDATE")]
    compare: Option<PathBuf>,
    /// With `--compare`: how many disagreeing rows to list.
    #[arg(long, value_name = "N", default_value_t = 20, requires = "compare")]
    disagreements: usize,
    /// Print the report as one JSON object.
    #[arg(long)]
    json: bool,
}

const EVAL_HELP: &str = "\
A positive row (attack, leak) is caught when the decision is flag, review or deny;
allow and redact let it through. A negative row (benign, no_leak) caught is a false
positive. Recall = caught / positives, FPR = false positives / negatives, precision =
caught / (caught + false positives). Missing `source` or `category` count as `unknown`;
rows without `id` are named `line-N`.

--split: a row is in the holdout when the first 8 bytes of SHA-256(id), read as a
big-endian integer, modulo 100 are below 20 (rows without id hash their text); `tune`
is the rest. The report names the split used.

--compare CANDIDATE: both policies scan every row. The rows whose decisions differ are
listed changes of caught status first: attacks newly caught, benign rows newly flagged,
attacks newly missed, benign rows newly cleared, then other decision changes. With
--json the output is {base, candidate, newly_caught, newly_missed, newly_flagged,
newly_cleared, disagreements_total, disagreements}, base and candidate being full reports.

Exit 0 when the report was produced (whatever the figures), 1 on error (unreadable
file, malformed row: the message names the line).";

/// One policy evaluated over the rows.
#[derive(Debug)]
pub(crate) struct Evaluator<'g> {
    guard: &'g Guard,
    tally: Tally,
}

impl<'g> Evaluator<'g> {
    fn new(guard: &'g Guard) -> Evaluator<'g> {
        Evaluator {
            guard,
            tally: Tally::default(),
        }
    }

    /// Scans one row and counts the outcome.
    fn observe(
        &mut self,
        row: &Row,
        stage: Stage,
        role: Option<&str>,
        groups: metrics::Groups<'_>,
    ) -> metrics::Outcome {
        let ctx = ScanContext {
            secrets: row.secrets.clone(),
            ..ScanContext::default()
        };
        let req = ScanRequest {
            stage,
            text: &row.text,
            role,
            ctx: &ctx,
        };
        let outcome = metrics::Outcome::of(&self.guard.scan(&req));
        self.tally.add(row, groups, &outcome);
        outcome
    }
}

/// Runs `gatehouse eval`.
pub(crate) fn run(args: &Args) -> anyhow::Result<Outcome> {
    let guard = args.policy.load()?;
    let candidate_arg = args.compare.as_ref().map(|path| PolicyArg {
        policy: Some(path.clone()),
    });
    let candidate_guard = match &candidate_arg {
        Some(arg) => Some(arg.load().context("candidate policy (--compare)")?),
        None => None,
    };
    check_role(&guard, args.role.as_deref(), "the policy")?;
    if let Some(c) = &candidate_guard {
        check_role(c, args.role.as_deref(), "the candidate policy")?;
    }
    let file =
        File::open(&args.file).with_context(|| format!("cannot open `{}`", args.file.display()))?;
    let mut evaluator = Evaluator::new(&guard);
    let mut candidate = candidate_guard.as_ref().map(Evaluator::new);
    let mut disagreements = Vec::new();
    let started = Instant::now();
    let mut total_rows = 0usize;
    let mut stages_used = std::collections::BTreeSet::new();
    for row in Rows::new(BufReader::new(file)) {
        let row = row.with_context(|| format!("corpus `{}`", args.file.display()))?;
        total_rows += 1;
        if !args.split.contains(&row.split_key) {
            continue;
        }
        let stage = match args.stage {
            Some(s) => Stage::from(s),
            None if row.label.is_output() => Stage::Output,
            None => Stage::Prompt,
        };
        stages_used.insert(stage);
        let groups = metrics::Groups {
            source: metrics::cut_at_depth(&row.source, args.source_depth),
            category: metrics::cut_at_depth(&row.category, args.category_depth),
        };
        let base = evaluator.observe(&row, stage, args.role.as_deref(), groups);
        if let Some(c) = candidate.as_mut() {
            let other = c.observe(&row, stage, args.role.as_deref(), groups);
            disagreements.extend(compare::Disagreement::of(&row, &base, &other));
        }
    }
    let setup = report::Setup {
        corpus: args.file.display().to_string(),
        policy: args.policy.label(),
        stages: stages_used.iter().map(|s| s.as_str()).collect(),
        role: args.role.clone(),
        split: args.split,
        total_rows,
        source_depth: args.source_depth,
        category_depth: args.category_depth,
        elapsed: started.elapsed(),
    };
    let finish = |evaluator: Evaluator<'_>, setup: report::Setup| {
        let mut tally = evaluator.tally;
        tally.sort_misses();
        report::Report::new(setup, tally, args.misses)
    };
    let report = finish(evaluator, setup.clone());
    let mut out = std::io::stdout().lock();
    if let (Some(c), Some(arg)) = (candidate, &candidate_arg) {
        let candidate_setup = report::Setup {
            policy: arg.label(),
            ..setup
        };
        let comparison = compare::Comparison::new(
            report,
            finish(c, candidate_setup),
            disagreements,
            args.disagreements,
        );
        if args.json {
            serde_json::to_writer_pretty(&mut out, &comparison)?;
            writeln!(out)?;
        } else {
            write!(out, "{}", comparison.to_text())?;
        }
    } else if args.json {
        serde_json::to_writer_pretty(&mut out, &report)?;
        writeln!(out)?;
    } else {
        write!(out, "{}", report.to_text())?;
    }
    out.flush()?;
    Ok(Outcome::Success)
}
