//! Deterministic training: plain f64 AdaGrad with L2 on a logistic loss over the
//! best window of each text (the same max-over-windows the guard uses), a fixed
//! example order per epoch from a fixed seed, no threads. The result is quantised to
//! `i8` and written in the model format of `gatehouse_core::rules::classifier::model`.

use gatehouse_core::normalise;
use gatehouse_core::policy::Limits;
use gatehouse_core::rules::classifier::features::{FeatureSet, for_each_feature};
use gatehouse_core::rules::classifier::model::sigmoid;
use gatehouse_core::rules::classifier::{Model, ModelError};

use crate::tmpl::SplitMix64;

/// Training settings. The defaults are what `make train` uses.
#[derive(Debug, Clone)]
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

struct Example {
    /// Buckets of the feature occurrences, grouped by block.
    feats: Vec<u32>,
    /// Windows as ranges into `feats`.
    windows: Vec<(u32, u32)>,
    y: f64,
    weight: f64,
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
    let text = canonical(&s.text);
    let stride = p.stride as usize;
    let mut pairs: Vec<(usize, u32)> = Vec::new();
    for_each_feature(&text, p.features, |pos, h| {
        let b = gatehouse_core::rules::classifier::features::bucket(h, p.log2_buckets) as u32;
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

/// Trains a model on the samples, in their given order (shuffled per epoch with the seed).
pub fn train(samples: &[Sample], p: &Params) -> Result<Model, ModelError> {
    let examples: Vec<Example> = samples.iter().map(|s| example(s, p)).collect();
    let n = 1usize << p.log2_buckets;
    let mut w = vec![0f64; n];
    let mut g2 = vec![0f64; n];
    let (mut bias, mut gb2) = (0f64, 0f64);
    let mut rng = SplitMix64(p.seed);
    let mut order: Vec<usize> = (0..examples.len()).collect();
    for _ in 0..p.epochs {
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        for &i in &order {
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
                    let gi = g * scale + p.l2 * *wk;
                    *gk += gi * gi;
                    *wk -= p.learning_rate * gi / (gk.sqrt() + 1e-8);
                }
            }
            gb2 += g * g;
            bias -= p.learning_rate * g / (gb2.sqrt() + 1e-8);
        }
    }
    let max_abs = w.iter().fold(0f64, |m, x| m.max(x.abs()));
    let scale = if max_abs > 0.0 { max_abs / 127.0 } else { 1.0 };
    let quantised = w
        .iter()
        .map(|x| (x / scale).round().clamp(-127.0, 127.0) as i8)
        .collect();
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
