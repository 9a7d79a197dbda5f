//! The approval gate on the sample events, over in-memory fakes.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers: a failed unwrap is a failed test"
)]

use std::collections::HashMap;
use std::sync::Mutex;

use approval_callback::model::{
    ApprovalStore, Claim, ClaimResult, DependencyError, Notification, Notifier, PendingItem,
    TaskCallback,
};
use approval_callback::{ApprovalError, Deps, handle};
use audit_logger::sink::{AuditSink, SinkError};
use gatehouse_core::Decision;
use gatehouse_core::audit::AuditRecord;
use lambda_runtime::{Context, LambdaEvent};

const REQUEST: &str = include_str!("../../../events/approval-callback/wait-for-token-request.json");
const APPROVE: &str = include_str!("../../../events/approval-callback/approve.json");
const REJECT: &str = include_str!("../../../events/approval-callback/reject.json");
const SECOND: &str = include_str!("../../../events/approval-callback/second-decision.json");
const WRONG_ROLE: &str = include_str!("../../../events/approval-callback/reviewer-wrong-role.json");

#[derive(Default)]
struct MemoryStore(Mutex<HashMap<String, PendingItem>>);

impl ApprovalStore for MemoryStore {
    async fn put_pending(&self, item: &PendingItem) -> Result<(), DependencyError> {
        let mut m = self.0.lock().unwrap();
        if m.get(&item.summary.request_id)
            .is_some_and(|i| i.status != "pending")
        {
            return Err(DependencyError {
                service: "memory",
                message: "decided".into(),
            });
        }
        m.insert(item.summary.request_id.clone(), item.clone());
        Ok(())
    }

    async fn claim(&self, request_id: &str, claim: &Claim) -> Result<ClaimResult, DependencyError> {
        let mut m = self.0.lock().unwrap();
        Ok(match m.get_mut(request_id) {
            None => ClaimResult::Missing,
            Some(item) if item.status != "pending" => ClaimResult::AlreadyDecided,
            Some(item) => {
                let old = item.clone();
                item.status = claim.status.into();
                ClaimResult::Claimed(Box::new(old))
            }
        })
    }
}

#[derive(Default)]
struct Recorder {
    notifications: Mutex<Vec<String>>,
    callbacks: Mutex<Vec<(String, String)>>,
    audit: Mutex<Vec<AuditRecord>>,
}

impl Notifier for &Recorder {
    async fn notify(&self, n: &Notification) -> Result<(), DependencyError> {
        self.notifications
            .lock()
            .unwrap()
            .push(serde_json::to_string(n).unwrap());
        Ok(())
    }
}

impl TaskCallback for &Recorder {
    async fn succeed(&self, token: &str, output: &str) -> Result<(), DependencyError> {
        self.callbacks
            .lock()
            .unwrap()
            .push((token.into(), format!("success {output}")));
        Ok(())
    }
    async fn fail(&self, token: &str, error: &str, cause: &str) -> Result<(), DependencyError> {
        self.callbacks
            .lock()
            .unwrap()
            .push((token.into(), format!("failure {error}: {cause}")));
        Ok(())
    }
}

impl AuditSink for &Recorder {
    async fn append(&self, records: Vec<AuditRecord>) -> Vec<Result<String, SinkError>> {
        let n = records.len();
        self.audit.lock().unwrap().extend(records);
        vec![Ok("hash".into()); n]
    }
}

fn deps(rec: &Recorder) -> Deps<MemoryStore, &Recorder, &Recorder, &Recorder> {
    Deps {
        store: MemoryStore::default(),
        notifier: rec,
        callback: rec,
        audit: rec,
        reviewer_roles: approval_callback::parse_roles("security-reviewer, compliance"),
        ttl_seconds: 3600,
        region: "eu-west-1".into(),
    }
}

async fn call<S, N, C, A>(
    d: &Deps<S, N, C, A>,
    json: &str,
) -> Result<approval_callback::handler::Answer, ApprovalError>
where
    S: ApprovalStore,
    N: Notifier,
    C: TaskCallback,
    A: AuditSink,
{
    handle(
        d,
        LambdaEvent::new(serde_json::from_str(json).unwrap(), Context::default()),
    )
    .await
}

#[tokio::test]
async fn request_then_approve_resumes_once_and_refuses_a_second_decision() {
    let rec = Recorder::default();
    let d = deps(&rec);
    // Given a pending request,
    let a = call(&d, REQUEST).await.unwrap();
    assert_eq!(a.status, "pending");
    let note = rec.notifications.lock().unwrap()[0].clone();
    assert!(
        note.contains("req-7001") && note.contains("tool.high_risk"),
        "{note}"
    );
    assert!(
        !note.contains("refund"),
        "no raw prompt text in notifications: {note}"
    );
    let stored = d.store.0.lock().unwrap()["req-7001"].clone();
    assert!(
        !serde_json::to_string(&stored).unwrap().contains("refund"),
        "no raw prompt stored"
    );
    // when a reviewer approves,
    let a = call(&d, APPROVE).await.unwrap();
    assert_eq!(a.status, "approved");
    let callbacks = rec.callbacks.lock().unwrap().clone();
    assert_eq!(callbacks.len(), 1);
    assert_eq!(
        callbacks[0].0,
        "AQCEAAAAKgAAAAMAAAAAAAAAAexampletasktoken0001"
    );
    let output: serde_json::Value =
        serde_json::from_str(callbacks[0].1.strip_prefix("success ").unwrap()).unwrap();
    assert_eq!(output["decision"], "approved");
    assert_eq!(output["reviewer"]["id"], "alice");
    // then a second decision is refused and nothing more is sent.
    let err = call(&d, SECOND).await.unwrap_err();
    assert_eq!(
        lambda_runtime::Diagnostic::from(err).error_type,
        "AlreadyDecided"
    );
    let err = call(&d, REJECT).await.unwrap_err();
    assert!(matches!(err, ApprovalError::AlreadyDecided(_)));
    assert_eq!(rec.callbacks.lock().unwrap().len(), 1);
    // Audit: requested, then decided by alice.
    let audit = rec.audit.lock().unwrap().clone();
    let stages: Vec<_> = audit
        .iter()
        .map(|r| (r.stage.as_str(), r.decision, r.principal_id.as_str()))
        .collect();
    assert_eq!(
        stages,
        [
            (
                "approval_requested",
                Decision::Review,
                "arn:aws:iam::123456789012:role/support-app"
            ),
            ("approval_decided", Decision::Allow, "alice")
        ]
    );
}

#[tokio::test]
async fn reject_sends_task_failure() {
    let rec = Recorder::default();
    let d = deps(&rec);
    call(&d, REQUEST).await.unwrap();
    assert_eq!(call(&d, REJECT).await.unwrap().status, "rejected");
    let (_, what) = rec.callbacks.lock().unwrap()[0].clone();
    assert_eq!(what, "failure Rejected: rejected by reviewer `bob`");
    assert_eq!(rec.audit.lock().unwrap()[1].decision, Decision::Deny);
}

#[tokio::test]
async fn wrong_role_unknown_request_and_malformed_events_are_refused() {
    let rec = Recorder::default();
    let d = deps(&rec);
    call(&d, REQUEST).await.unwrap();
    let err = call(&d, WRONG_ROLE).await.unwrap_err();
    assert_eq!(err.error_type(), "ReviewerNotAllowed");
    // The refused reviewer did not consume the decision.
    assert_eq!(call(&d, APPROVE).await.unwrap().status, "approved");

    let unknown = APPROVE.replace("req-7001", "req-0000");
    assert_eq!(
        call(&d, &unknown).await.unwrap_err().error_type(),
        "UnknownRequest"
    );

    let malformed = [
        r#"{}"#,
        r#"{"action": "maybe", "requestId": "r", "reviewer": {"id": "a", "role": "security-reviewer"}}"#,
        r#"{"action": "approve", "requestId": "r"}"#,
        r#"{"action": "approve", "requestId": "", "reviewer": {"id": "a", "role": "security-reviewer"}}"#,
        r#"{"taskToken": "t", "request": {"session_id": "s"}}"#,
        r#"{"taskToken": "", "request": {"request_id": "r"}}"#,
        r#"{"taskToken": 7, "request": {"request_id": "r"}}"#,
    ];
    for json in malformed {
        let err = call(&d, json).await.unwrap_err();
        assert_eq!(err.error_type(), "MalformedEvent", "{json}");
    }
    assert_eq!(rec.callbacks.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn the_state_machines_flat_request_is_accepted() {
    let rec = Recorder::default();
    let d = deps(&rec);
    let flat = include_str!("../../../events/approval-callback/state-machine-request.json");
    let a = call(&d, flat).await.unwrap();
    assert_eq!(
        (a.status.as_str(), a.request_id.as_str()),
        ("pending", "req-7002")
    );
    let item = d.store.0.lock().unwrap()["req-7002"].clone();
    assert_eq!(
        item.task_token,
        "AQCEAAAAKgAAAAMAAAAAAAAAAexampletasktoken0002"
    );
    assert_eq!(item.summary.findings[0].rule, "output.low_confidence");
    assert_eq!(item.reason, "output validation decided `review`");
    let approve = APPROVE.replace("req-7001", "req-7002");
    assert_eq!(call(&d, &approve).await.unwrap().status, "approved");
    let wrong_kind = flat.replace("\"pending\"", "\"done\"");
    assert_eq!(
        call(&d, &wrong_kind).await.unwrap_err().error_type(),
        "MalformedEvent"
    );
}

struct DeadCallback;

impl TaskCallback for DeadCallback {
    async fn succeed(&self, _: &str, _: &str) -> Result<(), DependencyError> {
        Err(DependencyError {
            service: "states",
            message: "TaskTimedOut".into(),
        })
    }
    async fn fail(&self, _: &str, _: &str, _: &str) -> Result<(), DependencyError> {
        Err(DependencyError {
            service: "states",
            message: "TaskTimedOut".into(),
        })
    }
}

#[tokio::test]
async fn a_failed_callback_is_reported_audited_and_not_retried_into_a_second_decision() {
    let rec = Recorder::default();
    let d = Deps {
        store: MemoryStore::default(),
        notifier: &rec,
        callback: DeadCallback,
        audit: &rec,
        reviewer_roles: vec!["security-reviewer".into()],
        ttl_seconds: 60,
        region: String::new(),
    };
    call(&d, REQUEST).await.unwrap();
    // Given the task already timed out, when a reviewer approves,
    let err = call(&d, APPROVE).await.unwrap_err();
    // then the caller learns the execution was not resumed,
    assert_eq!(
        lambda_runtime::Diagnostic::from(err).error_type,
        "CallbackFailed"
    );
    // the audit log says so,
    let audit = rec.audit.lock().unwrap().clone();
    assert_eq!(audit[1].stage, "approval_decided");
    assert!(audit[1].errors[0].contains("TaskTimedOut"));
    // and the request stays decided (the flow's timeout denied it).
    assert_eq!(
        call(&d, REJECT).await.unwrap_err().error_type(),
        "AlreadyDecided"
    );
}
