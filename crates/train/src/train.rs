//! Deterministic training: plain f64 AdaGrad with L2 on a logistic loss over the
//! best window of each text (the same max-over-windows the guard uses), a fixed
//! example order per epoch from a fixed seed, no threads. The result is quantised to
//! `i8` and written in the model format of `gatehouse_core::rules::classifier::model`.

use gatehouse_core::normalise;
use gatehouse_core::policy::Limits;
use gatehouse_core::rules::classifier::features::{FeatureSet, for_each_feature};
use gatehouse_core::rules::classifier::mask::Masked;
use gatehouse_core::rules::classifier::model::sigmoid;
use gatehouse_core::rules::classifier::{Model, ModelError};

use crate::tmpl::SplitMix64;

/// Training settings. The defaults are what `make train` uses.
#[derive(Debug, Clone, PartialEq)]
pub struct Params {
    /// Feature families.
    pub features: FeatureSet,
    /// log2 of the bucket count.
    pub log2_buckets: u8,
    /// Window length (bytes of canonical text).
    pub window: u32,
    /// Window stride.
    pub stride: u32,
    /// Passes over the data.
    pub epochs: usize,
    /// AdaGrad learning rate.
    pub learning_rate: f64,
    /// L2 penalty per update on touched weights.
    pub l2: f64,
    /// Seed of the example order.
    pub seed: u64,
    /// First epoch (from 0) whose steps are averaged into the model: the model is the
    /// mean of the weights after every step from there on (Polyak–Ruppert averaging),
    /// so its scores depend less on the order of the last few examples. `None` keeps
    /// the weights of the last step, as the shipped model does: averaged from epoch 6 it
    /// left the 4-fold figures as they were and did not steady the scores of short
    /// everyday prompts (docs/DETECTION.md, 2026-12-04 (5)).
    pub average_from: Option<usize>,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            features: FeatureSet(FeatureSet::KNOWN),
            log2_buckets: 16,
            window: 128,
            stride: 64,
            epochs: 12,
            learning_rate: 0.2,
            l2: 1e-5,
            seed: 0x5eed_0001,
            average_from: None,
        }
    }
}

/// One labelled text with its weight in the loss.
#[derive(Debug, Clone)]
pub struct Sample {
    /// The original text (normalised before features are taken).
    pub text: String,
    /// True for an attack.
    pub attack: bool,
    /// Weight of the example in the loss.
    pub weight: f64,
}

pub(crate) struct Example {
    /// Buckets of the feature occurrences, grouped by block.
    pub(crate) feats: Vec<u32>,
    /// Windows as ranges into `feats`.
    pub(crate) windows: Vec<(u32, u32)>,
    pub(crate) y: f64,
    pub(crate) weight: f64,
}

/// The canonical view of a text, as the guard computes it.
pub fn canonical(text: &str) -> String {
    normalise::normalise(text, &Limits::default())
        .views
        .into_iter()
        .next()
        .map(|v| v.text)
        .unwrap_or_default()
}

fn example(s: &Sample, p: &Params) -> Example {
    example_of(&read_text(s, p), s, p, p.features, p.log2_buckets)
}

/// The text the model reads from a sample: canonical, and masked as the guard masks it
/// (`Model::best_window`).
pub(crate) fn read_text(s: &Sample, p: &Params) -> String {
    let text = canonical(&s.text);
    match Masked::as_read_by(p.features, &text) {
        Some(masked) => masked.text,
        None => text,
    }
}

/// The example of `features` over the read text: windows cut as for every feature set
/// of the same text, so two sets' windows pair up by index.
pub(crate) fn example_of(
    text: &str,
    s: &Sample,
    p: &Params,
    features: FeatureSet,
    log2_buckets: u8,
) -> Example {
    let stride = p.stride as usize;
    let mut pairs: Vec<(usize, u32)> = Vec::new();
    for_each_feature(text, features, |pos, h| {
        let b = gatehouse_core::rules::classifier::features::bucket(h, log2_buckets) as u32;
        pairs.push((pos / stride, b));
    });
    pairs.sort_by_key(|&(blk, _)| blk);
    let feats: Vec<u32> = pairs.iter().map(|&(_, b)| b).collect();
    let windows = if text.len() <= p.window as usize {
        vec![(0, feats.len() as u32)]
    } else {
        let nblocks = text.len().div_ceil(stride);
        let per = (p.window / p.stride) as usize;
        // offsets[k] = index of the first feature of block k.
        let mut offsets = vec![0u32; nblocks + 1];
        let mut k = 0;
        for (i, &(blk, _)) in pairs.iter().enumerate() {
            while k <= blk {
                if let Some(o) = offsets.get_mut(k) {
                    *o = i as u32;
                }
                k += 1;
            }
        }
        while k <= nblocks {
            if let Some(o) = offsets.get_mut(k) {
                *o = feats.len() as u32;
            }
            k += 1;
        }
        (0..=nblocks - per)
            .map(|j| {
                (
                    offsets.get(j).copied().unwrap_or(0),
                    offsets.get(j + per).copied().unwrap_or(0),
                )
            })
            .collect()
    };
    Example {
        feats,
        windows,
        y: if s.attack { 1.0 } else { 0.0 },
        weight: s.weight,
    }
}

/// Running sums for the averaged model, kept lazily: a weight is added to its sum
/// only when it is about to change, times the steps it held its value, so a step
/// costs what it touches, not the whole table.
struct Average {
    /// Steps averaged so far.
    step: u64,
    /// Sum over steps of each weight, up to `last`.
    sum: Vec<f64>,
    /// The step up to which each sum is current.
    last: Vec<u64>,
    /// Sum over steps of the bias (updated every step).
    bias_sum: f64,
}

impl Average {
    fn new(n: usize) -> Self {
        Average {
            step: 0,
            sum: vec![0.0; n],
            last: vec![0; n],
            bias_sum: 0.0,
        }
    }

    /// Brings weight `k`'s sum up to the step before the current one, in which it is
    /// about to change from `value` (the value it held since its last change).
    fn before_update(&mut self, k: usize, value: f64) {
        if let (Some(s), Some(l)) = (self.sum.get_mut(k), self.last.get_mut(k)) {
            let held = self.step - 1 - *l;
            *s += value * held as f64;
            *l = self.step - 1;
        }
    }

    /// The averaged weights and bias, given the weights after the last step.
    fn finish(mut self, w: &[f64]) -> (Vec<f64>, f64) {
        let steps = self.step as f64;
        for ((s, l), &v) in self.sum.iter_mut().zip(&self.last).zip(w) {
            *s += v * (self.step - *l) as f64;
            *s /= steps;
        }
        (self.sum, self.bias_sum / steps)
    }
}

/// Weights quantised to `i8` and their scale (weight ≈ `i8` × scale): the largest
/// magnitude maps to 127.
pub(crate) fn quantise(w: &[f64]) -> (Vec<i8>, f64) {
    let max_abs = w.iter().fold(0f64, |m, x| m.max(x.abs()));
    let scale = if max_abs > 0.0 { max_abs / 127.0 } else { 1.0 };
    let quantised = w
        .iter()
        .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8)
        .collect();
    (quantised, scale)
}

/// One AdaGrad step: adds the gradient `g`'s square to the weight's running sum `g2`
/// and returns what to subtract from the weight. Both learners step with it.
pub(crate) fn adagrad(g2: &mut f64, g: f64, rate: f64) -> f64 {
    *g2 += g * g;
    rate * g / (g2.sqrt() + 1e-8)
}

/// Trains a model on the samples, in their given order (shuffled per epoch with the seed).
pub fn train(samples: &[Sample], p: &Params) -> Result<Model, ModelError> {
    let examples: Vec<Example> = samples.iter().map(|s| example(s, p)).collect();
    let n = 1usize << p.log2_buckets;
    let mut w = vec![0f64; n];
    let mut g2 = vec![0f64; n];
    let (mut bias, mut gb2) = (0f64, 0f64);
    let mut rng = SplitMix64(p.seed);
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut avg = Average::new(n);
    for epoch in 0..p.epochs {
        rng.shuffle(&mut order);
        let averaging = p.average_from.is_some_and(|from| epoch >= from);
        for &i in &order {
            if averaging {
                avg.step += 1;
            }
            let Some(ex) = examples.get(i) else { continue };
            let mut best: Option<(f64, &[u32])> = None;
            for &(a, b) in &ex.windows {
                let f = ex.feats.get(a as usize..b as usize).unwrap_or_default();
                let sum: f64 = f
                    .iter()
                    .map(|&k| w.get(k as usize).copied().unwrap_or(0.0))
                    .sum();
                let z = bias + sum / (f.len().max(1) as f64).sqrt();
                if best.is_none_or(|(bz, _)| z > bz) {
                    best = Some((z, f));
                }
            }
            let Some((z, f)) = best else { continue };
            let g = (f64::from(sigmoid(z as f32)) - ex.y) * ex.weight;
            let scale = 1.0 / (f.len().max(1) as f64).sqrt();
            for &k in f {
                if let (Some(wk), Some(gk)) = (w.get_mut(k as usize), g2.get_mut(k as usize)) {
                    if averaging {
                        avg.before_update(k as usize, *wk);
                    }
                    let gi = g * scale + p.l2 * *wk;
                    *wk -= adagrad(gk, gi, p.learning_rate);
                }
            }
            bias -= adagrad(&mut gb2, g, p.learning_rate);
            if averaging {
                avg.bias_sum += bias;
            }
        }
    }
    if avg.step > 0 {
        (w, bias) = avg.finish(&w);
    }
    let (quantised, scale) = quantise(&w);
    Model::new(
        p.features,
        p.log2_buckets,
        p.window,
        p.stride,
        bias as f32,
        scale as f32,
        quantised,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lazy sums give the mean of the weights after every step, as keeping the
    /// whole table per step would (steps that touch a weight twice, or not at all).
    #[test]
    fn lazy_average_is_the_mean_over_steps() {
        let n = 5;
        let mut w = vec![0.5, -1.0, 0.0, 2.0, 0.25];
        let mut dense = vec![0.0; n];
        let mut avg = Average::new(n);
        let mut rng = SplitMix64(7);
        let steps = 200;
        for _ in 0..steps {
            avg.step += 1;
            for _ in 0..rng.below(4) {
                let k = rng.below(n);
                let delta = rng.below(100) as f64 / 100.0 - 0.5;
                if let Some(wk) = w.get_mut(k) {
                    avg.before_update(k, *wk);
                    *wk += delta;
                }
            }
            for (d, v) in dense.iter_mut().zip(&w) {
                *d += v;
            }
        }
        let (mean, _) = avg.finish(&w);
        for (m, d) in mean.iter().zip(&dense) {
            assert!(
                (m - d / steps as f64).abs() < 1e-9,
                "{m} vs {}",
                d / steps as f64
            );
        }
    }
}
