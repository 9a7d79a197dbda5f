//! Request and response of the prompt-preprocessor.

use gatehouse_core::Decision;
pub use gatehouse_runtime::finding::FindingOut;
use gatehouse_runtime::seal::SealedMap;
use serde::{Deserialize, Serialize};

/// What the state machine (or `gatehouse invoke`) sends.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PreprocessRequest {
    /// The user's prompt.
    pub prompt: String,
    /// The agent session.
    pub session_id: String,
    /// The authenticated caller (IAM principal or application user). Required.
    #[serde(default)]
    pub principal_id: Option<String>,
    /// The caller's role, for per-role policy overrides.
    #[serde(default)]
    pub role: Option<String>,
    /// The agent prompt version; defaults to the role's `prompt_version` in the policy.
    #[serde(default)]
    pub prompt_version: Option<String>,
    /// Texts from tools or retrieved documents that will reach the model.
    #[serde(default)]
    pub untrusted: Vec<String>,
    /// Correlation id; defaults to the Lambda request id.
    #[serde(default)]
    pub request_id: Option<String>,
}

/// How the untrusted texts were marked, for the agent's instructions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpotlightInfo {
    /// The per-request random boundary.
    pub boundary: String,
    /// The sentence telling the model how to read the marked texts.
    pub instructions: String,
}

/// What the function answers. A denied request has no `prompt`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PreprocessResponse {
    /// The strictest decision over the prompt and every untrusted text.
    pub decision: Decision,
    /// The highest score over the inputs.
    pub score: f32,
    /// The findings, tagged with their input: capped as the core caps a verdict's
    /// (`gatehouse_core::MAX_FINDINGS_PER_RULE` per rule, `MAX_FINDINGS` in all,
    /// the strictest kept); the decision used them all.
    pub findings: Vec<FindingOut>,
    /// How many findings the caps left out (absent when none).
    #[serde(default, skip_serializing_if = "gatehouse_runtime::finding::is_zero")]
    pub findings_omitted: usize,
    /// The prompt to send the agent (redacted, untrusted texts spotlighted after it);
    /// `null` when denied.
    pub prompt: Option<String>,
    /// The sealed placeholder map, when placeholders were used and a key is configured.
    pub redaction: Option<SealedMap>,
    /// Spotlight boundary and instructions, when there were untrusted texts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spotlight: Option<SpotlightInfo>,
    /// The agent prompt version in force.
    pub prompt_version: Option<String>,
    /// Correlation id.
    pub request_id: String,
    /// The session, echoed for the next states.
    pub session_id: String,
    /// The caller, echoed for the next states.
    pub principal_id: String,
    /// The role, echoed.
    pub role: Option<String>,
    /// Internal errors that forced a deny (fail closed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// What the policy's shadow (candidate) policy would have decided, when it has one:
    /// recorded in the audit record, never enforced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow_decision: Option<Decision>,
}

impl PreprocessResponse {
    /// Raises the decision to `to` when that is stricter; a decision that no longer
    /// lets the prompt through removes the rewritten prompt, its sealed map and its
    /// spotlight, so nothing held or refused reaches the agent.
    pub fn raise(&mut self, to: Decision) {
        if to > self.decision {
            self.decision = to;
            if !to.is_allowed() {
                self.prompt = None;
                self.redaction = None;
                self.spotlight = None;
            }
        }
    }
}
