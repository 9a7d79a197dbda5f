//! Request and response of the output-validator.

use gatehouse_core::{Decision, ToolCall};
pub use gatehouse_runtime::finding::FindingOut;
use gatehouse_runtime::seal::SealedMap;
use serde::{Deserialize, Serialize};

/// What the state machine (or `gatehouse invoke`) sends.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    /// The agent's answer (with the prompt's placeholders still in it).
    pub completion: String,
    /// The agent session.
    pub session_id: String,
    /// The authenticated caller. Required.
    #[serde(default)]
    pub principal_id: Option<String>,
    /// The caller's role.
    #[serde(default)]
    pub role: Option<String>,
    /// A schema name from the policy, or an inline JSON Schema, the answer must match.
    #[serde(default)]
    pub schema: Option<serde_json::Value>,
    /// Tool calls the agent made (from the agent-invoker).
    #[serde(default)]
    pub tool_calls: Vec<ToolCall>,
    /// The decision taken on the prompt.
    #[serde(default)]
    pub input_decision: Option<Decision>,
    /// Values that must not appear in the answer (canaries, access codes).
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Correlation id; defaults to the Lambda request id. Must match the pre-processor's
    /// for a sealed map to open.
    #[serde(default)]
    pub request_id: Option<String>,
    /// The agent prompt version, echoed.
    #[serde(default)]
    pub prompt_version: Option<String>,
    /// The sealed placeholder map from the prompt-preprocessor.
    #[serde(default)]
    pub redaction: Option<SealedMap>,
}

/// The native answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValidateResponse {
    /// What to do with the answer.
    pub decision: Decision,
    /// Combined risk score.
    pub score: f32,
    /// What the rules found (capped as the core caps a verdict's; the decision used
    /// them all).
    pub findings: Vec<FindingOut>,
    /// How many findings the caps left out (absent when none).
    #[serde(default, skip_serializing_if = "gatehouse_runtime::finding::is_zero")]
    pub findings_omitted: usize,
    /// The answer to give: as validated (redacted where the policy redacts, the prompt's
    /// values restored when a sealed map was given); for `review`, the candidate held
    /// for the reviewer (placeholders kept); for `deny`, the refusal message.
    pub completion: String,
    /// True when `completion` is the refusal message.
    pub blocked: bool,
    /// True when `completion` may be shown to the user now (`allow`, `redact`, `flag`).
    /// False for `review`, where it is the candidate held for a reviewer and `blocked`
    /// is false too, and for `deny`: a caller outside the state machine should check
    /// this, not `blocked`.
    pub deliver: bool,
    /// True when the prompt's placeholders were restored.
    pub restored: bool,
    /// Correlation id.
    pub request_id: String,
    /// The session.
    pub session_id: String,
    /// The caller.
    pub principal_id: String,
    /// The role.
    pub role: Option<String>,
    /// The agent prompt version.
    pub prompt_version: Option<String>,
    /// Internal errors that forced a deny.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
    /// What the policy's shadow (candidate) policy would have decided, when it has one:
    /// recorded in the audit record, never enforced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shadow_decision: Option<Decision>,
}

/// Either answer shape; serialises as the inner value.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ValidatorResponse {
    /// Answer to a native request.
    Native(ValidateResponse),
    /// Answer to a Bedrock parser-Lambda event.
    Parser(crate::parser::ParserResponse),
}
