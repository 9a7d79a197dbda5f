//! `confidence`: a structured answer must state a confidence of at least `min`.
//!
//! The number is read at a JSON pointer (default `/confidence`) of the answer's JSON
//! (found as the `json_schema` rule finds it, see `extract`). Fails closed: an answer
//! that is not JSON, or has no number at the pointer, is a finding too, with its own
//! reason, so a model cannot skip the check by leaving the field out.

use serde::{Deserialize, Serialize};

use super::json_schema::{Extract, extract_json};
use super::{Check, CompileCtx, Hit, Input};
use crate::decision::{Category, Severity};
use crate::error::RuleError;

/// Configuration of a `confidence` rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// JSON pointer (RFC 6901) of the confidence number (default `/confidence`).
    #[serde(default = "default_pointer")]
    pub pointer: String,
    /// Answers below this confidence are findings (default 0.5).
    #[serde(default = "default_min")]
    pub min: f64,
    /// Where the JSON is in the answer.
    #[serde(default)]
    pub extract: Extract,
    /// Check only requests that ask for a structured answer (`ScanContext::schema` set),
    /// so free-text answers of the same stage pass. Default false: every answer.
    #[serde(default)]
    pub only_with_schema: bool,
}

fn default_pointer() -> String {
    "/confidence".to_owned()
}

fn default_min() -> f64 {
    0.5
}

/// A compiled `confidence` rule.
#[derive(Debug)]
pub(crate) struct Confidence {
    pointer: String,
    min: f64,
    extract: Extract,
    only_with_schema: bool,
}

impl Confidence {
    pub(crate) fn compile(config: &Config, _cx: &mut CompileCtx<'_>) -> Result<Confidence, String> {
        if !(config.pointer.is_empty() || config.pointer.starts_with('/')) {
            return Err(format!(
                "`pointer` must be a JSON pointer starting with `/`, got `{}`",
                config.pointer
            ));
        }
        if !config.min.is_finite() {
            return Err("`min` must be a finite number".to_owned());
        }
        Ok(Confidence {
            pointer: config.pointer.clone(),
            min: config.min,
            extract: config.extract,
            only_with_schema: config.only_with_schema,
        })
    }
}

impl Check for Confidence {
    fn category(&self) -> Category {
        Category::Confidence
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        if self.only_with_schema && input.ctx.schema.is_none() {
            return Ok(());
        }
        let p = &self.pointer;
        let (value, span) = match extract_json(input.text, self.extract) {
            Ok(found) => found,
            Err(reason) => {
                hits.push(Hit::new(
                    0,
                    input.text.len(),
                    format!("no confidence to read: {reason}"),
                ));
                return Ok(());
            }
        };
        match value.pointer(p).and_then(serde_json::Value::as_f64) {
            None => {
                let what = if value.pointer(p).is_some() {
                    "is not a number"
                } else {
                    "is missing"
                };
                hits.push(Hit::new(
                    span.start,
                    span.end,
                    format!("confidence at `{p}` {what}"),
                ));
            }
            Some(c) if c < self.min => {
                hits.push(Hit::new(
                    span.start,
                    span.end,
                    format!("confidence {c} at `{p}` is below {}", self.min),
                ));
            }
            Some(_) => {}
        }
        Ok(())
    }
}
