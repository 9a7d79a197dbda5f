//! The handler: one record (direct invoke: an [`AuditRecord`], or the state
//! machine's step event, see [`crate::step`]) or an SQS batch of records.
//!
//! SQS: every message body is one audit record (or step event). A message that fails to parse or
//! validate can never succeed; it is logged without its content (id, size, SHA-256
//! prefix, error kind) and reported in `batchItemFailures` like a write failure, so
//! SQS redelivers it until `maxReceiveCount` moves it to the dead-letter queue: kept
//! for a human, never dropped. Records whose write failed are reported the same way
//! and retried. Only a batch we cannot even read (no message ids) is a Lambda error,
//! which makes SQS retry the whole batch.

use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use gatehouse_core::audit::{AuditRecord, sha256_hex, time};
use lambda_runtime::LambdaEvent;
use serde::Serialize;
use serde_json::Value;

use crate::error::AuditError;
use crate::sink::AuditSink;
use crate::step::StepEvent;

/// What the handler needs besides the sink.
#[derive(Debug, Clone, Default)]
pub struct Env {
    /// `AWS_REGION`, recorded when a record has none.
    pub region: String,
    /// `_X_AMZN_TRACE_ID` at cold start, used when the context carries none.
    pub trace_id: Option<String>,
}

/// The answer to a direct invoke.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Written {
    /// The record's hash in the chain.
    pub hash: String,
}

/// The answer: a direct invoke's hash or an SQS partial batch response.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Answer {
    /// Direct invoke.
    Written(Written),
    /// SQS batch.
    Batch(SqsBatchResponse),
}

/// Handles one invocation.
pub async fn handle<S: AuditSink>(
    sink: &S,
    env: &Env,
    event: LambdaEvent<Value>,
) -> Result<Answer, AuditError> {
    let (payload, ctx) = event.into_parts();
    let defaults = Defaults {
        region: env.region.clone(),
        trace_id: ctx.xray_trace_id.clone().or_else(|| env.trace_id.clone()),
        request_id: ctx.request_id.clone(),
    };
    if payload.get("Records").is_some_and(Value::is_array) {
        let batch: SqsEvent = serde_json::from_value(payload)
            .map_err(|e| AuditError::MalformedEvent(e.to_string()))?;
        return handle_batch(sink, &defaults, batch)
            .await
            .map(Answer::Batch);
    }
    let record = parse_record_value(payload).map_err(AuditError::InvalidRecord)?;
    let record = defaults.complete(record);
    let hash = sink
        .append(vec![record])
        .await
        .into_iter()
        .next()
        .unwrap_or(Err(crate::sink::SinkError::NotAttempted))?;
    tracing::info!(records = 1, "audit record written");
    Ok(Answer::Written(Written { hash }))
}

struct Defaults {
    region: String,
    trace_id: Option<String>,
    request_id: String,
}

impl Defaults {
    fn complete(&self, mut r: AuditRecord) -> AuditRecord {
        if r.region.is_empty() {
            r.region.clone_from(&self.region);
        }
        if r.request_id.is_empty() {
            r.request_id.clone_from(&self.request_id);
        }
        if r.trace_id.is_empty() {
            r.trace_id = match &self.trace_id {
                Some(t) => t.clone(),
                None => generated_trace_id(&r.request_id),
            };
        }
        r
    }
}

/// A trace id when X-Ray gives none: `gh-` and 24 hex digits of a hash of the request
/// id and the clock.
fn generated_trace_id(request_id: &str) -> String {
    let seed = format!(
        "{request_id}/{}/{:?}",
        time::now_unix_ms(),
        std::thread::current().id()
    );
    let h = sha256_hex(&seed);
    format!("gh-{}", h.get(..24).unwrap_or(&h))
}

/// An [`AuditRecord`], or the state machine's step event (it has `outcome` and no
/// `function`), validated.
fn parse_record_value(v: Value) -> Result<AuditRecord, String> {
    let r = if v.get("outcome").is_some() && v.get("function").is_none() {
        serde_json::from_value::<StepEvent>(v)
            .map_err(|e| e.to_string())?
            .into_record()
    } else {
        serde_json::from_value::<AuditRecord>(v).map_err(|e| e.to_string())?
    };
    r.validate().map_err(|e| e.to_string())?;
    Ok(r)
}

fn parse_record_text(body: &str) -> Result<AuditRecord, String> {
    parse_record_value(serde_json::from_str(body).map_err(|e| e.to_string())?)
}

fn failure(id: &str) -> BatchItemFailure {
    let mut f = BatchItemFailure::default();
    f.item_identifier = id.to_owned();
    f
}

async fn handle_batch<S: AuditSink>(
    sink: &S,
    defaults: &Defaults,
    batch: SqsEvent,
) -> Result<SqsBatchResponse, AuditError> {
    let mut response = SqsBatchResponse::default();
    let mut ids = Vec::with_capacity(batch.records.len());
    let mut records = Vec::with_capacity(batch.records.len());
    for message in batch.records {
        let Some(id) = message.message_id.filter(|id| !id.is_empty()) else {
            return Err(AuditError::MalformedEvent(
                "an SQS message has no messageId".into(),
            ));
        };
        let body = message.body.unwrap_or_default();
        match parse_record_text(&body) {
            Ok(r) => {
                ids.push(id);
                records.push(defaults.complete(r));
            }
            Err(error) => {
                // The body may hold raw text: log its size and hash, never its content.
                let digest = sha256_hex(&body);
                let kind = error
                    .split(" at line")
                    .next()
                    .unwrap_or_default()
                    .split(':')
                    .next()
                    .unwrap_or_default();
                tracing::error!(
                    message_id = %id,
                    bytes = body.len(),
                    sha256_prefix = digest.get(..16).unwrap_or_default(),
                    error_kind = kind,
                    "malformed audit message; reported failed so it reaches the dead-letter queue"
                );
                response.batch_item_failures.push(failure(&id));
            }
        }
    }
    let results = sink.append(records).await;
    let mut written = 0;
    for (id, result) in ids.iter().zip(results) {
        match result {
            Ok(_) => written += 1,
            Err(e) => {
                tracing::warn!(message_id = %id, error = %e, "audit record not written; will be retried");
                response.batch_item_failures.push(failure(id));
            }
        }
    }
    tracing::info!(
        written,
        failed = response.batch_item_failures.len(),
        "audit batch done"
    );
    Ok(response)
}
