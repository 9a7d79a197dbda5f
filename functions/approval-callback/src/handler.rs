//! The two entry points of the approval gate.
//!
//! (a) `{taskToken, request, reason}`, or the flat `{kind: "pending", task_token,
//! request_id, session_id, principal_id, role, decision, findings}` that
//! `statemachine/guarded-invoke.asl.json` sends, from the state machine: store the pending item
//! with its token (TTL `expiresAt`), notify reviewers, audit `approval_requested`,
//! answer `{"status":"pending"}`. The execution waits for the token.
//!
//! (b) `{action, requestId, reviewer, reason}` from a reviewer: check the role, claim
//! the item with a conditional update (only a `pending` item can be claimed, so a
//! second decision is refused), then SendTaskSuccess (`{"decision":"approved",…}`) or
//! SendTaskFailure (`Rejected`), then audit `approval_decided`. Claim before callback:
//! if the callback fails (task already timed out) the item stays decided and the
//! flow's timeout denies: fail closed, and never two callbacks for one request.
//! Audit records go through the audit logger's [`AuditSink`], which redacts the
//! reviewer's free-text reason like any other audit text.

use audit_logger::sink::AuditSink;
use gatehouse_core::Decision;
use gatehouse_core::audit::{AuditRecord, time};
use lambda_runtime::LambdaEvent;
use serde::Serialize;
use serde_json::Value;

use crate::error::ApprovalError;
use crate::model::{
    ApprovalRequest, ApprovalStore, Claim, ClaimResult, DependencyError, FlatApprovalRequest,
    Notification, Notifier, PendingItem, ReviewAction, ReviewerDecision, TaskCallback,
};

/// The function name in audit records.
pub const FUNCTION: &str = "approval-callback";

/// Everything the handler runs over, built once per cold start.
#[derive(Debug)]
pub struct Deps<S, N, C, A> {
    /// Pending approvals.
    pub store: S,
    /// Reviewer notifications.
    pub notifier: N,
    /// Step Functions callbacks.
    pub callback: C,
    /// The audit log.
    pub audit: A,
    /// Roles allowed to decide (`REVIEWER_ROLES`, comma separated).
    pub reviewer_roles: Vec<String>,
    /// How long a request may wait, in seconds (TTL).
    pub ttl_seconds: u64,
    /// `AWS_REGION`, for audit records.
    pub region: String,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    /// `pending`, `approved` or `rejected`.
    pub status: String,
    /// The request.
    pub request_id: String,
}

/// Handles either event.
pub async fn handle<S, N, C, A>(
    deps: &Deps<S, N, C, A>,
    event: LambdaEvent<Value>,
) -> Result<Answer, ApprovalError>
where
    S: ApprovalStore,
    N: Notifier,
    C: TaskCallback,
    A: AuditSink,
{
    let payload = event.payload;
    let malformed = |e: serde_json::Error| ApprovalError::MalformedEvent(e.to_string());
    if payload.get("task_token").is_some() || payload.get("kind").is_some() {
        let req: FlatApprovalRequest = serde_json::from_value(payload).map_err(malformed)?;
        request(deps, req.into()).await
    } else if payload.get("taskToken").is_some() {
        let req: ApprovalRequest = serde_json::from_value(payload).map_err(malformed)?;
        request(deps, req).await
    } else if payload.get("action").is_some() {
        let dec: ReviewerDecision = serde_json::from_value(payload).map_err(malformed)?;
        decide(deps, dec).await
    } else {
        Err(ApprovalError::MalformedEvent(
            "expected `taskToken` (request) or `action` (decision)".into(),
        ))
    }
}

fn now_secs() -> u64 {
    u64::try_from(time::now_unix_ms() / 1000).unwrap_or(0)
}

fn non_empty(field: &str, value: &str) -> Result<(), ApprovalError> {
    if value.trim().is_empty() {
        return Err(ApprovalError::MalformedEvent(format!(
            "`{field}` must not be empty"
        )));
    }
    Ok(())
}

async fn audit<A: AuditSink>(sink: &A, record: AuditRecord) -> Result<(), ApprovalError> {
    match sink.append(vec![record]).await.into_iter().next() {
        Some(Ok(_)) => Ok(()),
        Some(Err(e)) => Err(DependencyError {
            service: "audit",
            message: e.to_string(),
        }
        .into()),
        None => Err(DependencyError {
            service: "audit",
            message: "no result".into(),
        }
        .into()),
    }
}

async fn request<S, N, C, A>(
    deps: &Deps<S, N, C, A>,
    req: ApprovalRequest,
) -> Result<Answer, ApprovalError>
where
    S: ApprovalStore,
    N: Notifier,
    C: TaskCallback,
    A: AuditSink,
{
    non_empty("taskToken", &req.task_token)?;
    non_empty("request.request_id", &req.request.request_id)?;
    let item = PendingItem {
        summary: req.request.clone(),
        task_token: req.task_token,
        reason: req.reason,
        expires_at: now_secs() + deps.ttl_seconds,
        status: "pending".into(),
    };
    deps.store.put_pending(&item).await?;
    let s = &item.summary;
    deps.notifier
        .notify(&Notification {
            request_id: s.request_id.clone(),
            session_id: s.session_id.clone(),
            role: s.role.clone(),
            decision: s.decision,
            reason: item.reason.clone(),
            findings: s.findings.clone(),
            expires_at: item.expires_at,
        })
        .await?;
    let mut record = AuditRecord::new(FUNCTION, "approval_requested", Decision::Review);
    record.request_id.clone_from(&s.request_id);
    record.session_id.clone_from(&s.session_id);
    record.principal_id.clone_from(&s.principal_id);
    record.role.clone_from(&s.role);
    record.region.clone_from(&deps.region);
    record.input = Some(item.reason.clone()).filter(|r| !r.is_empty());
    audit(&deps.audit, record).await?;
    tracing::info!(request_id = %s.request_id, findings = s.findings.len(), "approval requested");
    Ok(Answer {
        status: "pending".into(),
        request_id: s.request_id.clone(),
    })
}

async fn decide<S, N, C, A>(
    deps: &Deps<S, N, C, A>,
    dec: ReviewerDecision,
) -> Result<Answer, ApprovalError>
where
    S: ApprovalStore,
    N: Notifier,
    C: TaskCallback,
    A: AuditSink,
{
    non_empty("requestId", &dec.request_id)?;
    non_empty("reviewer.id", &dec.reviewer.id)?;
    if !deps.reviewer_roles.iter().any(|r| r == &dec.reviewer.role) {
        tracing::warn!(request_id = %dec.request_id, role = %dec.reviewer.role, "reviewer role refused");
        return Err(ApprovalError::ReviewerNotAllowed(dec.reviewer.role));
    }
    let status = match dec.action {
        ReviewAction::Approve => "approved",
        ReviewAction::Reject => "rejected",
    };
    let claim = Claim {
        status,
        reviewer: dec.reviewer.id.clone(),
        reason: dec.reason.clone(),
    };
    let item = match deps.store.claim(&dec.request_id, &claim).await? {
        ClaimResult::Claimed(item) => item,
        ClaimResult::AlreadyDecided => return Err(ApprovalError::AlreadyDecided(dec.request_id)),
        ClaimResult::Missing => return Err(ApprovalError::UnknownRequest(dec.request_id)),
    };
    let callback = match dec.action {
        ReviewAction::Approve => {
            let output = serde_json::json!({
                "decision": "approved",
                "reviewer": {"id": dec.reviewer.id, "role": dec.reviewer.role},
                "reason": dec.reason,
            });
            deps.callback
                .succeed(&item.task_token, &output.to_string())
                .await
        }
        ReviewAction::Reject => {
            let cause = format!("rejected by reviewer `{}`", dec.reviewer.id);
            deps.callback
                .fail(&item.task_token, "Rejected", &cause)
                .await
        }
    };
    let mut record = AuditRecord::new(
        FUNCTION,
        "approval_decided",
        match dec.action {
            ReviewAction::Approve => Decision::Allow,
            ReviewAction::Reject => Decision::Deny,
        },
    );
    record.request_id.clone_from(&dec.request_id);
    record.session_id.clone_from(&item.summary.session_id);
    record.principal_id.clone_from(&dec.reviewer.id);
    record.role.clone_from(&dec.reviewer.role);
    record.region.clone_from(&deps.region);
    record.input = Some(dec.reason.clone()).filter(|r| !r.is_empty());
    if let Err(e) = &callback {
        record.errors.push(format!("callback failed: {e}"));
    }
    let audited = audit(&deps.audit, record).await;
    callback.map_err(ApprovalError::Callback)?;
    audited?;
    tracing::info!(request_id = %dec.request_id, status, "approval decided");
    Ok(Answer {
        status: status.into(),
        request_id: dec.request_id,
    })
}
