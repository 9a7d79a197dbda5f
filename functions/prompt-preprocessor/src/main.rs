//! Lambda binary: wiring only; the logic is in `handler.rs` and `gatehouse-core`.

use gatehouse_core::Stage;
use gatehouse_core::spotlight::Mode;
use gatehouse_runtime::redaction_key;
use gatehouse_runtime::seal::SealKey;
use gatehouse_runtime::{StartupError, policy, region};
use lambda_runtime::{LambdaEvent, service_fn};
use prompt_preprocessor::{Deps, RandomBoundaries, handle, services};
use serde_json::Value;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), lambda_runtime::Error> {
    gatehouse_runtime::init_tracing();
    let region = region::check()?;
    let (guard, source) = policy::load_guard_for(&[Stage::Prompt, Stage::Untrusted])?;
    let key = redaction_key::from_env()
        .await
        .map_err(|e| StartupError::Config(e.to_string()))?;
    if key.is_none() {
        tracing::warn!("no redaction key configured: redaction maps are dropped (irreversible)");
    }
    tracing::info!(%region, policy = ?source, kid = key.as_ref().map(SealKey::kid), "cold start");
    let (escalator, session) =
        services::from_policy(guard.policy(), services::session_table_from_env()).await;
    let deps = Deps {
        guard,
        key,
        random: Box::new(RandomBoundaries),
        mode: Mode::Datamark,
        escalator,
        session,
    };
    let deps = &deps;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        handle(deps, event)
    }))
    .await
}
