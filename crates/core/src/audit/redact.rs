//! Redaction of audit text with the policy's PII and secret rules.
//!
//! The audit log must never hold raw personal data or a redaction map. The
//! [`AuditRedactor`] compiles, from any policy, a guard that runs every rule of every
//! stage that can find personal data or secrets (rules with an explicit `pii` or
//! `secret` category, rules whose action is `redact`, and every check that can find
//! personal data: all but phrase lists and the output-structure checks). It then replaces the spans of
//! findings in the `pii` or `secret` category, or from a redacting rule, by
//! `<rule-id>` markers. The markers are not reversible and no map is kept.
//! When the guard cannot vouch for a text (an internal error, or a size limit), the
//! whole text is replaced by its SHA-256 instead (fail closed).

use sha2::{Digest, Sha256};

use crate::decision::{Action, Category};
use crate::policy::{Policy, RuleEntry, StagePolicy, Stages, Thresholds};
use crate::rules::CheckConfig;
use crate::{Guard, PolicyError, ScanRequest, Stage};

/// A text made fit for the audit log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditText {
    /// The text with PII and secrets replaced by markers; `spans` were replaced.
    Redacted {
        /// The redacted text.
        text: String,
        /// How many spans were replaced.
        spans: usize,
    },
    /// The text could not be vetted: only its SHA-256 (hex) is kept.
    Hashed(String),
}

/// Compiled once per cold start; redacts texts for the audit log.
#[derive(Debug)]
pub struct AuditRedactor {
    guard: Guard,
}

fn is_pii_rule(entry: &RuleEntry) -> bool {
    matches!(entry.category, Some(Category::Pii | Category::Secret))
        || entry.action == Action::Redact
        || may_find_pii(&entry.check)
}

/// Checks that look at structure, phrases or leaks of our own secrets cannot find
/// personal data; every other check (the PII and secret detectors, and any check
/// added later) runs, and only its `pii`/`secret` findings are redacted.
fn may_find_pii(check: &CheckConfig) -> bool {
    !matches!(
        check,
        CheckConfig::Phrases(_)
            | CheckConfig::JsonSchema(_)
            | CheckConfig::Confidence(_)
            | CheckConfig::SecretLeak(_)
            | CheckConfig::SecretHint(_)
            | CheckConfig::SecretSpelled(_)
            | CheckConfig::InstructionLeak(_)
            | CheckConfig::Exfiltration(_)
            | CheckConfig::ToolPolicy(_)
    )
}

impl AuditRedactor {
    /// Builds the redactor from a policy's PII and secret rules (see the module docs).
    pub fn new(policy: &Policy) -> Result<AuditRedactor, PolicyError> {
        let mut rules: Vec<RuleEntry> = Vec::new();
        for stage in Stage::ALL {
            for entry in &policy.stages.get(stage).rules {
                if entry.enabled && is_pii_rule(entry) && !rules.iter().any(|r| r.id == entry.id) {
                    rules.push(entry.clone());
                }
            }
        }
        let empty = || StagePolicy {
            thresholds: Thresholds::default(),
            rules: Vec::new(),
        };
        let audit_policy = Policy {
            version: policy.version,
            limits: policy.limits,
            stages: Stages {
                prompt: StagePolicy {
                    thresholds: Thresholds::default(),
                    rules,
                },
                untrusted: empty(),
                output: empty(),
            },
            roles: Default::default(),
            require_role: false,
            shadow: None,
            escalation: None,
            session: None,
        };
        Ok(AuditRedactor {
            guard: Guard::new(&audit_policy)?,
        })
    }

    /// The redactor of the embedded default policy.
    pub fn embedded_default() -> Result<AuditRedactor, PolicyError> {
        AuditRedactor::new(&Policy::embedded_default()?)
    }

    /// Redacts one text.
    pub fn redact(&self, text: &str) -> AuditText {
        let verdict = self.guard.scan(&ScanRequest::new(Stage::Prompt, text));
        let untrusted = !verdict.errors.is_empty()
            || verdict
                .findings
                .iter()
                .any(|f| matches!(f.category, Category::Internal | Category::Limit));
        if untrusted {
            return AuditText::Hashed(sha256_hex(text));
        }
        let mut spans: Vec<(usize, usize, &str)> = verdict
            .findings
            .iter()
            .filter(|f| {
                matches!(f.category, Category::Pii | Category::Secret) || f.action == Action::Redact
            })
            .map(|f| (f.start, f.end, f.rule.as_str()))
            .collect();
        spans.sort_by_key(|&(s, e, _)| (s, std::cmp::Reverse(e)));
        let mut out = String::with_capacity(text.len());
        let (mut pos, mut count) = (0, 0);
        for (start, end, rule) in spans {
            if end <= pos {
                continue; // inside a span already replaced
            }
            let start = start.max(pos);
            let (Some(before), true) = (text.get(pos..start), text.is_char_boundary(end)) else {
                return AuditText::Hashed(sha256_hex(text)); // a span we cannot apply: fail closed
            };
            out.push_str(before);
            out.push('<');
            out.push_str(rule);
            out.push('>');
            pos = end;
            count += 1;
        }
        out.push_str(text.get(pos..).unwrap_or_default());
        AuditText::Redacted {
            text: out,
            spans: count,
        }
    }
}

/// SHA-256 of a text, hex encoded.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}
