//! The CloudWatch Logs transport: CreateLogStream, PutLogEvents with our own retries
//! (the SDK's are switched off so every error is classified here), and a tail check
//! after ambiguous failures so a retry never duplicates a batch.
//!
//! Tail check: the writer owns its stream (one per instance), so after a 5xx or a
//! timeout the last event of the stream tells whether the batch landed: its hash is
//! the batch's last hash (landed: done), the previous head (not landed: retry), or
//! something else (refuse, never guess). Against real CloudWatch, GetLogEvents can
//! lag a fresh write by a moment; a batch could then be written twice, which
//! `verify` reports as a broken link at the duplicate, never as silent loss.

use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::error::DisplayErrorContext;
use aws_sdk_cloudwatchlogs::types::InputLogEvent;

use crate::batch::LogEvent;
use crate::retry::{Backoff, ErrorClass, classify};
use crate::sink::{LogTransport, SinkError, hash_of_line};

/// Writes to one log group.
#[derive(Debug, Clone)]
pub struct CloudWatchTransport {
    client: Client,
    group: String,
    backoff: Backoff,
}

/// A CloudWatch Logs client for this transport: the SDK's own retries off (this
/// transport classifies and retries), everything else from `config`.
pub fn client(config: &aws_config::SdkConfig) -> Client {
    let conf = aws_sdk_cloudwatchlogs::config::Builder::from(config)
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .build();
    Client::from_conf(conf)
}

enum Tail {
    Landed,
    NotLanded,
}

impl CloudWatchTransport {
    /// A transport writing to `group`.
    pub fn new(client: Client, group: impl Into<String>, backoff: Backoff) -> CloudWatchTransport {
        CloudWatchTransport {
            client,
            group: group.into(),
            backoff,
        }
    }

    /// Messages of a stream, oldest first (all pages).
    pub async fn read_stream(&self, stream: &str) -> Result<Vec<String>, SinkError> {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client
                .get_log_events()
                .log_group_name(&self.group)
                .log_stream_name(stream)
                .start_from_head(true)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| SinkError::Refused(DisplayErrorContext(e).to_string()))?;
            let events = page.events.unwrap_or_default();
            let empty = events.is_empty();
            out.extend(events.into_iter().filter_map(|e| e.message));
            let next = page.next_forward_token;
            if empty || next == token {
                return Ok(out);
            }
            token = next;
        }
    }

    /// The hash of the stream's last event (`None` for an empty stream).
    async fn tail_hash(&self, stream: &str) -> Result<Option<String>, (ErrorClass, String)> {
        let page = self
            .client
            .get_log_events()
            .log_group_name(&self.group)
            .log_stream_name(stream)
            .start_from_head(false)
            .limit(1)
            .send()
            .await
            .map_err(|e| (classify(&e), DisplayErrorContext(e).to_string()))?;
        Ok(page
            .events
            .unwrap_or_default()
            .last()
            .and_then(|e| e.message.as_deref())
            .and_then(hash_of_line))
    }

    /// After an ambiguous failure: did the batch land?
    async fn check_tail(
        &self,
        stream: &str,
        prev_head: &str,
        last_hash: &str,
    ) -> Result<Tail, SinkError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.tail_hash(stream).await {
                Ok(Some(h)) if h == last_hash => return Ok(Tail::Landed),
                Ok(Some(h)) if h == prev_head => return Ok(Tail::NotLanded),
                Ok(None) if is_genesis(stream, prev_head) => return Ok(Tail::NotLanded),
                Ok(_) => {
                    return Err(SinkError::Refused(
                        "stream tail matches neither the chain head nor the batch".into(),
                    ));
                }
                Err((ErrorClass::Throttled | ErrorClass::Ambiguous, last))
                    if attempt < self.backoff.max_attempts =>
                {
                    tracing::warn!(attempt, error = %last, "tail check failed; retrying");
                    tokio::time::sleep(self.backoff.delay(attempt)).await;
                }
                Err((_, last)) => {
                    return Err(SinkError::Exhausted {
                        attempts: attempt,
                        last,
                    });
                }
            }
        }
    }
}

fn input_events(events: &[LogEvent]) -> Result<Vec<InputLogEvent>, SinkError> {
    events
        .iter()
        .map(|e| {
            InputLogEvent::builder()
                .timestamp(e.timestamp_ms)
                .message(e.message.clone())
                .build()
                .map_err(|err| SinkError::Refused(err.to_string()))
        })
        .collect()
}

fn is_genesis(stream: &str, head: &str) -> bool {
    gatehouse_core::audit::genesis_hash(stream) == head
}

impl LogTransport for CloudWatchTransport {
    async fn open_stream(&self, stream: &str) -> Result<Option<String>, SinkError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = self
                .client
                .create_log_stream()
                .log_group_name(&self.group)
                .log_stream_name(stream)
                .send()
                .await;
            let err = match result {
                Ok(_) => return Ok(None),
                Err(e) => e,
            };
            let class = classify(&err);
            let last = DisplayErrorContext(err).to_string();
            match class {
                // It exists (created by us before a lost response, or by an earlier
                // container of this instance id): continue its chain.
                ErrorClass::AlreadyExists => match self.tail_hash(stream).await {
                    Ok(head) => return Ok(head),
                    Err((ErrorClass::Throttled | ErrorClass::Ambiguous, _))
                        if attempt < self.backoff.max_attempts => {}
                    Err((_, last)) => {
                        return Err(SinkError::Exhausted {
                            attempts: attempt,
                            last,
                        });
                    }
                },
                ErrorClass::Throttled | ErrorClass::Ambiguous
                    if attempt < self.backoff.max_attempts => {}
                ErrorClass::Throttled | ErrorClass::Ambiguous => {
                    return Err(SinkError::Exhausted {
                        attempts: attempt,
                        last,
                    });
                }
                ErrorClass::StreamMissing | ErrorClass::Permanent => {
                    return Err(SinkError::Refused(last));
                }
            }
            tracing::warn!(attempt, "create log stream failed; retrying");
            tokio::time::sleep(self.backoff.delay(attempt)).await;
        }
    }

    async fn put(
        &self,
        stream: &str,
        events: &[LogEvent],
        prev_head: &str,
        last_hash: &str,
    ) -> Result<(), SinkError> {
        // Built for the first attempt; a retry (rare) builds the events again rather
        // than every attempt cloning a megabyte of messages up front.
        let mut first = Some(input_events(events)?);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let input = match first.take() {
                Some(input) => input,
                None => input_events(events)?,
            };
            let result = self
                .client
                .put_log_events()
                .log_group_name(&self.group)
                .log_stream_name(stream)
                .set_log_events(Some(input))
                .send()
                .await;
            let err = match result {
                Ok(out) => {
                    if let Some(rejected) = out.rejected_log_events_info {
                        return Err(SinkError::Refused(format!("events rejected: {rejected:?}")));
                    }
                    return Ok(());
                }
                Err(e) => e,
            };
            let class = classify(&err);
            let last = DisplayErrorContext(err).to_string();
            tracing::warn!(attempt, class = ?class, events = events.len(), "put log events failed");
            match class {
                ErrorClass::Throttled if attempt < self.backoff.max_attempts => {}
                ErrorClass::Ambiguous if attempt < self.backoff.max_attempts => {
                    tokio::time::sleep(self.backoff.delay(attempt)).await;
                    match self.check_tail(stream, prev_head, last_hash).await? {
                        Tail::Landed => return Ok(()),
                        Tail::NotLanded => continue,
                    }
                }
                ErrorClass::Throttled | ErrorClass::Ambiguous => {
                    return Err(SinkError::Exhausted {
                        attempts: attempt,
                        last,
                    });
                }
                ErrorClass::StreamMissing | ErrorClass::AlreadyExists | ErrorClass::Permanent => {
                    return Err(SinkError::Refused(last));
                }
            }
            tokio::time::sleep(self.backoff.delay(attempt)).await;
        }
    }
}
