//! The rules. One file per check; a policy picks checks through the exhaustive
//! [`CheckConfig`] enum (`check: {type: ...}` in the policy), never by string lookup.
//!
//! To add a rule: write `rules/<name>.rs` with a `Config` (serde, `deny_unknown_fields`)
//! and a type implementing [`Check`], add a variant to [`CheckConfig`] and an arm to
//! [`CheckConfig::compile`], and give it fixture cases under `crates/core/tests/cases/`.

pub mod phrases;
// [normaliser rules]
pub(crate) mod invisible_chars;
// [pii rules]
// [output rules]
// [detection rules]

use std::fmt::Debug;

use serde::{Deserialize, Serialize};

use crate::decision::{Category, Severity};
use crate::error::RuleError;
use crate::matcher::{PhraseHit, PhraseSetBuilder};
use crate::normalise::Normalised;
use crate::policy::RoleOverride;
use crate::request::ScanContext;

/// The check a rule runs, chosen by `type`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum CheckConfig {
    /// Phrases matched in every normalised and decoded view (built-in sets or your own).
    Phrases(phrases::Config),
    // [normaliser variants]
    /// Invisible characters (zero-width, bidi controls, tag characters, variation
    /// selectors) with no innocent explanation.
    InvisibleChars(invisible_chars::Config),
    // [pii variants]
    // [output variants]
    // [detection variants]
}

/// What a compiled check sees of one scan.
#[derive(Debug)]
pub(crate) struct Input<'a> {
    /// The original text.
    pub text: &'a str,
    /// Its normalised and decoded views.
    pub views: &'a Normalised,
    /// Phrase hits of the whole stage, from the one Aho-Corasick pass.
    pub phrase_hits: &'a [PhraseHit],
    /// Per-request context (secrets, schema, tool calls, …).
    pub ctx: &'a ScanContext,
    /// The caller's role settings, when the request named a role.
    pub role: Option<&'a RoleOverride>,
    /// Index of the running rule in the stage (owner id for phrase hits).
    pub index: usize,
}

/// One thing a check found; the guard turns it into a [`crate::Finding`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Hit {
    /// Byte range in the original text.
    pub start: usize,
    /// End of the byte range.
    pub end: usize,
    /// A short reason without the matched text.
    pub reason: String,
    /// A score for this hit, overriding the rule's score (e.g. a classifier probability).
    pub score: Option<f32>,
}

impl Hit {
    /// A hit over `start..end` with a reason.
    pub(crate) fn new(start: usize, end: usize, reason: impl Into<String>) -> Hit {
        Hit {
            start,
            end,
            reason: reason.into(),
            score: None,
        }
    }
}

/// A compiled check.
pub(crate) trait Check: Send + Sync + Debug {
    /// The category of its findings unless the rule overrides it.
    fn category(&self) -> Category;
    /// The severity of its findings unless the rule overrides it.
    fn severity(&self) -> Severity;
    /// The placeholder label used when a hit is redacted (`<EMAIL_1>`).
    fn label(&self) -> &str {
        "REDACTED"
    }
    /// Scans one input, appending hits.
    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError>;
}

/// What compiling a check may use: the stage's shared phrase automaton.
#[derive(Debug)]
pub(crate) struct CompileCtx<'a> {
    /// Phrases registered here are matched in the stage's single pass.
    pub phrases: &'a mut PhraseSetBuilder,
    /// Index of the rule being compiled.
    pub index: usize,
}

impl CheckConfig {
    /// Compiles the check; errors are plain messages, wrapped with the rule's path by the caller.
    pub(crate) fn compile(&self, cx: &mut CompileCtx<'_>) -> Result<Box<dyn Check>, String> {
        match self {
            CheckConfig::Phrases(c) => Ok(Box::new(phrases::Phrases::compile(c, cx)?)),
            // [normaliser arms]
            CheckConfig::InvisibleChars(c) => {
                Ok(Box::new(invisible_chars::InvisibleChars::compile(c, cx)?))
            } // [pii arms]
              // [output arms]
              // [detection arms]
        }
    }
}
