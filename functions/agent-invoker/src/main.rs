//! Lambda binary: wiring only; the logic is in `handler.rs`.

use std::time::Duration;

use agent_invoker::{BedrockAgent, DEFAULT_TIMEOUT, Deps, handle};
use gatehouse_runtime::{StartupError, env_var, region};
use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    gatehouse_runtime::init_tracing();
    let region = region::check()?;
    let timeout = match env_var("AGENT_TIMEOUT_MS") {
        None => DEFAULT_TIMEOUT,
        Some(ms) => Duration::from_millis(ms.parse().map_err(|_| {
            StartupError::Config(format!("AGENT_TIMEOUT_MS `{ms}` is not a number"))
        })?),
    };
    // The client talks to the pinned region only.
    let agent = BedrockAgent::from_env(&region).await;
    let deps = Deps {
        agent,
        agent_id: env_var("AGENT_ID"),
        agent_alias_id: env_var("AGENT_ALIAS_ID"),
        timeout,
    };
    tracing::info!(%region, timeout_ms = ?timeout.as_millis(), "cold start");
    let deps = &deps;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        handle(deps, event)
    }))
    .await
}
