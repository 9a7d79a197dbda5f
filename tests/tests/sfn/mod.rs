//! The harness of `state_machine.rs`: one moto server with the guarded-invoke state
//! machine, the functions' real handlers, and helpers that feed them the payloads the
//! state machine sends, queue their answers, and read the execution history back.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use approval_callback::aws::{DynamoApprovalStore, SfnCallback};
use approval_callback::local::LogNotifier;
use audit_logger::sink::{ChainWriter, FileTransport};
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEvent, HistoryEventType};
use gatehouse_core::audit::{AuditRecord, AuditRedactor, verify};
use gatehouse_core::spotlight::Mode;
use gatehouse_core::{Guard, Policy};
use gatehouse_runtime::seal::SealKey;
use gatehouse_testkit::MotoServer;
use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use serde::Serialize;
use serde_json::{Value, json};

pub(crate) const ASL: &str = include_str!("../../../statemachine/guarded-invoke.asl.json");
pub(crate) const ACCOUNT: &str = "123456789012";
pub(crate) const APPROVALS_TABLE: &str = "gatehouse-approvals";
pub(crate) const REVIEWER_ROLE: &str = "security-reviewer";
/// Long enough for any reviewer in these tests; the timeout case uses [`SHORT_TIMEOUT`].
pub(crate) const LONG_TIMEOUT: u64 = 60;
pub(crate) const SHORT_TIMEOUT: u64 = 2;
/// Upper bound for any wait on moto.
pub(crate) const DEADLINE: Duration = Duration::from_secs(30);

/// The ASL with the template's `DefinitionSubstitutions` filled in.
pub(crate) fn definition(approval_timeout_seconds: u64) -> String {
    let arn = |name: &str| format!("arn:aws:lambda:us-east-1:{ACCOUNT}:function:gatehouse-{name}");
    let out = ASL
        .replace("${PromptPreprocessorArn}", &arn("prompt-preprocessor"))
        .replace("${AgentInvokerArn}", &arn("agent-invoker"))
        .replace("${OutputValidatorArn}", &arn("output-validator"))
        .replace("${ApprovalCallbackArn}", &arn("approval-callback"))
        .replace("${AuditLoggerArn}", &arn("audit-logger"))
        .replace(
            "${ApprovalTimeoutSeconds}",
            &approval_timeout_seconds.to_string(),
        );
    assert!(
        !out.contains("${"),
        "unsubstituted placeholder left in the ASL"
    );
    out
}

pub(crate) type ApprovalDeps = approval_callback::Deps<
    DynamoApprovalStore,
    LogNotifier,
    SfnCallback,
    ChainWriter<FileTransport>,
>;

/// One moto server with the state machine created, and the functions' dependencies.
pub(crate) struct World {
    pub(crate) moto: MotoServer,
    pub(crate) sfn: aws_sdk_sfn::Client,
    pub(crate) machine: String,
    pub(crate) pre: prompt_preprocessor::Deps,
    pub(crate) agent: agent_invoker::Deps<agent_invoker::ReplayAgent>,
    pub(crate) validator: output_validator::Deps,
    /// The audit log checked at the end: what the state machine's audit states sent.
    pub(crate) audit: ChainWriter<FileTransport>,
    /// Where the answers queued for moto are computed (before the run).
    pub(crate) scratch: ChainWriter<FileTransport>,
    pub(crate) audit_env: audit_logger::Env,
    pub(crate) approval: ApprovalDeps,
    pub(crate) dir: PathBuf,
}

impl Drop for World {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(crate) fn guard() -> Guard {
    Guard::new(&Policy::embedded_default().unwrap()).unwrap()
}

pub(crate) async fn world(name: &str, approval_timeout_seconds: u64) -> World {
    let moto = MotoServer::start().expect("moto server (run scripts/bootstrap.sh)");
    // Before anything is created: the backends are chosen per request from this config.
    moto.enable_stepfunctions_execution().unwrap();
    moto.use_simple_lambda().unwrap();
    let config = moto.sdk_config().await;
    let ddb = aws_sdk_dynamodb::Client::new(&config);
    gatehouse_testkit::dynamo::create_table(&ddb, APPROVALS_TABLE, "requestId")
        .await
        .unwrap();
    let sfn = aws_sdk_sfn::Client::new(&config);
    let machine = sfn
        .create_state_machine()
        .name("gatehouse-guarded-invoke")
        .definition(definition(approval_timeout_seconds))
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/gatehouse-sfn"))
        .send()
        .await
        .unwrap()
        .state_machine_arn;
    let dir = std::env::temp_dir().join(format!(
        "gatehouse-state-machine-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let redactor = Arc::new(AuditRedactor::embedded_default().unwrap());
    let key = SealKey::generate().unwrap();
    World {
        sfn: sfn.clone(),
        machine,
        pre: prompt_preprocessor::Deps {
            guard: guard(),
            key: Some(key.clone()),
            random: Box::new(prompt_preprocessor::RandomBoundaries),
            mode: Mode::Datamark,
            escalator: None,
            session: None,
        },
        agent: agent_invoker::Deps {
            agent: agent_invoker::ReplayAgent::embedded().unwrap(),
            agent_id: Some("GUARDAGENT".into()),
            agent_alias_id: Some("GUARDALIAS".into()),
            timeout: Duration::from_secs(5),
        },
        validator: output_validator::Deps {
            guard: guard(),
            key: Some(key),
            refusal: output_validator::REFUSAL.to_owned(),
        },
        audit: ChainWriter::new(
            FileTransport::new(dir.join("audit-logger")),
            redactor.clone(),
            "audit-logger",
        ),
        scratch: ChainWriter::new(
            FileTransport::new(dir.join("scratch")),
            redactor.clone(),
            "scratch",
        ),
        audit_env: audit_logger::Env {
            region: "us-east-1".into(),
            trace_id: None,
        },
        approval: approval_callback::Deps {
            store: DynamoApprovalStore::new(ddb, APPROVALS_TABLE),
            notifier: LogNotifier,
            callback: SfnCallback::new(sfn),
            audit: ChainWriter::new(
                FileTransport::new(dir.join("approval-callback")),
                redactor,
                "approval-callback",
            ),
            reviewer_roles: approval_callback::parse_roles(REVIEWER_ROLE),
            ttl_seconds: 600,
            region: "us-east-1".into(),
        },
        moto,
        dir,
    }
}

pub(crate) fn event(payload: Value) -> LambdaEvent<Value> {
    LambdaEvent::new(payload, Context::default())
}

/// A handler's response as JSON; a handler error fails the test with its diagnostic.
pub(crate) fn ok<T: Serialize, E: Into<Diagnostic>>(what: &str, result: Result<T, E>) -> Value {
    match result {
        Ok(v) => serde_json::to_value(v).unwrap(),
        Err(e) => {
            let d: Diagnostic = e.into();
            panic!(
                "{what} handler failed: {}: {}",
                d.error_type, d.error_message
            )
        }
    }
}

/// One guarded request: the execution input and name.
pub(crate) struct Request {
    pub(crate) name: String,
    pub(crate) input: Value,
}

pub(crate) fn request(name: &str, prompt: &str) -> Request {
    Request {
        name: name.to_owned(),
        input: json!({
            "prompt": prompt,
            "session_id": format!("sess-{name}"),
            "principal_id": "arn:aws:iam::123456789012:role/support-app",
            "role": "support_agent",
            "prompt_version": "support-v1",
            "session_attributes": {"customerId": "cust-001"},
        }),
    }
}

/// The Lambda calls of one run: `(state, payload the handler was fed)`, in order.
#[derive(Default)]
pub(crate) struct Calls(pub(crate) Vec<(String, Value)>);

impl World {
    pub(crate) fn queue(&self, result: &Value) {
        self.moto
            .queue_lambda_results(&[result.to_string()])
            .unwrap();
    }

    /// PreProcess: what the state machine sends, the handler's answer (queued).
    pub(crate) async fn pre_process(&self, r: &Request, calls: &mut Calls) -> Value {
        let i = &r.input;
        let payload = json!({
            "prompt": i["prompt"], "session_id": i["session_id"],
            "principal_id": i["principal_id"], "role": i["role"],
            "prompt_version": i["prompt_version"],
            "untrusted": i.get("untrusted").cloned().unwrap_or_else(|| json!([])),
            "request_id": r.name,
        });
        let out = ok(
            "prompt-preprocessor",
            prompt_preprocessor::handle(&self.pre, event(payload.clone())).await,
        );
        self.queue(&out);
        calls.0.push(("PreProcess".into(), payload));
        out
    }

    /// InvokeAgent then PostValidate; returns the validator's answer (both queued).
    pub(crate) async fn agent_and_validate(
        &self,
        r: &Request,
        pre: &Value,
        calls: &mut Calls,
    ) -> Value {
        let i = &r.input;
        let payload = json!({
            "prompt": pre["prompt"], "session_id": i["session_id"],
            "session_attributes": i["session_attributes"], "request_id": r.name,
        });
        let agent = ok(
            "agent-invoker",
            agent_invoker::handle(&self.agent, event(payload.clone())).await,
        );
        self.queue(&agent);
        calls.0.push(("InvokeAgent".into(), payload));
        let payload = json!({
            "completion": agent["completion"], "tool_calls": agent["tool_calls"],
            "session_id": i["session_id"], "principal_id": i["principal_id"],
            "role": i["role"], "prompt_version": i["prompt_version"],
            "schema": i.get("schema").cloned().unwrap_or(Value::Null),
            "input_decision": pre["decision"], "redaction": pre["redaction"],
            "request_id": r.name,
        });
        let post = ok(
            "output-validator",
            output_validator::handle(&self.validator, event(payload.clone())).await,
        );
        self.queue(&post);
        calls.0.push(("PostValidate".into(), payload));
        post
    }

    /// An `Audit*` state: the step event it sends, run through the audit logger
    /// (answer queued).
    pub(crate) async fn audit_step(
        &self,
        r: &Request,
        (state, outcome, stage, decision): (&str, &str, &str, &str),
        extra: Value,
        calls: &mut Calls,
    ) {
        let i = &r.input;
        let mut payload = json!({
            "outcome": outcome, "request_id": r.name, "session_id": i["session_id"],
            "principal_id": i["principal_id"], "role": i["role"],
            "prompt_version": i["prompt_version"], "stage": stage, "decision": decision,
        });
        if let (Some(map), Value::Object(more)) = (payload.as_object_mut(), extra) {
            map.extend(more);
        }
        let out = ok(
            "audit-logger",
            audit_logger::handle(&self.scratch, &self.audit_env, event(payload.clone())).await,
        );
        assert!(out["hash"].is_string(), "audit-logger answered {out}");
        self.queue(&out);
        calls.0.push((state.into(), payload));
    }

    pub(crate) async fn start(&self, r: &Request) -> String {
        self.sfn
            .start_execution()
            .state_machine_arn(&self.machine)
            .name(&r.name)
            .input(r.input.to_string())
            .send()
            .await
            .unwrap()
            .execution_arn
    }

    pub(crate) async fn history(&self, arn: &str) -> Vec<HistoryEvent> {
        self.sfn
            .get_execution_history()
            .execution_arn(arn)
            .max_results(1000)
            .send()
            .await
            .unwrap()
            .events
    }

    /// Waits for the HumanApproval task and returns the payload it sent.
    pub(crate) async fn approval_payload(&self, arn: &str) -> Value {
        let started = Instant::now();
        loop {
            let history = self.history(arn).await;
            let scheduled = scheduled_payloads(&history)
                .into_iter()
                .find(|(state, _)| state == "HumanApproval");
            if let Some((_, payload)) = scheduled {
                return payload;
            }
            if let Some(end) = history.iter().find(|e| is_final(e)) {
                panic!(
                    "execution ended before HumanApproval: {end:?}\nvisited {:?}",
                    visited(&history)
                );
            }
            assert!(
                started.elapsed() < DEADLINE,
                "HumanApproval never scheduled; visited {:?}",
                visited(&history)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits for the execution to end.
    pub(crate) async fn finished(
        &self,
        arn: &str,
    ) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
        let started = Instant::now();
        loop {
            let d = self
                .sfn
                .describe_execution()
                .execution_arn(arn)
                .send()
                .await
                .unwrap();
            if d.status != ExecutionStatus::Running {
                return d;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "execution still running after {DEADLINE:?}; visited {:?}",
                visited(&self.history(arn).await)
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The audit logger's records (one stream), chain verified.
    pub(crate) fn audit_records(&self) -> Vec<AuditRecord> {
        let stream = self.audit.current_stream();
        let lines = self.audit.transport().read_lines(&stream).unwrap();
        verify(&stream, &lines).unwrap_or_else(|e| panic!("audit chain broken: {e}"));
        lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Checks a finished run against the calls the handlers were fed, and runs what
    /// the audit states actually sent through the audit logger into the checked log.
    pub(crate) async fn check_calls(&self, history: &[HistoryEvent], calls: &Calls) {
        assert_states_fit(history);
        let sent = scheduled_payloads(history);
        let states: Vec<&str> = sent.iter().map(|(s, _)| s.as_str()).collect();
        let expected: Vec<&str> = calls.0.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(states, expected, "Lambda calls in order");
        for ((state, actual), (_, fed)) in sent.iter().zip(&calls.0) {
            if state.starts_with("Audit") {
                // Errors carry moto's or AWS's cause text: compare the rest, and the error name.
                let strip = |v: &Value| {
                    let mut v = v.clone();
                    v.as_object_mut().map(|m| m.remove("error"));
                    v
                };
                assert_same(&strip(actual), &strip(fed), state);
                assert_eq!(
                    actual["error"]["Error"], fed["error"]["Error"],
                    "{state} error"
                );
                let again =
                    audit_logger::handle(&self.audit, &self.audit_env, event(actual.clone())).await;
                assert!(
                    again.is_ok(),
                    "the audit logger refused what {state} sent: {again:?}"
                );
            } else {
                assert_same(actual, fed, state);
            }
        }
    }

    /// The reviewer's decision through the real approval-callback handler.
    pub(crate) async fn review(&self, request_id: &str, action: &str) -> Value {
        let decision = json!({
            "action": action, "requestId": request_id,
            "reviewer": {"id": "alice", "role": REVIEWER_ROLE},
            "reason": format!("{action}d after checking the order history"),
        });
        ok(
            "approval-callback",
            approval_callback::handle(&self.approval, event(decision)).await,
        )
    }
}

/// JSON equality where numbers may differ in the last digits: moto (Python) and
/// serde_json (without `float_roundtrip`) round floats differently on the way.
pub(crate) fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() <= 1e-9 * x.abs().max(1.0),
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

pub(crate) fn assert_same(actual: &Value, fed: &Value, state: &str) {
    assert!(
        same_json(actual, fed),
        "{state}: the state machine sent\n{actual:#}\nbut the handler was fed\n{fed:#}"
    );
}

pub(crate) fn is_final(e: &HistoryEvent) -> bool {
    matches!(
        e.r#type,
        HistoryEventType::ExecutionSucceeded
            | HistoryEventType::ExecutionFailed
            | HistoryEventType::ExecutionTimedOut
            | HistoryEventType::ExecutionAborted
    )
}

/// The states entered, in order.
pub(crate) fn visited(history: &[HistoryEvent]) -> Vec<String> {
    history
        .iter()
        .filter_map(|e| e.state_entered_event_details())
        .map(|d| d.name.clone())
        .collect()
}

/// `(state, Payload)` of every TaskScheduled, in order.
pub(crate) fn scheduled_payloads(history: &[HistoryEvent]) -> Vec<(String, Value)> {
    let mut state = String::new();
    let mut out = Vec::new();
    for e in history {
        if let Some(d) = e.state_entered_event_details() {
            state.clone_from(&d.name);
        }
        if let Some(d) = e.task_scheduled_event_details() {
            let params: Value = serde_json::from_str(&d.parameters).unwrap();
            out.push((state.clone(), params["Payload"].clone()));
        }
    }
    out
}

/// Step Functions' quota on a state's input and output, in bytes of JSON. A larger one
/// ends the execution in `States.DataLimitExceeded`, which no `Catch` handles (so it
/// would end unaudited); moto does not enforce it, so every run checks it here.
pub(crate) const MAX_STATE_BYTES: usize = 256 * 1024;

/// The largest state input or output of a run, as `(bytes, state, "input"|"output")`.
pub(crate) fn largest_state(history: &[HistoryEvent]) -> (usize, String, &'static str) {
    let mut largest = (0, String::new(), "input");
    for e in history {
        let entered = e
            .state_entered_event_details()
            .and_then(|d| Some((d.input.as_deref()?.len(), d.name.clone(), "input")));
        let exited = e
            .state_exited_event_details()
            .and_then(|d| Some((d.output.as_deref()?.len(), d.name.clone(), "output")));
        for size in [entered, exited].into_iter().flatten() {
            if size.0 > largest.0 {
                largest = size;
            }
        }
    }
    largest
}

/// Every state's input and output fit [`MAX_STATE_BYTES`].
pub(crate) fn assert_states_fit(history: &[HistoryEvent]) {
    let (bytes, state, what) = largest_state(history);
    assert!(
        bytes <= MAX_STATE_BYTES,
        "the {what} of {state} is {bytes} bytes, over Step Functions' {MAX_STATE_BYTES}"
    );
}

/// `visited` contains `expected` as a contiguous run.
pub(crate) fn assert_path(history: &[HistoryEvent], expected: &[&str]) {
    let v = visited(history);
    let found = v.windows(expected.len()).any(|w| w == expected);
    assert!(found, "expected the path {expected:?}, visited {v:?}");
}

/// Every exit is audited: exactly one `Audit*` state ran, and the audit log (fed
/// with what that state sent) holds one record for this request, with `outcome`.
pub(crate) fn assert_audited(w: &World, history: &[HistoryEvent], request_id: &str, outcome: &str) {
    let v = visited(history);
    let audits: Vec<&String> = v.iter().filter(|s| s.starts_with("Audit")).collect();
    assert_eq!(audits.len(), 1, "one audit state per run, visited {v:?}");
    let records: Vec<AuditRecord> = w
        .audit_records()
        .into_iter()
        .filter(|r| r.request_id == request_id && r.function == audit_logger::step::FUNCTION)
        .collect();
    assert!(
        records.len() == 1
            && records
                .iter()
                .all(|r| r.outcome.as_deref() == Some(outcome)),
        "audit records for {request_id}: {records:?}"
    );
}

pub(crate) fn output(
    d: &aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput,
) -> Value {
    serde_json::from_str(d.output.as_deref().unwrap_or("null")).unwrap()
}
