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
///
/// Pipelined: while one batch is in flight, the next is sealed. With
/// [`ChainWriter::with_shards`]`(n)`, consecutive batches of an append go round-robin
/// to `n` streams (shard 0 is `YYYY/MM/DD/<instance>`, shard `k` is
/// `YYYY/MM/DD/<instance>.<k>`), each with its own hash chain and at most one call in
/// flight, so up to `n` PutLogEvents calls overlap. Each stream verifies on its own
/// ([`gatehouse_core::audit::verify`] with its name); an append of one batch only
/// ever uses shard 0.
#[derive(Debug)]
pub struct ChainWriter<T> {
    transport: T,
    redactor: Arc<AuditRedactor>,
    instance: String,
    shards: usize,
    state: tokio::sync::Mutex<State>,
}

/// Most streams one writer spreads its batches over.
pub const MAX_SHARDS: usize = 16;

#[derive(Debug, Default)]
struct State {
    /// The committed chain of each shard (`None` until first used).
    chains: Vec<Option<Chain>>,
    last_ts: i64,
}

/// One PutLogEvents call, sealed and waiting for its shard's sender.
struct Sealed {
    stream: String,
    /// The chain head before the batch.
    prev_head: String,
    events: Vec<LogEvent>,
    /// For each event: the index of its record in the append, and its hash.
    owners: Vec<(usize, String)>,
}

/// What one shard's sender reports: its committed chain (when it received a batch)
/// and the result of each record it was given.
type ShardOutcome = (Option<Chain>, Vec<(usize, Result<String, SinkError>)>);

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
            shards: 1,
            state: Default::default(),
        }
    }

    /// Spreads the batches of large appends over `n` streams written concurrently
    /// (clamped to `1..=`[`MAX_SHARDS`]; 1, the default, keeps one stream).
    pub fn with_shards(mut self, n: usize) -> ChainWriter<T> {
        self.shards = n.clamp(1, MAX_SHARDS);
        self
    }

    /// The transport (tests read back through it).
    pub fn transport(&self) -> &T {
        &self.transport
    }

    /// The stream records written now go to (shard 0).
    pub fn current_stream(&self) -> String {
        self.stream_name(&time::day_path_from_unix_ms(time::now_unix_ms()), 0)
    }

    /// Today's streams of every shard, shard 0 first.
    pub fn current_streams(&self) -> Vec<String> {
        let day = time::day_path_from_unix_ms(time::now_unix_ms());
        (0..self.shards)
            .map(|k| self.stream_name(&day, k))
            .collect()
    }

    fn stream_name(&self, day: &str, shard: usize) -> String {
        if shard == 0 {
            format!("{day}/{}", self.instance)
        } else {
            format!("{day}/{}.{shard}", self.instance)
        }
    }

    async fn write(&self, records: Vec<AuditRecord>) -> Vec<Result<String, SinkError>> {
        let n = records.len();
        let mut state = self.state.lock().await;
        let now = time::now_unix_ms().max(state.last_ts);
        let day = time::day_path_from_unix_ms(now);
        let mut chains = std::mem::take(&mut state.chains);
        chains.resize(self.shards, None);

        let mut senders = Vec::with_capacity(self.shards);
        let mut shard_tasks = Vec::with_capacity(self.shards);
        for _ in 0..self.shards {
            let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
            senders.push(tx);
            shard_tasks.push(self.send_shard(rx));
        }
        let produce = self.produce(records, now, &day, &mut chains, senders);
        let (mut results, outcomes) = tokio::join!(produce, join_all(shard_tasks));

        for (k, (committed, written)) in outcomes.into_iter().enumerate() {
            if let (Some(chain), Some(slot)) = (committed, chains.get_mut(k)) {
                *slot = Some(chain);
            }
            for (index, result) in written {
                if let Some(slot) = results.get_mut(index) {
                    *slot = result;
                }
            }
        }
        state.chains = chains;
        state.last_ts = now;
        debug_assert_eq!(results.len(), n);
        results
    }

    /// Redacts and seals the records batch by batch, handing each full batch to its
    /// shard's sender. `chains` holds each shard's committed chain on entry; a shard
    /// that received batches gets its committed chain back from its sender, the
    /// others are left as they were (opened when used, never advanced).
    async fn produce(
        &self,
        records: Vec<AuditRecord>,
        now: i64,
        day: &str,
        chains: &mut [Option<Chain>],
        senders: Vec<tokio::sync::mpsc::UnboundedSender<Sealed>>,
    ) -> Vec<Result<String, SinkError>> {
        let mut results: Vec<Result<String, SinkError>> =
            vec![Err(SinkError::NotAttempted); records.len()];
        // Tentative chains, advanced as records are sealed.
        let mut tentative: Vec<Option<Chain>> = vec![None; chains.len()];
        let mut shard = 0;
        let mut fill = batch::Fill::default();
        let mut current: Option<Sealed> = None;
        let timestamp = time::rfc3339_from_unix_ms(now);
        let mut records = records.into_iter().enumerate();
        let mut failed: Option<SinkError> = None;
        'records: for (index, mut record) in records.by_ref() {
            record.redact(&self.redactor);
            if record.timestamp.is_empty() {
                record.timestamp.clone_from(&timestamp);
            }
            loop {
                let chain = match self
                    .tentative_chain(&mut tentative, chains, shard, day)
                    .await
                {
                    Ok(chain) => chain,
                    Err(e) => {
                        if let Some(slot) = results.get_mut(index) {
                            *slot = Err(e.clone());
                        }
                        failed = Some(e);
                        break 'records;
                    }
                };
                let mut attempt = chain.clone();
                let line = match seal_fitting(&mut attempt, &mut record) {
                    Ok(line) => line,
                    Err(e) => {
                        if let Some(slot) = results.get_mut(index) {
                            *slot = Err(e);
                        }
                        continue 'records;
                    }
                };
                if !fill.fits(line.len(), now) {
                    // Full: send it and seal this record again on the next shard.
                    if let Some(full) = current.take() {
                        dispatch(&senders, shard, full);
                        tokio::task::yield_now().await;
                    }
                    fill = batch::Fill::default();
                    shard = (shard + 1) % senders.len().max(1);
                    continue;
                }
                let sealed = current.get_or_insert_with(|| Sealed {
                    stream: chain.stream().to_owned(),
                    prev_head: chain.head().to_owned(),
                    events: Vec::new(),
                    owners: Vec::new(),
                });
                fill.add(line.len(), now);
                sealed.owners.push((index, record.hash.clone()));
                sealed.events.push(LogEvent {
                    timestamp_ms: now,
                    message: line,
                });
                *chain = attempt;
                break;
            }
        }
        if let Some(e) = failed {
            for (index, _) in records {
                if let Some(slot) = results.get_mut(index) {
                    *slot = Err(e.clone());
                }
            }
        }
        if let Some(last) = current.take() {
            dispatch(&senders, shard, last);
        }
        results
    }

    /// The tentative chain of `shard` for `day`, opening its stream on first use
    /// (a committed chain of another day is replaced).
    async fn tentative_chain<'a>(
        &self,
        tentative: &'a mut [Option<Chain>],
        committed: &mut [Option<Chain>],
        shard: usize,
        day: &str,
    ) -> Result<&'a mut Chain, SinkError> {
        let stream = self.stream_name(day, shard);
        let (Some(slot), Some(base)) = (tentative.get_mut(shard), committed.get_mut(shard)) else {
            return Err(SinkError::Refused(format!("no shard {shard}")));
        };
        if slot.as_ref().is_none_or(|c| c.stream() != stream) {
            if base.as_ref().is_none_or(|c| c.stream() != stream) {
                *base = Some(match self.transport.open_stream(&stream).await? {
                    Some(head) => Chain::resume(&stream, &head),
                    None => Chain::genesis(&stream),
                });
            }
            *slot = base.clone();
        }
        slot.as_mut()
            .ok_or_else(|| SinkError::Refused(format!("shard {shard} has no chain")))
    }

    /// Writes the batches of one shard in order, one call at a time. After a failure
    /// the shard's later batches are not attempted (they would not link) and carry
    /// the failure; the committed head stays at the last batch written.
    async fn send_shard(
        &self,
        mut rx: tokio::sync::mpsc::UnboundedReceiver<Sealed>,
    ) -> ShardOutcome {
        let mut committed: Option<Chain> = None;
        let mut results = Vec::new();
        let mut failed: Option<SinkError> = None;
        while let Some(sealed) = rx.recv().await {
            let head =
                committed.get_or_insert_with(|| Chain::resume(&sealed.stream, &sealed.prev_head));
            let outcome = match (&failed, sealed.owners.last()) {
                (Some(e), _) => Err(e.clone()),
                (None, None) => continue,
                (None, Some((_, last_hash))) => self
                    .transport
                    .put(&sealed.stream, &sealed.events, head.head(), last_hash)
                    .await
                    .map(|()| last_hash.clone()),
            };
            match outcome {
                Ok(last_hash) => {
                    *head = Chain::resume(&sealed.stream, &last_hash);
                    results.extend(sealed.owners.into_iter().map(|(i, h)| (i, Ok(h))));
                }
                Err(e) => {
                    results.extend(sealed.owners.iter().map(|(i, _)| (*i, Err(e.clone()))));
                    failed = Some(e);
                }
            }
        }
        (committed, results)
    }
}

fn dispatch(senders: &[tokio::sync::mpsc::UnboundedSender<Sealed>], shard: usize, sealed: Sealed) {
    // The receivers live until the producer is done, so a send cannot fail; if it
    // did, the records keep their `NotAttempted` result.
    if let Some(tx) = senders.get(shard) {
        let _ = tx.send(sealed);
    }
}

/// Runs futures concurrently on the current task and returns their outputs in order.
async fn join_all<F: Future>(futures: Vec<F>) -> Vec<F::Output> {
    let mut pending: Vec<_> = futures.into_iter().map(|f| Some(Box::pin(f))).collect();
    let mut outputs: Vec<Option<F::Output>> = pending.iter().map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut done = true;
        for (slot, out) in pending.iter_mut().zip(outputs.iter_mut()) {
            if let Some(f) = slot {
                match f.as_mut().poll(cx) {
                    std::task::Poll::Ready(v) => {
                        *out = Some(v);
                        *slot = None;
                    }
                    std::task::Poll::Pending => done = false,
                }
            }
        }
        if done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
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
        // Boxed: the pipelined write nests the SDK's futures deeply enough to overflow
        // the compiler's layout depth in the Lambda's main future.
        Box::pin(self.write(records)).await
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
