//! The real agent: `InvokeAgent` through the AWS SDK, trace enabled.

use aws_sdk_bedrockagentruntime::Client;
use aws_sdk_bedrockagentruntime::error::DisplayErrorContext;
use aws_sdk_bedrockagentruntime::types::{
    InvocationInputMember, OrchestrationTrace, ResponseStream, SessionState, Trace,
};
use gatehouse_runtime::FunctionError;

use crate::collect::{AgentEvent, Collector, tool_call};
use crate::handler::{Agent, AgentCall};
use crate::types::ReturnControl;

const SERVICE: &str = "bedrock-agent-runtime";

/// Calls a Bedrock agent with the SDK client.
#[derive(Debug, Clone)]
pub struct BedrockAgent {
    client: Client,
}

impl BedrockAgent {
    /// Wraps a client (built once per cold start, region-pinned by the caller).
    pub fn new(client: Client) -> BedrockAgent {
        BedrockAgent { client }
    }

    /// A client from the default AWS configuration (credentials chain, endpoint
    /// overrides such as `AWS_ENDPOINT_URL`), talking to `region` only.
    pub async fn from_env(region: &str) -> BedrockAgent {
        let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region.to_owned()))
            .load()
            .await;
        BedrockAgent::new(Client::new(&config))
    }
}

impl Agent for BedrockAgent {
    async fn invoke(&self, call: &AgentCall, sink: &mut Collector) -> Result<(), FunctionError> {
        let mut state = SessionState::builder();
        for (k, v) in &call.session_attributes {
            state = state.session_attributes(k, v);
        }
        for (k, v) in &call.prompt_session_attributes {
            state = state.prompt_session_attributes(k, v);
        }
        let mut output = self
            .client
            .invoke_agent()
            .agent_id(&call.agent_id)
            .agent_alias_id(&call.agent_alias_id)
            .session_id(&call.session_id)
            .input_text(&call.input_text)
            .session_state(state.build())
            .enable_trace(true)
            .send()
            .await
            .map_err(|e| FunctionError::Upstream {
                service: SERVICE,
                message: DisplayErrorContext(&e).to_string(),
            })?;
        loop {
            match output.completion.recv().await {
                Ok(Some(event)) => {
                    for e in events_from_sdk(event) {
                        sink.push(e)?;
                    }
                }
                Ok(None) => return Ok(()),
                Err(e) => {
                    return Err(FunctionError::Upstream {
                        service: SERVICE,
                        message: format!("stream: {}", DisplayErrorContext(&e)),
                    });
                }
            }
        }
    }
}

/// One SDK stream event as neutral events.
pub(crate) fn events_from_sdk(event: ResponseStream) -> Vec<AgentEvent> {
    match event {
        ResponseStream::Chunk(part) => part
            .bytes()
            .map(|b| AgentEvent::Chunk(b.as_ref().to_vec()))
            .into_iter()
            .collect(),
        ResponseStream::Trace(part) => part.trace().map(trace_event).into_iter().collect(),
        ResponseStream::ReturnControl(rc) => {
            let calls = rc
                .invocation_inputs()
                .iter()
                .filter_map(|m| match m {
                    InvocationInputMember::ApiInvocationInput(a) => {
                        let body = a
                            .request_body()
                            .and_then(|b| b.content())
                            .into_iter()
                            .flat_map(|c| c.values());
                        let props = body
                            .flat_map(|p| p.properties().iter())
                            .map(|p| (p.name(), p.value()));
                        let params = a
                            .parameters()
                            .iter()
                            .map(|p| (p.name(), p.value()))
                            .chain(props);
                        Some(tool_call(
                            Some(a.action_group()),
                            None,
                            a.api_path(),
                            params,
                        ))
                    }
                    InvocationInputMember::FunctionInvocationInput(f) => {
                        let params = f.parameters().iter().map(|p| (p.name(), p.value()));
                        Some(tool_call(
                            Some(f.action_group()),
                            f.function(),
                            None,
                            params,
                        ))
                    }
                    _ => None,
                })
                .collect();
            vec![AgentEvent::ReturnControl(ReturnControl {
                invocation_id: rc.invocation_id().map(str::to_owned),
                calls,
            })]
        }
        ResponseStream::Files(_) => vec![AgentEvent::Step("files".into())],
        _ => vec![AgentEvent::Step("unknown".into())],
    }
}

fn trace_event(trace: &Trace) -> AgentEvent {
    let step = |s: &str| AgentEvent::Step(s.to_owned());
    match trace {
        Trace::OrchestrationTrace(o) => match o {
            OrchestrationTrace::InvocationInput(i) => match i.action_group_invocation_input() {
                Some(ag) => {
                    let body = ag
                        .request_body()
                        .and_then(|b| b.content())
                        .into_iter()
                        .flat_map(|c| c.values());
                    let props = body.flatten().map(|p| (p.name(), p.value()));
                    let params = ag
                        .parameters()
                        .iter()
                        .map(|p| (p.name(), p.value()))
                        .chain(props);
                    AgentEvent::ToolCall(tool_call(
                        ag.action_group_name(),
                        ag.function(),
                        ag.api_path(),
                        params,
                    ))
                }
                None => step("orchestration.invocation_input"),
            },
            OrchestrationTrace::Rationale(_) => step("orchestration.rationale"),
            OrchestrationTrace::Observation(_) => step("orchestration.observation"),
            OrchestrationTrace::ModelInvocationInput(_) => {
                step("orchestration.model_invocation_input")
            }
            OrchestrationTrace::ModelInvocationOutput(_) => {
                step("orchestration.model_invocation_output")
            }
            _ => step("orchestration.other"),
        },
        Trace::GuardrailTrace(g) => {
            AgentEvent::Guardrail(g.action().map_or("UNKNOWN", |a| a.as_str()).to_owned())
        }
        Trace::FailureTrace(f) => {
            AgentEvent::Failure(f.failure_reason().unwrap_or("unknown").to_owned())
        }
        Trace::PreProcessingTrace(_) => step("pre_processing"),
        Trace::PostProcessingTrace(_) => step("post_processing"),
        Trace::RoutingClassifierTrace(_) => step("routing_classifier"),
        Trace::CustomOrchestrationTrace(_) => step("custom_orchestration"),
        _ => step("other"),
    }
}
