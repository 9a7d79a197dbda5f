//! # prompt-preprocessor
//!
//! The Gatehouse Lambda that runs before inference. It screens the user's prompt (core
//! stage `prompt`) and every untrusted text from tools or documents (stage `untrusted`,
//! stricter), takes the strictest decision, and hands the agent a prompt that is safe to
//! send: PII replaced by placeholders, untrusted texts spotlighted between markers with
//! a per-request random boundary and datamarked (see `gatehouse_core::spotlight`).
//!
//! The placeholder → value map never leaves in clear: it is sealed with AES-256-GCM
//! (`gatehouse_runtime::seal`, key `GATEHOUSE_REDACTION_KEY`) and bound to the request
//! and session ids; the output-validator, holding the same key, opens it and restores
//! the values in the allowed answer. With no key configured the map is dropped and the
//! redaction is irreversible.
//!
//! Input (unknown fields are refused, so a misspelt field is an error rather than an
//! unscreened text):
//!
//! ```json
//! {"prompt": "...", "session_id": "...", "principal_id": "...", "role": "support",
//!  "prompt_version": "v3", "untrusted": ["tool output ..."], "request_id": "optional"}
//! ```
//!
//! After screening, what needs a service, when the policy configures it: a grey-zone
//! prompt is escalated to a Bedrock guardrail ([`escalate`]), and a stopped prompt is
//! counted per session, and once enough are, a flagged prompt is held for review
//! ([`session`]; kept in DynamoDB by [`session::dynamo`]).
//!
//! Fail closed: a guard error, a spotlight failure or a sealing failure is a `deny`.

pub mod bedrock;
pub mod escalate;
mod handler;
mod merge;
pub mod services;
pub mod session;
mod types;

pub use handler::{Boundaries, Deps, RandomBoundaries, handle, preprocess, preprocess_full};
pub use types::{FindingOut, PreprocessRequest, PreprocessResponse, SpotlightInfo};
