//! Grey-zone escalation to Amazon Bedrock Guardrails (issue 5, layer 3).
//!
//! When the policy has an `escalation` block and the local score falls in
//! `[low, high)`, the prompt is sent to the configured guardrail (`ApplyGuardrail`,
//! source `INPUT`) within a bounded time. Each assessment the guardrail acted on
//! becomes a finding `guardrail.<policy>`; an intervention denies. When the guardrail
//! cannot be reached (network, throttling, error, timeout) the policy's
//! `on_unreachable` applies (`review` by default) and the error is recorded as a
//! finding `guardrail.unreachable` and in `errors`. Outside the grey zone nothing is
//! sent. The SDK sits behind [`GuardrailClient`] so the handler is testable offline.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use gatehouse_core::policy::{Escalation, OnUnreachable};
use gatehouse_core::{Action, Category, Decision, Severity};

use crate::types::{FindingOut, PreprocessResponse};

/// One assessment entry the guardrail acted on.
#[derive(Debug, Clone, PartialEq)]
pub struct GuardrailAssessment {
    /// The guardrail policy: `topic`, `content`, `word`, `sensitive_information`.
    pub policy: String,
    /// Our category for it.
    pub category: Category,
    /// What fired (topic name, filter type, entity type), never the matched text.
    pub detail: String,
}

/// The guardrail's answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GuardrailVerdict {
    /// `GUARDRAIL_INTERVENED`.
    pub intervened: bool,
    /// The assessments with an action other than `NONE`.
    pub assessments: Vec<GuardrailAssessment>,
}

/// Why the guardrail gave no answer.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GuardrailError {
    /// The service throttled the call.
    #[error("guardrail throttled: {0}")]
    Throttled(String),
    /// No answer within the time bound (milliseconds; 0 when the SDK timed out).
    #[error("guardrail timed out after {0} ms")]
    Timeout(u128),
    /// The service could not be reached.
    #[error("guardrail unreachable: {0}")]
    Unreachable(String),
    /// The service answered with an error.
    #[error("guardrail error: {0}")]
    Service(String),
}

/// Time bound of one `ApplyGuardrail` call in the deployed function; past it,
/// `on_unreachable` applies.
pub const TIMEOUT: Duration = Duration::from_millis(1500);

/// A boxed future, so the trait stays object-safe.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The one call the escalation needs: apply a guardrail to an input text.
pub trait GuardrailClient: Send + Sync {
    /// Applies guardrail `id` at `version` to `text` (source `INPUT`).
    fn apply<'a>(
        &'a self,
        id: &'a str,
        version: &'a str,
        text: &'a str,
    ) -> BoxFuture<'a, Result<GuardrailVerdict, GuardrailError>>;
}

/// The escalation settings and the client, built at cold start.
pub struct Escalator {
    /// The policy's `escalation` block.
    pub config: Escalation,
    /// The guardrail client.
    pub client: Box<dyn GuardrailClient>,
    /// Time bound of one call.
    pub timeout: Duration,
}

impl std::fmt::Debug for Escalator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Escalator")
            .field("config", &self.config)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl Escalator {
    /// Whether a local score is in the grey zone `[low, high)`.
    pub fn in_grey_zone(&self, score: f32) -> bool {
        score >= self.config.low && score < self.config.high
    }

    /// Escalates `prompt` when `out.score` is in the grey zone and folds the answer
    /// into `out` (findings, decision, errors). A decision raised to one that does
    /// not let the prompt through removes the rewritten prompt. Returns whether the
    /// guardrail intervened (it caught the prompt).
    pub async fn fold(&self, out: &mut PreprocessResponse, prompt: &str) -> bool {
        if !self.in_grey_zone(out.score) {
            return false;
        }
        let call = self.client.apply(
            &self.config.guardrail_id,
            &self.config.guardrail_version,
            prompt,
        );
        let result = match tokio::time::timeout(self.timeout, call).await {
            Ok(r) => r,
            Err(_) => Err(GuardrailError::Timeout(self.timeout.as_millis())),
        };
        let end = prompt.len();
        let finding = |rule: String, category, action, reason: String| FindingOut {
            rule,
            category,
            severity: Severity::High,
            start: 0,
            end,
            input: Some("prompt".into()),
            action,
            score: 1.0,
            reason,
        };
        let intervened = matches!(&result, Ok(v) if v.intervened);
        let raised = match result {
            Ok(v) if v.intervened => {
                if v.assessments.is_empty() {
                    out.findings.push(finding(
                        "guardrail.intervened".into(),
                        Category::PromptInjection,
                        Action::Deny,
                        "bedrock guardrail intervened".into(),
                    ));
                }
                for a in v.assessments {
                    out.findings.push(finding(
                        format!("guardrail.{}", a.policy),
                        a.category,
                        Action::Deny,
                        format!("bedrock guardrail intervened: {}", a.detail),
                    ));
                }
                Decision::Deny
            }
            Ok(_) => Decision::Allow,
            Err(e) => {
                let (action, decision) = unreachable_decision(self.config.on_unreachable);
                tracing::warn!(request_id = %out.request_id, error = %e, "escalation failed");
                out.findings.push(finding(
                    "guardrail.unreachable".into(),
                    Category::Internal,
                    action,
                    e.to_string(),
                ));
                out.errors.push(format!("escalation: {e}"));
                decision
            }
        };
        out.raise(raised);
        intervened
    }
}

/// The finding's action and the decision for a service that gave no answer, as the
/// policy's `on_unreachable` says.
pub fn unreachable_decision(on_unreachable: OnUnreachable) -> (Action, Decision) {
    match on_unreachable {
        OnUnreachable::Review => (Action::Review, Decision::Review),
        OnUnreachable::Deny => (Action::Deny, Decision::Deny),
        OnUnreachable::Allow => (Action::Flag, Decision::Flag),
    }
}
