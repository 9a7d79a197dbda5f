//! Grey-zone escalation to Amazon Bedrock Guardrails (issue 5, layer 3).
//!
//! When the policy has an `escalation` block, every input of the request whose own
//! local score falls in `[low, high)` (the prompt, an untrusted text from a tool or a
//! retrieved document) is sent to the configured guardrail (`ApplyGuardrail`, source
//! `INPUT`: each of them goes into the model), the calls made together and each bounded
//! in time. At most [`MAX_CALLS`] inputs of one request are sent, the highest scores
//! first; a grey input beyond them is treated as if the guardrail could not be reached.
//! Each assessment the guardrail acted on becomes a finding `guardrail.<policy>` on its
//! input; an intervention denies. When the guardrail cannot be reached (network,
//! throttling, error, timeout) the policy's `on_unreachable` applies (`review` by
//! default) and the error is recorded as a finding `guardrail.unreachable` and in
//! `errors`. Outside the grey zone nothing is sent. The SDK sits behind
//! [`GuardrailClient`] so the handler is testable offline.

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
    /// The input was not sent: the request had more grey inputs than [`MAX_CALLS`].
    #[error("guardrail not called: {0}")]
    Skipped(String),
}

/// Time bound of one `ApplyGuardrail` call in the deployed function; past it,
/// `on_unreachable` applies.
pub const TIMEOUT: Duration = Duration::from_millis(1500);

/// Most inputs of one request sent to the guardrail. A request may carry up to 32
/// untrusted texts; more than a few of them in the grey zone is itself a reason to hold
/// it, and the calls count against the account's `ApplyGuardrail` quota.
pub const MAX_CALLS: usize = 4;

/// One input of a request as the escalation sees it: its label in the findings
/// (`prompt`, `untrusted[2]`), its text as received, and its own local score.
#[derive(Debug, Clone, Copy)]
pub struct Screened<'a> {
    /// The input's label, as in [`FindingOut::input`].
    pub input: &'a str,
    /// The text as received (not redacted: see docs/GUARDRAILS.md).
    pub text: &'a str,
    /// Its local score.
    pub score: f32,
}

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

    /// Escalates each of `inputs` whose score is in the grey zone ([`MAX_CALLS`] at
    /// most, the highest scores first, the calls made together) and folds the answers
    /// into `out` (findings on their input, decision, errors). A decision raised to one
    /// that does not let the request through removes the rewritten prompt. Returns
    /// whether the guardrail intervened on the input labelled `prompt` (the session
    /// counts the prompt's own outcome).
    pub async fn fold(&self, out: &mut PreprocessResponse, inputs: &[Screened<'_>]) -> bool {
        let mut grey: Vec<&Screened<'_>> = inputs
            .iter()
            .filter(|i| self.in_grey_zone(i.score))
            .collect();
        // Highest score first; the sort is stable, so the prompt (first) wins a tie.
        grey.sort_by(|a, b| b.score.total_cmp(&a.score));
        let (sent, over) = grey.split_at(grey.len().min(MAX_CALLS));
        let calls = sent.iter().map(|i| async move {
            let call = self.client.apply(
                &self.config.guardrail_id,
                &self.config.guardrail_version,
                i.text,
            );
            match tokio::time::timeout(self.timeout, call).await {
                Ok(r) => r,
                Err(_) => Err(GuardrailError::Timeout(self.timeout.as_millis())),
            }
        });
        let answers = futures_util::future::join_all(calls).await;
        let skipped = over.iter().map(|_| {
            Err(GuardrailError::Skipped(format!(
                "over the limit of {MAX_CALLS} guardrail calls a request"
            )))
        });
        let mut prompt_intervened = false;
        for (input, result) in sent
            .iter()
            .chain(over)
            .zip(answers.into_iter().chain(skipped))
        {
            let intervened = self.fold_one(out, input, result);
            prompt_intervened |= intervened && input.input == "prompt";
        }
        prompt_intervened
    }

    /// Folds one input's answer into `out`; returns whether the guardrail intervened.
    fn fold_one(
        &self,
        out: &mut PreprocessResponse,
        input: &Screened<'_>,
        result: Result<GuardrailVerdict, GuardrailError>,
    ) -> bool {
        let end = input.text.len();
        let finding = |rule: String, category, action, reason: String| FindingOut {
            rule,
            category,
            severity: Severity::High,
            start: 0,
            end,
            input: Some(input.input.into()),
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
                tracing::warn!(
                    request_id = %out.request_id,
                    input = input.input,
                    error = %e,
                    "escalation failed"
                );
                out.findings.push(finding(
                    "guardrail.unreachable".into(),
                    Category::Internal,
                    action,
                    e.to_string(),
                ));
                out.errors
                    .push(format!("escalation of {}: {e}", input.input));
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
