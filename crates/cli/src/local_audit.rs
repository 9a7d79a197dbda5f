//! The local audit sink of `gatehouse invoke` and `gatehouse demo`: the audit
//! logger's own [`ChainWriter`] (redaction, `gatehouse_core::audit` records and hash
//! chain) over a transport that appends the canonical JSON lines to one file instead
//! of CloudWatch Logs. The file is `GATEHOUSE_AUDIT_FILE`, else `gatehouse-audit.jsonl`
//! in the current directory (git-ignored). A second run continues the chain from the
//! file's last line.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use audit_logger::batch::LogEvent;
use audit_logger::sink::{ChainWriter, LogTransport, SinkError, hash_of_line};
use gatehouse_core::audit::AuditRedactor;

/// The default audit file, relative to the current directory.
pub(crate) const DEFAULT_AUDIT_FILE: &str = "gatehouse-audit.jsonl";

/// The instance part of the stream name for local runs.
const INSTANCE: &str = "local";

/// The audit file for this run: `GATEHOUSE_AUDIT_FILE` or [`DEFAULT_AUDIT_FILE`].
pub(crate) fn audit_file_from_env() -> PathBuf {
    gatehouse_runtime::env_var("GATEHOUSE_AUDIT_FILE")
        .map_or_else(|| PathBuf::from(DEFAULT_AUDIT_FILE), PathBuf::from)
}

/// A chain writer appending to `path`, redacting with the embedded default policy.
pub(crate) fn file_sink(path: &Path) -> Result<ChainWriter<SingleFile>, String> {
    let redactor = AuditRedactor::embedded_default().map_err(|e| e.to_string())?;
    Ok(ChainWriter::new(
        SingleFile {
            path: path.to_owned(),
        },
        Arc::new(redactor),
        INSTANCE,
    ))
}

/// Every stream's records appended to one JSON-lines file.
#[derive(Debug, Clone)]
pub(crate) struct SingleFile {
    path: PathBuf,
}

impl SingleFile {
    fn lines(&self) -> Result<Vec<String>, SinkError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => Ok(text.lines().map(str::to_owned).collect()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
            Err(e) => Err(SinkError::Io(format!(
                "cannot read `{}`: {e}",
                self.path.display()
            ))),
        }
    }
}

impl LogTransport for SingleFile {
    async fn open_stream(&self, _stream: &str) -> Result<Option<String>, SinkError> {
        Ok(self.lines()?.last().and_then(|l| hash_of_line(l)))
    }

    async fn put(
        &self,
        _stream: &str,
        events: &[LogEvent],
        _prev_head: &str,
        _last_hash: &str,
    ) -> Result<(), SinkError> {
        let text: String = events.iter().map(|e| format!("{}\n", e.message)).collect();
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .and_then(|mut f| f.write_all(text.as_bytes()))
            .map_err(|e| SinkError::Io(format!("cannot write `{}`: {e}", self.path.display())))
    }
}
