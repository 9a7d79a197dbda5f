//! The audit event the guarded-invoke state machine sends (its `Audit*` states):
//! `{outcome, request_id, session_id, principal_id, role, prompt_version, stage,
//! decision, guard?, approval?, error?}` where `guard` is the pre-processor's or the
//! validator's result. Turned into an [`AuditRecord`] of function `guarded-invoke`.

use gatehouse_core::audit::{AuditRecord, AuditToolCall};
use gatehouse_core::{Decision, Finding};
use serde::Deserialize;
use serde_json::Value;

/// The function name recorded for state machine steps.
pub const FUNCTION: &str = "guarded-invoke";

/// One state machine audit event. Strings may arrive as `null` from JSONPath.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepEvent {
    /// How the flow ended (`allowed`, `prompt_rejected`, …).
    pub outcome: String,
    /// The execution name (request id).
    #[serde(default)]
    pub request_id: Option<String>,
    /// The session.
    #[serde(default)]
    pub session_id: Option<String>,
    /// The caller.
    #[serde(default)]
    pub principal_id: Option<String>,
    /// The caller's role.
    #[serde(default)]
    pub role: Option<String>,
    /// The agent prompt version.
    #[serde(default)]
    pub prompt_version: Option<String>,
    /// The stage (`prompt`, `output`, `review`, `error`).
    pub stage: String,
    /// The final decision.
    pub decision: Decision,
    /// The guard function's result (decision, findings, rewritten prompt, …).
    #[serde(default)]
    pub guard: Option<Value>,
    /// The reviewer's answer, when a human approved.
    #[serde(default)]
    pub approval: Option<Value>,
    /// The caught error (`{"Error", "Cause"}`), for guard failures.
    #[serde(default)]
    pub error: Option<Value>,
}

impl StepEvent {
    /// The audit record of this step. Parts of `guard` that do not parse are noted
    /// in `errors` rather than failing the record: the step happened and must be logged.
    pub fn into_record(self) -> AuditRecord {
        let mut r = AuditRecord::new(FUNCTION, &self.stage, self.decision);
        r.outcome = Some(self.outcome);
        r.request_id = self.request_id.unwrap_or_default();
        r.session_id = self.session_id.unwrap_or_default();
        r.principal_id = self.principal_id.unwrap_or_default();
        r.role = self.role.unwrap_or_default();
        r.prompt_version = self.prompt_version.unwrap_or_default();
        if let Some(guard) = &self.guard {
            if let Some(Value::Array(items)) = guard.get("findings") {
                let parsed: Vec<Option<Finding>> = items
                    .iter()
                    .map(|f| serde_json::from_value(f.clone()).ok())
                    .collect();
                let unreadable = parsed.iter().filter(|f| f.is_none()).count();
                r.findings = parsed.into_iter().flatten().collect();
                if unreadable > 0 {
                    r.errors
                        .push(format!("{unreadable} guard findings unreadable"));
                }
            }
            r.findings_omitted = guard
                .get("findings_omitted")
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
                .unwrap_or(0);
            if let Some(Value::Array(calls)) = guard.get("tool_calls") {
                r.tool_calls = calls.iter().filter_map(tool_call).collect();
            }
            let text = |k: &str| guard.get(k).and_then(Value::as_str).map(str::to_owned);
            r.input = text("prompt");
            r.output = text("completion");
            r.shadow_decision = guard
                .get("shadow_decision")
                .and_then(|d| serde_json::from_value(d.clone()).ok());
            r.latency_us = guard.get("latency_us").and_then(Value::as_u64).unwrap_or(0);
        }
        r.reviewer = self
            .approval
            .as_ref()
            .and_then(|a| a.get("reviewer"))
            .and_then(|v| v.get("id"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        if let Some(error) = self.error.filter(|e| !e.is_null()) {
            r.errors.push(error.to_string());
        }
        r
    }
}

/// A tool call from a guard result, in either the core's shape (`tool`) or ours.
fn tool_call(v: &Value) -> Option<AuditToolCall> {
    if let Ok(call) = serde_json::from_value::<AuditToolCall>(v.clone()) {
        return Some(call);
    }
    let core: gatehouse_core::ToolCall = serde_json::from_value(v.clone()).ok()?;
    let is_path = core.tool.starts_with('/');
    Some(AuditToolCall {
        action_group: core.action_group,
        function: (!is_path).then(|| core.tool.clone()),
        api_path: is_path.then_some(core.tool),
        parameters: core.parameters,
        result: None,
    })
}
