//! [`GuardrailClient`] over the AWS SDK: `bedrock-runtime:ApplyGuardrail`.

use aws_sdk_bedrockruntime::Client;
use aws_sdk_bedrockruntime::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_bedrockruntime::operation::apply_guardrail::ApplyGuardrailError;
use aws_sdk_bedrockruntime::types::{
    GuardrailAction, GuardrailAssessment as SdkAssessment, GuardrailContentBlock,
    GuardrailContentFilterType, GuardrailContentSource, GuardrailTextBlock,
};
use gatehouse_core::Category;

use crate::escalate::{
    BoxFuture, GuardrailAssessment, GuardrailClient, GuardrailError, GuardrailVerdict,
};

/// Amazon Bedrock Guardrails through the SDK.
#[derive(Debug, Clone)]
pub struct BedrockGuardrail {
    client: Client,
}

impl BedrockGuardrail {
    /// Wraps an SDK client.
    pub fn new(client: Client) -> BedrockGuardrail {
        BedrockGuardrail { client }
    }
}

impl GuardrailClient for BedrockGuardrail {
    fn apply<'a>(
        &'a self,
        id: &'a str,
        version: &'a str,
        text: &'a str,
    ) -> BoxFuture<'a, Result<GuardrailVerdict, GuardrailError>> {
        Box::pin(async move {
            let block = GuardrailTextBlock::builder()
                .text(text)
                .build()
                .map_err(|e| GuardrailError::Service(e.to_string()))?;
            let out = self
                .client
                .apply_guardrail()
                .guardrail_identifier(id)
                .guardrail_version(version)
                .source(GuardrailContentSource::Input)
                .content(GuardrailContentBlock::Text(block))
                .send()
                .await
                .map_err(classify)?;
            let intervened = *out.action() == GuardrailAction::GuardrailIntervened;
            let mut assessments = Vec::new();
            for a in out.assessments() {
                collect(a, &mut assessments);
            }
            Ok(GuardrailVerdict {
                intervened,
                assessments,
            })
        })
    }
}

fn classify<R>(e: SdkError<ApplyGuardrailError, R>) -> GuardrailError {
    match &e {
        SdkError::TimeoutError(_) => GuardrailError::Timeout(0),
        SdkError::DispatchFailure(_) => GuardrailError::Unreachable("dispatch failure".into()),
        SdkError::ServiceError(se) => {
            let err = se.err();
            let code = err.code().unwrap_or("unknown");
            let msg = err.message().unwrap_or("");
            if err.is_throttling_exception() || err.is_service_quota_exceeded_exception() {
                GuardrailError::Throttled(format!("{code}: {msg}"))
            } else {
                GuardrailError::Service(format!("{code}: {msg}"))
            }
        }
        SdkError::ResponseError(_) => GuardrailError::Service("unreadable response".into()),
        _ => GuardrailError::Unreachable("request not sent".into()),
    }
}

/// The entries of one assessment whose action is not `NONE`.
fn collect(a: &SdkAssessment, out: &mut Vec<GuardrailAssessment>) {
    let mut push = |policy: &str, category, detail: String| {
        out.push(GuardrailAssessment {
            policy: policy.into(),
            category,
            detail,
        });
    };
    if let Some(t) = a.topic_policy() {
        for x in t.topics().iter().filter(|x| x.action().as_str() != "NONE") {
            push(
                "topic",
                Category::BannedPhrase,
                format!("topic `{}`", x.name()),
            );
        }
    }
    if let Some(c) = a.content_policy() {
        for x in c.filters().iter().filter(|x| x.action().as_str() != "NONE") {
            let category = if *x.r#type() == GuardrailContentFilterType::PromptAttack {
                Category::PromptInjection
            } else {
                Category::BannedPhrase
            };
            push(
                "content",
                category,
                format!(
                    "filter `{}` ({})",
                    x.r#type().as_str(),
                    x.confidence().as_str()
                ),
            );
        }
    }
    if let Some(w) = a.word_policy() {
        let custom = w
            .custom_words()
            .iter()
            .filter(|x| x.action().as_str() != "NONE")
            .count();
        let managed = w
            .managed_word_lists()
            .iter()
            .filter(|x| x.action().as_str() != "NONE")
            .count();
        if custom + managed > 0 {
            push(
                "word",
                Category::BannedPhrase,
                format!("{custom} custom and {managed} managed word match(es)"),
            );
        }
    }
    if let Some(s) = a.sensitive_information_policy() {
        for x in s
            .pii_entities()
            .iter()
            .filter(|x| x.action().as_str() != "NONE")
        {
            push(
                "sensitive_information",
                Category::Pii,
                format!("entity `{}` {}", x.r#type().as_str(), x.action().as_str()),
            );
        }
        for x in s.regexes().iter().filter(|x| x.action().as_str() != "NONE") {
            push(
                "sensitive_information",
                Category::Pii,
                format!(
                    "regex `{}` {}",
                    x.name().unwrap_or("unnamed"),
                    x.action().as_str()
                ),
            );
        }
    }
}
