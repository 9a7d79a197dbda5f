//! Session counts in a DynamoDB table (`SESSION_TABLE`): partition key `pk` (the
//! hashed key of [`super::key`]), a number `stops` and a number `expiresAt` (Unix
//! seconds the window closes; the table's TTL attribute, so closed windows are
//! deleted).
//!
//! One `UpdateItem` counts, atomically, as long as the window is open (`ADD`, with the
//! close time set when the item is created). DynamoDB deletes expired items only
//! eventually, so a closed window's item may still be there: the update's condition
//! refuses it, and a conditional `PutItem` opens a new window with a count of 1. Two
//! instances that both find the window closed race on that put; the loser counts into
//! the winner's new window with a second update. A flagged prompt reads the count with
//! a strongly consistent `GetItem`, so a stop counted a moment before by another
//! instance is seen.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::{StopStore, StoreError};
use crate::escalate::BoxFuture;

/// Counts in a DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoStops {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoStops {
    /// A store over `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> DynamoStops {
        DynamoStops {
            client,
            table: table.into(),
        }
    }

    /// Adds one to an open window (or creates it); `None` when the item's window has
    /// closed.
    async fn add(&self, key: &str, now: u64, closes: u64) -> Result<Option<u64>, StoreError> {
        let out = self
            .client
            .update_item()
            .table_name(&self.table)
            .key("pk", AttributeValue::S(key.to_owned()))
            .update_expression("ADD stops :one SET expiresAt = if_not_exists(expiresAt, :closes)")
            .condition_expression("attribute_not_exists(pk) OR expiresAt > :now")
            .expression_attribute_values(":one", AttributeValue::N("1".into()))
            .expression_attribute_values(":closes", AttributeValue::N(closes.to_string()))
            .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await;
        match unless_condition_failed(out)? {
            Some(out) => number(out.attributes.as_ref(), "stops").map(Some),
            None => Ok(None),
        }
    }

    /// Replaces a closed window's item by a new window with a count of 1; `false` when
    /// another instance got there first.
    async fn reopen(&self, key: &str, now: u64, closes: u64) -> Result<bool, StoreError> {
        let out = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", AttributeValue::S(key.to_owned()))
            .item("stops", AttributeValue::N("1".into()))
            .item("expiresAt", AttributeValue::N(closes.to_string()))
            .condition_expression("expiresAt <= :now")
            .expression_attribute_values(":now", AttributeValue::N(now.to_string()))
            .send()
            .await;
        Ok(unless_condition_failed(out)?.is_some())
    }
}

/// A conditional write's outcome: `Some` when it was applied, `None` when its condition
/// did not hold (`ConditionalCheckFailedException`), an error for any other failure.
fn unless_condition_failed<T, E, R>(
    result: Result<T, SdkError<E, R>>,
) -> Result<Option<T>, StoreError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    match result {
        Ok(out) => Ok(Some(out)),
        Err(e)
            if e.as_service_error().and_then(ProvideErrorMetadata::code)
                == Some("ConditionalCheckFailedException") =>
        {
            Ok(None)
        }
        Err(e) => Err(StoreError::Backend(DisplayErrorContext(e).to_string())),
    }
}

/// The number attribute `name` of an item.
fn number(item: Option<&HashMap<String, AttributeValue>>, name: &str) -> Result<u64, StoreError> {
    match item.and_then(|a| a.get(name)) {
        Some(AttributeValue::N(n)) => n
            .parse()
            .map_err(|_| StoreError::Corrupt(format!("{name} `{n}`"))),
        other => Err(StoreError::Corrupt(format!("{name} {other:?}"))),
    }
}

impl StopStore for DynamoStops {
    fn count_stop<'a>(
        &'a self,
        key: &'a str,
        now: u64,
        window_seconds: u64,
    ) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(async move {
            let closes = now.saturating_add(window_seconds);
            if let Some(count) = self.add(key, now, closes).await? {
                return Ok(count);
            }
            if self.reopen(key, now, closes).await? {
                return Ok(1);
            }
            self.add(key, now, closes).await?.ok_or_else(|| {
                StoreError::Backend(
                    "the window closed and reopened under a concurrent count".into(),
                )
            })
        })
    }

    fn stops<'a>(&'a self, key: &'a str, now: u64) -> BoxFuture<'a, Result<u64, StoreError>> {
        Box::pin(async move {
            let out = self
                .client
                .get_item()
                .table_name(&self.table)
                .key("pk", AttributeValue::S(key.to_owned()))
                .consistent_read(true)
                .send()
                .await
                .map_err(|e| StoreError::Backend(DisplayErrorContext(e).to_string()))?;
            let Some(item) = out.item.as_ref() else {
                return Ok(0);
            };
            let closes = number(Some(item), "expiresAt")?;
            if closes <= now {
                return Ok(0);
            }
            number(Some(item), "stops")
        })
    }
}
