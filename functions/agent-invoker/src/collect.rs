//! Folding the agent's stream into one response. Both the SDK path and the replay path
//! turn their input into [`AgentEvent`]s first, so they are collected the same way.

use std::collections::BTreeMap;

use gatehouse_core::ToolCall;
use gatehouse_runtime::FunctionError;

use crate::types::{GuardrailSummary, InvokeResponse, ReturnControl, TraceSummary};

/// Largest answer accepted, in bytes; a longer stream is an error (an audited guard
/// error in the state machine). An agent's answer is a few KiB; the state machine holds
/// the answer twice while it is validated (as the agent gave it and as the validator
/// returns it) within Step Functions' 256 KiB per state, so the bound is 64 KiB.
pub const MAX_COMPLETION_BYTES: usize = 64 * 1024;

/// One event of the agent's stream, in neutral form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentEvent {
    /// Bytes of the answer.
    Chunk(Vec<u8>),
    /// The agent called an action group.
    ToolCall(ToolCall),
    /// A guardrail trace with its action.
    Guardrail(String),
    /// A failure trace with its reason.
    Failure(String),
    /// Any other trace step, by kind.
    Step(String),
    /// The agent handed control back to the caller.
    ReturnControl(ReturnControl),
}

/// Accumulates events.
#[derive(Debug, Default)]
pub struct Collector {
    bytes: Vec<u8>,
    tool_calls: Vec<ToolCall>,
    guardrail: GuardrailSummary,
    return_control: Option<ReturnControl>,
    summary: TraceSummary,
}

impl Collector {
    /// Adds one event. Fails when the answer grows past [`MAX_COMPLETION_BYTES`].
    pub fn push(&mut self, event: AgentEvent) -> Result<(), FunctionError> {
        self.summary.events += 1;
        let step = |s: &mut TraceSummary, k: &str| *s.steps.entry(k.to_owned()).or_insert(0) += 1;
        match event {
            AgentEvent::Chunk(b) => {
                self.summary.chunks += 1;
                if self.bytes.len().saturating_add(b.len()) > MAX_COMPLETION_BYTES {
                    return Err(FunctionError::TooLarge {
                        field: "completion".into(),
                        len: self.bytes.len().saturating_add(b.len()),
                        max: MAX_COMPLETION_BYTES,
                    });
                }
                self.bytes.extend_from_slice(&b);
            }
            AgentEvent::ToolCall(call) => {
                step(&mut self.summary, "orchestration.invocation_input");
                self.tool_calls.push(call);
            }
            AgentEvent::Guardrail(action) => {
                step(&mut self.summary, "guardrail");
                self.guardrail.intervened |= action == "INTERVENED";
                self.guardrail.actions.push(action);
            }
            AgentEvent::Failure(reason) => {
                step(&mut self.summary, "failure");
                self.summary.failures.push(reason);
            }
            AgentEvent::Step(kind) => step(&mut self.summary, &kind),
            AgentEvent::ReturnControl(rc) => self.return_control = Some(rc),
        }
        Ok(())
    }

    /// The response, with the ids filled in.
    pub fn finish(self, session_id: String, request_id: String) -> InvokeResponse {
        InvokeResponse {
            completion: String::from_utf8_lossy(&self.bytes).into_owned(),
            tool_calls: self.tool_calls,
            guardrail: self.guardrail,
            return_control: self.return_control,
            trace_summary: self.summary,
            session_id,
            request_id,
        }
    }
}

/// A tool call from an action group, its function (or API path) and its parameters.
pub(crate) fn tool_call<'a>(
    action_group: Option<&str>,
    function: Option<&str>,
    api_path: Option<&str>,
    params: impl IntoIterator<Item = (Option<&'a str>, Option<&'a str>)>,
) -> ToolCall {
    let parameters: BTreeMap<String, String> = params
        .into_iter()
        .filter_map(|(n, v)| Some((n?.to_owned(), v.unwrap_or_default().to_owned())))
        .collect();
    ToolCall {
        action_group: action_group.unwrap_or_default().to_owned(),
        tool: function.or(api_path).unwrap_or_default().to_owned(),
        parameters,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_split_inside_a_character_join_cleanly() {
        let mut c = Collector::default();
        let text = "café ☕";
        let (a, b) = text.as_bytes().split_at(4); // splits the 'é'
        for part in [a, b] {
            assert!(c.push(AgentEvent::Chunk(part.to_vec())).is_ok());
        }
        assert_eq!(c.finish("s".into(), "r".into()).completion, text);
    }

    #[test]
    fn oversized_answer_is_refused() {
        let mut c = Collector::default();
        assert!(
            c.push(AgentEvent::Chunk(vec![b'a'; MAX_COMPLETION_BYTES]))
                .is_ok()
        );
        assert!(c.push(AgentEvent::Chunk(vec![b'a'])).is_err());
    }
}
