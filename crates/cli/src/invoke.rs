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
//!
//! Wiring (for `main.rs`): `Command::Invoke(args) => return invoke::run(&args)`, with
//! these dependencies in `crates/cli/Cargo.toml`: `prompt-preprocessor`,
//! `output-validator`, `agent-invoker`, `gatehouse-runtime`, `lambda_runtime`, `tokio`
//! (all `.workspace = true`).
//!
//! Adding a function is one arm in [`dispatch`].

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use gatehouse_core::spotlight::Mode;
use gatehouse_runtime::seal::SealKey;
use gatehouse_runtime::{env_var, policy};
use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use serde::Serialize;
use serde_json::Value;

/// Arguments of `gatehouse invoke`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The function: prompt-preprocessor, output-validator, agent-invoker, …
    pub function: String,
    /// The event file (e.g. `events/prompt-preprocessor/benign.json`).
    #[arg(long, value_name = "FILE")]
    pub event: PathBuf,
}

/// The functions `invoke` knows, for messages.
pub(crate) const FUNCTIONS: &[&str] = &["prompt-preprocessor", "output-validator", "agent-invoker"];

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
            Ok(text) => {
                println!("{text}");
                ExitCode::SUCCESS
            }
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
            let deps = prompt_preprocessor::Deps {
                guard: local_guard()?,
                key: local_key()?,
                random: Box::new(prompt_preprocessor::RandomBoundaries),
                mode: Mode::Datamark,
                escalator: None,
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
        // The other helper's functions, one arm each once their crates are merged, e.g.:
        // "get-order-status" => respond(get_order_status::handle(&embedded_store, event).await),
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

fn local_key() -> Result<Option<SealKey>, Diagnostic> {
    SealKey::from_env().map_err(|e| diag("ConfigurationError", e.to_string()))
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

    /// From the manifest directory cargo sets at run time (a shared target directory
    /// may hold a test binary compiled in another checkout).
    fn events_dir() -> PathBuf {
        let dir = std::env::var_os("CARGO_MANIFEST_DIR")
            .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
        dir.join("../../events")
    }

    /// Every event file of every function: a response, except the ones meant to fail.
    #[test]
    fn every_event_file_answers_or_fails_cleanly() {
        let mut seen = 0;
        for function in FUNCTIONS {
            let dir = events_dir().join(function);
            let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
                .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
                .unwrap_or_default();
            files.retain(|p| p.extension().is_some_and(|e| e == "json"));
            files.sort();
            for file in files {
                let name = file
                    .file_stem()
                    .and_then(|s| s.to_str())
                    .unwrap_or_default()
                    .to_owned();
                let expect_error = name.starts_with("malformed")
                    || name.starts_with("missing")
                    || name == "parser-orchestration";
                let result = invoke_file(function, &file);
                match (&result, expect_error) {
                    (Ok(v), false) => assert!(v.is_object(), "{function}/{name}"),
                    (Err(d), true) => assert_eq!(
                        d.error_type, "InvalidEvent",
                        "{function}/{name}: {}",
                        d.error_message
                    ),
                    _ => panic!("{function}/{name}: unexpected {result:?}"),
                }
                seen += 1;
            }
        }
        assert!(seen >= 20, "only {seen} event files");
    }

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
