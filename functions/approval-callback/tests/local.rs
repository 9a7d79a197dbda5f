//! The local stand-ins (used by `gatehouse invoke` without AWS) on the sample events:
//! state survives between invocations through the files.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers: a failed unwrap is a failed test"
)]

use std::sync::Arc;

use approval_callback::local::{FileApprovalStore, FileCallback, LogNotifier};
use approval_callback::{Deps, handle, parse_roles};
use audit_logger::sink::{ChainWriter, FileTransport};
use gatehouse_core::audit::{AuditRedactor, verify};
use lambda_runtime::{Context, LambdaEvent};

#[tokio::test]
async fn request_approve_second_decision_across_fresh_deps() {
    let dir = std::env::temp_dir().join(format!("gatehouse-approval-local-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    // A fresh set of deps per invocation, as separate CLI runs would build.
    let deps = || Deps {
        store: FileApprovalStore::new(dir.join("approvals.json")),
        notifier: LogNotifier,
        callback: FileCallback::new(dir.join("callbacks.jsonl")),
        audit: ChainWriter::new(
            FileTransport::new(dir.join("audit")),
            Arc::new(AuditRedactor::embedded_default().unwrap()),
            "local",
        ),
        reviewer_roles: parse_roles("security-reviewer"),
        ttl_seconds: 600,
        region: String::new(),
    };
    let run = |json: &'static str| {
        let d = deps();
        async move {
            handle(
                &d,
                LambdaEvent::new(serde_json::from_str(json).unwrap(), Context::default()),
            )
            .await
        }
    };
    let req = include_str!("../../../events/approval-callback/wait-for-token-request.json");
    assert_eq!(run(req).await.unwrap().status, "pending");
    let approve = include_str!("../../../events/approval-callback/approve.json");
    assert_eq!(run(approve).await.unwrap().status, "approved");
    let second = include_str!("../../../events/approval-callback/second-decision.json");
    assert_eq!(
        run(second).await.unwrap_err().error_type(),
        "AlreadyDecided"
    );
    let callbacks = std::fs::read_to_string(dir.join("callbacks.jsonl")).unwrap();
    assert_eq!(callbacks.lines().count(), 1);
    let d = deps();
    let stream = d.audit.current_stream();
    let lines = d.audit.transport().read_lines(&stream).unwrap();
    assert_eq!(lines.len(), 2);
    verify(&stream, &lines).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
