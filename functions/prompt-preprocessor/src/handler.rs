//! The pre-processing handler: screen, redact, spotlight, seal.

use gatehouse_core::spotlight::{self, Mode};
use gatehouse_core::{
    Action, Category, Decision, Guard, ScanContext, ScanRequest, Severity, Stage, Verdict,
};
use gatehouse_runtime::seal::{self, SealKey};
use gatehouse_runtime::{FunctionError, limits};
use lambda_runtime::LambdaEvent;
use serde_json::Value;

use crate::escalate::Screened;
use crate::merge::Merged;
use crate::types::{FindingOut, PreprocessRequest, PreprocessResponse, SpotlightInfo};

/// Most untrusted texts one request may carry.
pub const MAX_UNTRUSTED: usize = 32;
/// Ceiling on the prompt plus all untrusted texts, in bytes.
pub const MAX_TOTAL_BYTES: usize = 512 * 1024;

/// Where per-request random values come from (spotlight boundaries, request ids).
pub trait Boundaries: Send + Sync {
    /// A fresh unguessable boundary: at least 8 ASCII alphanumerics.
    fn boundary(&self) -> Result<String, String>;
}

/// 64 random bits from the OS, as 16 hex digits.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomBoundaries;

impl Boundaries for RandomBoundaries {
    fn boundary(&self) -> Result<String, String> {
        let mut b = [0u8; 8];
        getrandom::fill(&mut b).map_err(|e| e.to_string())?;
        Ok(b.iter().map(|x| format!("{x:02x}")).collect())
    }
}

/// What the handler needs, built once per cold start.
pub struct Deps {
    /// The compiled policy.
    pub guard: Guard,
    /// The redaction sealing key; `None` drops the map (irreversible redaction).
    pub key: Option<SealKey>,
    /// Random boundaries.
    pub random: Box<dyn Boundaries>,
    /// How untrusted texts are marked.
    pub mode: Mode,
    /// Grey-zone escalation to a Bedrock guardrail, when the policy asks for it.
    pub escalator: Option<crate::escalate::Escalator>,
    /// Stopped prompts counted per session, when the policy asks for it.
    pub session: Option<crate::session::SessionTally>,
}

impl std::fmt::Debug for Deps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deps")
            .field("key", &self.key)
            .field("mode", &self.mode)
            .field("escalator", &self.escalator)
            .field("session", &self.session)
            .finish_non_exhaustive()
    }
}

/// The Lambda entry point: parses the event and runs [`preprocess_full`].
pub async fn handle(
    deps: &Deps,
    event: LambdaEvent<Value>,
) -> Result<PreprocessResponse, FunctionError> {
    let req: PreprocessRequest = limits::parse_event(event.payload)?;
    preprocess_full(deps, req, &event.context.request_id).await
}

/// [`preprocess`], then what needs a service, when the policy configures it: the
/// grey-zone escalation of the prompt and of the untrusted texts
/// ([`crate::escalate`]), then the session count ([`crate::session`]).
pub async fn preprocess_full(
    deps: &Deps,
    req: PreprocessRequest,
    lambda_request_id: &str,
) -> Result<PreprocessResponse, FunctionError> {
    let (mut out, prompt_decision, scored) = screen(deps, &req, lambda_request_id)?;
    let mut stopped = prompt_decision >= Decision::Review;
    if let Some(escalator) = &deps.escalator {
        // The texts as received, not as rewritten for the agent.
        let texts = std::iter::once(&req.prompt).chain(req.untrusted.iter());
        let inputs: Vec<Screened<'_>> = scored
            .iter()
            .zip(texts)
            .map(|((input, score), text)| Screened {
                input,
                text,
                score: *score,
            })
            .collect();
        stopped |= escalator.fold(&mut out, &inputs).await;
    }
    if let Some(session) = &deps.session {
        session.fold(&mut out, stopped).await;
    }
    Ok(out)
}

/// Screens one request. Errors only for input it cannot process at all (no principal,
/// too large); every screening outcome, including internal failures, is a response.
/// Neither escalates nor counts ([`preprocess_full`] does).
pub fn preprocess(
    deps: &Deps,
    req: PreprocessRequest,
    lambda_request_id: &str,
) -> Result<PreprocessResponse, FunctionError> {
    screen(deps, &req, lambda_request_id).map(|(out, _, _)| out)
}

/// Each input's label in findings and its own score, the prompt first.
type Scored = Vec<(String, f32)>;

/// [`preprocess`], the prompt's own decision (the response's is the strictest over
/// the prompt and the untrusted texts) and each input's label and own score, the prompt
/// first.
fn screen(
    deps: &Deps,
    req: &PreprocessRequest,
    lambda_request_id: &str,
) -> Result<(PreprocessResponse, Decision, Scored), FunctionError> {
    let principal_id = req
        .principal_id
        .clone()
        .filter(|p| !p.trim().is_empty())
        .ok_or_else(|| FunctionError::InvalidEvent {
            path: "principal_id".into(),
            message: "a request needs the authenticated caller in `principal_id`; refusing an anonymous prompt".into(),
        })?;
    if req.session_id.trim().is_empty() {
        return Err(FunctionError::InvalidEvent {
            path: "session_id".into(),
            message: "must not be empty".into(),
        });
    }
    if req.untrusted.len() > MAX_UNTRUSTED {
        return Err(FunctionError::InvalidEvent {
            path: "untrusted".into(),
            message: format!(
                "{} texts, over the limit of {MAX_UNTRUSTED}",
                req.untrusted.len()
            ),
        });
    }
    limits::check_total(
        "prompt+untrusted",
        std::iter::once(req.prompt.as_str()).chain(req.untrusted.iter().map(String::as_str)),
        MAX_TOTAL_BYTES,
    )?;
    let request_id = match (&req.request_id, lambda_request_id) {
        (Some(id), _) if !id.is_empty() => id.clone(),
        (_, id) if !id.is_empty() => id.to_owned(),
        _ => deps.random.boundary().unwrap_or_else(|_| "unknown".into()),
    };

    let ctx = ScanContext::default();
    let scan = |stage, text| {
        deps.guard.scan(&ScanRequest {
            stage,
            text,
            role: req.role.as_deref(),
            ctx: &ctx,
        })
    };
    let mut verdicts: Vec<(String, Verdict)> =
        vec![("prompt".into(), scan(Stage::Prompt, &req.prompt))];
    for (i, text) in req.untrusted.iter().enumerate() {
        verdicts.push((format!("untrusted[{i}]"), scan(Stage::Untrusted, text)));
    }
    let scored: Scored = verdicts
        .iter()
        .map(|(input, v)| (input.clone(), v.score))
        .collect();

    let prompt_decision = verdicts.first().map_or(Decision::Deny, |(_, v)| v.decision);
    let mut decision = verdicts
        .iter()
        .map(|(_, v)| v.decision)
        .max()
        .unwrap_or(Decision::Deny);
    let score = verdicts.iter().map(|(_, v)| v.score).fold(0.0f32, f32::max);
    let mut errors: Vec<String> = verdicts
        .iter()
        .flat_map(|(_, v)| v.errors.iter().cloned())
        .collect();
    let texts = std::iter::once(&req.prompt).chain(req.untrusted.iter());
    let mut findings: Vec<FindingOut> = verdicts
        .iter()
        .zip(texts)
        .flat_map(|((input, v), text)| {
            v.findings
                .iter()
                .cloned()
                .map(move |f| FindingOut::from_core(f, text).in_input(input))
        })
        .collect();
    // Each text's findings are capped by the guard; the merged list is capped again, so
    // 33 texts cannot make a response too large for a state machine's payload.
    let findings_omitted = verdicts
        .iter()
        .map(|(_, v)| v.findings_omitted)
        .sum::<usize>()
        + gatehouse_core::retain_kept(&mut findings, |f| (f.rule.as_str(), f.action));

    let prompt_version = req.prompt_version.clone().or_else(|| {
        req.role
            .as_deref()
            .and_then(|r| deps.guard.role(r))
            .and_then(|r| r.prompt_version.clone())
    });
    let mut out = PreprocessResponse {
        decision,
        score,
        findings,
        findings_omitted,
        prompt: None,
        redaction: None,
        spotlight: None,
        prompt_version,
        request_id,
        session_id: req.session_id.clone(),
        principal_id,
        role: req.role.clone(),
        errors: Vec::new(),
        // The strictest shadow decision over the inputs; never enforced.
        shadow_decision: verdicts
            .iter()
            .filter_map(|(_, v)| v.shadow.as_ref().map(|s| s.decision))
            .max(),
    };

    if decision.is_allowed() {
        match rewrite(deps, &verdicts, req, &out.request_id) {
            // The agent cannot take it: refused here, with a finding, rather than as an
            // error of the agent call (and a response this large would not fit a state
            // machine's payload either).
            Ok((prompt, ..)) if prompt.chars().count() > limits::MAX_AGENT_INPUT_CHARS => {
                decision = Decision::Deny;
                out.score = 1.0;
                out.findings.push(FindingOut {
                    rule: "limit.agent_input".into(),
                    category: Category::Limit,
                    severity: Severity::High,
                    start: 0,
                    end: req.prompt.len(),
                    input: Some("prompt".into()),
                    action: Action::Deny,
                    score: 1.0,
                    reason: format!(
                        "the prompt for the agent, untrusted texts included, is {} characters, over InvokeAgent's limit of {}",
                        prompt.chars().count(),
                        limits::MAX_AGENT_INPUT_CHARS
                    ),
                });
            }
            Ok((prompt, redaction, spot)) => {
                out.prompt = Some(prompt);
                out.redaction = redaction;
                out.spotlight = spot;
            }
            Err(e) => {
                // Fail closed: a prompt we cannot mark or seal is not sent.
                decision = Decision::Deny;
                errors.push(e);
            }
        }
    }
    out.decision = decision;
    out.errors = errors;
    tracing::info!(
        request_id = %out.request_id,
        decision = %out.decision,
        shadow_decision = ?out.shadow_decision,
        score = out.score,
        prompt_bytes = req.prompt.len(),
        untrusted = req.untrusted.len(),
        rules = ?out.findings.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
        placeholders = out.redaction.as_ref().map_or(0, |r| r.placeholders.len()),
        "prompt screened"
    );
    Ok((out, prompt_decision, scored))
}

type Rewritten = (String, Option<seal::SealedMap>, Option<SpotlightInfo>);

/// Builds the prompt the agent sees, and seals the merged placeholder map.
fn rewrite(
    deps: &Deps,
    verdicts: &[(String, Verdict)],
    req: &PreprocessRequest,
    request_id: &str,
) -> Result<Rewritten, String> {
    let mut merged = Merged::default();
    let mut texts = Vec::with_capacity(verdicts.len());
    for ((_, v), original) in verdicts
        .iter()
        .zip(std::iter::once(&req.prompt).chain(req.untrusted.iter()))
    {
        let text = v.redacted.as_deref().unwrap_or(original);
        texts.push(merged.add(text, &v.redactions));
    }
    let map = merged.into_map();
    let mut texts = texts.into_iter();
    let mut prompt = texts.next().unwrap_or_default();
    let mut spot = None;
    if !req.untrusted.is_empty() {
        let boundary = deps
            .random
            .boundary()
            .map_err(|e| format!("no spotlight boundary: {e}"))?;
        for (i, text) in texts.enumerate() {
            let marked =
                spotlight::spotlight(&text, i, &boundary, deps.mode).map_err(|e| e.to_string())?;
            prompt.push_str("\n\n");
            prompt.push_str(&marked);
        }
        spot = Some(SpotlightInfo {
            instructions: spotlight::instructions(&boundary, deps.mode),
            boundary,
        });
    }
    let redaction = match (&deps.key, map.is_empty()) {
        (Some(key), false) => Some(
            seal::seal(&map, key, request_id, &req.session_id)
                .map_err(|e| format!("sealing redaction map: {e}"))?,
        ),
        _ => None,
    };
    Ok((prompt, redaction, spot))
}
