//! Lambda entry point: tracing, AWS clients and the audit sink once per cold start,
//! then the runtime loop.

use std::sync::Arc;

use approval_callback::audit_queue::AnyAuditSink;
use approval_callback::aws::{DynamoApprovalStore, SfnCallback, SnsNotifier};
use approval_callback::{Deps, handle, parse_roles};
use gatehouse_core::audit::AuditRedactor;
use lambda_runtime::{Error, run, service_fn};

fn env(name: &str) -> Result<String, Error> {
    std::env::var(name).map_err(|_| format!("{name} is not set").into())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    gatehouse_runtime::init_tracing();
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let redactor = Arc::new(AuditRedactor::embedded_default()?);
    let audit = AnyAuditSink::from_env(&config, redactor)?;
    let deps = Deps {
        store: DynamoApprovalStore::new(
            aws_sdk_dynamodb::Client::new(&config),
            env("APPROVALS_TABLE")?,
        ),
        notifier: SnsNotifier::new(aws_sdk_sns::Client::new(&config), env("REVIEW_TOPIC_ARN")?),
        callback: SfnCallback::new(aws_sdk_sfn::Client::new(&config)),
        audit,
        reviewer_roles: parse_roles(&env("REVIEWER_ROLES")?),
        ttl_seconds: std::env::var("APPROVAL_TTL_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(86_400),
        region: std::env::var("AWS_REGION").unwrap_or_default(),
    };
    let deps = &deps;
    run(service_fn(move |event| handle(deps, event))).await
}
