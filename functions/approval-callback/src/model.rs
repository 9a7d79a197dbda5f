//! The two events, the stored item and the traits the handler runs over.

use std::future::Future;

use gatehouse_core::{Category, Decision, Severity};
use serde::{Deserialize, Serialize};

/// (a) From the state machine's `lambda:invoke.waitForTaskToken` task.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApprovalRequest {
    /// `$$.Task.Token`.
    pub task_token: String,
    /// The flow's state for this request. Only ids, the decision and finding
    /// summaries are kept; prompt and answer texts are ignored.
    pub request: RequestSummary,
    /// Why the request needs a human (e.g. `low confidence`, `high-risk tool`).
    #[serde(default)]
    pub reason: String,
}

/// (a) in the flat form the guarded-invoke state machine sends
/// (`statemachine/guarded-invoke.asl.json`, state `HumanApproval`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FlatApprovalRequest {
    /// Always `pending`.
    pub kind: PendingKind,
    /// `$$.Task.Token`.
    pub task_token: String,
    /// The execution name.
    pub request_id: String,
    /// The session.
    #[serde(default)]
    pub session_id: Option<String>,
    /// The caller.
    #[serde(default)]
    pub principal_id: Option<String>,
    /// The caller's role.
    #[serde(default)]
    pub role: Option<String>,
    /// The validator's decision.
    #[serde(default = "review")]
    pub decision: Decision,
    /// The validator's findings (extra fields dropped).
    #[serde(default)]
    pub findings: Option<Vec<FindingSummary>>,
    /// Why, when the state machine says.
    #[serde(default)]
    pub reason: Option<String>,
}

/// The `kind` of a flat request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingKind {
    /// A request waiting for a reviewer.
    Pending,
}

impl From<FlatApprovalRequest> for ApprovalRequest {
    fn from(f: FlatApprovalRequest) -> ApprovalRequest {
        let reason = f
            .reason
            .unwrap_or_else(|| format!("output validation decided `{}`", f.decision));
        ApprovalRequest {
            task_token: f.task_token,
            request: RequestSummary {
                request_id: f.request_id,
                session_id: f.session_id.unwrap_or_default(),
                principal_id: f.principal_id.unwrap_or_default(),
                role: f.role.unwrap_or_default(),
                decision: f.decision,
                findings: f.findings.unwrap_or_default(),
            },
            reason,
        }
    }
}

/// What is kept of the flow's state. Unknown fields (prompt, completion, …) are
/// accepted and dropped, so they never reach the table or the notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestSummary {
    /// The request id (table key).
    pub request_id: String,
    /// The agent session.
    #[serde(default)]
    pub session_id: String,
    /// The caller.
    #[serde(default)]
    pub principal_id: String,
    /// The caller's role.
    #[serde(default)]
    pub role: String,
    /// The decision that sent it to review.
    #[serde(default = "review")]
    pub decision: Decision,
    /// Finding summaries (rule, category, severity; no spans or reasons needed).
    #[serde(default)]
    pub findings: Vec<FindingSummary>,
}

fn review() -> Decision {
    Decision::Review
}

/// A finding, summarised for reviewers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindingSummary {
    /// Rule id.
    pub rule: String,
    /// Category.
    pub category: Category,
    /// Severity.
    pub severity: Severity,
}

/// (b) From a reviewer.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReviewerDecision {
    /// `approve` or `reject`.
    pub action: ReviewAction,
    /// The request decided.
    pub request_id: String,
    /// Who decides.
    pub reviewer: Reviewer,
    /// Why.
    #[serde(default)]
    pub reason: String,
}

/// Approve or reject.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewAction {
    /// Resume the execution with SendTaskSuccess.
    Approve,
    /// End it with SendTaskFailure `Rejected`.
    Reject,
}

/// The reviewer's identity and role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reviewer {
    /// Reviewer id.
    pub id: String,
    /// Reviewer role, checked against `REVIEWER_ROLES`.
    pub role: String,
}

/// A stored approval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingItem {
    /// The request.
    pub summary: RequestSummary,
    /// The task token to answer.
    pub task_token: String,
    /// Why it needs review.
    pub reason: String,
    /// Epoch seconds after which DynamoDB's TTL removes it (`expiresAt`).
    pub expires_at: u64,
    /// `pending`, `approved` or `rejected`.
    pub status: String,
}

/// The decision written when a reviewer claims an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// `approved` or `rejected`.
    pub status: &'static str,
    /// Reviewer id.
    pub reviewer: String,
    /// Reviewer's reason.
    pub reason: String,
}

/// The result of a conditional claim.
#[derive(Debug, Clone, PartialEq)]
pub enum ClaimResult {
    /// This decision won; the item as it was before.
    Claimed(Box<PendingItem>),
    /// Someone decided already.
    AlreadyDecided,
    /// No such request (or expired).
    Missing,
}

/// An infrastructure failure of a dependency.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{service}: {message}")]
pub struct DependencyError {
    /// Which dependency.
    pub service: &'static str,
    /// What went wrong.
    pub message: String,
}

/// Pending approvals.
pub trait ApprovalStore: Send + Sync {
    /// Stores a pending item (replacing a pending one with the same id, never a decided one).
    fn put_pending(
        &self,
        item: &PendingItem,
    ) -> impl Future<Output = Result<(), DependencyError>> + Send;
    /// Marks the item decided if, and only if, it is still pending.
    fn claim(
        &self,
        request_id: &str,
        claim: &Claim,
    ) -> impl Future<Output = Result<ClaimResult, DependencyError>> + Send;
}

/// What reviewers are told: ids, decision and finding summaries, never raw text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notification {
    /// The request.
    pub request_id: String,
    /// The session.
    pub session_id: String,
    /// The caller's role.
    pub role: String,
    /// The decision that sent it to review.
    pub decision: Decision,
    /// Why.
    pub reason: String,
    /// Findings.
    pub findings: Vec<FindingSummary>,
    /// Epoch seconds after which it can no longer be decided.
    pub expires_at: u64,
}

/// Tells reviewers.
pub trait Notifier: Send + Sync {
    /// Sends one notification.
    fn notify(&self, n: &Notification) -> impl Future<Output = Result<(), DependencyError>> + Send;
}

/// Resumes or ends the waiting execution.
pub trait TaskCallback: Send + Sync {
    /// SendTaskSuccess.
    fn succeed(
        &self,
        token: &str,
        output: &str,
    ) -> impl Future<Output = Result<(), DependencyError>> + Send;
    /// SendTaskFailure.
    fn fail(
        &self,
        token: &str,
        error: &str,
        cause: &str,
    ) -> impl Future<Output = Result<(), DependencyError>> + Send;
}
