//! The audit logger against moto's CloudWatch Logs on loopback: records read back
//! with GetLogEvents verify as one chain; with throttling, 5xx (before and after the
//! call took effect) and dropped connections injected between the logger and moto,
//! nothing is lost and nothing is duplicated.
//!
//! Needs moto (`scripts/bootstrap.sh`, or `GATEHOUSE_MOTO=/path/to/moto_server`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers: a failed unwrap is a failed test"
)]

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use audit_logger::cloudwatch::{self, CloudWatchTransport};
use audit_logger::handler::Answer;
use audit_logger::retry::Backoff;
use audit_logger::sink::{AuditSink, ChainWriter};
use audit_logger::{Env, handle};
use gatehouse_core::Decision;
use gatehouse_core::audit::{AuditRecord, AuditRedactor, verify};
use gatehouse_testkit::sdk::sdk_config;
use gatehouse_testkit::{Fault, FaultPlan, FaultProxy, FaultRule, MotoServer};
use lambda_runtime::{Context, LambdaEvent};

const GROUP: &str = "/gatehouse/audit";

async fn transport(endpoint: &str, backoff: Backoff) -> CloudWatchTransport {
    CloudWatchTransport::new(
        cloudwatch::client(&sdk_config(endpoint).await),
        GROUP,
        backoff,
    )
}

async fn setup(moto: &MotoServer) {
    let client = cloudwatch::client(&sdk_config(&moto.endpoint()).await);
    client
        .create_log_group()
        .log_group_name(GROUP)
        .send()
        .await
        .unwrap();
}

fn writer(t: CloudWatchTransport, instance: &str) -> ChainWriter<CloudWatchTransport> {
    ChainWriter::new(
        t,
        Arc::new(AuditRedactor::embedded_default().unwrap()),
        instance,
    )
}

fn record(i: usize) -> AuditRecord {
    let mut r = AuditRecord::new("prompt-preprocessor", "pre_process", Decision::Allow);
    r.request_id = format!("req-{i:06}");
    r.input = Some(format!("where is order ord-{i}?"));
    r
}

fn sqs_batch(ids: std::ops::Range<usize>) -> serde_json::Value {
    let records: Vec<_> = ids
        .map(|i| {
            serde_json::json!({
                "messageId": format!("msg-{i}"),
                "body": serde_json::to_string(&record(i)).unwrap(),
                "eventSource": "aws:sqs",
            })
        })
        .collect();
    serde_json::json!({ "Records": records })
}

fn request_ids(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .map(|l| serde_json::from_str::<AuditRecord>(l).unwrap().request_id)
        .collect()
}

#[tokio::test]
async fn records_read_back_from_cloudwatch_form_an_intact_chain() {
    let moto = MotoServer::start().expect("moto");
    setup(&moto).await;
    let sink = writer(
        transport(&moto.endpoint(), Backoff::default()).await,
        "inst-a",
    );
    let env = Env {
        region: "us-east-1".into(),
        trace_id: None,
    };

    // Given a direct record and an SQS batch of 30,
    let single = serde_json::to_value(record(0)).unwrap();
    let a = handle(&sink, &env, LambdaEvent::new(single, Context::default()))
        .await
        .unwrap();
    assert!(matches!(a, Answer::Written(_)));
    let Answer::Batch(resp) = handle(
        &sink,
        &env,
        LambdaEvent::new(sqs_batch(1..31), Context::default()),
    )
    .await
    .unwrap() else {
        panic!("batch answer expected")
    };
    assert!(resp.batch_item_failures.is_empty());

    // when the stream is read back with GetLogEvents,
    let stream = sink.current_stream();
    let lines = sink.transport().read_stream(&stream).await.unwrap();

    // then all 31 are there, in order, and the chain verifies.
    assert_eq!(
        request_ids(&lines),
        (0..31).map(|i| format!("req-{i:06}")).collect::<Vec<_>>()
    );
    verify(&stream, &lines).unwrap();

    // A second writer (a new container with the same instance id) continues the chain.
    let again = writer(
        transport(&moto.endpoint(), Backoff::default()).await,
        "inst-a",
    );
    again.append(vec![record(31)]).await[0].clone().unwrap();
    let lines = sink.transport().read_stream(&stream).await.unwrap();
    assert_eq!(lines.len(), 32);
    verify(&stream, &lines).unwrap();
}

#[tokio::test]
async fn faults_between_logger_and_moto_lose_and_duplicate_nothing() {
    let moto = MotoServer::start().expect("moto");
    setup(&moto).await;
    let plan = FaultPlan::new()
        .rule(FaultRule::every_nth(3, Fault::Throttling).for_target("PutLogEvents"))
        .rule(FaultRule::nth(2, Fault::InternalFailureAfterForward).for_target("PutLogEvents"))
        .rule(FaultRule::nth(5, Fault::InternalFailureAfterForward).for_target("PutLogEvents"))
        .rule(FaultRule::nth(4, Fault::ServiceUnavailable).for_target("PutLogEvents"))
        .rule(FaultRule::nth(7, Fault::CloseConnection).for_target("PutLogEvents"))
        .rule(FaultRule::nth(8, Fault::InternalFailure).for_target("PutLogEvents"))
        .rule(FaultRule::first(1, Fault::Throttling).for_target("CreateLogStream"))
        .rule(FaultRule::first(1, Fault::ServiceUnavailable).for_target("GetLogEvents"));
    let proxy = FaultProxy::start(&moto.endpoint(), plan).unwrap();
    let fast = Backoff {
        max_attempts: 12,
        base: Duration::from_millis(5),
        cap: Duration::from_millis(80),
    };
    let sink = writer(transport(&proxy.endpoint(), fast).await, "inst-f");

    // Given 12 appends of 10 records through the faulty proxy,
    let mut hashes = BTreeSet::new();
    for call in 0..12 {
        let results = sink
            .append((call * 10..call * 10 + 10).map(record).collect())
            .await;
        for r in results {
            // then every record is acknowledged,
            assert!(hashes.insert(r.unwrap()), "hash acknowledged twice");
        }
    }
    assert!(
        proxy.faults_injected() >= 8,
        "faults injected: {:?}",
        proxy.stats()
    );

    // and moto (read directly, not through the proxy) holds each record exactly once,
    // in order, in one intact chain.
    let direct = transport(&moto.endpoint(), Backoff::default()).await;
    let stream = sink.current_stream();
    let lines = direct.read_stream(&stream).await.unwrap();
    assert_eq!(
        request_ids(&lines),
        (0..120).map(|i| format!("req-{i:06}")).collect::<Vec<_>>()
    );
    verify(&stream, &lines).unwrap();
}

/// A record of about 10 KB (long finding reasons are neither redacted nor scanned),
/// so that an append of a few hundred records spans several PutLogEvents calls.
fn big_record(i: usize) -> AuditRecord {
    let mut r = record(i);
    r.findings = (0..20)
        .map(|k| gatehouse_core::Finding {
            rule: format!("rule.{k}"),
            category: gatehouse_core::Category::Pii,
            severity: gatehouse_core::Severity::Low,
            start: 0,
            end: 1,
            action: gatehouse_core::Action::Flag,
            score: 0.5,
            reason: format!("{k:03} {}", "r".repeat(500)),
        })
        .collect();
    r
}

#[tokio::test]
async fn sharded_streams_under_faults_lose_and_duplicate_nothing() {
    let moto = MotoServer::start().expect("moto");
    setup(&moto).await;
    let plan = FaultPlan::new()
        .rule(FaultRule::every_nth(4, Fault::Throttling).for_target("PutLogEvents"))
        .rule(FaultRule::nth(2, Fault::InternalFailureAfterForward).for_target("PutLogEvents"))
        .rule(FaultRule::nth(3, Fault::ServiceUnavailable).for_target("PutLogEvents"))
        .rule(FaultRule::nth(6, Fault::CloseConnection).for_target("PutLogEvents"))
        .rule(FaultRule::nth(9, Fault::InternalFailureAfterForward).for_target("PutLogEvents"));
    let proxy = FaultProxy::start(&moto.endpoint(), plan).unwrap();
    let fast = Backoff {
        max_attempts: 12,
        base: Duration::from_millis(5),
        cap: Duration::from_millis(80),
    };
    let sink = writer(transport(&proxy.endpoint(), fast).await, "inst-s").with_shards(3);

    // Given 3 appends of 300 records of ~10 KB (about 3 calls each, over 3 streams),
    let (appends, per_append) = (3, 300);
    let mut hashes = BTreeSet::new();
    for call in 0..appends {
        let results = sink
            .append(
                (call * per_append..(call + 1) * per_append)
                    .map(big_record)
                    .collect(),
            )
            .await;
        for r in results {
            // then every record is acknowledged once,
            assert!(hashes.insert(r.unwrap()), "hash acknowledged twice");
        }
    }
    assert!(proxy.faults_injected() >= 4, "faults: {:?}", proxy.stats());

    // and moto holds each record exactly once, each stream in order and intact.
    let direct = transport(&moto.endpoint(), Backoff::default()).await;
    let streams = sink.current_streams();
    assert_eq!(streams.len(), 3);
    assert!(streams[1].ends_with("/inst-s.1"), "{streams:?}");
    let mut all = Vec::new();
    for stream in &streams {
        let lines = direct.read_stream(stream).await.unwrap();
        assert!(!lines.is_empty(), "{stream} used");
        verify(stream, &lines).unwrap();
        let ids = request_ids(&lines);
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{stream} in order");
        all.extend(ids);
    }
    all.sort();
    assert_eq!(
        all,
        (0..appends * per_append)
            .map(|i| format!("req-{i:06}"))
            .collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn a_batch_that_keeps_failing_is_reported_not_dropped() {
    let moto = MotoServer::start().expect("moto");
    setup(&moto).await;
    let proxy = FaultProxy::start(
        &moto.endpoint(),
        FaultRule::always(Fault::Throttling)
            .for_target("PutLogEvents")
            .into(),
    )
    .unwrap();
    let fast = Backoff {
        max_attempts: 3,
        base: Duration::from_millis(1),
        cap: Duration::from_millis(5),
    };
    let sink = writer(transport(&proxy.endpoint(), fast).await, "inst-x");
    let env = Env::default();
    let Answer::Batch(resp) = handle(
        &sink,
        &env,
        LambdaEvent::new(sqs_batch(0..5), Context::default()),
    )
    .await
    .unwrap() else {
        panic!("batch answer expected")
    };
    // Every message is reported failed, so SQS redelivers them.
    assert_eq!(resp.batch_item_failures.len(), 5);
    // Once the service recovers, the redelivered batch goes through on the same chain.
    proxy.set_plan(FaultPlan::none());
    let Answer::Batch(resp) = handle(
        &sink,
        &env,
        LambdaEvent::new(sqs_batch(0..5), Context::default()),
    )
    .await
    .unwrap() else {
        panic!("batch answer expected")
    };
    assert!(resp.batch_item_failures.is_empty());
    let stream = sink.current_stream();
    let lines = sink.transport().read_stream(&stream).await.unwrap();
    assert_eq!(lines.len(), 5);
    verify(&stream, &lines).unwrap();
}

/// Throughput into moto with batching: `make bench-audit` (release build; see
/// docs/BENCHMARKS.md, "Audit logger into moto"). `AUDIT_BENCH_SHARDS` (default 1)
/// spreads batches over that many streams; `AUDIT_BENCH_RECORDS` (default 50,000)
/// records go in appends of 5,000. Prints records/s, then reads every stream back
/// and verifies its chain (not timed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measurement, not a check"]
async fn throughput_into_moto() {
    let env_usize = |name: &str, default: usize| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let shards = env_usize("AUDIT_BENCH_SHARDS", 1);
    let total = env_usize("AUDIT_BENCH_RECORDS", 50_000);
    let per_call = 5_000.min(total);
    let moto = MotoServer::start().expect("moto");
    setup(&moto).await;
    let sink = writer(
        transport(&moto.endpoint(), Backoff::default()).await,
        "inst-t",
    )
    .with_shards(shards);
    let started = Instant::now();
    for call in 0..total / per_call {
        let results = sink
            .append(
                (call * per_call..(call + 1) * per_call)
                    .map(record)
                    .collect(),
            )
            .await;
        assert!(results.iter().all(Result::is_ok));
    }
    let secs = started.elapsed().as_secs_f64();
    let written = total / per_call * per_call;
    println!(
        "audit-logger: {written} records in {secs:.2} s = {:.0} records/s into moto ({shards} stream(s))",
        written as f64 / secs
    );
    let mut read_back = 0;
    for (k, stream) in sink.current_streams().into_iter().enumerate() {
        // Appends start at shard 0, so a shard beyond the batches of one append is
        // never created; the count below still proves every record was read back.
        let lines = match sink.transport().read_stream(&stream).await {
            Err(_) if k > 0 => continue,
            other => other.unwrap(),
        };
        verify(&stream, &lines).unwrap();
        read_back += lines.len();
    }
    assert_eq!(read_back, written, "every record once");
}

/// The logger's own cost (redaction, sealing, batching) without moto: the same
/// records through the JSON-lines transport. Prints records/s.
#[tokio::test]
#[ignore = "measurement, not a check"]
async fn throughput_without_moto() {
    let dir = std::env::temp_dir().join(format!("gatehouse-audit-tp-{}", std::process::id()));
    let sink = ChainWriter::new(
        audit_logger::sink::FileTransport::new(&dir),
        Arc::new(AuditRedactor::embedded_default().unwrap()),
        "inst-t",
    );
    let (total, per_call) = (50_000, 5_000);
    let started = Instant::now();
    for call in 0..total / per_call {
        let results = sink
            .append(
                (call * per_call..(call + 1) * per_call)
                    .map(record)
                    .collect(),
            )
            .await;
        assert!(results.iter().all(Result::is_ok));
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "audit-logger (file transport): {total} records in {secs:.2} s = {:.0} records/s",
        total as f64 / secs
    );
    let _ = std::fs::remove_dir_all(dir);
}
