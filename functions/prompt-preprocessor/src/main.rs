//! Lambda binary: wiring only; the logic is in `handler.rs` and `gatehouse-core`.

use gatehouse_core::Stage;
use gatehouse_core::spotlight::Mode;
use gatehouse_runtime::redaction_key;
use gatehouse_runtime::seal::SealKey;
use gatehouse_runtime::{StartupError, policy, region};
use lambda_runtime::{LambdaEvent, service_fn};
use prompt_preprocessor::bedrock::BedrockGuardrail;
use prompt_preprocessor::escalate::Escalator;
use prompt_preprocessor::session::dynamo::DynamoStops;
use prompt_preprocessor::session::{self, SessionTally};
use prompt_preprocessor::{Deps, RandomBoundaries, handle};
use serde_json::Value;

/// Time bound of one `ApplyGuardrail` call; past it, `on_unreachable` applies.
const ESCALATION_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(1500);

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
    // Under `sam local invoke` the template's `!Ref SessionTable` is only the resource's
    // logical id (SAM sets AWS_SAM_LOCAL): count in memory there.
    let table = gatehouse_runtime::env_var("SESSION_TABLE")
        .filter(|_| gatehouse_runtime::env_var("AWS_SAM_LOCAL").as_deref() != Some("true"));
    let policy = guard.policy();
    let sdk = match (&policy.escalation, &policy.session, &table) {
        (Some(_), ..) | (_, Some(_), Some(_)) => {
            Some(aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await)
        }
        _ => None,
    };
    let escalator = match (policy.escalation.clone(), &sdk) {
        (Some(config), Some(sdk)) => {
            tracing::info!(guardrail = %config.guardrail_id, "grey-zone escalation on");
            Some(Escalator {
                config,
                client: Box::new(BedrockGuardrail::new(aws_sdk_bedrockruntime::Client::new(
                    sdk,
                ))),
                timeout: ESCALATION_TIMEOUT,
            })
        }
        _ => None,
    };
    let session = policy.session.clone().map(|config| match (table, &sdk) {
        (Some(table), Some(sdk)) => {
            tracing::info!(%table, hold_flags_after = config.hold_flags_after, "session counts on");
            SessionTally {
                config,
                store: Box::new(DynamoStops::new(aws_sdk_dynamodb::Client::new(sdk), table)),
                timeout: session::TIMEOUT,
            }
        }
        _ => {
            tracing::warn!(
                "no SESSION_TABLE (or under sam local): stopped prompts are counted in this instance's memory only"
            );
            SessionTally::in_memory(config)
        }
    });
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
