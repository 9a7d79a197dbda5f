//! Local stand-ins for runs without AWS (the CLI's `gatehouse invoke`, demos): a
//! JSON file as the approvals table, notifications as log lines, and callbacks
//! appended to a JSON-lines file instead of sent to Step Functions.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;

use crate::model::{
    ApprovalStore, Claim, ClaimResult, DependencyError, Notification, Notifier, PendingItem,
    TaskCallback,
};

fn io_err(e: impl std::fmt::Display) -> DependencyError {
    DependencyError {
        service: "local",
        message: e.to_string(),
    }
}

/// Pending approvals in one JSON file (`{requestId: item}`). Single process only.
#[derive(Debug)]
pub struct FileApprovalStore {
    path: PathBuf,
    lock: tokio::sync::Mutex<()>,
}

impl FileApprovalStore {
    /// A store in `path` (created on first write).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileApprovalStore {
            path: path.into(),
            lock: tokio::sync::Mutex::new(()),
        }
    }

    fn load(&self) -> Result<BTreeMap<String, PendingItem>, DependencyError> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => serde_json::from_str(&text).map_err(io_err),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
            Err(e) => Err(io_err(e)),
        }
    }

    fn save(&self, items: &BTreeMap<String, PendingItem>) -> Result<(), DependencyError> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io_err)?;
        }
        let text = serde_json::to_string_pretty(items).map_err(io_err)?;
        std::fs::write(&self.path, text).map_err(io_err)
    }
}

impl ApprovalStore for FileApprovalStore {
    async fn put_pending(&self, item: &PendingItem) -> Result<(), DependencyError> {
        let _guard = self.lock.lock().await;
        let mut items = self.load()?;
        if items
            .get(&item.summary.request_id)
            .is_some_and(|i| i.status != "pending")
        {
            return Err(io_err(format!(
                "approval `{}` was already decided",
                item.summary.request_id
            )));
        }
        items.insert(item.summary.request_id.clone(), item.clone());
        self.save(&items)
    }

    async fn claim(&self, request_id: &str, claim: &Claim) -> Result<ClaimResult, DependencyError> {
        let _guard = self.lock.lock().await;
        let mut items = self.load()?;
        let now = u64::try_from(gatehouse_core::audit::time::now_unix_ms() / 1000).unwrap_or(0);
        let result = match items.get_mut(request_id) {
            Some(item) if item.status != "pending" => ClaimResult::AlreadyDecided,
            Some(item) if item.expires_at > now => {
                let old = item.clone();
                item.status = claim.status.to_owned();
                ClaimResult::Claimed(Box::new(old))
            }
            _ => ClaimResult::Missing,
        };
        if matches!(result, ClaimResult::Claimed(_)) {
            self.save(&items)?;
        }
        Ok(result)
    }
}

/// Notifications as structured log lines (ids and summaries only).
#[derive(Debug, Clone, Copy, Default)]
pub struct LogNotifier;

impl Notifier for LogNotifier {
    async fn notify(&self, n: &Notification) -> Result<(), DependencyError> {
        tracing::info!(request_id = %n.request_id, decision = %n.decision, findings = n.findings.len(), "review requested");
        Ok(())
    }
}

/// Appends `{"token", "outcome", ...}` lines to a file instead of calling Step Functions.
#[derive(Debug, Clone)]
pub struct FileCallback {
    path: PathBuf,
}

impl FileCallback {
    /// Callbacks appended to `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileCallback { path: path.into() }
    }

    fn append(&self, line: serde_json::Value) -> Result<(), DependencyError> {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(io_err)?;
        writeln!(f, "{line}").map_err(io_err)
    }
}

impl TaskCallback for FileCallback {
    async fn succeed(&self, token: &str, output: &str) -> Result<(), DependencyError> {
        self.append(serde_json::json!({"token": token, "outcome": "success", "output": output}))
    }

    async fn fail(&self, token: &str, error: &str, cause: &str) -> Result<(), DependencyError> {
        self.append(serde_json::json!({"token": token, "outcome": "failure", "error": error, "cause": cause}))
    }
}
