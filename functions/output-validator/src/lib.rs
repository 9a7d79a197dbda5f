//! # output-validator
//!
//! The Gatehouse Lambda that runs after inference. It scans the agent's answer with the
//! core's `output` stage (banned phrases, JSON Schema, minimum confidence, PII and
//! secret leakage, system-prompt leakage, exfiltration links and images, tool-call
//! policy) with the request's context (schema, tool calls, secrets, the decision taken
//! on the prompt), and answers with one decision.
//!
//! Two input shapes, told apart by their fields:
//!
//! - **native** (from the state machine), unknown fields refused:
//!   `{"completion", "session_id", "principal_id", "role", "schema", "tool_calls",
//!   "input_decision", "secrets", "request_id", "prompt_version", "redaction"}`;
//! - **Bedrock agent parser Lambda** for `POST_PROCESSING` (`overrideType:
//!   "OUTPUT_PARSER"`): the model's raw post-processing output is validated and the
//!   answer goes back as `postProcessingParsedResponse.responseText`, a refusal message
//!   when blocked.
//!
//! Escalation: a prompt that was flagged or sent to review before inference sends the
//! answer to review; a denied prompt denies the answer (it should never have reached
//! the model). Both also exist as core rules; here they are a floor the policy cannot
//! lower.
//!
//! Restoring redacted values: with `redaction` (the sealed map from the
//! prompt-preprocessor) and `GATEHOUSE_REDACTION_KEY`, an allowed answer comes back in
//! `completion` with the placeholders replaced by the original values. The scan itself
//! always runs on the placeholder text.

mod handler;
mod parser;
mod types;

pub use handler::{Deps, REFUSAL, REVIEW_NOTICE, handle, validate};
pub use parser::{ParserEvent, ParserResponse, PostProcessingParsedResponse};
pub use types::{FindingOut, ValidateRequest, ValidateResponse, ValidatorResponse};
