//! The approval gate against moto on loopback: DynamoDB approvals table, SNS topic,
//! CloudWatch Logs audit, and a real Step Functions execution waiting on a
//! `lambda:invoke.waitForTaskToken` task that our SendTaskSuccess / SendTaskFailure
//! resume (recipe: docs/dev/moto-stepfunctions.md).
//!
//! Needs moto (`scripts/bootstrap.sh`, or `GATEHOUSE_MOTO=/path/to/moto_server`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers: a failed unwrap is a failed test"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use approval_callback::aws::{DynamoApprovalStore, SfnCallback, SnsNotifier};
use approval_callback::handler::Answer;
use approval_callback::{Deps, handle, parse_roles};
use audit_logger::cloudwatch::{self, CloudWatchTransport};
use audit_logger::retry::Backoff;
use audit_logger::sink::ChainWriter;
use aws_sdk_sfn::types::{ExecutionStatus, HistoryEventType};
use gatehouse_core::audit::{AuditRecord, AuditRedactor, verify};
use gatehouse_testkit::MotoServer;
use lambda_runtime::{Context, LambdaEvent};
use serde_json::{Value, json};

const TABLE: &str = "gatehouse-approvals";
const GROUP: &str = "/gatehouse/audit";

const DEFINITION: &str = r#"{
  "StartAt": "HumanApproval",
  "States": {
    "HumanApproval": {
      "Type": "Task",
      "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
      "Parameters": {
        "FunctionName": "approval-callback",
        "Payload": {"taskToken.$": "$$.Task.Token", "request.$": "$", "reason": "high-risk tool call"}
      },
      "TimeoutSeconds": 60,
      "ResultPath": "$.approval",
      "End": true
    }
  }
}"#;

type AwsDeps =
    Deps<DynamoApprovalStore, SnsNotifier, SfnCallback, ChainWriter<CloudWatchTransport>>;

struct World {
    moto: MotoServer,
    sfn: aws_sdk_sfn::Client,
    machine: String,
    deps: AwsDeps,
}

async fn world() -> World {
    let moto = MotoServer::start().expect("moto");
    moto.enable_stepfunctions_execution().unwrap();
    moto.use_simple_lambda().unwrap();
    let config = moto.sdk_config().await;
    let ddb = aws_sdk_dynamodb::Client::new(&config);
    gatehouse_testkit::dynamo::create_table(&ddb, TABLE, "requestId")
        .await
        .unwrap();
    let sns = aws_sdk_sns::Client::new(&config);
    let topic = sns
        .create_topic()
        .name("gatehouse-review")
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    let logs = cloudwatch::client(&config);
    logs.create_log_group()
        .log_group_name(GROUP)
        .send()
        .await
        .unwrap();
    let sfn = aws_sdk_sfn::Client::new(&config);
    let machine = sfn
        .create_state_machine()
        .name("approval-gate")
        .definition(DEFINITION)
        .role_arn("arn:aws:iam::123456789012:role/sfn")
        .send()
        .await
        .unwrap()
        .state_machine_arn;
    let deps = Deps {
        store: DynamoApprovalStore::new(ddb, TABLE),
        notifier: SnsNotifier::new(sns, topic),
        callback: SfnCallback::new(sfn.clone()),
        audit: ChainWriter::new(
            CloudWatchTransport::new(logs, GROUP, Backoff::default()),
            Arc::new(AuditRedactor::embedded_default().unwrap()),
            "approval-test",
        ),
        reviewer_roles: parse_roles("security-reviewer"),
        ttl_seconds: 600,
        region: "us-east-1".into(),
    };
    World {
        moto,
        sfn,
        machine,
        deps,
    }
}

fn invoke(payload: Value) -> LambdaEvent<Value> {
    LambdaEvent::new(payload, Context::default())
}

/// Starts an execution and returns its ARN and the payload its callback task sent.
async fn start(w: &World, request_id: &str) -> (String, Value) {
    // The Docker-less Lambda pops one queued result for the waitForTaskToken invoke:
    // queue what the real handler answers.
    let pending = Answer {
        status: "pending".into(),
        request_id: request_id.into(),
    };
    w.moto
        .queue_lambda_results(&[serde_json::to_string(&pending).unwrap()])
        .unwrap();
    let input = json!({
        "request_id": request_id, "session_id": "sess-9", "principal_id": "app", "role": "support",
        "decision": "review", "prompt": "refund ord-1001 to my new card",
        "findings": [{"rule": "tool.high_risk", "category": "tool_abuse", "severity": "high"}],
    });
    let arn = w
        .sfn
        .start_execution()
        .state_machine_arn(&w.machine)
        .name(format!("exec-{request_id}"))
        .input(input.to_string())
        .send()
        .await
        .unwrap()
        .execution_arn;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let history = w
            .sfn
            .get_execution_history()
            .execution_arn(&arn)
            .send()
            .await
            .unwrap();
        let scheduled = history
            .events
            .iter()
            .find(|e| e.r#type == HistoryEventType::TaskScheduled);
        if let Some(details) = scheduled.and_then(|e| e.task_scheduled_event_details()) {
            let params: Value = serde_json::from_str(&details.parameters).unwrap();
            return (arn, params["Payload"].clone());
        }
        assert!(Instant::now() < deadline, "task never scheduled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn finished(
    w: &World,
    arn: &str,
) -> aws_sdk_sfn::operation::describe_execution::DescribeExecutionOutput {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let d = w
            .sfn
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
            .unwrap();
        if d.status != ExecutionStatus::Running {
            return d;
        }
        assert!(Instant::now() < deadline, "execution still running");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn decision(action: &str, request_id: &str, reviewer: &str) -> Value {
    json!({"action": action, "requestId": request_id,
           "reviewer": {"id": reviewer, "role": "security-reviewer"}, "reason": "checked with the customer"})
}

#[tokio::test]
async fn approve_and_reject_resume_real_executions() {
    let w = world().await;

    // Given an execution waiting for approval, whose task payload the real handler stores,
    let (arn, payload) = start(&w, "req-1").await;
    let answer = handle(&w.deps, invoke(payload)).await.unwrap();
    assert_eq!(answer.status, "pending");
    // when a reviewer approves,
    assert_eq!(
        handle(&w.deps, invoke(decision("approve", "req-1", "alice")))
            .await
            .unwrap()
            .status,
        "approved"
    );
    // then the execution succeeds with the reviewer's decision as the task output,
    let done = finished(&w, &arn).await;
    assert_eq!(done.status, ExecutionStatus::Succeeded);
    let output: Value = serde_json::from_str(done.output.as_deref().unwrap()).unwrap();
    assert_eq!(output["approval"]["decision"], "approved");
    assert_eq!(output["approval"]["reviewer"]["id"], "alice");
    // and a second decision is refused by the conditional update.
    let err = handle(&w.deps, invoke(decision("reject", "req-1", "bob")))
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), "AlreadyDecided");

    // Given a second execution, when a reviewer rejects, then it fails with `Rejected`.
    let (arn, payload) = start(&w, "req-2").await;
    handle(&w.deps, invoke(payload)).await.unwrap();
    assert_eq!(
        handle(&w.deps, invoke(decision("reject", "req-2", "bob")))
            .await
            .unwrap()
            .status,
        "rejected"
    );
    let done = finished(&w, &arn).await;
    assert_eq!(done.status, ExecutionStatus::Failed);
    assert_eq!(done.error.as_deref(), Some("Rejected"));

    // Unknown requests are refused too.
    let err = handle(&w.deps, invoke(decision("approve", "req-404", "alice")))
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), "UnknownRequest");

    // Every step is in the audit log, chained, without the prompt text.
    let stream = w.deps.audit.current_stream();
    let lines = w.deps.audit.transport().read_stream(&stream).await.unwrap();
    verify(&stream, &lines).unwrap();
    let steps: Vec<(String, String)> = lines
        .iter()
        .map(|l| serde_json::from_str::<AuditRecord>(l).unwrap())
        .map(|r| (r.request_id, r.stage))
        .collect();
    let want = [
        ("req-1", "approval_requested"),
        ("req-1", "approval_decided"),
        ("req-2", "approval_requested"),
        ("req-2", "approval_decided"),
    ];
    assert_eq!(steps, want.map(|(a, b)| (a.to_owned(), b.to_owned())));
    assert!(!lines.concat().contains("new card"));
}

#[tokio::test]
async fn audit_records_travel_through_the_queue_into_the_chained_log() {
    use approval_callback::audit_queue::SqsAuditSink;
    use audit_logger::sink::AuditSink;
    use gatehouse_core::Decision;

    let moto = MotoServer::start().expect("moto");
    let config = moto.sdk_config().await;
    let sqs = aws_sdk_sqs::Client::new(&config);
    let url = sqs
        .create_queue()
        .queue_name("gatehouse-audit")
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let redactor = Arc::new(AuditRedactor::embedded_default().unwrap());
    let sink = SqsAuditSink::new(sqs.clone(), &url, redactor.clone());

    // Given 13 records queued by the approval callback's sink (two SendMessageBatch calls),
    let records: Vec<AuditRecord> = (0..13)
        .map(|i| {
            let mut r = AuditRecord::new("approval-callback", "approval_decided", Decision::Allow);
            r.request_id = format!("req-{i:02}");
            r
        })
        .collect();
    assert!(sink.append(records).await.iter().all(Result::is_ok));

    // when the audit logger consumes the queue as Lambda's event source would,
    let mut messages = Vec::new();
    while messages.len() < 13 {
        let out = sqs
            .receive_message()
            .queue_url(&url)
            .max_number_of_messages(10)
            .send()
            .await
            .unwrap();
        messages.extend(out.messages.unwrap_or_default());
    }
    let event = json!({"Records": messages.iter().map(|m| json!({
        "messageId": m.message_id, "receiptHandle": m.receipt_handle, "body": m.body, "eventSource": "aws:sqs",
    })).collect::<Vec<_>>()});
    let logs = cloudwatch::client(&config);
    logs.create_log_group()
        .log_group_name(GROUP)
        .send()
        .await
        .unwrap();
    let writer = ChainWriter::new(
        CloudWatchTransport::new(logs, GROUP, Backoff::default()),
        redactor,
        "logger",
    );
    let env = audit_logger::Env::default();
    let answer = audit_logger::handle(&writer, &env, invoke(event))
        .await
        .unwrap();
    assert_eq!(
        serde_json::to_value(&answer).unwrap()["batchItemFailures"],
        json!([])
    );

    // then every record is in the log once, in one intact chain.
    let stream = writer.current_stream();
    let lines = writer.transport().read_stream(&stream).await.unwrap();
    verify(&stream, &lines).unwrap();
    let mut ids: Vec<String> = lines
        .iter()
        .map(|l| serde_json::from_str::<AuditRecord>(l).unwrap().request_id)
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        (0..13).map(|i| format!("req-{i:02}")).collect::<Vec<_>>()
    );
}
