//! Request and response of the agent-invoker.

use std::collections::BTreeMap;

use gatehouse_core::ToolCall;
use serde::{Deserialize, Serialize};

/// What the state machine (or `gatehouse invoke`) sends.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InvokeRequest {
    /// The pre-processed prompt (redacted, untrusted texts spotlighted).
    pub prompt: String,
    /// The agent session id.
    pub session_id: String,
    /// The agent; defaults to `AGENT_ID`.
    #[serde(default)]
    pub agent_id: Option<String>,
    /// The alias; defaults to `AGENT_ALIAS_ID`.
    #[serde(default)]
    pub agent_alias_id: Option<String>,
    /// Session attributes the action-group Lambdas see (the caller's `customerId`).
    #[serde(default)]
    pub session_attributes: BTreeMap<String, String>,
    /// Prompt session attributes (this turn only).
    #[serde(default)]
    pub prompt_session_attributes: BTreeMap<String, String>,
    /// Correlation id, echoed.
    #[serde(default)]
    pub request_id: Option<String>,
}

/// What the guardrails did, from the guardrail traces.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardrailSummary {
    /// True when any guardrail trace said `INTERVENED`.
    pub intervened: bool,
    /// The actions seen, in order (`NONE`, `INTERVENED`).
    pub actions: Vec<String>,
}

/// The agent asked the caller to run tools itself (`returnControl`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnControl {
    /// The id to answer with.
    pub invocation_id: Option<String>,
    /// The calls requested.
    pub calls: Vec<ToolCall>,
}

/// Counts of what the trace showed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceSummary {
    /// Stream events received.
    pub events: usize,
    /// Answer chunks received.
    pub chunks: usize,
    /// Trace events by kind (`orchestration.invocation_input`, `guardrail`, …).
    pub steps: BTreeMap<String, usize>,
    /// Failure-trace reasons.
    pub failures: Vec<String>,
}

/// What the function answers.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvokeResponse {
    /// The agent's answer, as streamed.
    pub completion: String,
    /// Action-group calls the agent made, in order.
    pub tool_calls: Vec<ToolCall>,
    /// Guardrail outcome.
    pub guardrail: GuardrailSummary,
    /// Present when the agent handed control back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_control: Option<ReturnControl>,
    /// Trace counts.
    pub trace_summary: TraceSummary,
    /// The session, echoed.
    pub session_id: String,
    /// Correlation id.
    pub request_id: String,
}
