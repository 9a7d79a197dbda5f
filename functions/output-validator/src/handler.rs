//! The validation handler.

use gatehouse_core::{
    Action, Category, Decision, Guard, ScanContext, ScanRequest, Severity, Stage,
};
use gatehouse_runtime::seal::{self, SealKey};
use gatehouse_runtime::{FunctionError, limits};
use lambda_runtime::LambdaEvent;
use serde_json::Value;

use crate::parser::{self, ParserEvent, ParserResponse, PostProcessingParsedResponse};
use crate::types::{FindingOut, ValidateRequest, ValidateResponse, ValidatorResponse};

/// What a blocked answer is replaced with (override with `GATEHOUSE_REFUSAL_MESSAGE`).
pub const REFUSAL: &str = "Sorry, I can't share that answer. Please rephrase your question or ask to speak to a member of staff.";
/// What a parser-Lambda answer that needs a human is replaced with (no human loop there).
pub const REVIEW_NOTICE: &str = "This answer needs a check by a member of staff before it can be shared. We will get back to you shortly.";
/// Ceiling on a completion, in bytes.
pub const MAX_COMPLETION_BYTES: usize = 256 * 1024;

/// What the handler needs, built once per cold start.
#[derive(Debug)]
pub struct Deps {
    /// The compiled policy.
    pub guard: Guard,
    /// Key that opens the pre-processor's sealed maps; `None`: answers keep placeholders.
    pub key: Option<SealKey>,
    /// The refusal message for blocked answers.
    pub refusal: String,
}

/// The Lambda entry point: a native request or a Bedrock parser-Lambda event.
pub async fn handle(
    deps: &Deps,
    event: LambdaEvent<Value>,
) -> Result<ValidatorResponse, FunctionError> {
    if parser::is_parser_event(&event.payload) {
        let ev: ParserEvent = limits::parse_event(event.payload)?;
        return parse_post_processing(deps, &ev).map(ValidatorResponse::Parser);
    }
    let req: ValidateRequest = limits::parse_event(event.payload)?;
    validate(deps, req, &event.context.request_id).map(ValidatorResponse::Native)
}

/// Validates one answer.
pub fn validate(
    deps: &Deps,
    req: ValidateRequest,
    lambda_request_id: &str,
) -> Result<ValidateResponse, FunctionError> {
    let principal_id = req
        .principal_id
        .clone()
        .filter(|p| !p.trim().is_empty())
        .ok_or_else(|| FunctionError::InvalidEvent {
            path: "principal_id".into(),
            message: "a request needs the authenticated caller in `principal_id`".into(),
        })?;
    limits::check_len("completion", &req.completion, MAX_COMPLETION_BYTES)?;
    let request_id = req
        .request_id
        .clone()
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| lambda_request_id.to_owned());

    let ctx = ScanContext {
        secrets: req.secrets.clone(),
        schema: req.schema.clone(),
        tool_calls: req.tool_calls.clone(),
        input_decision: req.input_decision,
    };
    let verdict = deps.guard.scan(&ScanRequest {
        stage: Stage::Output,
        text: &req.completion,
        role: req.role.as_deref(),
        ctx: &ctx,
    });
    let mut findings: Vec<FindingOut> = verdict
        .findings
        .into_iter()
        .map(|f| FindingOut::from_core(f, &req.completion))
        .collect();
    let mut decision = verdict.decision;
    let mut errors = verdict.errors;
    let shadow_decision = verdict.shadow.as_ref().map(|s| s.decision);

    // The prompt's decision is a floor: flagged input → review, denied input → deny.
    let floor = match req.input_decision {
        Some(Decision::Deny) => Decision::Deny,
        Some(Decision::Flag | Decision::Review) => Decision::Review,
        _ => Decision::Allow,
    };
    if floor > decision {
        decision = floor;
        findings.push(FindingOut {
            rule: "validator.input_decision".into(),
            category: Category::PromptInjection,
            severity: if floor == Decision::Deny {
                Severity::High
            } else {
                Severity::Medium
            },
            start: 0,
            end: 0,
            input: None,
            action: if floor == Decision::Deny {
                Action::Deny
            } else {
                Action::Review
            },
            score: 0.5,
            reason: format!(
                "the prompt was {} before inference",
                req.input_decision.unwrap_or(Decision::Allow)
            ),
        });
    }

    let mut restored = false;
    let completion = match decision {
        Decision::Deny => deps.refusal.clone(),
        Decision::Review => verdict.redacted.unwrap_or_else(|| req.completion.clone()),
        _ => {
            let text = verdict.redacted.unwrap_or_else(|| req.completion.clone());
            match (&req.redaction, &deps.key) {
                (Some(sealed), Some(key)) => {
                    match seal::unseal(sealed, key, &request_id, &req.session_id) {
                        Ok(map) => {
                            restored = !map.is_empty();
                            map.restore(&text)
                        }
                        Err(e) => {
                            // Cannot restore: answer with placeholders, and say why.
                            errors.push(format!("redaction map not restored: {e}"));
                            text
                        }
                    }
                }
                _ => text,
            }
        }
    };
    tracing::info!(
        request_id = %request_id,
        decision = %decision,
        shadow_decision = ?shadow_decision,
        score = verdict.score,
        completion_bytes = req.completion.len(),
        tool_calls = req.tool_calls.len(),
        rules = ?findings.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
        restored,
        "answer validated"
    );
    Ok(ValidateResponse {
        decision,
        score: verdict.score,
        findings,
        findings_omitted: verdict.findings_omitted,
        blocked: decision == Decision::Deny,
        deliver: decision.is_allowed(),
        completion,
        restored,
        request_id,
        session_id: req.session_id,
        principal_id,
        role: req.role,
        prompt_version: req.prompt_version,
        errors,
        shadow_decision,
    })
}

/// Validates a `POST_PROCESSING` parser event and answers in the parser format.
fn parse_post_processing(deps: &Deps, ev: &ParserEvent) -> Result<ParserResponse, FunctionError> {
    if ev.prompt_type != "POST_PROCESSING" {
        return Err(FunctionError::InvalidEvent {
            path: "promptType".into(),
            message: format!(
                "`{}` is not handled: this parser only validates POST_PROCESSING",
                ev.prompt_type
            ),
        });
    }
    if ev.override_type != "OUTPUT_PARSER" {
        return Err(FunctionError::InvalidEvent {
            path: "overrideType".into(),
            message: format!(
                "unknown override type `{}` (expected OUTPUT_PARSER)",
                ev.override_type
            ),
        });
    }
    limits::check_len(
        "invokeModelRawResponse",
        &ev.invoke_model_raw_response,
        MAX_COMPLETION_BYTES,
    )?;
    let answer = parser::final_response(&ev.invoke_model_raw_response);
    let verdict = deps.guard.scan(&ScanRequest::new(Stage::Output, answer));
    let text = match verdict.decision {
        Decision::Deny => deps.refusal.clone(),
        Decision::Review => REVIEW_NOTICE.to_owned(),
        _ => verdict.redacted.unwrap_or_else(|| answer.to_owned()),
    };
    tracing::info!(
        agent_id = %ev.agent.id,
        decision = %verdict.decision,
        score = verdict.score,
        completion_bytes = answer.len(),
        rules = ?verdict.findings.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
        "post-processing output validated"
    );
    Ok(ParserResponse {
        message_version: "1.0".into(),
        prompt_type: "POST_PROCESSING".into(),
        post_processing_parsed_response: PostProcessingParsedResponse {
            response_text: text,
        },
    })
}
