//! AWS SDK configuration for clients that talk to a loopback endpoint (moto, or a
//! [`crate::FaultProxy`] in front of it).

use aws_credential_types::Credentials;

/// The region every test client uses.
pub const REGION: &str = "us-east-1";

/// An SDK configuration for `endpoint`: region [`REGION`] and static test credentials
/// (moto accepts any), so no test reads the machine's AWS profile or reaches AWS.
pub async fn sdk_config(endpoint: &str) -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .region(aws_config::Region::new(REGION))
        .credentials_provider(Credentials::new("AKIDTEST", "secret", None, None, "static"))
        .load()
        .await
}
