//! The demo's HumanApproval step: the real approval-callback handler with its local
//! stand-ins (approvals in a JSON file, notifications as log lines, the
//! SendTaskSuccess / SendTaskFailure callback appended to a file), all in a temporary
//! directory removed afterwards. Its audit records are collected and sealed into the
//! demo's own chain, so the demo keeps one audit file in one format.

use std::path::PathBuf;
use std::sync::Mutex;

use approval_callback::local::{FileApprovalStore, FileCallback, LogNotifier};
use audit_logger::sink::{AuditSink, SinkError};
use gatehouse_core::audit::AuditRecord;
use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use serde_json::{Value, json};

/// The reviewer role the demo's reviewer holds.
const REVIEWER_ROLE: &str = "security-reviewer";

/// Audit records handed to the approval-callback, kept for the demo's chain.
#[derive(Debug, Default)]
pub(crate) struct Collect(Mutex<Vec<AuditRecord>>);

impl AuditSink for Collect {
    async fn append(&self, records: Vec<AuditRecord>) -> Vec<Result<String, SinkError>> {
        let n = records.len();
        match self.0.lock() {
            Ok(mut kept) => {
                kept.extend(records);
                (0..n).map(|_| Ok(String::new())).collect()
            }
            Err(_) => (0..n)
                .map(|_| Err(SinkError::Io("demo audit collector poisoned".into())))
                .collect(),
        }
    }
}

/// The approval gate for the demo.
#[derive(Debug)]
pub(crate) struct Review {
    deps: approval_callback::Deps<FileApprovalStore, LogNotifier, FileCallback, Collect>,
    dir: PathBuf,
}

/// What happened at the gate.
#[derive(Debug)]
pub(crate) struct Reviewed {
    /// The handler's status after the pending request (`pending`).
    pub pending: String,
    /// The handler's status after the reviewer's decision (`approved`).
    pub decided: String,
    /// The approval-callback's audit records.
    pub records: Vec<AuditRecord>,
}

impl Review {
    /// A gate in a fresh temporary directory.
    pub(crate) fn new() -> Result<Review, String> {
        let dir =
            std::env::temp_dir().join(format!("gatehouse-demo-review-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
        Ok(Review {
            deps: approval_callback::Deps {
                store: FileApprovalStore::new(dir.join("approvals.json")),
                notifier: LogNotifier,
                callback: FileCallback::new(dir.join("callbacks.jsonl")),
                audit: Collect::default(),
                reviewer_roles: vec![REVIEWER_ROLE.to_owned()],
                ttl_seconds: 3600,
                region: "local".into(),
            },
            dir,
        })
    }

    /// The state machine's pending request (with a stand-in task token), then a
    /// reviewer's approval.
    pub(crate) async fn approve(
        &self,
        request: &Value,
        findings: Value,
    ) -> Result<Reviewed, String> {
        let request_id = request["request_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let pending = json!({
            "kind": "pending",
            "task_token": format!("demo-task-token-{request_id}"),
            "request_id": request_id,
            "session_id": request["session_id"],
            "principal_id": request["principal_id"],
            "role": request["role"],
            "decision": "review",
            "findings": findings,
        });
        let pending = self.call(pending).await?;
        let decision = json!({
            "action": "approve",
            "requestId": request_id,
            "reviewer": {"id": "demo-reviewer", "role": REVIEWER_ROLE},
            "reason": "checked by a person in the demo",
        });
        let decided = self.call(decision).await?;
        let records = self
            .deps
            .audit
            .0
            .lock()
            .map(|mut kept| std::mem::take(&mut *kept))
            .map_err(|_| "demo audit collector poisoned".to_owned())?;
        Ok(Reviewed {
            pending,
            decided,
            records,
        })
    }

    async fn call(&self, payload: Value) -> Result<String, String> {
        let event = LambdaEvent::new(payload, Context::default());
        match approval_callback::handle(&self.deps, event).await {
            Ok(answer) => Ok(answer.status),
            Err(e) => {
                let d: Diagnostic = e.into();
                Err(format!(
                    "approval-callback: {}: {}",
                    d.error_type, d.error_message
                ))
            }
        }
    }
}

impl Drop for Review {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
