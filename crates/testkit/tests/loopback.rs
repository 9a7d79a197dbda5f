//! The test kit against a real moto server. These need `scripts/bootstrap.sh` (run by
//! `make test`); without it they fail with that hint rather than skip.

#![cfg(test)]

use std::io::{BufReader, Write};
use std::net::TcpStream;
use std::thread;
use std::time::{Duration, Instant};

use gatehouse_testkit::http::{self, Response};
use gatehouse_testkit::{Error, Fault, FaultPlan, FaultProxy, FaultRule, MotoServer, Outcome};
use serde_json::{Value, json};

const PUT: &str = "Logs_20140328.PutLogEvents";

fn moto() -> MotoServer {
    MotoServer::start().unwrap_or_else(|e| panic!("{e}"))
}

fn logs(endpoint: &str, action: &str, body: &Value) -> Response {
    http::aws_json(
        endpoint,
        "logs",
        &format!("Logs_20140328.{action}"),
        &body.to_string(),
    )
    .unwrap_or_else(|e| panic!("{action}: {e}"))
}

fn states(endpoint: &str, action: &str, body: &Value) -> Value {
    let resp = http::aws_json(
        endpoint,
        "states",
        &format!("AWSStepFunctions.{action}"),
        &body.to_string(),
    )
    .unwrap_or_else(|e| panic!("{action}: {e}"));
    assert_eq!(resp.status, 200, "{action}: {}", resp.text());
    resp.json().unwrap()
}

fn put_event(endpoint: &str, message: &str) -> Response {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    logs(
        endpoint,
        "PutLogEvents",
        &json!({"logGroupName": "g", "logStreamName": "s",
                "logEvents": [{"timestamp": now_ms, "message": message}]}),
    )
}

fn messages(endpoint: &str) -> Vec<String> {
    let resp = logs(
        endpoint,
        "GetLogEvents",
        &json!({"logGroupName": "g", "logStreamName": "s"}),
    );
    assert_eq!(resp.status, 200, "{}", resp.text());
    resp.json().unwrap()["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["message"].as_str().unwrap().to_owned())
        .collect()
}

fn create_group_and_stream(endpoint: &str) {
    for (action, body) in [
        ("CreateLogGroup", json!({"logGroupName": "g"})),
        (
            "CreateLogStream",
            json!({"logGroupName": "g", "logStreamName": "s"}),
        ),
    ] {
        let resp = logs(endpoint, action, &body);
        assert_eq!(resp.status, 200, "{action}: {}", resp.text());
    }
}

#[test]
fn moto_answers_the_json_protocol_and_resets() {
    let moto = moto();
    assert!(moto.endpoint().starts_with("http://127.0.0.1:"));

    let resp = logs(
        &moto.endpoint(),
        "CreateLogGroup",
        &json!({"logGroupName": "audit"}),
    );
    assert_eq!(resp.status, 200, "{}", resp.text());
    let again = logs(
        &moto.endpoint(),
        "CreateLogGroup",
        &json!({"logGroupName": "audit"}),
    );
    assert_eq!(again.status, 400);
    assert!(
        again.text().contains("ResourceAlreadyExistsException"),
        "{}",
        again.text()
    );

    let described = logs(&moto.endpoint(), "DescribeLogGroups", &json!({}));
    assert_eq!(
        described.json().unwrap()["logGroups"][0]["logGroupName"],
        "audit"
    );

    moto.reset().unwrap();
    let described = logs(&moto.endpoint(), "DescribeLogGroups", &json!({}));
    assert_eq!(described.json().unwrap()["logGroups"], json!([]));
}

#[test]
fn missing_moto_fails_with_the_bootstrap_hint() {
    let err = MotoServer::start_with("/nonexistent/.tools/venv/bin/moto_server").unwrap_err();
    assert!(matches!(err, Error::MotoNotInstalled { .. }));
    assert!(
        err.to_string()
            .contains("run scripts/bootstrap.sh (or make test)"),
        "{err}"
    );
    assert!(gatehouse_testkit::moto_executable().ends_with("moto_server"));
}

#[test]
fn a_moto_that_dies_reports_its_stderr_tail() {
    let script =
        std::env::temp_dir().join(format!("gatehouse-fake-moto-{}.sh", std::process::id()));
    // The script is written by a child shell, not by this process: a test on
    // another thread that forks while this process holds the file open for
    // writing would carry the descriptor until its exec, and executing the
    // script would then fail with ETXTBSY ("Text file busy"), as CI once saw.
    let written = std::process::Command::new("/bin/sh")
        .args([
            "-c",
            "printf '#!/bin/sh\\necho \"Traceback: fake moto cannot start\" >&2\\nexit 3\\n' > \"$0\" && chmod 755 \"$0\"",
        ])
        .arg(&script)
        .status()
        .unwrap();
    assert!(written.success(), "writing {}: {written}", script.display());

    let err = MotoServer::start_with(&script).unwrap_err();
    std::fs::remove_file(&script).unwrap();
    assert!(matches!(err, Error::MotoExited { .. }), "{err}");
    assert!(err.to_string().contains("fake moto cannot start"), "{err}");
}

#[test]
fn tools_are_found_where_bootstrap_puts_them() {
    let root = gatehouse_testkit::workspace_root();
    assert!(
        root.join("crates/testkit/Cargo.toml").is_file(),
        "{}",
        root.display()
    );
    for tool in [
        "moto_server",
        "cfn-lint",
        "sam",
        "cargo-lambda",
        "checkov",
        "asl-validator",
    ] {
        let path = gatehouse_testkit::tool_path(tool).unwrap_or_else(|e| panic!("{e}"));
        assert!(path.starts_with(&root), "{}", path.display());
    }
    let err = gatehouse_testkit::tool_path("no-such-tool").unwrap_err();
    assert!(
        err.to_string().contains("run scripts/bootstrap.sh"),
        "{err}"
    );
}

#[test]
fn proxy_throttles_put_log_events_per_plan_and_forwards_the_rest() {
    // Given a proxy that throttles the first two PutLogEvents calls only
    let moto = moto();
    let proxy = FaultProxy::start(
        &moto.endpoint(),
        FaultRule::first(2, Fault::Throttling)
            .for_target(PUT)
            .into(),
    )
    .unwrap();

    // When a client sets up through the proxy and puts three times
    create_group_and_stream(&proxy.endpoint());
    let first = put_event(&proxy.endpoint(), "one");
    let second = put_event(&proxy.endpoint(), "two");
    let third = put_event(&proxy.endpoint(), "three");

    // Then the first two are AWS-JSON throttling errors that never reached moto
    for resp in [&first, &second] {
        assert_eq!(resp.status, 400);
        assert_eq!(resp.header("x-amzn-errortype"), Some("ThrottlingException"));
        assert_eq!(
            resp.json().unwrap(),
            json!({"__type": "ThrottlingException", "message": "Rate exceeded"})
        );
    }
    assert_eq!(third.status, 200, "{}", third.text());
    assert_eq!(messages(&moto.endpoint()), ["three"]);
    let stats = proxy.stats();
    assert_eq!(
        (stats.requests_seen, stats.faults_injected, stats.forwarded),
        (5, 2, 3)
    );
    let outcomes: Vec<_> = proxy.requests().iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Forwarded,
            Outcome::Forwarded,
            Outcome::Faulted(Fault::Throttling),
            Outcome::Faulted(Fault::Throttling),
            Outcome::Forwarded
        ]
    );
}

#[test]
fn fault_after_forward_reaches_moto_so_a_retry_duplicates() {
    let moto = moto();
    let proxy = FaultProxy::start(&moto.endpoint(), FaultPlan::none()).unwrap();
    create_group_and_stream(&proxy.endpoint());
    proxy.set_plan(
        FaultRule::nth(1, Fault::InternalFailureAfterForward)
            .for_target("PutLogEvents")
            .into(),
    );

    let failed = put_event(&proxy.endpoint(), "once");
    assert_eq!(failed.status, 500);
    assert_eq!(failed.header("x-amzn-errortype"), Some("InternalFailure"));
    let retried = put_event(&proxy.endpoint(), "once");
    assert_eq!(retried.status, 200);

    // The client saw one failure and one success; moto stored the event twice.
    assert_eq!(messages(&moto.endpoint()), ["once", "once"]);
    assert_eq!((proxy.faults_injected(), proxy.forwarded()), (1, 4));
}

#[test]
fn every_nth_unavailable_and_dropped_connections() {
    let moto = moto();
    let plan = FaultPlan::new()
        .rule(FaultRule::nth(1, Fault::CloseConnection).for_target("DescribeLogGroups"))
        .rule(FaultRule::every_nth(2, Fault::ServiceUnavailable).for_target("DescribeLogGroups"));
    let proxy = FaultProxy::start(&moto.endpoint(), plan).unwrap();

    let describe = |ep: &str| http::aws_json(ep, "logs", "Logs_20140328.DescribeLogGroups", "{}");
    assert!(
        describe(&proxy.endpoint()).is_err(),
        "connection closed without an answer"
    );
    let statuses: Vec<u16> = (0..4)
        .map(|_| describe(&proxy.endpoint()).unwrap().status)
        .collect();
    assert_eq!(statuses, [503, 200, 503, 200]);
    let unavailable = describe(&proxy.endpoint()).unwrap();
    assert_eq!(
        unavailable.status, 503,
        "6th matching request: 2nd rule fires again"
    );
    assert_eq!(unavailable.json().unwrap()["__type"], "ServiceUnavailable");
    assert_eq!(proxy.stats().faults_injected, 4);
}

#[test]
fn keep_alive_and_chunked_requests_on_one_connection() {
    let moto = moto();
    let proxy = FaultProxy::start(
        &moto.endpoint(),
        FaultRule::nth(2, Fault::InternalFailure).into(),
    )
    .unwrap();
    let stream = TcpStream::connect(proxy.endpoint().trim_start_matches("http://")).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let mut reader = BufReader::new(&stream);
    let mut writer = &stream;
    let auth = http::fake_authorization("logs");
    let head = |target: &str| {
        format!(
            "POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: Logs_20140328.{target}\r\n\
             Content-Type: application/x-amz-json-1.1\r\nAuthorization: {auth}\r\n"
        )
    };

    // 1: Content-Length body, forwarded.
    let body = r#"{"logGroupName":"kept"}"#;
    write!(
        writer,
        "{}Content-Length: {}\r\n\r\n{body}",
        head("CreateLogGroup"),
        body.len()
    )
    .unwrap();
    let resp = http::read_response(&mut reader, "POST").unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert!(resp.header("connection").is_none());
    // 2: faulted by the plan; the connection stays usable.
    write!(
        writer,
        "{}Content-Length: 2\r\n\r\n{{}}",
        head("DescribeLogGroups")
    )
    .unwrap();
    assert_eq!(
        http::read_response(&mut reader, "POST").unwrap().status,
        500
    );
    // 3: chunked body with Expect: 100-continue, then close.
    write!(
        writer,
        "{}Transfer-Encoding: chunked\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n\
         3\r\n{{\"l\r\n10\r\nogGroupName\":\"ch\r\n7\r\nunked\"}}\r\n0\r\n\r\n",
        head("CreateLogGroup")
    )
    .unwrap();
    let resp = http::read_response(&mut reader, "POST").unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.header("connection"), Some("close"));

    let groups = logs(&moto.endpoint(), "DescribeLogGroups", &json!({}))
        .json()
        .unwrap();
    let names: Vec<_> = groups["logGroups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["logGroupName"].clone())
        .collect();
    assert_eq!(names, [json!("chunked"), json!("kept")]);
    assert_eq!(proxy.stats().requests_seen, 3);
}

#[test]
fn proxy_refuses_non_loopback_upstreams() {
    let err = FaultProxy::start("http://192.0.2.1:80", FaultPlan::none()).unwrap_err();
    assert!(matches!(err, Error::InvalidEndpoint(_)), "{err}");
}

/// The recipe of docs/dev/moto-stepfunctions.md, over raw HTTP: a Pass state, a
/// `lambda:invoke` Task answered from moto's queue, and a `.waitForTaskToken` Task
/// completed with SendTaskSuccess.
#[test]
fn step_functions_run_pass_lambda_and_wait_for_task_token() {
    let moto = moto();
    moto.enable_stepfunctions_execution().unwrap();
    moto.use_simple_lambda().unwrap();
    moto.queue_lambda_results(&[r#"{"decision":"allow"}"#])
        .unwrap();
    let ep = moto.endpoint();

    let definition = json!({
        "StartAt": "Start",
        "States": {
            "Start": {"Type": "Pass", "Result": "hello", "ResultPath": "$.greeting", "Next": "PreProcess"},
            "PreProcess": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "arn:aws:lambda:us-east-1:123456789012:function:pre", "Payload.$": "$"},
                "ResultSelector": {"decision.$": "$.Payload.decision"}, "ResultPath": "$.pre",
                "Next": "HumanApproval"
            },
            "HumanApproval": {
                "Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "approval", "Payload": {"token.$": "$$.Task.Token", "input.$": "$"}},
                "TimeoutSeconds": 60, "ResultPath": "$.approval", "End": true
            }
        }
    });
    let machine = states(
        &ep,
        "CreateStateMachine",
        &json!({"name": "guarded", "definition": definition.to_string(),
                "roleArn": "arn:aws:iam::123456789012:role/sfn"}),
    );
    let execution = states(
        &ep,
        "StartExecution",
        &json!({"stateMachineArn": machine["stateMachineArn"], "input": r#"{"session_id":"s1"}"#}),
    );
    let arn = execution["executionArn"].clone();

    // The token is in the Payload the state machine sent: TaskScheduled `parameters`.
    let token = wait_for(|| {
        let history = states(&ep, "GetExecutionHistory", &json!({"executionArn": arn}));
        history["events"].as_array().unwrap().iter().find_map(|e| {
            let params = e
                .get("taskScheduledEventDetails")?
                .get("parameters")?
                .as_str()?;
            let params: Value = serde_json::from_str(params).ok()?;
            params["Payload"]["token"].as_str().map(str::to_owned)
        })
    });
    states(
        &ep,
        "SendTaskSuccess",
        &json!({"taskToken": token, "output": r#"{"approved":true}"#}),
    );

    let output = wait_for(|| {
        let described = states(&ep, "DescribeExecution", &json!({"executionArn": arn}));
        (described["status"] != "RUNNING").then_some(described)
    });
    assert_eq!(output["status"], "SUCCEEDED", "{output}");
    let output: Value = serde_json::from_str(output["output"].as_str().unwrap()).unwrap();
    assert_eq!(
        output,
        json!({"session_id": "s1", "greeting": "hello", "pre": {"decision": "allow"},
               "approval": {"approved": true}})
    );
}

fn wait_for<T>(mut poll: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(value) = poll() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting");
        thread::sleep(Duration::from_millis(50));
    }
}
