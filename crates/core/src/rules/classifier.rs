//! `classifier`: a small learned detector. A logistic regression over hashed
//! character, word and squashed n-grams of the canonical view (and of decoded views)
//! gives the probability that the text is a prompt injection or jailbreak. When it
//! reaches `min_score`, the rule reports one finding over the whole text whose score
//! is that probability, so the stage's noisy-or and thresholds combine it with the
//! rule findings.
//!
//! Long texts are scored in windows and the best window counts, so an injection
//! buried in a long document is not diluted. The model ships in the crate
//! (`crates/core/models/`, see `docs/MODEL_CARD.md`) and is parsed once per process.

pub mod features;
pub mod model;

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

pub use model::{Model, ModelError};

use super::{Check, CompileCtx, Hit, Input};
use crate::decision::{Category, Severity};
use crate::error::{PolicyError, RuleError};
use crate::normalise::ViewKind;

/// The bytes of the shipped model `injection-v1`.
pub const INJECTION_V1: &[u8] = include_bytes!("../../models/injection-v1.bin");

/// Configuration of a `classifier` rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Which shipped model to use.
    #[serde(default)]
    pub model: ModelName,
    /// Smallest probability that makes a finding (0 < min_score ≤ 1).
    #[serde(default = "default_min_score")]
    pub min_score: f32,
    /// Also score decoded views (base64, hex, … runs), taking the best.
    #[serde(default = "yes")]
    pub decoded: bool,
    /// Longest canonical text scored in full; longer ones are scored on their first
    /// and last `max_bytes / 2` bytes, which bounds the work.
    #[serde(default = "default_max_bytes")]
    pub max_bytes: usize,
}

fn default_min_score() -> f32 {
    0.5
}

/// Default of [`Config::max_bytes`].
pub const DEFAULT_MAX_BYTES: usize = 512 * 1024;

fn default_max_bytes() -> usize {
    DEFAULT_MAX_BYTES
}

fn yes() -> bool {
    true
}

/// The shipped models.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelName {
    /// Prompt injection and jailbreak detector, version 1.
    #[default]
    InjectionV1,
}

impl ModelName {
    /// The parsed model, parsed once per process.
    pub fn load(self) -> Result<&'static Model, ModelError> {
        static V1: OnceLock<Result<Model, ModelError>> = OnceLock::new();
        match self {
            ModelName::InjectionV1 => V1
                .get_or_init(|| Model::parse(INJECTION_V1))
                .as_ref()
                .map_err(Clone::clone),
        }
    }
}

/// Parses model bytes for a policy: a corrupt model is a [`PolicyError`], never a panic.
pub fn load_model(bytes: &[u8]) -> Result<Model, PolicyError> {
    Model::parse(bytes).map_err(|e| PolicyError::Rule {
        rule: "classifier".to_owned(),
        path: "check.model".to_owned(),
        message: format!("model: {e}"),
    })
}

/// Most decoded views scored per text.
const MAX_DECODED_VIEWS: usize = 16;

/// A compiled `classifier` rule.
#[derive(Debug)]
pub(crate) struct Classifier {
    model: &'static Model,
    min_score: f32,
    decoded: bool,
    max_bytes: usize,
}

impl Classifier {
    pub(crate) fn compile(config: &Config, _cx: &mut CompileCtx<'_>) -> Result<Classifier, String> {
        if !(config.min_score > 0.0 && config.min_score <= 1.0) {
            return Err(format!(
                "`min_score` must be in (0, 1], got `{}`",
                config.min_score
            ));
        }
        if config.max_bytes < 1024 {
            return Err(format!(
                "`max_bytes` must be at least 1024, got `{}`",
                config.max_bytes
            ));
        }
        let model = config.model.load().map_err(|e| format!("model: {e}"))?;
        Ok(Classifier {
            model,
            min_score: config.min_score,
            decoded: config.decoded,
            max_bytes: config.max_bytes,
        })
    }
}

/// The best window logit of a canonical text, within the byte bound.
fn bounded_logit(model: &Model, text: &str, max_bytes: usize) -> f32 {
    if text.len() <= max_bytes {
        return model.max_logit(text);
    }
    let half = max_bytes / 2;
    let mut head = half;
    while !text.is_char_boundary(head) {
        head -= 1;
    }
    let mut tail = text.len() - half;
    while !text.is_char_boundary(tail) {
        tail += 1;
    }
    let h = text
        .get(..head)
        .map_or(f32::NEG_INFINITY, |t| model.max_logit(t));
    let t = text
        .get(tail..)
        .map_or(f32::NEG_INFINITY, |t| model.max_logit(t));
    h.max(t)
}

/// The classifier's probability for the views of one input: the best of the canonical
/// view and (when `decoded`) up to 16 decoded views, each bounded to `max_bytes`.
/// `None` when there is no canonical view.
pub fn score_views(
    model: &Model,
    views: &crate::normalise::Normalised,
    decoded: bool,
    max_bytes: usize,
) -> Option<f32> {
    let canonical = views.views.iter().find(|v| v.kind == ViewKind::Canonical)?;
    let mut z = bounded_logit(model, &canonical.text, max_bytes);
    if decoded {
        for v in views
            .views
            .iter()
            .filter(|v| matches!(v.kind, ViewKind::Decoded { .. }))
            .take(MAX_DECODED_VIEWS)
        {
            z = z.max(bounded_logit(model, &v.text, max_bytes));
        }
    }
    Some(model::sigmoid(z))
}

impl Check for Classifier {
    fn category(&self) -> Category {
        Category::PromptInjection
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        let p = score_views(self.model, input.views, self.decoded, self.max_bytes)
            .ok_or_else(|| RuleError("classifier: no canonical view".to_owned()))?;
        if p >= self.min_score {
            hits.push(Hit {
                start: 0,
                end: input.text.len(),
                reason: format!("classifier p={p:.2}"),
                score: Some(p),
            });
        }
        Ok(())
    }
}
