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
pub mod synth;
pub mod tmpl;
pub mod train;

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

/// Everything `make train` produces: the model bytes and its provenance manifest.
#[derive(Debug)]
pub struct Trained {
    /// The model file.
    pub model: Vec<u8>,
    /// Provenance (JSON): input hashes, counts, parameters, model hash.
    pub manifest: serde_json::Value,
}

/// Builds the training set (corpus rows allowed by licence and outside the holdout,
/// then the generated set) and trains with the default parameters.
pub fn train_from_corpus(rows: &[corpus::Row], corpus_sha256: &str) -> anyhow::Result<Trained> {
    let chosen = corpus::training_rows(rows);
    let generated = synth::generate()?;
    let mut samples: Vec<train::Sample> = Vec::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for r in &chosen {
        *counts
            .entry(format!(
                "{} {} {}",
                r.source,
                r.license,
                if r.attack { "attack" } else { "benign" }
            ))
            .or_default() += 1;
        samples.push(train::Sample {
            text: r.text.clone(),
            attack: r.attack,
            weight: 1.0,
        });
    }
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
    balance(&mut samples);
    let params = train::Params::default();
    let model = train::train(&samples, &params)?.to_bytes();
    let manifest = serde_json::json!({
        "model": "injection-v1",
        "model_sha256": hex::encode(Sha256::digest(&model)),
        "corpus_sha256": corpus_sha256,
        "corpus_rows_used": chosen.len(),
        "corpus_rows_used_sha256": corpus::rows_sha256(&chosen),
        "corpus_rows_by_source": counts,
        "generated_attacks": generated.attacks.len(),
        "generated_attacks_sha256": corpus::texts_sha256(&generated.attacks),
        "generated_benign": generated.benign.len(),
        "generated_benign_sha256": corpus::texts_sha256(&generated.benign),
        "attacks_tmpl_sha256": hex::encode(Sha256::digest(synth::ATTACKS_TMPL.as_bytes())),
        "benign_tmpl_sha256": hex::encode(Sha256::digest(synth::BENIGN_TMPL.as_bytes())),
        "params": format!("{params:?}"),
    });
    Ok(Trained { model, manifest })
}

/// Weights the classes so attacks and benign texts count equally in the loss.
pub fn balance(samples: &mut [train::Sample]) {
    let attacks = samples.iter().filter(|s| s.attack).count().max(1) as f64;
    let benign = samples.iter().filter(|s| !s.attack).count().max(1) as f64;
    let total = attacks + benign;
    for s in samples.iter_mut() {
        s.weight *= if s.attack {
            total / (2.0 * attacks)
        } else {
            total / (2.0 * benign)
        };
    }
}
