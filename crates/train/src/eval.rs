//! A quick evaluator until `gatehouse eval` lands: recall and false-positive rate per
//! source and per category, for the classifier alone (probability ≥ threshold), the
//! default policy without its classifier rules, and the default policy as shipped
//! (a row is caught when the decision is flag, review or deny, as in `gatehouse eval`).
//! Stage `prompt` for every row unless another is asked for (`--stage untrusted`). The
//! `policy` column is the whole default policy with the evaluated model in place of the
//! shipped one: a row is caught when the rules catch it or the model's probability
//! reaches the policy's `min_score` (the classifier rule's action is `flag`, so it
//! catches alone; with the shipped model it equals `combined`).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use gatehouse_core::rules::CheckConfig;
use gatehouse_core::rules::classifier::{self, DEFAULT_MAX_BYTES, Model, ModelName, score_views};
use gatehouse_core::{Decision, Guard, Policy, ScanRequest, Stage, normalise};

use crate::corpus::{Row, is_holdout};

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    n: usize,
    clf: usize,
    rules: usize,
    both: usize,
    policy: usize,
}

fn caught(d: Decision) -> bool {
    matches!(d, Decision::Flag | Decision::Review | Decision::Deny)
}

fn pct(k: usize, n: usize) -> f64 {
    if n == 0 {
        0.0
    } else {
        100.0 * k as f64 / n as f64
    }
}

/// The rows of a split (`tune`, `holdout`, `all`).
pub fn split_rows<'a>(rows: &'a [Row], split: &str) -> anyhow::Result<Vec<&'a Row>> {
    let keep: fn(&Row) -> bool = match split {
        "tune" => |r| !is_holdout(&r.id),
        "holdout" => |r| is_holdout(&r.id),
        "all" => |_| true,
        other => anyhow::bail!("unknown split `{other}` (expected tune, holdout or all)"),
    };
    Ok(rows.iter().filter(|r| keep(r)).collect())
}

/// The default policy's classifier rule at `stage`, if it has one.
fn stage_classifier(policy: &Policy, stage: Stage) -> Option<&classifier::Config> {
    policy
        .stages
        .get(stage)
        .rules
        .iter()
        .find_map(|r| match &r.check {
            CheckConfig::Classifier(c) => Some(c),
            _ => None,
        })
}

/// The model the default policy's classifier uses at `stage` (the default model when
/// the stage has no classifier rule).
pub fn stage_model(stage: Stage) -> anyhow::Result<ModelName> {
    let policy = Policy::embedded_default()?;
    Ok(stage_classifier(&policy, stage)
        .and_then(|c| c.model)
        .unwrap_or_default())
}

/// The default policy's rules without its classifier rules, and the classifier's
/// `min_score` at `stage` (0.5 when the stage has no classifier rule).
pub fn rules_without_classifier(stage: Stage) -> anyhow::Result<(Guard, f32)> {
    let mut policy = Policy::embedded_default()?;
    let min_score = stage_classifier(&policy, stage).map_or(0.5, |c| c.min_score);
    for s in [
        &mut policy.stages.prompt,
        &mut policy.stages.untrusted,
        &mut policy.stages.output,
    ] {
        s.rules
            .retain(|r| !matches!(r.check, CheckConfig::Classifier(_)));
    }
    Ok((Guard::new(&policy)?, min_score))
}

/// Whether the whole default policy at `stage`, without its classifier, catches `text`.
pub fn rules_catch(rules: &Guard, stage: Stage, text: &str) -> bool {
    caught(rules.scan(&ScanRequest::new(stage, text)).decision)
}

/// What [`report`] measures.
#[derive(Debug, Clone)]
pub struct Options {
    /// `tune`, `holdout` or `all`.
    pub split: String,
    /// Classifier threshold of the "classifier alone" columns.
    pub threshold: f32,
    /// Misclassified rows shown per source (tune split only: holdout rows are never
    /// shown).
    pub misses: usize,
    /// The stage whose rules run.
    pub stage: Stage,
    /// The `policy` column's min_score instead of the default policy's at the stage.
    pub min_score: Option<f32>,
}

/// The Markdown report of one split at one stage: recall and false-positive rates per
/// source and per category.
pub fn report(rows: &[Row], model: &Model, options: &Options) -> anyhow::Result<String> {
    let Options {
        ref split,
        threshold,
        misses,
        stage,
        min_score,
    } = *options;
    let split = split.as_str();
    if misses > 0 && split != "tune" {
        anyhow::bail!("misses are only shown for the tune split");
    }
    let rows = split_rows(rows, split)?;
    let mut shown: BTreeMap<String, usize> = BTreeMap::new();
    let mut miss_out = String::new();
    let combined = Guard::embedded_default()?;
    let (rules_only, policy_min_score) = rules_without_classifier(stage)?;
    let min_score = min_score.unwrap_or(policy_min_score);
    let limits = gatehouse_core::policy::Limits::default();

    let mut by_source: BTreeMap<(bool, String), Tally> = BTreeMap::new();
    let mut by_category: BTreeMap<(bool, String), Tally> = BTreeMap::new();
    let mut totals: BTreeMap<bool, Tally> = BTreeMap::new();
    let mut probs: Vec<(bool, String, f32)> = Vec::new();
    for r in &rows {
        let views = normalise::normalise(&r.text, &limits);
        let p = score_views(model, &views, true, DEFAULT_MAX_BYTES).unwrap_or(0.0);
        probs.push((r.attack, r.source.clone(), p));
        if (p >= threshold) != r.attack {
            let k = shown.entry(r.source.clone()).or_default();
            if *k < misses {
                *k += 1;
                let snippet: String = r.text.chars().take(160).collect();
                let _ = writeln!(miss_out, "- {} p={p:.2} {:?}", r.source, snippet);
            }
        }
        let c = usize::from(p >= threshold);
        let ru_caught = rules_catch(&rules_only, stage, &r.text);
        let ru = usize::from(ru_caught);
        let bo = usize::from(caught(
            combined.scan(&ScanRequest::new(stage, &r.text)).decision,
        ));
        let po = usize::from(ru_caught || p >= min_score);
        let depth = if r.category.starts_with("banking77") || r.category.starts_with("xstest") {
            1
        } else {
            2
        };
        let category = r
            .category
            .split(':')
            .take(depth)
            .collect::<Vec<_>>()
            .join(":");
        for t in [
            by_source.entry((r.attack, r.source.clone())).or_default(),
            by_category.entry((r.attack, category)).or_default(),
            totals.entry(r.attack).or_default(),
        ] {
            t.n += 1;
            t.clf += c;
            t.rules += ru;
            t.both += bo;
            t.policy += po;
        }
    }

    let mut out = String::new();
    let _ = writeln!(
        out,
        "## split `{split}`: {} rows, classifier threshold {threshold}\n",
        rows.len()
    );
    let _ = writeln!(
        out,
        "Recall for attacks, false-positive rate for benign rows (stage `{}`). `combined`: \
         the default policy with the shipped model; `policy`: with this model at the \
         min_score {min_score}.\n",
        stage.as_str()
    );
    for (title, map) in [("source", &by_source), ("category", &by_category)] {
        let _ = writeln!(
            out,
            "| label | {title} | rows | classifier | rules | combined | policy |"
        );
        let _ = writeln!(out, "|---|---|---:|---:|---:|---:|---:|");
        for ((attack, name), t) in map.iter().rev() {
            let label = if *attack { "attack" } else { "benign" };
            let _ = writeln!(
                out,
                "| {label} | {name} | {} | {:.1} % | {:.1} % | {:.1} % | {:.1} % |",
                t.n,
                pct(t.clf, t.n),
                pct(t.rules, t.n),
                pct(t.both, t.n),
                pct(t.policy, t.n)
            );
        }
        for (attack, t) in totals.iter().rev() {
            let label = if *attack { "attack" } else { "benign" };
            let _ = writeln!(
                out,
                "| **{label}** | **all** | {} | {:.1} % | {:.1} % | {:.1} % | {:.1} % |",
                t.n,
                pct(t.clf, t.n),
                pct(t.rules, t.n),
                pct(t.both, t.n),
                pct(t.policy, t.n)
            );
        }
        let _ = writeln!(out);
    }

    let _ = writeln!(
        out,
        "Classifier alone by threshold: overall recall / FPR, worst attack source recall, worst benign source FPR.\n"
    );
    let _ = writeln!(
        out,
        "| threshold | recall | FPR | worst source recall | worst source FPR |"
    );
    let _ = writeln!(out, "|---:|---:|---:|---:|---:|");
    for step in 2..20 {
        let t = step as f32 * 0.05;
        let mut per: BTreeMap<(bool, &str), (usize, usize)> = BTreeMap::new();
        for (attack, source, p) in &probs {
            let e = per.entry((*attack, source.as_str())).or_default();
            e.0 += 1;
            e.1 += usize::from(*p >= t);
        }
        let sum = |a: bool| {
            per.iter()
                .filter(|((x, _), _)| *x == a)
                .fold((0, 0), |(n, k), (_, (pn, pk))| (n + pn, k + pk))
        };
        let (an, ak) = sum(true);
        let (bn, bk) = sum(false);
        let worst_recall = per
            .iter()
            .filter(|((a, _), _)| *a)
            .map(|(_, (n, k))| pct(*k, *n))
            .fold(100.0, f64::min);
        let worst_fpr = per
            .iter()
            .filter(|((a, _), _)| !*a)
            .map(|(_, (n, k))| pct(*k, *n))
            .fold(0.0, f64::max);
        let _ = writeln!(
            out,
            "| {t:.2} | {:.1} % | {:.1} % | {worst_recall:.1} % | {worst_fpr:.1} % |",
            pct(ak, an),
            pct(bk, bn)
        );
    }
    let _ = writeln!(out);
    out.push_str(&miss_out);
    Ok(out)
}
