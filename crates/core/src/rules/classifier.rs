//! `classifier`: a small learned detector. A logistic regression over hashed
//! character, word and squashed n-grams of the canonical view (and of decoded views)
//! gives the probability that the text is a prompt injection or jailbreak. When it
//! reaches `min_score`, the rule reports one finding whose score is that probability,
//! so the stage's noisy-or and thresholds combine it with the rule findings. With
//! `short_text`, a finding on a short text counts at most its `max_score` (the model
//! has little to go on there); the reason still gives the probability.
//!
//! Long texts are scored in windows and the best window counts, so an injection
//! buried in a long document is not diluted; the finding's span is that window's
//! passage in the original text (the whole text when it is one window).
//!
//! The models ship in the crate (`crates/core/models/`, see `docs/MODEL_CARD.md`) and are
//! parsed once per process. A policy may instead name a model file of its own
//! (`model_file`, one trained with `gatehouse-train`), read and checked when the policy
//! compiles.

pub mod features;
pub mod mask;
pub mod model;

use std::ops::{Deref, Range};
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

pub use model::{Model, ModelError};

use super::{Check, CompileCtx, Hit, Input};
use crate::decision::{Category, Severity};
use crate::error::{PolicyError, RuleError};
use crate::normalise::ViewKind;

/// The bytes of the shipped model `injection-v1`, the untrusted stage's.
pub const INJECTION_V1: &[u8] = include_bytes!("../../models/injection-v1.bin");
/// The bytes of the shipped model `prompt-v1`, the prompt stage's: `injection-v1`'s
/// training set plus chat messages to a tool-using agent and everyday requests
/// (docs/MODEL_CARD.md).
pub const PROMPT_V1: &[u8] = include_bytes!("../../models/prompt-v1.bin");

/// Configuration of a `classifier` rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Which shipped model to use (unset: `injection_v1`, unless `model_file` is set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelName>,
    /// A model file to use instead of a shipped model (the format of
    /// docs/MODEL_CARD.md, as `gatehouse-train train` writes it), read when the policy
    /// compiles: a missing or corrupt file is a policy error, never a guard without its
    /// classifier. A relative path is from the process's working directory (in Lambda,
    /// the function's directory, `/var/task`). Not with `model`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_file: Option<String>,
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
    /// On a short text the model has few n-grams to go on, and a short everyday
    /// request ("Tell me a joke.", "Continue.") can score like an attack: when set, a
    /// finding on a text of fewer characters than `under_chars` counts at most
    /// `max_score` (its reason still gives the probability). Unset: no cap.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub short_text: Option<ShortText>,
}

/// The cap of [`Config::short_text`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShortText {
    /// A text of fewer characters than this (in the original text) is short (≥ 1).
    pub under_chars: usize,
    /// The most a finding on a short text counts (`min_score` ≤ max_score ≤ 1).
    pub max_score: f32,
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

/// The shipped models (docs/MODEL_CARD.md). Both detect prompt injection and
/// jailbreaks; they differ in what they were trained on, so each suits one stage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelName {
    /// For tool outputs and documents (the untrusted stage); the default when a
    /// policy names no model.
    #[default]
    InjectionV1,
    /// For messages typed to the agent (the prompt stage): `injection-v1`'s training
    /// set plus chat messages to a tool-using agent (attacks and benign) and everyday
    /// requests. Not for tool outputs: it stops more benign ones.
    PromptV1,
}

impl ModelName {
    /// Every shipped model.
    pub const ALL: [ModelName; 2] = [ModelName::InjectionV1, ModelName::PromptV1];

    /// The model's file name stem (`injection-v1`), as in its manifest.
    pub fn as_str(self) -> &'static str {
        match self {
            ModelName::InjectionV1 => "injection-v1",
            ModelName::PromptV1 => "prompt-v1",
        }
    }

    /// The model's bytes, as shipped in the crate.
    pub fn bytes(self) -> &'static [u8] {
        match self {
            ModelName::InjectionV1 => INJECTION_V1,
            ModelName::PromptV1 => PROMPT_V1,
        }
    }

    /// The parsed model, parsed once per process.
    pub fn load(self) -> Result<&'static Model, ModelError> {
        static INJECTION: OnceLock<Result<Model, ModelError>> = OnceLock::new();
        static PROMPT: OnceLock<Result<Model, ModelError>> = OnceLock::new();
        let cell = match self {
            ModelName::InjectionV1 => &INJECTION,
            ModelName::PromptV1 => &PROMPT,
        };
        cell.get_or_init(|| Model::parse(self.bytes()))
            .as_ref()
            .map_err(Clone::clone)
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

/// A compiled rule's model: a shipped one, parsed once per process, or one read from
/// the policy's `model_file`.
#[derive(Debug)]
enum Loaded {
    Shipped(&'static Model),
    File(Arc<Model>),
}

impl Deref for Loaded {
    type Target = Model;

    fn deref(&self) -> &Model {
        match self {
            Loaded::Shipped(m) => m,
            Loaded::File(m) => m,
        }
    }
}

/// A compiled `classifier` rule.
#[derive(Debug)]
pub(crate) struct Classifier {
    model: Loaded,
    min_score: f32,
    decoded: bool,
    max_bytes: usize,
    short_text: Option<ShortText>,
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
        if let Some(short) = config.short_text {
            if short.under_chars == 0 {
                return Err("`short_text.under_chars` must be at least 1".to_owned());
            }
            if !(short.max_score >= config.min_score && short.max_score <= 1.0) {
                return Err(format!(
                    "`short_text.max_score` must be in [min_score, 1] = [{}, 1], got `{}`",
                    config.min_score, short.max_score
                ));
            }
        }
        let model = match (&config.model_file, config.model) {
            (Some(_), Some(_)) => {
                return Err("`model` and `model_file` name two models: give one".to_owned());
            }
            (Some(path), None) => Loaded::File(Arc::new(read_model_file(path)?)),
            (None, name) => Loaded::Shipped(
                name.unwrap_or_default()
                    .load()
                    .map_err(|e| format!("model: {e}"))?,
            ),
        };
        Ok(Classifier {
            model,
            min_score: config.min_score,
            decoded: config.decoded,
            max_bytes: config.max_bytes,
            short_text: config.short_text,
        })
    }
}

/// The model in the file at `path`, checked as a shipped model is ([`Model::parse`]).
fn read_model_file(path: &str) -> Result<Model, String> {
    let bytes =
        std::fs::read(path).map_err(|e| format!("`model_file` `{path}` cannot be read: {e}"))?;
    Model::parse(&bytes).map_err(|e| format!("`model_file` `{path}` is not a model: {e}"))
}

/// The best window of a canonical text within the byte bound: its logit and its byte
/// range in the text.
fn bounded_window(model: &Model, text: &str, max_bytes: usize) -> (f32, Range<usize>) {
    if text.len() <= max_bytes {
        return model.best_window(text);
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
    let none = (f32::NEG_INFINITY, 0..0);
    let h = text
        .get(..head)
        .map_or(none.clone(), |t| model.best_window(t));
    let t = text.get(tail..).map_or(none, |t| {
        let (z, r) = model.best_window(t);
        (z, r.start + tail..r.end + tail)
    });
    if t.0 > h.0 { t } else { h }
}

/// Whether `text` has fewer than `under` characters, counting no further than that.
fn is_short(text: &str, under: usize) -> bool {
    text.len() < under || text.chars().nth(under.saturating_sub(1)).is_none()
}

/// The classifier's best window over the views of one input.
#[derive(Debug, Clone, PartialEq)]
pub struct BestWindow {
    /// Its probability.
    pub p: f32,
    /// The view it is in (index into [`crate::normalise::Normalised::views`]).
    pub view: usize,
    /// Its byte range in that view's text.
    pub range: Range<usize>,
}

/// The classifier's best window over the views of one input: the canonical view and
/// (when `decoded`) up to 16 decoded views, each bounded to `max_bytes`; the first of
/// equal windows wins. `None` when there is no canonical view.
pub fn best_in_views(
    model: &Model,
    views: &crate::normalise::Normalised,
    decoded: bool,
    max_bytes: usize,
) -> Option<BestWindow> {
    let (ci, canonical) = views
        .views
        .iter()
        .enumerate()
        .find(|(_, v)| v.kind == ViewKind::Canonical)?;
    let (mut z, mut range) = bounded_window(model, &canonical.text, max_bytes);
    let mut view = ci;
    if decoded {
        for (vi, v) in views
            .views
            .iter()
            .enumerate()
            .filter(|(_, v)| matches!(v.kind, ViewKind::Decoded { .. }))
            .take(MAX_DECODED_VIEWS)
        {
            let (dz, dr) = bounded_window(model, &v.text, max_bytes);
            if dz > z {
                (z, range, view) = (dz, dr, vi);
            }
        }
    }
    Some(BestWindow {
        p: model::sigmoid(z),
        view,
        range,
    })
}

/// The classifier's probability for the views of one input ([`best_in_views`]).
pub fn score_views(
    model: &Model,
    views: &crate::normalise::Normalised,
    decoded: bool,
    max_bytes: usize,
) -> Option<f32> {
    best_in_views(model, views, decoded, max_bytes).map(|b| b.p)
}

impl Check for Classifier {
    fn category(&self) -> Category {
        Category::PromptInjection
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        let best = best_in_views(&self.model, input.views, self.decoded, self.max_bytes)
            .ok_or_else(|| RuleError("classifier: no canonical view".to_owned()))?;
        if best.p >= self.min_score {
            // Where the best window came from in the original text, so a reviewer sees
            // the passage, not the whole document.
            let span = input
                .views
                .views
                .get(best.view)
                .map_or(0..input.text.len(), |v| v.to_original(best.range.clone()));
            let p = best.p;
            let (score, reason) = match self.short_text {
                Some(cap) if p > cap.max_score && is_short(input.text, cap.under_chars) => (
                    cap.max_score,
                    format!(
                        "classifier p={p:.2}, counted as {:.2} on a text under {} characters",
                        cap.max_score, cap.under_chars
                    ),
                ),
                _ => (p, format!("classifier p={p:.2}")),
            };
            hits.push(Hit {
                start: span.start,
                end: span.end,
                reason,
                score: Some(score),
            });
        }
        Ok(())
    }
}
