//! What a caller hands the guard besides the text.

use serde::{Deserialize, Serialize};

use crate::policy::Stage;

/// One scan request.
#[derive(Debug, Clone, Copy)]
pub struct ScanRequest<'a> {
    /// Which stage's rules to run.
    pub stage: Stage,
    /// The text to scan.
    pub text: &'a str,
    /// The caller's role, for per-role overrides. `None` uses the base policy.
    pub role: Option<&'a str>,
    /// Extra context for output checks.
    pub ctx: &'a ScanContext,
}

impl<'a> ScanRequest<'a> {
    /// A request with no role and no extra context.
    pub fn new(stage: Stage, text: &'a str) -> ScanRequest<'a> {
        static EMPTY: ScanContext = ScanContext::EMPTY;
        ScanRequest {
            stage,
            text,
            role: None,
            ctx: &EMPTY,
        }
    }
}

/// Per-request context, mostly for the output stage.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScanContext {
    /// Values that must never appear in output (canary tokens, access codes, keys).
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Name of a schema from the policy, or an inline JSON Schema, the output must match.
    #[serde(default)]
    pub schema: Option<serde_json::Value>,
    /// Tool calls the agent made while producing the output.
    #[serde(default)]
    pub tool_calls: Vec<ToolCall>,
    /// The decision taken on the prompt before inference (a flagged prompt makes the
    /// output go to review).
    #[serde(default)]
    pub input_decision: Option<crate::Decision>,
}

impl ScanContext {
    /// No context at all.
    pub const EMPTY: ScanContext = ScanContext {
        secrets: Vec::new(),
        schema: None,
        tool_calls: Vec::new(),
        input_decision: None,
    };
}

/// A tool call made by the agent (an action-group function or API operation).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolCall {
    /// The action group.
    #[serde(default)]
    pub action_group: String,
    /// The function name (function-details action groups) or API path (OpenAPI ones).
    pub tool: String,
    /// Parameters as the agent passed them (strings, as Bedrock sends them).
    #[serde(default)]
    pub parameters: std::collections::BTreeMap<String, String>,
}
