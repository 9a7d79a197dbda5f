//! The audit record every Gatehouse function writes, its SHA-256 hash chain, and the
//! redaction that keeps raw personal data out of the audit log.
//!
//! Pure code: the audit-logger Lambda and the CLI's local sink do the I/O.
//!
//! ```
//! use gatehouse_core::audit::{verify, AuditRecord, Chain};
//! use gatehouse_core::Decision;
//!
//! let mut chain = Chain::genesis("2026/11/22/abc");
//! let mut lines = Vec::new();
//! for stage in ["pre_process", "post_validate"] {
//!     let mut record = AuditRecord::new("prompt-preprocessor", stage, Decision::Allow);
//!     lines.push(chain.seal(&mut record)?);
//! }
//! assert_eq!(verify("2026/11/22/abc", &lines)?, chain.head());
//! # Ok::<(), gatehouse_core::audit::ChainError>(())
//! ```

mod chain;
mod redact;
pub mod time;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use chain::{
    Chain, ChainError, canonical_json, genesis_hash, verify, verify_from, write_canonical,
};
pub use redact::{AuditRedactor, AuditText, sha256_hex};

use crate::{Decision, Finding};

/// The current version of the audit record schema.
pub const SCHEMA_VERSION: u32 = 1;

fn schema_version() -> u32 {
    SCHEMA_VERSION
}

/// One audit record: one JSON object per line in the audit log.
///
/// Callers fill what they know; the audit logger completes `timestamp`, `trace_id`,
/// `request_id` and `region` when empty, redacts `input`, `output` and tool call
/// parameters, then sets `prev_hash` and `hash` (whatever a caller put there is
/// overwritten). Unknown fields are refused: a misspelt field would silently lose
/// audit data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditRecord {
    /// Schema version, [`SCHEMA_VERSION`].
    #[serde(default = "schema_version")]
    pub schema_version: u32,
    /// When the audited step happened, RFC 3339 UTC.
    #[serde(default)]
    pub timestamp: String,
    /// X-Ray trace id (`_X_AMZN_TRACE_ID`) when present, else a generated id.
    #[serde(default)]
    pub trace_id: String,
    /// The request this step belongs to (one id across the whole guarded flow).
    #[serde(default)]
    pub request_id: String,
    /// The agent session.
    #[serde(default)]
    pub session_id: String,
    /// The caller: IAM principal or application identity (a reviewer for approvals).
    #[serde(default)]
    pub principal_id: String,
    /// The caller's role (per-role policy).
    #[serde(default)]
    pub role: String,
    /// The human reviewer whose approval the step relied on, when there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reviewer: Option<String>,
    /// The function that took the decision (`prompt-preprocessor`, …).
    pub function: String,
    /// The step of the flow (`pre_process`, `invoke_agent`, `post_validate`,
    /// `approval_requested`, `approval_decided`, …).
    pub stage: String,
    /// How the guarded flow ended, when the record comes from the state machine
    /// (`allowed`, `prompt_rejected`, `output_blocked`, `review_approved`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Version of the agent prompt in use.
    #[serde(default)]
    pub prompt_version: String,
    /// The decision taken.
    pub decision: Decision,
    /// The decision a shadow (candidate) policy would have taken, when one runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow_decision: Option<Decision>,
    /// The findings behind the decision (they carry spans and reasons, never matched text),
    /// as the guard reported them: capped (`Verdict::findings`).
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// How many findings the guard's caps left out of `findings`, so the record says
    /// that its list is not the whole (absent when none were).
    #[serde(default, skip_serializing_if = "crate::decision::is_zero")]
    pub findings_omitted: usize,
    /// The input text, redacted; `None` when absent or replaced by `input_sha256`.
    #[serde(default)]
    pub input: Option<String>,
    /// SHA-256 of the input when the text itself could not be kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_sha256: Option<String>,
    /// The output text, redacted; `None` when absent or replaced by `output_sha256`.
    #[serde(default)]
    pub output: Option<String>,
    /// SHA-256 of the output when the text itself could not be kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_sha256: Option<String>,
    /// Tool calls the agent made in this step.
    #[serde(default)]
    pub tool_calls: Vec<AuditToolCall>,
    /// Internal errors behind a fail-closed decision.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// Time the step took, in microseconds.
    #[serde(default)]
    pub latency_us: u64,
    /// The AWS region the step ran in.
    #[serde(default)]
    pub region: String,
    /// Hash of the previous record of the same log stream (genesis hash for the first).
    #[serde(default)]
    pub prev_hash: String,
    /// `SHA-256(prev_hash || canonical JSON of this record without hash)`.
    #[serde(default)]
    pub hash: String,
}

/// One tool call, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditToolCall {
    /// The action group.
    #[serde(default)]
    pub action_group: String,
    /// The function (function-details action groups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// The API path (OpenAPI action groups).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_path: Option<String>,
    /// Parameters, redacted (values as strings, as Bedrock passes them).
    #[serde(default)]
    pub parameters: BTreeMap<String, String>,
    /// The result state (`SUCCESS`, `FAILURE`, `REPROMPT`, an HTTP status, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<String>,
}

impl AuditRecord {
    /// A record with the required fields set and everything else empty.
    pub fn new(function: &str, stage: &str, decision: Decision) -> AuditRecord {
        AuditRecord {
            schema_version: SCHEMA_VERSION,
            timestamp: String::new(),
            trace_id: String::new(),
            request_id: String::new(),
            session_id: String::new(),
            principal_id: String::new(),
            role: String::new(),
            reviewer: None,
            function: function.to_owned(),
            stage: stage.to_owned(),
            outcome: None,
            prompt_version: String::new(),
            decision,
            shadow_decision: None,
            findings: Vec::new(),
            findings_omitted: 0,
            input: None,
            input_sha256: None,
            output: None,
            output_sha256: None,
            tool_calls: Vec::new(),
            errors: Vec::new(),
            latency_us: 0,
            region: String::new(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    /// Checks what serde cannot: a known schema version, a non-empty function and
    /// stage, and an RFC 3339 timestamp when one is set.
    pub fn validate(&self) -> Result<(), RecordError> {
        if self.schema_version != SCHEMA_VERSION {
            return Err(RecordError::SchemaVersion(self.schema_version));
        }
        if self.function.trim().is_empty() {
            return Err(RecordError::Empty("function"));
        }
        if self.stage.trim().is_empty() {
            return Err(RecordError::Empty("stage"));
        }
        if !self.timestamp.is_empty() && time::parse_rfc3339_ms(&self.timestamp).is_none() {
            return Err(RecordError::Timestamp(self.timestamp.clone()));
        }
        Ok(())
    }

    /// Redacts the text fields (input, output, tool call parameters and errors) in
    /// place. Idempotent: markers are not PII.
    pub fn redact(&mut self, redactor: &AuditRedactor) {
        redact_field(redactor, &mut self.input, &mut self.input_sha256);
        redact_field(redactor, &mut self.output, &mut self.output_sha256);
        for call in &mut self.tool_calls {
            for value in call.parameters.values_mut() {
                *value = match redactor.redact(value) {
                    AuditText::Redacted { text, .. } => text,
                    AuditText::Hashed(h) => format!("sha256:{h}"),
                };
            }
        }
        for error in &mut self.errors {
            if let AuditText::Redacted { text, .. } = redactor.redact(error) {
                *error = text;
            } else {
                *error = format!("sha256:{}", sha256_hex(error));
            }
        }
    }

    /// Replaces every free text (input, output, parameters, errors, finding reasons)
    /// by its SHA-256: used when a record is too large for one log event.
    pub fn hash_texts(&mut self) {
        if let Some(text) = self.input.take() {
            self.input_sha256 = Some(sha256_hex(&text));
        }
        if let Some(text) = self.output.take() {
            self.output_sha256 = Some(sha256_hex(&text));
        }
        for call in &mut self.tool_calls {
            for value in call.parameters.values_mut() {
                if !value.starts_with("sha256:") {
                    *value = format!("sha256:{}", sha256_hex(value));
                }
            }
        }
        for text in self
            .errors
            .iter_mut()
            .chain(self.findings.iter_mut().map(|f| &mut f.reason))
        {
            if !text.starts_with("sha256:") {
                *text = format!("sha256:{}", sha256_hex(text));
            }
        }
    }
}

fn redact_field(redactor: &AuditRedactor, text: &mut Option<String>, hash: &mut Option<String>) {
    if let Some(t) = text.take() {
        match redactor.redact(&t) {
            AuditText::Redacted { text: r, .. } => *text = Some(r),
            AuditText::Hashed(h) => *hash = Some(h),
        }
    }
}

/// An audit record that is well-formed JSON but not a valid record.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// An unknown `schema_version`.
    #[error("unsupported schema_version `{0}` (expected 1)")]
    SchemaVersion(u32),
    /// A required text field is empty.
    #[error("field `{0}` must not be empty")]
    Empty(&'static str),
    /// The timestamp is not RFC 3339.
    #[error("timestamp `{0}` is not RFC 3339")]
    Timestamp(String),
}

#[cfg(test)]
mod tests;
