//! The agent-invoker against a mocked Bedrock agent runtime (`aws-smithy-mocks`) and
//! against the replay stand-in.
//!
//! How the event stream is mocked: `InvokeAgentOutput::completion` is an
//! `EventReceiver` that only the SDK itself can construct, so `then_output` cannot
//! produce one. Instead the rule answers with `then_http_response`: an HTTP 200 whose
//! body is real `application/vnd.amazon.eventstream` frames (encoded with
//! `aws_smithy_eventstream::frame::write_message_to`), one per recorded event, with the
//! `:message-type`, `:event-type` and `:content-type` headers the service sends. The
//! mock HTTP client hands that response to the SDK, which deserialises it exactly as it
//! would a response from AWS: the real unmarshaller, the real `EventReceiver`.

use std::time::Duration;

use agent_invoker::{
    Agent, AgentCall, BedrockAgent, Collector, Deps, InvokeResponse, RECORDINGS, ReplayAgent,
    handle,
};
use aws_sdk_bedrockagentruntime::Client;
use aws_sdk_bedrockagentruntime::operation::invoke_agent::InvokeAgentError;
use aws_sdk_bedrockagentruntime::types::error::AccessDeniedException;
use aws_smithy_eventstream::frame::write_message_to;
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::event_stream::{Header, HeaderValue, Message};
use gatehouse_runtime::FunctionError;
use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use serde_json::Value;

const ORDER_STATUS: &str = include_str!("../../../events/agent-invoker/invoke-order-status.json");
const RETURN_CONTROL: &str =
    include_str!("../../../events/agent-invoker/invoke-return-control.json");
const MALFORMED: &str = include_str!("../../../events/agent-invoker/malformed.json");

fn header(name: &'static str, value: &str) -> Header {
    Header::new(name, HeaderValue::String(value.to_owned().into()))
}

/// Event-stream frames for one recording.
fn frames(recording: &str) -> Vec<u8> {
    let rec: Value = serde_json::from_str(recording).unwrap_or_default();
    let mut body = Vec::new();
    for event in rec
        .get("events")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let (kind, payload) = agent_invoker_wire(event);
        let msg = Message::new(serde_json::to_vec(&payload).unwrap_or_default())
            .add_header(header(":message-type", "event"))
            .add_header(header(":event-type", &kind))
            .add_header(header(":content-type", "application/json"));
        assert!(write_message_to(&msg, &mut body).is_ok());
    }
    body
}

/// The same conversion the replay agent uses (chunk `text` → base64 `bytes`).
fn agent_invoker_wire(event: &Value) -> (String, Value) {
    agent_invoker::wire_payload(event).unwrap_or_else(|e| unreachable!("{e}"))
}

fn stream_response(body: Vec<u8>, session: &'static str) -> HttpResponse {
    let mut resp = HttpResponse::new(
        StatusCode::try_from(200).unwrap_or_else(|_| unreachable!()),
        SdkBody::from(body),
    );
    resp.headers_mut()
        .insert("content-type", "application/vnd.amazon.eventstream");
    resp.headers_mut()
        .insert("x-amzn-bedrock-agent-content-type", "application/json");
    resp.headers_mut()
        .insert("x-amz-bedrock-agent-session-id", session);
    resp
}

fn deps<A: Agent>(agent: A, timeout: Duration) -> Deps<A> {
    Deps {
        agent,
        agent_id: Some("AGENT12345".into()),
        agent_alias_id: Some("TSTALIASID".into()),
        timeout,
    }
}

async fn run<A: Agent>(d: &Deps<A>, event: &str) -> Result<InvokeResponse, Diagnostic> {
    let payload: Value = serde_json::from_str(event).unwrap_or_default();
    handle(d, LambdaEvent::new(payload, Context::default()))
        .await
        .map_err(Into::into)
}

fn recording(name: &str) -> &'static str {
    RECORDINGS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .unwrap_or_else(|| unreachable!("{name}"))
}

#[tokio::test]
async fn sdk_stream_with_chunks_and_traces_is_collected() {
    // Given a mocked InvokeAgent that streams the recorded order-status answer
    let body = frames(recording("benign-order-status"));
    let rule = mock!(Client::invoke_agent)
        .match_requests(|r| {
            r.enable_trace() == Some(true)
                && r.agent_id() == Some("AGENT12345")
                && r.session_id() == Some("sess-benign-1")
                && r.session_state()
                    .and_then(|s| s.session_attributes())
                    .and_then(|a| a.get("customerId"))
                    == Some(&"cust-001".to_owned())
        })
        .then_http_response(move || stream_response(body.clone(), "sess-benign-1"));
    let client = mock_client!(aws_sdk_bedrockagentruntime, RuleMode::Sequential, &[&rule]);
    let d = deps(BedrockAgent::new(client), Duration::from_secs(5));

    // When the invoker runs the event file
    let out = run(&d, ORDER_STATUS)
        .await
        .unwrap_or_else(|e| unreachable!("{e:?}"));

    // Then the chunks are joined, the action-group call is a tool call, guardrails seen
    assert_eq!(
        out.completion,
        "Your order ord-1001 left our Leeds depot on 14 March and should arrive on 16 March."
    );
    assert_eq!(out.tool_calls.len(), 1);
    assert_eq!(out.tool_calls[0].action_group, "orders");
    assert_eq!(out.tool_calls[0].tool, "getOrderStatus");
    assert_eq!(
        out.tool_calls[0]
            .parameters
            .get("orderId")
            .map(String::as_str),
        Some("ord-1001")
    );
    assert_eq!(out.guardrail.actions, ["NONE", "NONE"]);
    assert!(!out.guardrail.intervened);
    assert_eq!(out.trace_summary.chunks, 2);
    assert_eq!(
        out.trace_summary.steps.get("orchestration.rationale"),
        Some(&1)
    );
    assert_eq!(
        out.trace_summary.steps.get("orchestration.observation"),
        Some(&1)
    );
    assert_eq!(out.request_id, "req-benign-1");
    assert_eq!(rule.num_calls(), 1);
}

#[tokio::test]
async fn sdk_and_replay_agree_on_every_recording() {
    for (name, text) in RECORDINGS {
        let body = frames(text);
        let rule = mock!(Client::invoke_agent)
            .then_http_response(move || stream_response(body.clone(), "sess-x1"));
        let client = mock_client!(aws_sdk_bedrockagentruntime, RuleMode::Sequential, &[&rule]);
        let call = AgentCall {
            agent_id: "AGENT12345".into(),
            agent_alias_id: "TSTALIASID".into(),
            session_id: "sess-x1".into(),
            input_text: "x".into(),
            session_attributes: Default::default(),
            prompt_session_attributes: Default::default(),
        };
        let mut via_sdk = Collector::default();
        let sdk = BedrockAgent::new(client).invoke(&call, &mut via_sdk).await;
        assert!(sdk.is_ok(), "{name}: {sdk:?}");
        let rec = ReplayAgent::from_sources([((*name).to_owned(), (*text).to_owned())])
            .unwrap_or_else(|e| unreachable!("{e}"));
        // A recording answers prompts holding all its match words: use them as the prompt.
        let matches: Vec<String> = serde_json::from_str::<Value>(text)
            .ok()
            .and_then(|v| v["match"].as_array().cloned())
            .unwrap_or_default()
            .iter()
            .filter_map(|m| m.as_str().map(str::to_owned))
            .collect();
        let replay_call = AgentCall {
            input_text: matches.join(" "),
            ..call
        };
        let mut via_replay = Collector::default();
        let r = rec.invoke(&replay_call, &mut via_replay).await;
        assert!(r.is_ok(), "{name}: {r:?}");
        let a = via_sdk.finish("s".into(), "r".into());
        let mut b = via_replay.finish("s".into(), "r".into());
        // The replay marks itself in the trace summary; otherwise identical.
        assert_eq!(b.trace_summary.steps.remove("replay"), Some(1), "{name}");
        b.trace_summary.events -= 1;
        assert_eq!(a, b, "{name}");
    }
}

#[tokio::test]
async fn return_control_is_reported() {
    let body = frames(recording("return-control"));
    let rule = mock!(Client::invoke_agent)
        .then_http_response(move || stream_response(body.clone(), "sess-rc-1"));
    let client = mock_client!(aws_sdk_bedrockagentruntime, RuleMode::Sequential, &[&rule]);
    let out = run(
        &deps(BedrockAgent::new(client), Duration::from_secs(5)),
        RETURN_CONTROL,
    )
    .await
    .unwrap_or_else(|e| unreachable!("{e:?}"));
    let rc = out.return_control.unwrap_or_else(|| unreachable!());
    assert_eq!(rc.invocation_id.as_deref(), Some("inv-rc-1"));
    assert_eq!(rc.calls[0].tool, "cancelOrder");
    assert_eq!(
        rc.calls[0].parameters.get("orderId").map(String::as_str),
        Some("ord-2002")
    );
    assert!(out.completion.is_empty());
}

#[tokio::test]
async fn service_error_is_an_upstream_error() {
    let rule = mock!(Client::invoke_agent).then_error(|| {
        InvokeAgentError::AccessDeniedException(
            AccessDeniedException::builder()
                .message("not authorised")
                .build(),
        )
    });
    let client = mock_client!(aws_sdk_bedrockagentruntime, RuleMode::Sequential, &[&rule]);
    let err = run(
        &deps(BedrockAgent::new(client), Duration::from_secs(5)),
        ORDER_STATUS,
    )
    .await
    .err();
    let err = err.unwrap_or_else(|| unreachable!("must fail"));
    assert_eq!(err.error_type, "UpstreamError");
    assert!(
        err.error_message
            .starts_with("bedrock-agent-runtime failed"),
        "{}",
        err.error_message
    );
}

#[tokio::test]
async fn exception_in_the_stream_is_an_upstream_error() {
    // Given a stream that sends one chunk, then a throttling exception frame
    let mut body = frames(recording("default"));
    let exc = Message::new(br#"{"message":"Rate exceeded"}"#.to_vec())
        .add_header(header(":message-type", "exception"))
        .add_header(header(":exception-type", "throttlingException"))
        .add_header(header(":content-type", "application/json"));
    assert!(write_message_to(&exc, &mut body).is_ok());
    let rule = mock!(Client::invoke_agent)
        .then_http_response(move || stream_response(body.clone(), "sess-benign-1"));
    let client = mock_client!(aws_sdk_bedrockagentruntime, RuleMode::Sequential, &[&rule]);
    let err = run(
        &deps(BedrockAgent::new(client), Duration::from_secs(5)),
        ORDER_STATUS,
    )
    .await
    .err();
    let err = err.unwrap_or_else(|| unreachable!("must fail"));
    assert_eq!(err.error_type, "UpstreamError");
    assert!(
        err.error_message.contains("stream"),
        "{}",
        err.error_message
    );
}

/// An agent that never answers in time.
struct Slow;
impl Agent for Slow {
    async fn invoke(&self, _: &AgentCall, _: &mut Collector) -> Result<(), FunctionError> {
        tokio::time::sleep(Duration::from_secs(30)).await;
        Ok(())
    }
}

#[tokio::test]
async fn slow_agent_times_out() {
    let started = std::time::Instant::now();
    let err = run(&deps(Slow, Duration::from_millis(50)), ORDER_STATUS)
        .await
        .err();
    let err = err.unwrap_or_else(|| unreachable!("must time out"));
    assert_eq!(err.error_type, "Timeout");
    assert_eq!(
        err.error_message,
        "bedrock-agent-runtime did not answer within 50 ms"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn bad_input_is_a_clear_error() {
    let d = deps(
        ReplayAgent::embedded().unwrap_or_else(|e| unreachable!("{e}")),
        Duration::from_secs(1),
    );
    let err = run(&d, MALFORMED)
        .await
        .err()
        .unwrap_or_else(|| unreachable!());
    assert_eq!(err.error_type, "InvalidEvent");
    assert!(
        err.error_message.contains("`session_id`"),
        "{}",
        err.error_message
    );
    let mut no_agent = deps(
        ReplayAgent::embedded().unwrap_or_else(|e| unreachable!("{e}")),
        Duration::from_secs(1),
    );
    no_agent.agent_id = None;
    let ev = r#"{"prompt": "hi", "session_id": "sess-1"}"#;
    let err = run(&no_agent, ev)
        .await
        .err()
        .unwrap_or_else(|| unreachable!());
    assert_eq!(err.error_type, "ConfigurationError");
}

#[tokio::test]
async fn replay_agent_answers_the_event_file() {
    let d = deps(
        ReplayAgent::embedded().unwrap_or_else(|e| unreachable!("{e}")),
        Duration::from_secs(1),
    );
    let out = run(&d, ORDER_STATUS)
        .await
        .unwrap_or_else(|e| unreachable!("{e:?}"));
    assert!(out.completion.starts_with("Your order ord-1001"));
    assert_eq!(
        out.trace_summary.steps.get("replay"),
        Some(&1),
        "the stand-in says it is one"
    );
}
