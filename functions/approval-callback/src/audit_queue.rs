//! Audit through the audit queue (`AUDIT_QUEUE_URL`): records are redacted here,
//! then sent to SQS with SendMessageBatch; the audit-logger consumes the queue and
//! chains them into CloudWatch Logs. This is what the template grants the function
//! (sqs:SendMessage on the audit queue, no CloudWatch Logs write on the audit group).

use std::sync::Arc;

use audit_logger::cloudwatch::CloudWatchTransport;
use audit_logger::sink::{AuditSink, ChainWriter, SinkError};
use aws_sdk_sqs::types::SendMessageBatchRequestEntry;
use gatehouse_core::audit::{AuditRecord, AuditRedactor};

/// SQS limits: 10 entries per batch, and we keep each batch under 256 KiB.
const MAX_ENTRIES: usize = 10;
const MAX_BATCH_BYTES: usize = 256 * 1024;

/// Sends audit records to the audit queue.
#[derive(Debug, Clone)]
pub struct SqsAuditSink {
    client: aws_sdk_sqs::Client,
    queue_url: String,
    redactor: Arc<AuditRedactor>,
}

impl SqsAuditSink {
    /// A sink sending to `queue_url`.
    pub fn new(
        client: aws_sdk_sqs::Client,
        queue_url: impl Into<String>,
        redactor: Arc<AuditRedactor>,
    ) -> Self {
        SqsAuditSink {
            client,
            queue_url: queue_url.into(),
            redactor,
        }
    }

    async fn send(&self, bodies: &[(usize, String)], results: &mut [Result<String, SinkError>]) {
        let mut entries = Vec::with_capacity(bodies.len());
        for (index, body) in bodies {
            match SendMessageBatchRequestEntry::builder()
                .id(format!("r{index}"))
                .message_body(body.clone())
                .build()
            {
                Ok(e) => entries.push(e),
                Err(e) => {
                    if let Some(slot) = results.get_mut(*index) {
                        *slot = Err(SinkError::Refused(e.to_string()));
                    }
                }
            }
        }
        let out = self
            .client
            .send_message_batch()
            .queue_url(&self.queue_url)
            .set_entries(Some(entries))
            .send()
            .await;
        match out {
            Ok(out) => {
                for ok in out.successful {
                    if let Some(slot) = index_of(&ok.id).and_then(|i| results.get_mut(i)) {
                        *slot = Ok(ok.message_id);
                    }
                }
                for failed in out.failed {
                    if let Some(slot) = index_of(&failed.id).and_then(|i| results.get_mut(i)) {
                        *slot = Err(SinkError::Refused(format!(
                            "queue refused the record: {}",
                            failed.code
                        )));
                    }
                }
            }
            Err(e) => {
                let message = aws_sdk_sqs::error::DisplayErrorContext(e).to_string();
                for (index, _) in bodies {
                    if let Some(slot) = results.get_mut(*index) {
                        *slot = Err(SinkError::Exhausted {
                            attempts: 1,
                            last: message.clone(),
                        });
                    }
                }
            }
        }
    }
}

fn index_of(id: &str) -> Option<usize> {
    id.strip_prefix('r')?.parse().ok()
}

impl AuditSink for SqsAuditSink {
    /// `Ok(message id)` per record queued.
    async fn append(&self, records: Vec<AuditRecord>) -> Vec<Result<String, SinkError>> {
        let mut results: Vec<Result<String, SinkError>> =
            vec![Err(SinkError::NotAttempted); records.len()];
        let mut batch: Vec<(usize, String)> = Vec::new();
        let mut bytes = 0;
        for (index, mut record) in records.into_iter().enumerate() {
            record.redact(&self.redactor);
            let body = match serde_json::to_string(&record) {
                Ok(b) => b,
                Err(e) => {
                    if let Some(slot) = results.get_mut(index) {
                        *slot = Err(SinkError::Seal(e.to_string()));
                    }
                    continue;
                }
            };
            if body.len() > MAX_BATCH_BYTES {
                record.hash_texts();
            }
            let body = if body.len() > MAX_BATCH_BYTES {
                serde_json::to_string(&record).unwrap_or(body)
            } else {
                body
            };
            if !batch.is_empty()
                && (batch.len() == MAX_ENTRIES || bytes + body.len() > MAX_BATCH_BYTES)
            {
                self.send(&batch, &mut results).await;
                batch.clear();
                bytes = 0;
            }
            bytes += body.len();
            batch.push((index, body));
        }
        if !batch.is_empty() {
            self.send(&batch, &mut results).await;
        }
        results
    }
}

/// The audit sink chosen at cold start.
#[derive(Debug)]
pub enum AnyAuditSink {
    /// The audit queue (deployed configuration).
    Queue(SqsAuditSink),
    /// Directly into a CloudWatch Logs group.
    Logs(ChainWriter<CloudWatchTransport>),
}

impl AuditSink for AnyAuditSink {
    async fn append(&self, records: Vec<AuditRecord>) -> Vec<Result<String, SinkError>> {
        match self {
            AnyAuditSink::Queue(s) => s.append(records).await,
            AnyAuditSink::Logs(s) => s.append(records).await,
        }
    }
}

impl AnyAuditSink {
    /// `AUDIT_QUEUE_URL` when set (the template's wiring), else `AUDIT_LOG_GROUP`.
    pub fn from_env(
        config: &aws_config::SdkConfig,
        redactor: Arc<AuditRedactor>,
    ) -> Result<AnyAuditSink, String> {
        if let Ok(url) = std::env::var("AUDIT_QUEUE_URL") {
            return Ok(AnyAuditSink::Queue(SqsAuditSink::new(
                aws_sdk_sqs::Client::new(config),
                url,
                redactor,
            )));
        }
        let group = std::env::var("AUDIT_LOG_GROUP")
            .map_err(|_| "neither AUDIT_QUEUE_URL nor AUDIT_LOG_GROUP is set")?;
        let client = audit_logger::cloudwatch::client(config);
        let logs = CloudWatchTransport::new(client, group, audit_logger::retry::Backoff::default());
        let instance = format!("approval-{}", audit_logger::instance_id());
        Ok(AnyAuditSink::Logs(ChainWriter::new(
            logs, redactor, instance,
        )))
    }
}
