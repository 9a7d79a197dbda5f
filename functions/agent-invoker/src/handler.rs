//! The invoke handler: validate, call the agent within the timeout, collect.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

use gatehouse_runtime::{FunctionError, limits};
use lambda_runtime::LambdaEvent;
use serde_json::Value;

use crate::collect::Collector;
use crate::types::{InvokeRequest, InvokeResponse};

/// Default budget for one agent call (`AGENT_TIMEOUT_MS` overrides).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(25);
/// InvokeAgent accepts at most 25,000 characters of input text.
pub const MAX_INPUT_CHARS: usize = gatehouse_runtime::limits::MAX_AGENT_INPUT_CHARS;

/// One resolved agent call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentCall {
    /// The agent.
    pub agent_id: String,
    /// Its alias.
    pub agent_alias_id: String,
    /// The session.
    pub session_id: String,
    /// The text sent.
    pub input_text: String,
    /// Session attributes.
    pub session_attributes: BTreeMap<String, String>,
    /// Prompt session attributes.
    pub prompt_session_attributes: BTreeMap<String, String>,
}

/// Something that answers like a Bedrock agent, streaming into a [`Collector`].
pub trait Agent: Send + Sync {
    /// Runs one call, pushing every stream event into `sink`.
    fn invoke(
        &self,
        call: &AgentCall,
        sink: &mut Collector,
    ) -> impl Future<Output = Result<(), FunctionError>> + Send;
}

/// What the handler needs, built once per cold start.
#[derive(Debug)]
pub struct Deps<A> {
    /// The agent.
    pub agent: A,
    /// Default agent id (`AGENT_ID`).
    pub agent_id: Option<String>,
    /// Default alias id (`AGENT_ALIAS_ID`).
    pub agent_alias_id: Option<String>,
    /// Budget for one call, stream included.
    pub timeout: Duration,
}

/// The Lambda entry point.
pub async fn handle<A: Agent>(
    deps: &Deps<A>,
    event: LambdaEvent<Value>,
) -> Result<InvokeResponse, FunctionError> {
    let req: InvokeRequest = limits::parse_event(event.payload)?;
    invoke(deps, req, &event.context.request_id).await
}

/// Calls the agent for one request.
pub async fn invoke<A: Agent>(
    deps: &Deps<A>,
    req: InvokeRequest,
    lambda_request_id: &str,
) -> Result<InvokeResponse, FunctionError> {
    let invalid = |path: &str, message: String| FunctionError::InvalidEvent {
        path: path.into(),
        message,
    };
    if req.prompt.trim().is_empty() {
        return Err(invalid("prompt", "must not be empty".into()));
    }
    let chars = req.prompt.chars().count();
    if chars > MAX_INPUT_CHARS {
        return Err(invalid(
            "prompt",
            format!("{chars} characters, over the InvokeAgent limit of {MAX_INPUT_CHARS}"),
        ));
    }
    let id_ok = |s: &str| {
        (2..=100).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._:-".contains(&b))
    };
    if !id_ok(&req.session_id) {
        return Err(invalid(
            "session_id",
            "must be 2 to 100 characters of [0-9a-zA-Z._:-]".into(),
        ));
    }
    let agent_id = req
        .agent_id
        .clone()
        .or_else(|| deps.agent_id.clone())
        .filter(|s| !s.is_empty());
    let alias = req
        .agent_alias_id
        .clone()
        .or_else(|| deps.agent_alias_id.clone())
        .filter(|s| !s.is_empty());
    let (Some(agent_id), Some(agent_alias_id)) = (agent_id, alias) else {
        return Err(FunctionError::Config(
            "no agent: set `agent_id` and `agent_alias_id` or AGENT_ID and AGENT_ALIAS_ID".into(),
        ));
    };
    let request_id = req
        .request_id
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| lambda_request_id.to_owned());
    let call = AgentCall {
        agent_id,
        agent_alias_id,
        session_id: req.session_id.clone(),
        input_text: req.prompt,
        session_attributes: req.session_attributes,
        prompt_session_attributes: req.prompt_session_attributes,
    };
    let started = std::time::Instant::now();
    let mut sink = Collector::default();
    let millis = u64::try_from(deps.timeout.as_millis()).unwrap_or(u64::MAX);
    match tokio::time::timeout(deps.timeout, deps.agent.invoke(&call, &mut sink)).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            tracing::warn!(request_id = %request_id, error_type = "agent", "agent call failed");
            return Err(e);
        }
        Err(_) => {
            tracing::warn!(request_id = %request_id, timeout_ms = millis, "agent call timed out");
            return Err(FunctionError::Timeout {
                service: "bedrock-agent-runtime",
                millis,
            });
        }
    }
    let out = sink.finish(req.session_id, request_id);
    tracing::info!(
        request_id = %out.request_id,
        agent_id = %call.agent_id,
        latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        completion_bytes = out.completion.len(),
        tool_calls = ?out.tool_calls.iter().map(|t| t.tool.as_str()).collect::<Vec<_>>(),
        guardrail_intervened = out.guardrail.intervened,
        events = out.trace_summary.events,
        "agent answered"
    );
    Ok(out)
}
