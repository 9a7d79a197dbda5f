//! Where audit records go: the [`AuditSink`] trait, the [`ChainWriter`] that redacts,
//! chains and batches records over any [`LogTransport`], and the local JSON-lines
//! transport used when no AWS endpoint is configured.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use gatehouse_core::audit::{AuditRecord, AuditRedactor, Chain, time};

use crate::batch::{self, LogEvent, MAX_EVENT_BYTES};

/// Why a record was not written. Its message never holds record content.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SinkError {
    /// Retries ran out on throttling or server errors.
    #[error("log service still failing after {attempts} attempts: {last}")]
    Exhausted {
        /// Attempts made.
        attempts: u32,
        /// The last error.
        last: String,
    },
    /// The service refused the request and retrying cannot help.
    #[error("log service refused the request: {0}")]
    Refused(String),
    /// The record is over the event size limit even with its texts hashed.
    #[error("record is {0} bytes after hashing its texts, over the event limit")]
    TooLarge(usize),
    /// The record could not be serialised.
    #[error("cannot seal record: {0}")]
    Seal(String),
    /// An earlier batch of the same call failed; this record was not attempted so
    /// that the chain stays in order.
    #[error("not attempted: an earlier batch failed")]
    NotAttempted,
    /// The local file could not be written.
    #[error("local audit file: {0}")]
    Io(String),
}

/// Accepts audit records. Results come back in the order of the records.
pub trait AuditSink: Send + Sync {
    /// Redacts, chains and writes the records; `Ok(hash)` for each record written.
    fn append(
        &self,
        records: Vec<AuditRecord>,
    ) -> impl Future<Output = Vec<Result<String, SinkError>>> + Send;
}

/// The I/O under a [`ChainWriter`]: one log group, many streams.
pub trait LogTransport: Send + Sync {
    /// Creates `stream` if missing. Returns the hash of its last record when the
    /// stream already holds records (so the chain continues), else `None`.
    fn open_stream(
        &self,
        stream: &str,
    ) -> impl Future<Output = Result<Option<String>, SinkError>> + Send;

    /// Writes one batch within the service limits. `prev_head` is the chain head
    /// before the batch and `last_hash` the hash of its last record: after an
    /// ambiguous failure the transport compares them with the stream's tail so a
    /// retry never writes a batch twice.
    fn put(
        &self,
        stream: &str,
        events: &[LogEvent],
        prev_head: &str,
        last_hash: &str,
    ) -> impl Future<Output = Result<(), SinkError>> + Send;
}

/// Redacts records with the policy's PII rules, seals them into the stream's hash
/// chain, and writes them in batches. One stream per UTC day and instance
/// (`YYYY/MM/DD/<instance>`); the chain head lives in memory for the life of the
/// warm container, so one writer must own its streams (hence the instance id).
#[derive(Debug)]
pub struct ChainWriter<T> {
    transport: T,
    redactor: Arc<AuditRedactor>,
    instance: String,
    state: tokio::sync::Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    chain: Option<Chain>,
    last_ts: i64,
}

impl<T: LogTransport> ChainWriter<T> {
    /// A writer over `transport`, naming its streams `YYYY/MM/DD/<instance>`.
    pub fn new(
        transport: T,
        redactor: Arc<AuditRedactor>,
        instance: impl Into<String>,
    ) -> ChainWriter<T> {
        ChainWriter {
            transport,
            redactor,
            instance: instance.into(),
            state: Default::default(),
        }
    }

    /// The transport (tests read back through it).
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The stream records written now go to.
    pub fn current_stream(&self) -> String {
        format!(
            "{}/{}",
            time::day_path_from_unix_ms(time::now_unix_ms()),
            self.instance
        )
    }

    async fn write(&self, records: Vec<AuditRecord>) -> Vec<Result<String, SinkError>> {
        let n = records.len();
        let mut state = self.state.lock().await;
        let now = time::now_unix_ms().max(state.last_ts);
        let stream = format!("{}/{}", time::day_path_from_unix_ms(now), self.instance);
        let mut chain = match state.chain.take().filter(|c| c.stream() == stream) {
            Some(c) => c,
            None => match self.transport.open_stream(&stream).await {
                Ok(Some(head)) => Chain::resume(&stream, &head),
                Ok(None) => Chain::genesis(&stream),
                Err(e) => return vec![Err(e); n],
            },
        };
        let committed = chain.clone();

        // Seal every record on a tentative chain; the head is committed batch by batch.
        let mut results: Vec<Result<String, SinkError>> = Vec::with_capacity(n);
        let mut events: Vec<LogEvent> = Vec::with_capacity(n);
        let mut owners: Vec<(usize, String)> = Vec::with_capacity(n);
        for (index, mut record) in records.into_iter().enumerate() {
            record.redact(&self.redactor);
            if record.timestamp.is_empty() {
                record.timestamp = time::rfc3339_from_unix_ms(now);
            }
            match seal_fitting(&mut chain, &mut record) {
                Ok(line) => {
                    owners.push((index, record.hash.clone()));
                    events.push(LogEvent {
                        timestamp_ms: now,
                        message: line,
                    });
                    results.push(Err(SinkError::NotAttempted));
                }
                Err(e) => results.push(Err(e)),
            }
        }

        let mut head = committed.head().to_owned();
        let mut failed: Option<SinkError> = None;
        for range in batch::plan(&events) {
            let (Some(batch_events), Some(batch_owners)) =
                (events.get(range.clone()), owners.get(range))
            else {
                break;
            };
            let Some((_, last_hash)) = batch_owners.last() else {
                continue;
            };
            if let Some(e) = &failed {
                for (index, _) in batch_owners {
                    if let Some(slot) = results.get_mut(*index) {
                        *slot = Err(e.clone());
                    }
                }
                continue;
            }
            match self
                .transport
                .put(&stream, batch_events, &head, last_hash)
                .await
            {
                Ok(()) => {
                    head.clone_from(last_hash);
                    for (index, hash) in batch_owners {
                        if let Some(slot) = results.get_mut(*index) {
                            *slot = Ok(hash.clone());
                        }
                    }
                }
                Err(e) => {
                    for (index, _) in batch_owners {
                        if let Some(slot) = results.get_mut(*index) {
                            *slot = Err(e.clone());
                        }
                    }
                    failed = Some(e);
                }
            }
        }
        state.chain = Some(Chain::resume(&stream, &head));
        state.last_ts = now;
        results
    }
}

/// Seals a record; when its line is over the event limit, hashes its texts and
/// seals again from the same head.
fn seal_fitting(chain: &mut Chain, record: &mut AuditRecord) -> Result<String, SinkError> {
    let mut attempt = chain.clone();
    let line = attempt
        .seal(record)
        .map_err(|e| SinkError::Seal(e.to_string()))?;
    if line.len() <= MAX_EVENT_BYTES {
        *chain = attempt;
        return Ok(line);
    }
    record.hash_texts();
    let mut attempt = chain.clone();
    let line = attempt
        .seal(record)
        .map_err(|e| SinkError::Seal(e.to_string()))?;
    if line.len() > MAX_EVENT_BYTES {
        return Err(SinkError::TooLarge(line.len()));
    }
    *chain = attempt;
    Ok(line)
}

impl<T: LogTransport> AuditSink for ChainWriter<T> {
    async fn append(&self, records: Vec<AuditRecord>) -> Vec<Result<String, SinkError>> {
        self.write(records).await
    }
}

/// Appends JSON lines to `<dir>/<stream with '/' as '-'>.jsonl`: the local stand-in
/// for CloudWatch Logs (CLI runs, demos).
#[derive(Debug, Clone)]
pub struct FileTransport {
    dir: PathBuf,
}

impl FileTransport {
    /// A transport writing under `dir` (created when missing).
    pub fn new(dir: impl Into<PathBuf>) -> FileTransport {
        FileTransport { dir: dir.into() }
    }

    /// The file of one stream.
    pub fn path(&self, stream: &str) -> PathBuf {
        self.dir.join(format!("{}.jsonl", stream.replace('/', "-")))
    }

    /// The lines of one stream.
    pub fn read_lines(&self, stream: &str) -> Result<Vec<String>, SinkError> {
        match std::fs::read_to_string(self.path(stream)) {
            Ok(text) => Ok(text.lines().map(str::to_owned).collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(SinkError::Io(e.to_string())),
        }
    }
}

/// The `hash` field of a JSON line, if any.
pub fn hash_of_line(line: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    v.get("hash")?.as_str().map(str::to_owned)
}

impl LogTransport for FileTransport {
    async fn open_stream(&self, stream: &str) -> Result<Option<String>, SinkError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| SinkError::Io(e.to_string()))?;
        Ok(self
            .read_lines(stream)?
            .last()
            .and_then(|l| hash_of_line(l)))
    }

    async fn put(
        &self,
        stream: &str,
        events: &[LogEvent],
        _prev: &str,
        _last: &str,
    ) -> Result<(), SinkError> {
        use std::io::Write;
        let mut text = String::new();
        for e in events {
            text.push_str(&e.message);
            text.push('\n');
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.path(stream))
            .map_err(|e| SinkError::Io(e.to_string()))?;
        file.write_all(text.as_bytes())
            .map_err(|e| SinkError::Io(e.to_string()))
    }
}
