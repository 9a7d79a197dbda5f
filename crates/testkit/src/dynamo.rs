//! DynamoDB tables for the tests, shaped as `template.yaml` declares Gatehouse's: on
//! demand, one string partition key.

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};

use crate::Error;

/// A DynamoDB client for `endpoint` ([`crate::sdk::sdk_config`]).
pub async fn client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(&crate::sdk::sdk_config(endpoint).await)
}

/// Creates `table` (on demand) with the string partition key `key` through `client`.
pub async fn create_table(
    client: &aws_sdk_dynamodb::Client,
    table: &str,
    key: &str,
) -> Result<(), Error> {
    let build = |e: aws_sdk_dynamodb::error::BuildError| Error::Aws(e.to_string());
    client
        .create_table()
        .table_name(table)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(key)
                .key_type(KeyType::Hash)
                .build()
                .map_err(build)?,
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(key)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(build)?,
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .map_err(|e| Error::Aws(format!("CreateTable `{table}`: {}", DisplayErrorContext(e))))?;
    Ok(())
}
