//! `gatehouse invoke <function> --event FILE`: runs a Lambda function's real handler
//! in-process on an event file and prints the response JSON.
//!
//! Exit 0 when the handler returned a response (whatever its decision), 1 when it
//! returned an error (printed as `error: <errorType>: <errorMessage>`, the Lambda
//! diagnostic) or the event file cannot be read, 2 for an unknown function. A handler
//! that panics is reported as an `InternalError`, never as a crash.
//!
//! Local by default: the policy is `GATEHOUSE_POLICY` or the embedded default; the
//! redaction key is `GATEHOUSE_REDACTION_KEY` or none (maps dropped); the agent-invoker
//! answers with `ReplayAgent` (recorded responses) unless `GATEHOUSE_AGENT=bedrock`, in
//! which case it calls the real service in `AWS_REGION`. Region pinning is not
//! enforced here: it guards deployed functions, and this runs on a workstation.
//! get-order-status reads the DynamoDB table `ORDERS_TABLE` when it is set (endpoint
//! and credentials from the usual AWS settings), else the embedded sample orders.
//! audit-logger and approval-callback audit into a local hash-chained JSON-lines file
//! ([`crate::local_audit`]); approval-callback keeps pending requests in
//! `GATEHOUSE_APPROVALS_FILE` (default `gatehouse-approvals.json`), appends its
//! callbacks to `GATEHOUSE_CALLBACKS_FILE` (default `gatehouse-callbacks.jsonl`) instead
//! of calling Step Functions, and accepts the reviewer roles in `REVIEWER_ROLES`
//! (default `security-reviewer`).
//!
//! Adding a function is one arm in [`dispatch`].

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use gatehouse_core::spotlight::Mode;
use gatehouse_runtime::redaction_key::{self, KEY_ENV, KeyError, KeySource, SECRET_ENV};
use gatehouse_runtime::seal::SealKey;
use gatehouse_runtime::{env_var, policy};
use lambda_runtime::{Context, Diagnostic, LambdaEvent};

use crate::local_audit;
use serde::Serialize;
use serde_json::Value;

/// Arguments of `gatehouse invoke`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The function: prompt-preprocessor, output-validator, agent-invoker,
    /// get-order-status, audit-logger or approval-callback.
    pub function: String,
    /// The event file (e.g. `events/prompt-preprocessor/benign.json`).
    #[arg(long, value_name = "FILE")]
    pub event: PathBuf,
}

/// The functions `invoke` knows, for messages.
pub(crate) const FUNCTIONS: &[&str] = &[
    "prompt-preprocessor",
    "output-validator",
    "agent-invoker",
    "get-order-status",
    "audit-logger",
    "approval-callback",
];

/// Runs `gatehouse invoke`.
pub(crate) fn run(args: &Args) -> ExitCode {
    if !FUNCTIONS.contains(&args.function.as_str()) {
        eprintln!(
            "error: unknown function `{}` (expected one of: {})",
            args.function,
            FUNCTIONS.join(", ")
        );
        return ExitCode::from(2);
    }
    match invoke_file(&args.function, &args.event) {
        Ok(response) => match serde_json::to_string_pretty(&response) {
            Ok(text) => match crate::common::print_stdout(&format!("{text}\n")) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: cannot write the response: {e}");
                    ExitCode::from(1)
                }
            },
            Err(e) => {
                eprintln!("error: InternalError: cannot print the response: {e}");
                ExitCode::from(1)
            }
        },
        Err(d) => {
            eprintln!("error: {}: {}", d.error_type, d.error_message);
            ExitCode::from(1)
        }
    }
}

/// Reads the event file and runs the function on it.
pub(crate) fn invoke_file(function: &str, event: &Path) -> Result<Value, Diagnostic> {
    let text = std::fs::read_to_string(event).map_err(|e| {
        diag(
            "InvalidEvent",
            format!("cannot read `{}`: {e}", event.display()),
        )
    })?;
    let payload: Value = serde_json::from_str(&text).map_err(|e| {
        diag(
            "InvalidEvent",
            format!("`{}` is not JSON: {e}", event.display()),
        )
    })?;
    invoke_value(function, payload)
}

/// Runs the function on an event, on a fresh single-threaded runtime. A panicking
/// handler becomes an `InternalError`.
pub(crate) fn invoke_value(function: &str, payload: Value) -> Result<Value, Diagnostic> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            diag(
                "InternalError",
                format!("cannot start the async runtime: {e}"),
            )
        })?;
    let function = function.to_owned();
    rt.block_on(async move {
        let mut context = Context::default();
        context.request_id = "local-invoke".into();
        let task =
            tokio::spawn(
                async move { dispatch(&function, LambdaEvent::new(payload, context)).await },
            );
        match task.await {
            Ok(result) => result,
            Err(e) if e.is_panic() => Err(diag("InternalError", "the handler panicked".into())),
            Err(e) => Err(diag(
                "InternalError",
                format!("the handler did not finish: {e}"),
            )),
        }
    })
}

/// One arm per function: build its local dependencies, call its handler.
async fn dispatch(function: &str, event: LambdaEvent<Value>) -> Result<Value, Diagnostic> {
    match function {
        "prompt-preprocessor" => {
            let guard = local_guard()?;
            // One event per run: the count is this run's (in memory).
            let session = guard
                .policy()
                .session
                .clone()
                .map(prompt_preprocessor::session::SessionTally::in_memory);
            let deps = prompt_preprocessor::Deps {
                guard,
                key: local_key()?,
                random: Box::new(prompt_preprocessor::RandomBoundaries),
                mode: Mode::Datamark,
                escalator: None,
                session,
            };
            respond(prompt_preprocessor::handle(&deps, event).await)
        }
        "output-validator" => {
            let refusal = env_var("GATEHOUSE_REFUSAL_MESSAGE")
                .unwrap_or_else(|| output_validator::REFUSAL.to_owned());
            let deps = output_validator::Deps {
                guard: local_guard()?,
                key: local_key()?,
                refusal,
            };
            respond(output_validator::handle(&deps, event).await)
        }
        "agent-invoker" => {
            let timeout = Duration::from_millis(
                env_var("AGENT_TIMEOUT_MS")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(25_000),
            );
            let (agent_id, agent_alias_id) = (env_var("AGENT_ID"), env_var("AGENT_ALIAS_ID"));
            if env_var("GATEHOUSE_AGENT").as_deref() == Some("bedrock") {
                let region = env_var("AWS_REGION")
                    .ok_or_else(|| diag("ConfigurationError", "AWS_REGION is not set".into()))?;
                let agent = agent_invoker::BedrockAgent::from_env(&region).await;
                let deps = agent_invoker::Deps {
                    agent,
                    agent_id,
                    agent_alias_id,
                    timeout,
                };
                respond(agent_invoker::handle(&deps, event).await)
            } else {
                let agent = agent_invoker::ReplayAgent::embedded().map_err(Diagnostic::from)?;
                let deps = agent_invoker::Deps {
                    agent,
                    agent_id,
                    agent_alias_id,
                    timeout,
                };
                respond(agent_invoker::handle(&deps, event).await)
            }
        }
        "get-order-status" => {
            use get_order_status::{AnyStore, dynamo::DynamoStore, store::EmbeddedStore};
            let store = match env_var("ORDERS_TABLE") {
                Some(table) => {
                    let config =
                        aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
                    AnyStore::Dynamo(DynamoStore::new(
                        aws_sdk_dynamodb::Client::new(&config),
                        table,
                    ))
                }
                None => AnyStore::Embedded(EmbeddedStore::default()),
            };
            respond(get_order_status::handle(&store, event).await)
        }
        "audit-logger" => {
            let sink = local_audit::file_sink(&local_audit::audit_file_from_env())
                .map_err(|e| diag("ConfigurationError", e))?;
            let env = audit_logger::Env {
                region: env_var("AWS_REGION").unwrap_or_else(|| "local".into()),
                trace_id: None,
            };
            respond(audit_logger::handle(&sink, &env, event).await)
        }
        "approval-callback" => {
            use approval_callback::local::{FileApprovalStore, FileCallback, LogNotifier};
            let audit = local_audit::file_sink(&local_audit::audit_file_from_env())
                .map_err(|e| diag("ConfigurationError", e))?;
            let deps = approval_callback::Deps {
                store: FileApprovalStore::new(
                    env_var("GATEHOUSE_APPROVALS_FILE")
                        .unwrap_or_else(|| "gatehouse-approvals.json".into()),
                ),
                notifier: LogNotifier,
                callback: FileCallback::new(
                    env_var("GATEHOUSE_CALLBACKS_FILE")
                        .unwrap_or_else(|| "gatehouse-callbacks.jsonl".into()),
                ),
                audit,
                reviewer_roles: approval_callback::parse_roles(
                    &env_var("REVIEWER_ROLES").unwrap_or_else(|| "security-reviewer".into()),
                ),
                ttl_seconds: env_var("APPROVAL_TTL_SECONDS")
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(86_400),
                region: env_var("AWS_REGION").unwrap_or_else(|| "local".into()),
            };
            respond(approval_callback::handle(&deps, event).await)
        }
        other => Err(diag(
            "UnknownFunction",
            format!("unknown function `{other}`"),
        )),
    }
}

/// A handler's result as JSON or its Lambda diagnostic.
fn respond<T: Serialize, E: Into<Diagnostic>>(result: Result<T, E>) -> Result<Value, Diagnostic> {
    let response = result.map_err(Into::into)?;
    serde_json::to_value(response).map_err(|e| {
        diag(
            "InternalError",
            format!("cannot serialise the response: {e}"),
        )
    })
}

fn local_guard() -> Result<gatehouse_core::Guard, Diagnostic> {
    policy::load_guard()
        .map(|(g, _)| g)
        .map_err(|e| diag("PolicyError", e.to_string()))
}

/// The redaction key of a local run: `GATEHOUSE_REDACTION_KEY` or none. A local run
/// reads no secret (no AWS account, no network).
fn local_key() -> Result<Option<SealKey>, Diagnostic> {
    let config = |e: KeyError| diag("ConfigurationError", e.to_string());
    match KeySource::from_env().map_err(config)? {
        KeySource::Secret(_) => Err(diag(
            "ConfigurationError",
            format!("local runs read no secret: set {KEY_ENV} instead of {SECRET_ENV}"),
        )),
        KeySource::Inline(text) => redaction_key::inline(&text).map(Some).map_err(config),
        KeySource::None => Ok(None),
    }
}

fn diag(error_type: &str, error_message: String) -> Diagnostic {
    Diagnostic {
        error_type: error_type.to_owned(),
        error_message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every event file through the binary: crates/cli/tests/invoke.rs.

    #[test]
    fn unreadable_and_non_json_files_are_errors() {
        let missing = invoke_file("prompt-preprocessor", Path::new("/nonexistent/event.json"));
        assert!(missing.is_err_and(
            |d| d.error_type == "InvalidEvent" && d.error_message.contains("cannot read")
        ));
        let unknown = invoke_value("no-such-function", Value::Null);
        assert!(unknown.is_err_and(|d| d.error_type == "UnknownFunction"));
    }
}
