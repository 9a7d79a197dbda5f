//! `ReplayAgent`: a stand-in for the Bedrock agent that answers from recorded
//! responses. It is not the agent and says so in every response's trace summary
//! (`steps["replay"]`). Used by `gatehouse demo`, `gatehouse invoke agent-invoker`
//! without AWS, and the tests.
//!
//! A recording (`events/agent-invoker/replay/<name>.json`):
//!
//! ```json
//! {"description": "...", "match": ["ord-1001"],
//!  "events": [{"trace": {"trace": {"orchestrationTrace": {"invocationInput": {...}}}}},
//!             {"chunk": {"text": "Your order ..."}}]}
//! ```
//!
//! Each event has one key, the stream event type (`chunk`, `trace`, `returnControl`),
//! whose value is the event's payload in the service's JSON shape. The one liberty:
//! a chunk may hold readable `text` instead of base64 `bytes` ([`wire_payload`] turns
//! it back into `bytes`). A prompt is answered by the first recording (by name) whose
//! `match` words all occur in it, case-insensitively; recordings with an empty `match`
//! are the fallback.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use gatehouse_runtime::FunctionError;
use serde::Deserialize;
use serde_json::Value;

use crate::collect::{AgentEvent, Collector, tool_call};
use crate::handler::{Agent, AgentCall};
use crate::types::ReturnControl;

/// The recordings compiled into the crate: (name, JSON).
pub const RECORDINGS: &[(&str, &str)] = &[
    (
        "benign-order-status",
        include_str!("../../../events/agent-invoker/replay/benign-order-status.json"),
    ),
    (
        "default",
        include_str!("../../../events/agent-invoker/replay/default.json"),
    ),
    (
        "delivery-note",
        include_str!("../../../events/agent-invoker/replay/delivery-note.json"),
    ),
    (
        "exfil-answer",
        include_str!("../../../events/agent-invoker/replay/exfil-answer.json"),
    ),
    (
        "invoice-email",
        include_str!("../../../events/agent-invoker/replay/invoice-email.json"),
    ),
    (
        "low-confidence",
        include_str!("../../../events/agent-invoker/replay/low-confidence.json"),
    ),
    (
        "return-control",
        include_str!("../../../events/agent-invoker/replay/return-control.json"),
    ),
];

/// One recorded response.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recording {
    /// What the recording shows.
    pub description: String,
    /// Words that must all occur in the prompt for this recording to answer.
    #[serde(rename = "match")]
    pub matches: Vec<String>,
    /// The stream events, in order.
    pub events: Vec<Value>,
}

/// Answers from recordings. See the module docs.
#[derive(Debug, Clone)]
pub struct ReplayAgent {
    recordings: Vec<(String, Recording)>,
}

impl ReplayAgent {
    /// The recordings compiled into the crate.
    pub fn embedded() -> Result<ReplayAgent, FunctionError> {
        ReplayAgent::from_sources(
            RECORDINGS
                .iter()
                .map(|(n, t)| ((*n).to_owned(), (*t).to_owned())),
        )
    }

    /// Recordings from (name, JSON) pairs.
    pub fn from_sources(
        sources: impl IntoIterator<Item = (String, String)>,
    ) -> Result<ReplayAgent, FunctionError> {
        let mut recordings = Vec::new();
        for (name, text) in sources {
            let rec: Recording = serde_json::from_str(&text)
                .map_err(|e| FunctionError::Config(format!("replay recording `{name}`: {e}")))?;
            recordings.push((name, rec));
        }
        recordings.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(ReplayAgent { recordings })
    }

    /// The recording that answers `prompt`, by name.
    pub fn select(&self, prompt: &str) -> Option<(&str, &Recording)> {
        let lower = prompt.to_lowercase();
        let hit = |r: &Recording| r.matches.iter().all(|m| lower.contains(&m.to_lowercase()));
        self.recordings
            .iter()
            .find(|(_, r)| !r.matches.is_empty() && hit(r))
            .or_else(|| self.recordings.iter().find(|(_, r)| r.matches.is_empty()))
            .map(|(n, r)| (n.as_str(), r))
    }
}

impl Agent for ReplayAgent {
    async fn invoke(&self, call: &AgentCall, sink: &mut Collector) -> Result<(), FunctionError> {
        let Some((name, rec)) = self.select(&call.input_text) else {
            return Err(FunctionError::Upstream {
                service: "replay-agent",
                message: "no recording answers this prompt".into(),
            });
        };
        sink.push(AgentEvent::Step("replay".into()))?;
        tracing::debug!(recording = name, "replaying");
        for event in &rec.events {
            let (kind, payload) = wire_payload(event)
                .map_err(|e| FunctionError::Config(format!("replay recording `{name}`: {e}")))?;
            for e in events_from_wire(&kind, &payload) {
                sink.push(e)?;
            }
        }
        Ok(())
    }
}

/// A recorded event as (event type, payload in the service's wire JSON).
pub fn wire_payload(event: &Value) -> Result<(String, Value), String> {
    let obj = event
        .as_object()
        .filter(|o| o.len() == 1)
        .ok_or("an event must be an object with one key")?;
    let (kind, payload) = obj.iter().next().ok_or("empty event")?;
    let mut payload = payload.clone();
    if let Some(text) = payload
        .get("text")
        .and_then(Value::as_str)
        .filter(|_| kind == "chunk")
    {
        payload = serde_json::json!({ "bytes": B64.encode(text) });
    }
    Ok((kind.clone(), payload))
}

/// Neutral events from one wire payload (the same mapping as the SDK path).
pub(crate) fn events_from_wire(kind: &str, p: &Value) -> Vec<AgentEvent> {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
    let step = |k: &str| vec![AgentEvent::Step(k.to_owned())];
    match kind {
        "chunk" => {
            let bytes = p
                .get("bytes")
                .and_then(Value::as_str)
                .and_then(|b| B64.decode(b).ok())
                .unwrap_or_default();
            vec![AgentEvent::Chunk(bytes)]
        }
        "trace" => {
            let Some(trace) = p.get("trace").and_then(Value::as_object) else {
                return step("other");
            };
            let Some((tk, tv)) = trace.iter().next() else {
                return step("other");
            };
            match tk.as_str() {
                "orchestrationTrace" => {
                    let (ok, ov) = tv
                        .as_object()
                        .and_then(|o| o.iter().next())
                        .map_or(("", &Value::Null), |(k, v)| (k.as_str(), v));
                    match ok {
                        "invocationInput" => match ov.get("actionGroupInvocationInput") {
                            Some(ag) => vec![AgentEvent::ToolCall(tool_call(
                                ag.get("actionGroupName").and_then(Value::as_str),
                                ag.get("function").and_then(Value::as_str),
                                ag.get("apiPath").and_then(Value::as_str),
                                wire_params(ag),
                            ))],
                            None => step("orchestration.invocation_input"),
                        },
                        "rationale" => step("orchestration.rationale"),
                        "observation" => step("orchestration.observation"),
                        "modelInvocationInput" => step("orchestration.model_invocation_input"),
                        "modelInvocationOutput" => step("orchestration.model_invocation_output"),
                        _ => step("orchestration.other"),
                    }
                }
                "guardrailTrace" => vec![AgentEvent::Guardrail(
                    s(tv, "action").unwrap_or_else(|| "UNKNOWN".into()),
                )],
                "failureTrace" => vec![AgentEvent::Failure(
                    s(tv, "failureReason").unwrap_or_else(|| "unknown".into()),
                )],
                "preProcessingTrace" => step("pre_processing"),
                "postProcessingTrace" => step("post_processing"),
                "routingClassifierTrace" => step("routing_classifier"),
                "customOrchestrationTrace" => step("custom_orchestration"),
                _ => step("other"),
            }
        }
        "returnControl" => {
            let calls = p
                .get("invocationInputs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|m| {
                    if let Some(a) = m.get("apiInvocationInput") {
                        Some(tool_call(
                            a.get("actionGroup").and_then(Value::as_str),
                            None,
                            a.get("apiPath").and_then(Value::as_str),
                            wire_params(a),
                        ))
                    } else {
                        m.get("functionInvocationInput").map(|f| {
                            tool_call(
                                f.get("actionGroup").and_then(Value::as_str),
                                f.get("function").and_then(Value::as_str),
                                None,
                                wire_params(f),
                            )
                        })
                    }
                })
                .collect();
            vec![AgentEvent::ReturnControl(ReturnControl {
                invocation_id: s(p, "invocationId"),
                calls,
            })]
        }
        "files" => step("files"),
        _ => step("unknown"),
    }
}

/// `parameters` plus request-body properties (both `content.<type>` as a list, as in
/// traces, and `content.<type>.properties`, as in returnControl).
fn wire_params(v: &Value) -> Vec<(Option<&str>, Option<&str>)> {
    fn pair(p: &Value) -> (Option<&str>, Option<&str>) {
        (
            p.get("name").and_then(Value::as_str),
            p.get("value").and_then(Value::as_str),
        )
    }
    let mut out: Vec<_> = v
        .get("parameters")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(pair)
        .collect();
    if let Some(content) = v
        .get("requestBody")
        .and_then(|b| b.get("content"))
        .and_then(Value::as_object)
    {
        for body in content.values() {
            let list = body
                .as_array()
                .or_else(|| body.get("properties").and_then(Value::as_array));
            out.extend(list.into_iter().flatten().map(pair));
        }
    }
    out
}
