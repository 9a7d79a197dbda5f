//! A learner with more capacity than the shipped linear model (tried, no shipped model
//! uses it yet: docs/DETECTION.md, 2026-12-06 (39)): the same
//! hashed features and windows, the same linear part, plus one hidden layer over the
//! window's bag of features ("wide and deep"):
//!
//! `z = bias + Σ w[k] / √n + Σ_j v[j] · relu(Σ E[d][j] / √m + c[j])`
//!
//! over the window's `n` feature occurrences `k` and its `m` occurrences `d` of the
//! hidden layer's own feature families (all of them, or fewer: words alone cost a tenth
//! of the lookups); the text's score is the best window's,
//! as for the linear model. Trained as [`crate::train::train`] trains (AdaGrad, L2,
//! a fixed order from a fixed seed, no threads), in `f64`, then quantised to `i8`
//! ([`Mlp::to_model`]) in the model format's version 2, which
//! `gatehouse_core::rules::classifier::model` scores.

use gatehouse_core::rules::classifier::features::FeatureSet;
use gatehouse_core::rules::classifier::model::{Deep, HIDDEN, sigmoid};
use gatehouse_core::rules::classifier::{Model, ModelError};

use crate::tmpl::SplitMix64;
use crate::train::{Example, Params, Sample, adagrad, example_of, quantise, read_text};

/// A trained wide-and-deep model, in `f64`.
#[derive(Debug, Clone, PartialEq)]
pub struct Mlp {
    params: Params,
    deep_features: FeatureSet,
    log2_rows: u8,
    hidden: usize,
    bias: f64,
    w: Vec<f64>,
    /// `E`, one row of `hidden` per embedding row: `emb[k * hidden + j]`.
    emb: Vec<f64>,
    c: Vec<f64>,
    v: Vec<f64>,
}

/// The best window of an example: its logit, its features, and the hidden layer's
/// pre-activations there.
struct Best<'a> {
    z: f64,
    feats: &'a [u32],
    deep_feats: &'a [u32],
    pre: Vec<f64>,
}

impl Mlp {
    fn logit(&self, f: &[u32], d: &[u32], pre: &mut [f64]) -> f64 {
        let s = 1.0 / (f.len().max(1) as f64).sqrt();
        let sd = 1.0 / (d.len().max(1) as f64).sqrt();
        let lin: f64 = f
            .iter()
            .map(|&k| self.w.get(k as usize).copied().unwrap_or(0.0))
            .sum();
        pre.iter_mut().for_each(|p| *p = 0.0);
        for &k in d {
            let k = k as usize;
            let row = self
                .emb
                .get(k * self.hidden..(k + 1) * self.hidden)
                .unwrap_or_default();
            for (p, e) in pre.iter_mut().zip(row) {
                *p += e;
            }
        }
        let mut z = self.bias + lin * s;
        for ((p, c), v) in pre.iter_mut().zip(&self.c).zip(&self.v) {
            *p = *p * sd + c;
            z += v * p.max(0.0);
        }
        z
    }

    fn best<'a>(&self, ex: &'a Example, dx: &'a Example) -> Option<Best<'a>> {
        let mut pre = vec![0.0; self.hidden];
        let mut best: Option<Best<'a>> = None;
        for (&(a, b), &(da, db)) in ex.windows.iter().zip(&dx.windows) {
            let f = ex.feats.get(a as usize..b as usize).unwrap_or_default();
            let d = dx.feats.get(da as usize..db as usize).unwrap_or_default();
            let z = self.logit(f, d, &mut pre);
            if best.as_ref().is_none_or(|bb| z > bb.z) {
                best = Some(Best {
                    z,
                    feats: f,
                    deep_feats: d,
                    pre: pre.clone(),
                });
            }
        }
        best
    }

    /// The model quantised to `i8` (linear weights and embeddings each with their own
    /// scale, the largest magnitude at 127), in the file format's version 2. Fails
    /// unless the hidden layer has [`HIDDEN`] units.
    pub fn to_model(&self) -> Result<Model, ModelError> {
        if self.hidden != HIDDEN {
            return Err(ModelError::Hidden(self.hidden as u32));
        }
        let (quantised, scale) = quantise(&self.w);
        let (emb, emb_scale) = quantise(&self.emb);
        let p = &self.params;
        Model::new(
            p.features,
            p.log2_buckets,
            p.window,
            p.stride,
            self.bias as f32,
            scale as f32,
            quantised,
        )?
        .with_deep(Deep {
            features: self.deep_features,
            log2_rows: self.log2_rows,
            scale: emb_scale as f32,
            bias: std::array::from_fn(|j| self.c.get(j).copied().unwrap_or(0.0) as f32),
            out: std::array::from_fn(|j| self.v.get(j).copied().unwrap_or(0.0) as f32),
            embedding: emb
                .chunks_exact(HIDDEN)
                .map(|c| std::array::from_fn(|j| c.get(j).copied().unwrap_or(0)))
                .collect(),
        })
    }
}

/// A sample's example for the linear part and for the hidden layer.
fn examples(s: &Sample, p: &Params, deep: FeatureSet, log2_rows: u8) -> (Example, Example) {
    let text = read_text(s, p);
    (
        example_of(&text, s, p, p.features, p.log2_buckets),
        example_of(&text, s, p, deep, log2_rows),
    )
}

/// The hidden layer's settings; the linear part's are [`Params`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Hidden units.
    pub hidden: usize,
    /// AdaGrad learning rate of the hidden layer.
    pub rate: f64,
    /// L2 penalty per update on the touched embedding weights.
    pub l2: f64,
    /// Seed of the initial weights (the example order is [`Params::seed`]'s).
    pub init_seed: u64,
    /// Half-width of the uniform initial embedding weights. At 0 no hidden unit ever
    /// turns on, so the model is the linear one unquantised: the control of an
    /// experiment.
    pub init: f64,
    /// The feature families the hidden layer reads (a subset of the linear part's).
    pub features: FeatureSet,
    /// log2 of the embedding rows (`None`: the linear part's bucket count).
    pub log2_rows: Option<u8>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            hidden: 16,
            rate: 0.05,
            l2: 1e-5,
            init_seed: 0x006d_6c70,
            init: 0.05,
            features: FeatureSet(FeatureSet::FAMILIES),
            log2_rows: None,
        }
    }
}

/// Trains a wide-and-deep model on the samples (shuffled per epoch with `p.seed`). The
/// linear part learns at `p.learning_rate` with `p.l2`, the hidden layer as `deep` says.
pub fn train(samples: &[Sample], p: &Params, deep: &Settings) -> Mlp {
    let log2_rows = deep.log2_rows.unwrap_or(p.log2_buckets);
    let examples: Vec<(Example, Example)> = samples
        .iter()
        .map(|s| examples(s, p, deep.features, log2_rows))
        .collect();
    let n = 1usize << p.log2_buckets;
    let rows = 1usize << log2_rows;
    let hidden = deep.hidden;
    let mut rng = SplitMix64(p.seed ^ deep.init_seed);
    let mut uniform = |a: f64| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * 2.0 * a - a;
    let mut m = Mlp {
        params: p.clone(),
        deep_features: deep.features,
        log2_rows,
        hidden,
        bias: 0.0,
        w: vec![0.0; n],
        emb: (0..rows * hidden).map(|_| uniform(deep.init)).collect(),
        c: vec![0.0; hidden],
        v: (0..hidden).map(|_| uniform(0.5)).collect(),
    };
    let mut gw = vec![0f64; n];
    let mut ge = vec![0f64; rows * hidden];
    let mut gc = vec![0f64; hidden];
    let mut gv = vec![0f64; hidden];
    let mut gb = 0f64;
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut rng = SplitMix64(p.seed);
    for _ in 0..p.epochs {
        rng.shuffle(&mut order);
        for &i in &order {
            let Some((ex, dx)) = examples.get(i) else {
                continue;
            };
            let Some(best) = m.best(ex, dx) else { continue };
            let g = (f64::from(sigmoid(best.z as f32)) - ex.y) * ex.weight;
            let s = 1.0 / (best.feats.len().max(1) as f64).sqrt();
            let sd = 1.0 / (best.deep_feats.len().max(1) as f64).sqrt();
            // Hidden gradients at the pre-activations (zero where the unit is off).
            let dh: Vec<f64> = best
                .pre
                .iter()
                .zip(&m.v)
                .map(|(&pre, &v)| if pre > 0.0 { g * v } else { 0.0 })
                .collect();
            for &k in best.feats {
                let k = k as usize;
                if let (Some(wk), Some(gk)) = (m.w.get_mut(k), gw.get_mut(k)) {
                    let gi = g * s + p.l2 * *wk;
                    *wk -= adagrad(gk, gi, p.learning_rate);
                }
            }
            for &k in best.deep_feats {
                let lo = k as usize * hidden;
                for (j, &d) in dh.iter().enumerate() {
                    if let (Some(e), Some(g2)) = (m.emb.get_mut(lo + j), ge.get_mut(lo + j)) {
                        let gi = d * sd + deep.l2 * *e;
                        *e -= adagrad(g2, gi, deep.rate);
                    }
                }
            }
            for (j, &d) in dh.iter().enumerate() {
                if let (Some(c), Some(g2)) = (m.c.get_mut(j), gc.get_mut(j)) {
                    *c -= adagrad(g2, d, deep.rate);
                }
                let act = best.pre.get(j).copied().unwrap_or(0.0).max(0.0);
                if let (Some(v), Some(g2)) = (m.v.get_mut(j), gv.get_mut(j)) {
                    *v -= adagrad(g2, g * act, deep.rate);
                }
            }
            m.bias -= adagrad(&mut gb, g, p.learning_rate);
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::{self, canonical};

    const FILLERS: [&str; 12] = [
        "order", "delivery", "today", "please", "thanks", "window", "garden", "ticket", "morning",
        "parcel", "invoice", "weekend",
    ];

    /// Texts of filler words where `zorblat` and `quimbex` each appear or not, never
    /// side by side: an attack when exactly one appears (exclusive or, which no weights
    /// on the features of a bag of n-grams can separate).
    fn xor_samples(n: usize, seed: u64) -> Vec<Sample> {
        let mut rng = SplitMix64(seed);
        (0..n)
            .map(|i| {
                let (x, y) = (i % 2 == 1, (i / 2) % 2 == 1);
                let mut words: Vec<&str> = (0..6)
                    .map(|_| {
                        FILLERS
                            .get(rng.below(FILLERS.len()))
                            .copied()
                            .unwrap_or("a")
                    })
                    .collect();
                if x {
                    words.insert(0, "zorblat");
                }
                if y {
                    words.push("quimbex");
                }
                Sample {
                    text: words.join(" "),
                    attack: x != y,
                    weight: 1.0,
                }
            })
            .collect()
    }

    fn accuracy(samples: &[Sample], p: impl Fn(&str) -> f32) -> f64 {
        let right = samples
            .iter()
            .filter(|s| (p(&s.text) >= 0.5) == s.attack)
            .count();
        right as f64 / samples.len() as f64
    }

    /// The hidden layer learns an interaction between two words that the linear model
    /// cannot: on fresh texts, nearly all right against at most four in five (the
    /// linear model fits the fillers and is at chance).
    #[test]
    fn hidden_layer_learns_what_the_linear_model_cannot() {
        let p = Params {
            log2_buckets: 12,
            epochs: 30,
            ..Params::default()
        };
        let (fit, fresh) = (xor_samples(400, 1), xor_samples(200, 2));
        // A learning rate the exclusive-or needs (the default 0.05 leaves it at chance on
        // fresh texts: the interaction is all the signal here).
        let deep = train(
            &fit,
            &p,
            &Settings {
                rate: 0.5,
                ..Settings::default()
            },
        );
        let linear = train::train(&fit, &p).unwrap_or_else(|e| panic!("linear model: {e}"));
        let deep = deep
            .to_model()
            .unwrap_or_else(|e| panic!("wide and deep: {e}"));
        let deep_acc = accuracy(&fresh, |t| deep.probability(&canonical(t)));
        let linear_acc = accuracy(&fresh, |t| linear.probability(&canonical(t)));
        assert!(deep_acc >= 0.95, "wide and deep: {deep_acc}");
        assert!(linear_acc <= 0.8, "linear: {linear_acc}");
    }

    /// Training is deterministic: the same samples and settings give the same model file.
    #[test]
    fn training_is_deterministic() {
        let p = Params {
            log2_buckets: 10,
            epochs: 3,
            ..Params::default()
        };
        let fit = xor_samples(60, 3);
        let (a, b) = (
            train(&fit, &p, &Settings::default()),
            train(&fit, &p, &Settings::default()),
        );
        // Every weight equal as `f64`, not only after quantisation.
        assert_eq!(a, b);
        assert!(a.emb.iter().any(|&e| e != 0.0));
    }
}
