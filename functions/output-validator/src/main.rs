//! Lambda binary: wiring only; the logic is in `handler.rs` and `gatehouse-core`.

use gatehouse_core::Stage;
use gatehouse_runtime::redaction_key;
use gatehouse_runtime::seal::SealKey;
use gatehouse_runtime::{StartupError, env_var, policy, region};
use lambda_runtime::{LambdaEvent, service_fn};
use output_validator::{Deps, REFUSAL, handle};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    gatehouse_runtime::init_tracing();
    let region = region::check()?;
    let (guard, source) = policy::load_guard_for(&[Stage::Output])?;
    let key = redaction_key::from_env()
        .await
        .map_err(|e| StartupError::Config(e.to_string()))?;
    let refusal = env_var("GATEHOUSE_REFUSAL_MESSAGE").unwrap_or_else(|| REFUSAL.to_owned());
    tracing::info!(%region, policy = ?source, kid = key.as_ref().map(SealKey::kid), "cold start");
    let deps = Deps {
        guard,
        key,
        refusal,
    };
    let deps = &deps;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        handle(deps, event)
    }))
    .await
}
