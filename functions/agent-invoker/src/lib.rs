//! # agent-invoker
//!
//! The Gatehouse Lambda that calls the Bedrock agent: `InvokeAgent` with trace on,
//! collecting the streamed answer (`chunk` events), the tool calls the agent made
//! (orchestration traces whose `invocationInput` is an action-group call), guardrail
//! traces, failure traces and `returnControl` requests, within a timeout
//! (`AGENT_TIMEOUT_MS`, default 25 000) and in an allowed region only.
//!
//! Input (unknown fields refused): `{"prompt" (already pre-processed), "session_id",
//! "agent_id", "agent_alias_id", "session_attributes" {"customerId": ...},
//! "prompt_session_attributes", "request_id"}`; the agent ids default to `AGENT_ID` and
//! `AGENT_ALIAS_ID`. Output: `{"completion", "tool_calls", "guardrail",
//! "return_control", "trace_summary", "session_id", "request_id"}`. The tool calls use
//! the core's `ToolCall` shape, so the output-validator can take them as they are.
//!
//! The agent sits behind the [`Agent`] trait: [`BedrockAgent`] calls the service;
//! [`ReplayAgent`] is a stand-in that answers from recorded responses
//! (`events/agent-invoker/replay/*.json`, compiled in) for local demos and tests. A
//! recording is a list of stream events in the service's own JSON shapes, so the same
//! files also drive the SDK through mocked event-stream HTTP responses in the tests.

mod bedrock;
mod collect;
mod handler;
mod replay;
mod types;

pub use bedrock::BedrockAgent;
pub use collect::{AgentEvent, Collector, MAX_COMPLETION_BYTES};
pub use handler::{Agent, AgentCall, DEFAULT_TIMEOUT, Deps, handle, invoke};
pub use replay::{RECORDINGS, Recording, ReplayAgent, wire_payload};
pub use types::{GuardrailSummary, InvokeRequest, InvokeResponse, ReturnControl, TraceSummary};
