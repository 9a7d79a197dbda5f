//! The rules. One file per check; a policy picks checks through the exhaustive
//! [`CheckConfig`] enum (`check: {type: ...}` in the policy), never by string lookup.
//!
//! To add a rule: write `rules/<name>.rs` with a `Config` (serde, `deny_unknown_fields`)
//! and a type implementing `Check`, add a variant to [`CheckConfig`] and an arm to
//! `CheckConfig::compile`, and give it fixture cases under `crates/core/tests/cases/`.

pub mod phrases;
// [normaliser rules]
pub(crate) mod invisible_chars;
// [pii rules]
pub(crate) mod aws_keys;
pub(crate) mod digits;
pub(crate) mod email;
pub(crate) mod iban;
pub(crate) mod ip_address;
pub(crate) mod payment_card;
pub(crate) mod phone;
pub(crate) mod regex;
pub(crate) mod us_ssn;
// [output rules]
pub(crate) mod confidence;
pub(crate) mod exfiltration;
pub(crate) mod instruction_leak;
pub(crate) mod json_schema;
pub(crate) mod secret_codes;
pub(crate) mod secret_hint;
pub(crate) mod secret_leak;
pub(crate) mod secret_source;
pub(crate) mod secret_spelled;
pub(crate) mod tool_policy;
// [detection rules]
pub mod classifier;
pub(crate) mod injection_patterns;
mod line_search;
#[cfg(test)]
mod pattern_factors;
mod regex_set;

pub use injection_patterns::pattern_memory_bound;

use std::fmt::Debug;

use serde::{Deserialize, Serialize};

use crate::decision::{Category, Severity};
use crate::error::RuleError;
use crate::matcher::{GateOpenings, PhraseHit, PhraseSetBuilder};
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
    /// E-mail addresses.
    Email(email::Config),
    /// Telephone numbers, international and common national formats.
    Phone(phone::Config),
    /// Payment card numbers (issuer prefix and length, Luhn).
    PaymentCard(payment_card::Config),
    /// IBANs (country length, mod-97).
    Iban(iban::Config),
    /// US Social Security numbers.
    UsSsn(us_ssn::Config),
    /// AWS access key ids.
    AwsAccessKey(aws_keys::AccessKeyConfig),
    /// AWS secret access keys near an access key id or keyword.
    AwsSecretKey(aws_keys::SecretKeyConfig),
    /// IPv4 and IPv6 addresses.
    IpAddress(ip_address::Config),
    /// A user-defined regular expression.
    Regex(regex::Config),
    // [output variants]
    /// A structured answer must match its JSON Schema (named in the policy or inline).
    JsonSchema(json_schema::Config),
    /// A structured answer must state a confidence of at least `min`.
    Confidence(confidence::Config),
    /// Canary tokens and per-request secrets must not appear in output, in any form.
    SecretLeak(secret_leak::Config),
    /// Descriptions of a secret that fit it (first letter, length, n-th prime, rhyme, form).
    SecretHint(secret_hint::Config),
    /// A secret spelt in words (phonetic alphabet, letter names, number words,
    /// `S as in Sugar`).
    SecretSpelled(secret_spelled::Config),
    /// Output must not repeat the agent's instructions (word n-gram overlap).
    InstructionLeak(instruction_leak::Config),
    /// Images and links must not point at hosts outside the allowlist.
    Exfiltration(exfiltration::Config),
    /// Tool calls must be allowed for the caller's role; some go to review.
    ToolPolicy(tool_policy::Config),
    // [detection variants]
    /// Structural injection and jailbreak patterns (regexes), scored and combined.
    InjectionPatterns(injection_patterns::Config),
    /// A learned detector: logistic regression over hashed n-grams (see `docs/MODEL_CARD.md`).
    Classifier(classifier::Config),
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
    /// What the literal gate opened in each canonical view, from the same pass.
    pub gate: &'a GateOpenings,
    /// Per-request context (secrets, schema, tool calls, …).
    pub ctx: &'a ScanContext,
    /// The caller's role settings, when the request named a role.
    pub role: Option<&'a RoleOverride>,
    /// Index of the running rule in the stage (owner id for phrase hits).
    pub index: usize,
    /// Work the rules of this scan share, done by the first rule that needs it.
    pub shared: &'a Shared,
}

/// Work the rules of one scan share: computed on first use by whichever rule needs it,
/// then read by the others (one scan, one thread).
#[derive(Debug, Default)]
pub(crate) struct Shared {
    /// What the stage's rules asked for when it compiled.
    pub plan: SharedPlan,
    /// Which injection patterns occur in the views (`injection_patterns` rules).
    pub patterns: std::cell::OnceCell<Result<injection_patterns::Occurrences, String>>,
}

impl Shared {
    /// Nothing computed yet, for a stage compiled with `plan`.
    pub(crate) fn new(plan: SharedPlan) -> Shared {
        Shared {
            plan,
            patterns: std::cell::OnceCell::new(),
        }
    }
}

/// What the rules of one stage will share, settled while the stage compiles (each rule
/// adds what it needs through [`CompileCtx::plan`]).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct SharedPlan {
    /// Some `injection_patterns` rule names a pasted-document family (`document`,
    /// `task`), so the shared pattern search includes their patterns.
    pub documents: bool,
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
    /// What the stage's rules will share at scan time.
    pub plan: &'a mut SharedPlan,
}

impl CheckConfig {
    /// Compiles the check; errors are plain messages, wrapped with the rule's path by the caller.
    pub(crate) fn compile(&self, cx: &mut CompileCtx<'_>) -> Result<Box<dyn Check>, String> {
        match self {
            CheckConfig::Phrases(c) => Ok(Box::new(phrases::Phrases::compile(c, cx)?)),
            // [normaliser arms]
            CheckConfig::InvisibleChars(c) => {
                Ok(Box::new(invisible_chars::InvisibleChars::compile(c, cx)?))
            }
            // [pii arms]
            CheckConfig::Email(_) => Ok(Box::new(email::Email)),
            CheckConfig::Phone(c) => Ok(Box::new(phone::Phone::compile(c))),
            CheckConfig::PaymentCard(_) => Ok(Box::new(payment_card::PaymentCard)),
            CheckConfig::Iban(_) => Ok(Box::new(iban::Iban)),
            CheckConfig::UsSsn(c) => Ok(Box::new(us_ssn::UsSsn::compile(c))),
            CheckConfig::AwsAccessKey(c) => Ok(Box::new(aws_keys::AwsAccessKey::compile(c)?)),
            CheckConfig::AwsSecretKey(c) => Ok(Box::new(aws_keys::AwsSecretKey::compile(c)?)),
            CheckConfig::IpAddress(c) => Ok(Box::new(ip_address::IpAddress::compile(c))),
            CheckConfig::Regex(c) => Ok(Box::new(regex::RegexRule::compile(c)?)),
            // [output arms]
            CheckConfig::JsonSchema(c) => Ok(Box::new(json_schema::JsonSchema::compile(c, cx)?)),
            CheckConfig::Confidence(c) => Ok(Box::new(confidence::Confidence::compile(c, cx)?)),
            CheckConfig::SecretLeak(c) => Ok(Box::new(secret_leak::SecretLeak::compile(c, cx)?)),
            CheckConfig::SecretHint(c) => Ok(Box::new(secret_hint::SecretHint::compile(c, cx)?)),
            CheckConfig::SecretSpelled(c) => {
                Ok(Box::new(secret_spelled::SecretSpelled::compile(c, cx)?))
            }
            CheckConfig::InstructionLeak(c) => {
                Ok(Box::new(instruction_leak::InstructionLeak::compile(c, cx)?))
            }
            CheckConfig::Exfiltration(c) => {
                Ok(Box::new(exfiltration::Exfiltration::compile(c, cx)?))
            }
            CheckConfig::ToolPolicy(c) => Ok(Box::new(tool_policy::ToolPolicy::compile(c, cx)?)),
            // [detection arms]
            CheckConfig::InjectionPatterns(c) => Ok(Box::new(
                injection_patterns::InjectionPatterns::compile(c, cx)?,
            )),
            CheckConfig::Classifier(c) => Ok(Box::new(classifier::Classifier::compile(c, cx)?)),
        }
    }
}
