//! The services the handler consults after screening (`Deps::escalator`,
//! `Deps::session`), built once per cold start from the policy and the environment.

use gatehouse_core::Policy;

use crate::bedrock::BedrockGuardrail;
use crate::escalate::{self, Escalator};
use crate::session::dynamo::DynamoStops;
use crate::session::{self, SessionTally};

/// The table named by `SESSION_TABLE`, unless under `sam local invoke`: there the
/// template's `!Ref SessionTable` is only the resource's logical id (SAM sets
/// `AWS_SAM_LOCAL=true`), so counts stay in memory.
pub fn session_table_from_env() -> Option<String> {
    gatehouse_runtime::env_var("SESSION_TABLE")
        .filter(|_| gatehouse_runtime::env_var("AWS_SAM_LOCAL").as_deref() != Some("true"))
}

/// The grey-zone escalation and the session count the policy asks for: Bedrock
/// Guardrails and DynamoDB (`table`) through the default AWS configuration, loaded only
/// when one of them needs it; without a table, counts in this instance's memory (and a
/// warning: each instance then counts alone).
pub async fn from_policy(
    policy: &Policy,
    table: Option<String>,
) -> (Option<Escalator>, Option<SessionTally>) {
    let needs_aws = policy.escalation.is_some() || (policy.session.is_some() && table.is_some());
    let sdk = if needs_aws {
        Some(aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await)
    } else {
        None
    };
    let escalator = match (policy.escalation.clone(), &sdk) {
        (Some(config), Some(sdk)) => {
            tracing::info!(guardrail = %config.guardrail_id, "grey-zone escalation on");
            Some(Escalator {
                config,
                client: Box::new(BedrockGuardrail::new(aws_sdk_bedrockruntime::Client::new(
                    sdk,
                ))),
                timeout: escalate::TIMEOUT,
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
    (escalator, session)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(yaml_session: Option<&str>) -> Policy {
        let yaml: String = gatehouse_core::policy::DEFAULT_POLICY_YAML
            .lines()
            .filter(|l| !l.starts_with("session:"))
            .map(|l| format!("{l}\n"))
            .chain(yaml_session.map(str::to_owned))
            .collect();
        Policy::from_yaml(&yaml).unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[tokio::test]
    async fn what_the_policy_does_not_ask_for_is_not_built() {
        let (escalator, session) = from_policy(&policy(None), Some("t".into())).await;
        assert!(escalator.is_none() && session.is_none());
    }

    #[tokio::test]
    async fn without_a_table_the_count_is_kept_in_memory() {
        let p = policy(Some(
            "session: { hold_flags_after: 3, window_seconds: 60 }\n",
        ));
        let (escalator, session) = from_policy(&p, None).await;
        assert!(escalator.is_none());
        let tally = session.unwrap_or_else(|| unreachable!("the policy asks for a count"));
        assert_eq!(tally.config.hold_flags_after, 3);
        assert_eq!(tally.timeout, session::TIMEOUT);
    }
}
