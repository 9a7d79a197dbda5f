//! Lambda entry point: tracing, the redactor, the CloudWatch client and the chain
//! writer once per cold start, then the runtime loop.

use std::sync::Arc;

use audit_logger::cloudwatch::{self, CloudWatchTransport};
use audit_logger::{Env, handle, instance_id, retry::Backoff, sink::ChainWriter};
use gatehouse_core::audit::AuditRedactor;
use lambda_runtime::{Error, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    gatehouse_runtime::init_tracing();
    let group = std::env::var("AUDIT_LOG_GROUP").map_err(|_| "AUDIT_LOG_GROUP is not set")?;
    let redactor = Arc::new(AuditRedactor::embedded_default()?);
    let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let transport =
        CloudWatchTransport::new(cloudwatch::client(&config), group, Backoff::default());
    // AUDIT_STREAM_SHARDS (default 1): streams a large append spreads its batches over.
    let shards = std::env::var("AUDIT_STREAM_SHARDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let sink = ChainWriter::new(transport, redactor, instance_id()).with_shards(shards);
    let env = Env {
        region: std::env::var("AWS_REGION").unwrap_or_default(),
        trace_id: std::env::var("_X_AMZN_TRACE_ID").ok(),
    };
    let (sink, env) = (&sink, &env);
    run(service_fn(move |event| handle(sink, env, event))).await
}
