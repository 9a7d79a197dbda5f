//! The audit logger's handler on the sample events, writing through the local
//! JSON-lines transport: chain intact, malformed messages reported, nothing raw.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers: a failed unwrap is a failed test"
)]

use std::sync::Arc;

use audit_logger::handler::Answer;
use audit_logger::sink::{AuditSink, ChainWriter, FileTransport};
use audit_logger::{Env, handle};
use gatehouse_core::audit::{AuditRecord, AuditRedactor, verify};
use gatehouse_core::{Decision, Policy};
use lambda_runtime::{Context, LambdaEvent};

const SINGLE: &str = include_str!("../../../events/audit-logger/single-record.json");
const BATCH: &str = include_str!("../../../events/audit-logger/sqs-batch.json");
const INVALID: &str = include_str!("../../../events/audit-logger/invalid-record.json");

/// A policy whose PII rule is a phrase list, so redaction is testable whatever the
/// default policy holds.
const POLICY: &str = r#"
version: 1
stages:
  prompt:
    rules:
      - id: pii.test_marker
        action: redact
        category: pii
        check: { type: phrases, phrases: ["UPS"] }
  untrusted: { rules: [] }
  output: { rules: [] }
"#;

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("gatehouse-audit-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn writer(name: &str) -> ChainWriter<FileTransport> {
    let redactor = Arc::new(AuditRedactor::new(&Policy::from_yaml(POLICY).unwrap()).unwrap());
    ChainWriter::new(FileTransport::new(temp_dir(name)), redactor, "test")
}

fn env() -> Env {
    Env {
        region: "eu-west-1".into(),
        trace_id: None,
    }
}

async fn invoke(
    sink: &ChainWriter<FileTransport>,
    json: &str,
) -> Result<Answer, audit_logger::AuditError> {
    handle(
        sink,
        &env(),
        LambdaEvent::new(serde_json::from_str(json).unwrap(), Context::default()),
    )
    .await
}

#[tokio::test]
async fn single_record_is_written_and_chained() {
    let sink = writer("single");
    let Answer::Written(w) = invoke(&sink, SINGLE).await.unwrap() else {
        panic!("not a direct answer")
    };
    let Answer::Written(w2) = invoke(&sink, SINGLE).await.unwrap() else {
        panic!("not a direct answer")
    };
    let stream = sink.current_stream();
    let lines = sink.transport().read_lines(&stream).unwrap();
    assert_eq!(lines.len(), 2);
    assert_eq!(verify(&stream, &lines).unwrap(), w2.hash);
    let first: AuditRecord = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(first.hash, w.hash);
    assert_eq!(first.request_id, "req-0001");
    assert_eq!(first.input.as_deref(), Some("Where is my order ord-1001?"));
}

#[tokio::test]
async fn sqs_batch_reports_the_malformed_message_and_writes_the_rest() {
    // Given a batch of three messages, the second not a valid record,
    let sink = writer("batch");
    let Answer::Batch(resp) = invoke(&sink, BATCH).await.unwrap() else {
        panic!("not a batch answer")
    };
    // then only the malformed one is reported failed (to reach the DLQ eventually),
    let failed: Vec<_> = resp
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(failed, ["0b4c6a2e-0000-4000-8000-000000000002"]);
    // and the two others are written, redacted, with an intact chain.
    let stream = sink.current_stream();
    let lines = sink.transport().read_lines(&stream).unwrap();
    assert_eq!(lines.len(), 2);
    verify(&stream, &lines).unwrap();
    assert!(
        lines[1].contains("shipped with <pii.test_marker>."),
        "{}",
        lines[1]
    );
    assert!(!lines.concat().contains("UPS"));
    let json: serde_json::Value = serde_json::to_value(Answer::Batch(resp)).unwrap();
    assert!(json["batchItemFailures"][0]["itemIdentifier"].is_string());
}

#[tokio::test]
async fn invalid_direct_record_is_a_typed_error() {
    let sink = writer("invalid");
    let err = invoke(&sink, INVALID).await.unwrap_err();
    assert_eq!(
        lambda_runtime::Diagnostic::from(err).error_type,
        "InvalidAuditRecord"
    );
    for bad in [
        r#""text""#,
        r#"{"Records": "x"}"#,
        r#"{"Records": [{"body": "{}"}]}"#,
    ] {
        let err = invoke(&sink, bad).await.unwrap_err();
        let d = lambda_runtime::Diagnostic::from(err);
        assert!(
            ["InvalidAuditRecord", "MalformedEvent"].contains(&d.error_type.as_str()),
            "{bad}: {d:?}"
        );
    }
}

#[tokio::test]
async fn oversize_record_is_written_with_hashed_texts() {
    let sink = writer("oversize");
    let mut r = AuditRecord::new("output-validator", "post_validate", Decision::Allow);
    r.output = Some("x".repeat(400 * 1024));
    let results = sink.append(vec![r]).await;
    assert!(results[0].is_ok(), "{results:?}");
    let lines = sink.transport().read_lines(&sink.current_stream()).unwrap();
    let back: AuditRecord = serde_json::from_str(&lines[0]).unwrap();
    assert_eq!(back.output, None);
    assert_eq!(back.output_sha256.as_deref().map(str::len), Some(64));
}

#[tokio::test]
async fn a_new_writer_continues_an_existing_stream() {
    let sink = writer("resume");
    sink.append(vec![AuditRecord::new("f", "s", Decision::Allow)])
        .await;
    let redactor = Arc::new(AuditRedactor::new(&Policy::from_yaml(POLICY).unwrap()).unwrap());
    let again = ChainWriter::new(sink.transport().clone(), redactor, "test");
    again
        .append(vec![AuditRecord::new("f", "s", Decision::Deny)])
        .await;
    let stream = sink.current_stream();
    let lines = sink.transport().read_lines(&stream).unwrap();
    assert_eq!(lines.len(), 2);
    verify(&stream, &lines).unwrap();
}

#[tokio::test]
async fn state_machine_step_events_become_chained_records() {
    let sink = writer("steps");
    let events = [
        include_str!("../../../events/audit-logger/step-prompt-rejected.json"),
        include_str!("../../../events/audit-logger/step-review-approved.json"),
        include_str!("../../../events/audit-logger/step-guard-error.json"),
    ];
    for json in events {
        assert!(
            matches!(invoke(&sink, json).await.unwrap(), Answer::Written(_)),
            "{json}"
        );
    }
    let stream = sink.current_stream();
    let lines = sink.transport().read_lines(&stream).unwrap();
    verify(&stream, &lines).unwrap();
    let records: Vec<AuditRecord> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records[0].function, "guarded-invoke");
    assert_eq!(records[0].outcome.as_deref(), Some("prompt_rejected"));
    assert_eq!(records[0].decision, Decision::Deny);
    assert_eq!(
        records[0].findings[0].rule,
        "injection.instruction_override"
    );
    assert!(
        records[0]
            .input
            .as_deref()
            .unwrap()
            .starts_with("Ignore previous")
    );
    assert_eq!(records[1].reviewer.as_deref(), Some("alice"));
    assert_eq!(records[2].errors.len(), 1);
    assert!(
        records
            .iter()
            .all(|r| r.request_id == "exec-0001" && r.region == "eu-west-1")
    );
    assert!(records.iter().all(|r| r.findings_omitted == 0));
    // A guard result whose findings were capped says so in the record.
    let capped = events[0].replace(
        "\"decision\": \"deny\",\n    \"findings\"",
        "\"decision\": \"deny\",\n    \"findings_omitted\": 41,\n    \"findings\"",
    );
    assert_ne!(capped, events[0]);
    assert!(matches!(
        invoke(&sink, &capped).await.unwrap(),
        Answer::Written(_)
    ));
    let lines = sink.transport().read_lines(&stream).unwrap();
    let last: AuditRecord = serde_json::from_str(lines.last().unwrap()).unwrap();
    assert_eq!(last.findings_omitted, 41);
    verify(&stream, &lines).unwrap();
    // A step event with a typo is refused, not half-logged.
    let typo = events[0].replace("\"stage\"", "\"stgae\"");
    assert_eq!(
        lambda_runtime::Diagnostic::from(invoke(&sink, &typo).await.unwrap_err()).error_type,
        "InvalidAuditRecord"
    );
}
