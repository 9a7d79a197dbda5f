//! Test harness for Gatehouse: real services on loopback for the integration tests.
//!
//! - [`MotoServer`]: a `moto_server` child process (CloudWatch Logs, DynamoDB, SQS, SNS,
//!   KMS, Step Functions, Lambda) on a free `127.0.0.1` port, killed on drop.
//! - [`FaultProxy`]: an HTTP/1.1 reverse proxy in front of it that answers some
//!   requests with throttling or server errors according to a [`FaultPlan`], so retry
//!   and duplicate-safety paths run against the real protocol.
//! - [`http`]: a tiny loopback-only HTTP client (raw AWS JSON calls, moto's control API).
//! - [`sdk::sdk_config`]: an AWS SDK configuration pointed at such an endpoint, and
//!   [`dynamo::create_table`] for a table shaped like the template's.
//! - [`workspace_root`] and [`tool_path`] for the tools `scripts/bootstrap.sh` installs.
//!
//! Use it as a dev-dependency. Moto comes from `scripts/bootstrap.sh` (run by
//! `make test`); without it every start fails with a hint to run it.
//!
//! ```no_run
//! use gatehouse_testkit::{Fault, FaultProxy, FaultRule, MotoServer, http};
//!
//! let moto = MotoServer::start()?;
//! let proxy = FaultProxy::start(
//!     &moto.endpoint(),
//!     FaultRule::first(1, Fault::Throttling).for_target("CreateLogGroup").into(),
//! )?;
//! let call = |ep: &str| {
//!     http::aws_json(ep, "logs", "Logs_20140328.CreateLogGroup", r#"{"logGroupName":"g"}"#)
//! };
//! assert_eq!(call(&proxy.endpoint())?.status, 400); // throttled by the proxy
//! assert_eq!(call(&proxy.endpoint())?.status, 200); // forwarded to moto
//! assert_eq!(proxy.stats().faults_injected, 1);
//! # Ok::<(), gatehouse_testkit::Error>(())
//! ```

pub mod dynamo;
mod error;
pub mod http;
mod moto;
mod paths;
mod proxy;
pub mod sdk;

pub use error::Error;
pub use moto::{MOTO_ENV, MOTO_LOG_ENV, MotoServer, moto_executable};
pub use paths::{tool_path, workspace_root};
pub use proxy::{
    Fault, FaultPlan, FaultProxy, FaultRule, Outcome, ProxyStats, RequestRecord, Schedule,
};
