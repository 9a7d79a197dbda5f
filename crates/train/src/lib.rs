//! # gatehouse-train
//!
//! The reproducible trainer behind `make train` and a quick evaluator for the
//! injection classifier of `gatehouse-core` (`rules/classifier`). Training data:
//! the rows of the shared dev corpus whose licence allows shipping what is learned
//! (MIT, Apache, BSD, CC-BY, CC0), minus the holdout split, plus the hand-written
//! templates under `crates/train/data/`. Everything is deterministic: fixed seeds,
//! fixed order, no threads, so the same inputs give the same model file bit for bit.
//! See `docs/MODEL_CARD.md`.

pub mod corpus;
pub mod eval;
pub mod mlp;
pub mod synth;
pub mod tmpl;
pub mod train;

use std::collections::BTreeMap;

use gatehouse_core::rules::classifier::Model;
use sha2::{Digest, Sha256};

/// Everything `make train` produces: the model bytes and its provenance manifest.
#[derive(Debug)]
pub struct Trained {
    /// The model file.
    pub model: Vec<u8>,
    /// Provenance (JSON): input hashes, counts, parameters, model hash.
    pub manifest: serde_json::Value,
}

/// Builds the training set of `recipe` (corpus rows allowed by licence and outside the
/// holdout, then the generated set) and trains with the default parameters.
pub fn train_from_corpus(
    rows: &[corpus::Row],
    corpus_sha256: &str,
    recipe: &Recipe,
) -> anyhow::Result<Trained> {
    let chosen = corpus::training_rows(rows);
    let generated = synth::generate(recipe)?;
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in chosen.iter().filter(|r| use_row(r)) {
        *counts
            .entry(format!(
                "{} {} {}",
                r.source,
                r.license,
                if r.attack { "attack" } else { "benign" }
            ))
            .or_default() += 1;
    }
    let samples = samples_for(&chosen, &generated, recipe);
    let params = train::Params::default();
    let model = learn(&samples, recipe.learner)?.to_bytes();
    let manifest = serde_json::json!({
        "model": recipe.name,
        "model_sha256": hex::encode(Sha256::digest(&model)),
        "corpus_sha256": corpus_sha256,
        "corpus_rows_licence_ok_not_holdout": chosen.len(),
        "corpus_rows_licence_ok_not_holdout_sha256": corpus::rows_sha256(&chosen),
        "corpus_rows_used": counts.values().sum::<usize>(),
        "corpus_rows_used_sha256": corpus::rows_sha256(&chosen.iter().copied().filter(|r| use_row(r)).collect::<Vec<_>>()),
        "corpus_rows_by_source": counts,
        "generated_attacks": generated.attacks.len(),
        "generated_attacks_sha256": corpus::texts_sha256(&generated.attacks),
        "generated_benign": generated.benign.len(),
        "generated_benign_sha256": corpus::texts_sha256(&generated.benign),
        "attacks_tmpl_sha256": hex::encode(Sha256::digest(synth::ATTACKS_TMPL.as_bytes())),
        "benign_tmpls_sha256": recipe
            .benign_tmpls
            .iter()
            .map(|(name, text)| ((*name).to_owned(), hex::encode(Sha256::digest(text.as_bytes()))))
            .collect::<BTreeMap<String, String>>(),
        "benign_tmpl_expanded": synth::benign_expanded_by_file(recipe)?
            .into_iter()
            .map(|(name, n)| (name.to_owned(), n))
            .collect::<BTreeMap<String, usize>>(),
        "bipia_clean_copies": recipe.bipia_copies,
        "corpus_benign_weight": recipe.corpus_benign_weight,
        "generated_records": generated.records.len(),
        "generated_records_sha256": corpus::texts_sha256(&generated.records),
        "records_tmpl_sha256": hex::encode(Sha256::digest(synth::RECORDS_TMPL.as_bytes())),
        "records_weight": RECORDS_WEIGHT,
        "template_pairs": recipe.pairs
            .iter()
            .map(|(p, weight)| {
                // A pair at weight 0 is not expanded: no texts.
                let (attacks, benign) = generated
                    .weighted
                    .iter()
                    .find(|w| w.pair.name == p.name)
                    .map_or((&[][..], &[][..]), |w| (&w.attacks[..], &w.benign[..]));
                (p.name.to_owned(), serde_json::json!({
                    "weight": weight,
                    "attacks_tmpl_sha256": hex::encode(Sha256::digest(p.attacks.as_bytes())),
                    "benign_tmpl_sha256": hex::encode(Sha256::digest(p.benign.as_bytes())),
                    "generated_attacks": attacks.len(),
                    "generated_attacks_sha256": corpus::texts_sha256(attacks),
                    "generated_benign": benign.len(),
                    "generated_benign_sha256": corpus::texts_sha256(benign),
                }))
            })
            .collect::<BTreeMap<String, serde_json::Value>>(),
        "params": format!("{params:?}"),
        "learner": format!("{:?}", recipe.learner),
    });
    Ok(Trained { model, manifest })
}

/// Whether a licence-allowed, non-holdout row is trained on. Attack rows are not:
/// the only ones (BIPIA) share their documents with benign rows, so a model trained
/// on them learns which *documents* carried an injection rather than the injection
/// (cross-validation on the tune split showed clean copies of those documents
/// flagged). Injections are learned from the generated set; the corpus contributes
/// benign rows, including BIPIA's clean documents.
pub fn use_row(r: &corpus::Row) -> bool {
    !r.attack
}

/// The planted instruction of an attack row whose clean document is among the benign
/// rows: the attack text minus the longest common prefix and suffix with the benign
/// row that explains most of it (at least 80 % of that row). `None` when no benign
/// row fits. This keeps the contrast (instruction vs document) without teaching the
/// model which documents were used for attacks.
pub fn planted_instruction<'a>(attack: &'a str, benign: &[&corpus::Row]) -> Option<&'a str> {
    let a = attack.as_bytes();
    let mut best: Option<(usize, usize, usize)> = None;
    for b in benign {
        let bb = b.text.as_bytes();
        let p = a.iter().zip(bb).take_while(|(x, y)| x == y).count();
        let max_s = a.len().min(bb.len()) - p;
        let s = a
            .iter()
            .rev()
            .zip(bb.iter().rev())
            .take(max_s)
            .take_while(|(x, y)| x == y)
            .count();
        if (p + s) * 5 >= bb.len() * 4 && best.is_none_or(|(bp, bs, _)| p + s > bp + bs) {
            best = Some((p, s, bb.len()));
        }
    }
    let (p, s, _) = best?;
    let mut start = p;
    while !attack.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = attack.len() - s;
    while !attack.is_char_boundary(end) {
        end += 1;
    }
    let inj = attack.get(start..end)?.trim();
    (inj.len() >= 8).then_some(inj)
}

/// `doc` with `inj` at its start, end or at a line break in between.
pub fn plant(doc: &str, inj: &str, rng: &mut tmpl::SplitMix64) -> String {
    let breaks: Vec<usize> = doc.match_indices('\n').map(|(i, _)| i).collect();
    match rng.below(3) {
        0 => format!("{inj}\n{doc}"),
        1 => format!("{doc}\n{inj}"),
        _ => {
            let at = breaks
                .get(rng.below(breaks.len()))
                .copied()
                .unwrap_or(doc.len());
            let (a, b) = doc.split_at(at);
            format!("{a}\n{inj}{b}")
        }
    }
}

/// Corpus attack rows reduced to their planted instructions (see [`planted_instruction`]).
pub fn planted_instructions(chosen: &[&corpus::Row]) -> Vec<String> {
    let benign: Vec<&corpus::Row> = chosen.iter().copied().filter(|r| !r.attack).collect();
    chosen
        .iter()
        .filter(|r| r.attack)
        .filter_map(|r| planted_instruction(&r.text, &benign).map(str::to_owned))
        .collect()
}

/// The sample weight of each generated tool output ([`synth::records`]) against a
/// generated benign text (1); at 0 they are not generated and the training set is as
/// before. 0 for the shipped model. At 0.3 the classifier stopped escalating generated
/// benign tool outputs at the untrusted stage (5.6 % → 0.5 % of single records, all
/// twenty 200-record outputs → 2 of 20) but lost holdout attacks, so it was not shipped
/// (docs/DETECTION.md, 2026-12-04 (5)).
pub const RECORDS_WEIGHT: f64 = 0.0;

/// How one shipped model is trained. Every model shares the corpus rows, the generated
/// set from `attacks.tmpl` and `benign.tmpl`, [`RECORDS_WEIGHT`] and the parameters;
/// they differ in the benign template files, the corpus rows' weights and the sample
/// weight of each template pair.
#[derive(Debug, Clone)]
pub struct Recipe {
    /// The model's name: its file stem under `crates/core/models/` and the manifest's
    /// `model`.
    pub name: &'static str,
    /// The benign template files, in expansion order (file `i` with its own seed, so
    /// the first expands as it does alone).
    pub benign_tmpls: &'static [synth::NamedTmpl],
    /// How often each clean BIPIA document counts: its weight as a benign row, and the
    /// number of copies with a different instruction planted in it.
    pub bipia_copies: usize,
    /// The weight of every other benign corpus row (Banking77, InjecGuard, XSTest)
    /// against a generated benign text.
    pub corpus_benign_weight: f64,
    /// Each template pair with the sample weight of each of its texts, against a
    /// generated benign text's 1 (at 0 the pair is not expanded), in the order their
    /// samples are added.
    pub pairs: [(synth::TemplatePair, f64); 3],
    /// What learns from the samples.
    pub learner: Learner,
}

impl Recipe {
    /// The recipe with the pair named `pair` at `weight` instead (for trying a weight
    /// without editing the recipe; the manifest records the weight used).
    pub fn with_weight(mut self, pair: &str, weight: f64) -> anyhow::Result<Recipe> {
        if !(weight.is_finite() && weight >= 0.0) {
            anyhow::bail!("weight of `{pair}` must be a finite number ≥ 0, got {weight}");
        }
        let known: Vec<&str> = self.pairs.iter().map(|(p, _)| p.name).collect();
        match self.pairs.iter_mut().find(|(p, _)| p.name == pair) {
            Some((_, w)) => *w = weight,
            None => anyhow::bail!("no template pair `{pair}` (known: {})", known.join(", ")),
        }
        Ok(self)
    }

    /// The shipped recipe named `name`.
    pub fn named(name: &str) -> anyhow::Result<Recipe> {
        RECIPES
            .iter()
            .find(|r| r.name == name)
            .cloned()
            .ok_or_else(|| {
                let known: Vec<&str> = RECIPES.iter().map(|r| r.name).collect();
                anyhow::anyhow!("no model `{name}` (known: {})", known.join(", "))
            })
    }
}

/// `injection-v1`, the untrusted stage's model (tool outputs and documents).
///
/// The tool-output documents ([`synth::DOCUMENTS`]) at 0.3: they halved the benign tool
/// outputs stopped at the untrusted stage on two blind sets (20.5 → 8.7 % and 23.8 →
/// 11.6 %) and kept 4-fold validation's every benign source under 3 %. Planting an
/// instruction in a copy of each benign document (as for BIPIA's) caught more attacks
/// but flagged 3.7 % of WildGuard's tune rows in 4-fold validation; the benign
/// documents alone caught far fewer attacks outside the corpus (docs/DETECTION.md,
/// 2026-12-05 (8)).
///
/// The chat messages to an agent ([`synth::AGENT`]) at 0: at 0.1 to 1.0 benign tool
/// outputs stopped at the untrusted stage rose again (8.7 → 12–15 % on one blind set;
/// docs/DETECTION.md, 2026-12-05 (11)), so they train [`PROMPT_V1`] only.
///
/// The tool outputs of thirty-four more domains ([`synth::UNTRUSTED`]) at 0.5: on six
/// blind tool-output sets, 637 → 754 of 1,148 attacks caught and 119 → 104 of 1,878
/// benign outputs stopped; at that stage the corpus's holdout 291 → 293 of 327 attacks,
/// its 4-fold benign rows 1.8 → 2.1 % flagged, and order records 3 → 4 of 1,000
/// escalated. At 1 the second half of the pair cost four holdout attacks
/// (docs/DETECTION.md, 2026-12-05 (15)). They train this model only, so `prompt-v1`
/// stays as it was.
pub const INJECTION_V1: Recipe = Recipe {
    name: "injection-v1",
    benign_tmpls: &[synth::BENIGN],
    bipia_copies: 1,
    corpus_benign_weight: 1.0,
    pairs: [
        (synth::DOCUMENTS, 0.3),
        (synth::AGENT, 0.0),
        (synth::UNTRUSTED, 0.5),
    ],
    learner: Learner::Linear,
};

/// `prompt-v1`, the prompt stage's model: [`INJECTION_V1`] plus the chat messages to a
/// tool-using agent ([`synth::AGENT`]) at 0.1 and everyday requests
/// ([`synth::EVERYDAY`]).
///
/// The agent's attacks alone (at 0.05 to 0.3) made generic requests look like attacks:
/// 4-fold validation on the tune split flagged Alpaca and InjecGuard rows over 3 % below
/// p = 0.5, where the holdout lost a row (89.9 %). The everyday requests counter that;
/// they triple the generated benign texts, so the corpus's benign rows are weighted 4
/// and each clean BIPIA document is planted four times (the classes are balanced, so
/// every generated benign text dilutes the corpus's; long documents with many everyday
/// n-grams otherwise drift towards "attack", and the planted copies keep the
/// instruction, not the document, as the signal). The agent pair's templates include
/// attacks and everyday messages in seventeen languages and task instructions with
/// their input (docs/DETECTION.md, 2026-12-05 (14)). 4-fold validation then keeps every
/// benign source at or under 3 % from p = 0.45, the stage's `min_score`
/// (docs/MODEL_CARD.md).
pub const PROMPT_V1: Recipe = Recipe {
    name: "prompt-v1",
    benign_tmpls: &[synth::BENIGN, synth::EVERYDAY],
    bipia_copies: 4,
    corpus_benign_weight: 4.0,
    pairs: [
        (synth::DOCUMENTS, 0.3),
        (synth::AGENT, 0.1),
        (synth::UNTRUSTED, 0.0),
    ],
    learner: Learner::Linear,
};

/// Every shipped model's recipe.
pub const RECIPES: [Recipe; 2] = [INJECTION_V1, PROMPT_V1];

/// The training samples of `recipe`: the used corpus rows, then the generated set,
/// class-balanced.
pub fn samples_for(
    chosen: &[&corpus::Row],
    generated: &synth::Generated,
    recipe: &Recipe,
) -> Vec<train::Sample> {
    let mut samples: Vec<train::Sample> = chosen
        .iter()
        .filter(|r| use_row(r))
        .map(|r| train::Sample {
            text: r.text.clone(),
            attack: r.attack,
            weight: if r.source.contains("BIPIA") {
                recipe.bipia_copies as f64
            } else {
                recipe.corpus_benign_weight
            },
        })
        .collect();
    let planted = planted_instructions(chosen);
    // Each clean document also appears once with an instruction planted in it (one of
    // the corpus's planted instructions or one of ours), so the document's own n-grams
    // stay neutral and only the instruction carries the signal.
    let mut rng = tmpl::SplitMix64(0x0070_6c61_6e74_6564);
    let pool: Vec<&String> = planted
        .iter()
        .chain(generated.attacks.iter().filter(|t| t.len() < 200))
        .collect();
    for r in chosen
        .iter()
        .filter(|r| !r.attack && r.source.contains("BIPIA"))
    {
        for _ in 0..recipe.bipia_copies {
            if let Some(inj) = pool.get(rng.below(pool.len())) {
                samples.push(train::Sample {
                    text: plant(&r.text, inj, &mut rng),
                    attack: true,
                    weight: 1.0,
                });
            }
        }
    }
    samples.extend(planted.into_iter().map(|t| train::Sample {
        text: t,
        attack: true,
        weight: 1.0,
    }));
    samples.extend(generated.attacks.iter().map(|t| train::Sample {
        text: t.clone(),
        attack: true,
        weight: 1.0,
    }));
    samples.extend(generated.benign.iter().map(|t| train::Sample {
        text: t.clone(),
        attack: false,
        weight: 1.0,
    }));
    samples.extend(generated.records.iter().map(|t| train::Sample {
        text: t.clone(),
        attack: false,
        weight: RECORDS_WEIGHT,
    }));
    for w in &generated.weighted {
        samples.extend(
            (w.attacks.iter().map(|t| (t, true)))
                .chain(w.benign.iter().map(|t| (t, false)))
                .map(|(t, attack)| train::Sample {
                    text: t.clone(),
                    attack,
                    weight: w.weight,
                }),
        );
    }
    balance(&mut samples);
    samples
}

/// K-fold validation of `recipe` inside the tune split: for each fold, train without
/// that fold's corpus rows and score them, alone and with the default policy's other
/// rules at `stage` (the stage the model serves). The honest estimate for sources we
/// train on.
pub fn crossval(
    rows: &[corpus::Row],
    folds: u8,
    threshold: f32,
    recipe: &Recipe,
    stage: gatehouse_core::Stage,
    learner: Learner,
) -> anyhow::Result<String> {
    let chosen = corpus::training_rows(rows);
    let generated = synth::generate(recipe)?;
    let tune: Vec<&corpus::Row> = rows.iter().filter(|r| !corpus::is_holdout(&r.id)).collect();
    let fold_of = |id: &str| {
        Sha256::digest(format!("fold:{id}").as_bytes())
            .first()
            .copied()
            .unwrap_or(0)
            % folds.max(1)
    };
    let misses = std::env::var_os("CROSSVAL_MISSES").is_some();
    // The whole default policy with each fold's model: the rules (classifier rules
    // removed) catch a row, or the fold's model reaches the threshold of the column.
    let (rules, _) = eval::rules_without_classifier(stage)?;
    let mut scored: Vec<(bool, String, f32, bool)> = Vec::new();
    for k in 0..folds {
        let train_rows: Vec<&corpus::Row> = chosen
            .iter()
            .copied()
            .filter(|r| fold_of(&r.id) != k)
            .collect();
        let model = learn(&samples_for(&train_rows, &generated, recipe), learner)?;
        let score = |t: &str| model.probability(&train::canonical(t));
        for r in tune.iter().filter(|r| fold_of(&r.id) == k) {
            let p = score(&r.text);
            if misses && !r.attack && p >= threshold {
                eprintln!(
                    "false positive p={p:.2} {} {:?}",
                    r.source,
                    r.text.chars().take(160).collect::<String>()
                );
            }
            if misses && r.attack && p < threshold && r.source.contains("BIPIA") {
                let benign: Vec<&corpus::Row> =
                    chosen.iter().copied().filter(|x| !x.attack).collect();
                match planted_instruction(&r.text, &benign) {
                    Some(inj) => eprintln!(
                        "miss p={p:.2} planted {:?}",
                        inj.chars().take(120).collect::<String>()
                    ),
                    None => eprintln!("miss p={p:.2} category {} (no clean twin)", r.category),
                }
            }
            let by_rules = eval::rules_catch(&rules, stage, &r.text);
            if misses && r.attack && p < threshold && !by_rules {
                eprintln!(
                    "policy miss p={p:.2} {} {:?}",
                    r.source,
                    r.text.chars().take(200).collect::<String>()
                );
            }
            scored.push((r.attack, r.source.clone(), p, by_rules));
        }
    }
    let mut out = format!(
        "{folds}-fold validation on the tune split (rows of a fold are never trained on when scored)\n\n"
    );
    let ts = [0.3f32, 0.4, 0.5, 0.6, 0.7, threshold];
    let mut groups: BTreeMap<(bool, String), Vec<(f32, bool)>> = BTreeMap::new();
    for (a, s, p, by_rules) in &scored {
        groups
            .entry((*a, s.clone()))
            .or_default()
            .push((*p, *by_rules));
        groups
            .entry((*a, "**all**".to_owned()))
            .or_default()
            .push((*p, *by_rules));
    }
    for (title, with_rules) in [
        ("classifier alone".to_owned(), false),
        (
            format!(
                "whole default policy (stage {}), classifier at p ≥ column",
                stage.as_str()
            ),
            true,
        ),
    ] {
        out.push_str(&format!("{title}\n\n| label | source | rows |"));
        for t in ts {
            out.push_str(&format!(" p ≥ {t:.2} |"));
        }
        out.push_str("\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for ((attack, source), ps) in groups.iter().rev() {
            out.push_str(&format!(
                "| {} | {source} | {} |",
                if *attack { "attack" } else { "benign" },
                ps.len()
            ));
            for t in ts {
                let k = ps
                    .iter()
                    .filter(|(p, r)| *p >= t || (with_rules && *r))
                    .count();
                out.push_str(&format!(
                    " {:.1} % |",
                    100.0 * k as f64 / ps.len().max(1) as f64
                ));
            }
            out.push('\n');
        }
        out.push('\n');
    }
    Ok(out)
}

/// What learns a recipe's model: the linear model both shipped models use, or the
/// wide-and-deep one of [`mlp`] (model format version 2; tried, not shipped).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Learner {
    /// [`train::train`], as `make train` runs it.
    Linear,
    /// [`mlp::train`] with these hidden-layer settings.
    WideDeep(mlp::Settings),
}

/// The model `learner` trains on `samples` with the default parameters, quantised as
/// shipped.
pub fn learn(samples: &[train::Sample], learner: Learner) -> anyhow::Result<Model> {
    let params = train::Params::default();
    Ok(match learner {
        Learner::WideDeep(deep) => mlp::train(samples, &params, &deep).to_model()?,
        Learner::Linear => train::train(samples, &params)?,
    })
}

/// Trains `recipe` on the training rows and scores labelled files with the default
/// policy's rules at `stage` and the model at `threshold`: per file, attacks caught and
/// benign rows flagged (flag, review or deny), totals only (`SCORE_SETS_SHOW` set: the
/// benign rows flagged, on stderr). A stand-in for `gatehouse eval` with a model that
/// has no file yet: with the shipped linear model it counts within 1 % of `gatehouse
/// eval`'s attacks and the same benign rows on the read red-team sets (the policy's
/// other paths, such as the session count, are not run).
pub fn score_sets(
    rows: &[corpus::Row],
    recipe: &Recipe,
    stage: gatehouse_core::Stage,
    threshold: f32,
    files: &[std::path::PathBuf],
    learner: Learner,
) -> anyhow::Result<String> {
    let chosen = corpus::training_rows(rows);
    let generated = synth::generate(recipe)?;
    let model = learn(&samples_for(&chosen, &generated, recipe), learner)?;
    let score = |t: &str| model.probability(&train::canonical(t));
    let (rules, _) = eval::rules_without_classifier(stage)?;
    let show = std::env::var_os("SCORE_SETS_SHOW").is_some();
    let mut out = String::new();
    let (mut ta, mut tb, mut na, mut nb) = (0, 0, 0, 0);
    for f in files {
        let (set, _) = corpus::read(f)?;
        let (mut a, mut b, mut n_a, mut n_b) = (0, 0, 0, 0);
        for r in &set {
            let p = score(&r.text);
            let by_rules = eval::rules_catch(&rules, stage, &r.text);
            let hit = p >= threshold || by_rules;
            if show && hit && !r.attack {
                eprintln!(
                    "benign flagged p={p:.2} rules={by_rules} {} {:?}",
                    r.id, r.text
                );
            }
            if r.attack {
                n_a += 1;
                a += usize::from(hit);
            } else {
                n_b += 1;
                b += usize::from(hit);
            }
        }
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        out.push_str(&format!(
            "{name:34} caught {a:4}/{n_a:4} | benign flagged {b:3}/{n_b:4}\n"
        ));
        (ta, tb, na, nb) = (ta + a, tb + b, na + n_a, nb + n_b);
    }
    out.push_str(&format!(
        "{:34} caught {ta:4}/{na:4} | benign flagged {tb:3}/{nb:4}\n",
        "total"
    ));
    Ok(out)
}

/// Weights the classes so attacks and benign texts count equally in the loss: each
/// class's total sample weight is made half of the whole.
pub fn balance(samples: &mut [train::Sample]) {
    let total_of = |attack: bool| {
        let sum: f64 = samples
            .iter()
            .filter(|s| s.attack == attack)
            .map(|s| s.weight)
            .sum();
        if sum > 0.0 { sum } else { 1.0 }
    };
    let attacks = total_of(true);
    let benign = total_of(false);
    let total = attacks + benign;
    for s in samples.iter_mut() {
        s.weight *= if s.attack {
            total / (2.0 * attacks)
        } else {
            total / (2.0 * benign)
        };
    }
}
