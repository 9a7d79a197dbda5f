//! The DynamoDB order store: table from `ORDERS_TABLE`, partition key `orderId`,
//! attributes `customerId`, `status` and any other string attributes.

use std::collections::{BTreeMap, HashMap};

use aws_sdk_dynamodb::types::AttributeValue;

use crate::store::{Order, OrderId, OrderStore, StoreError};

/// Reads orders from a DynamoDB table.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: aws_sdk_dynamodb::Client,
    table: String,
}

impl DynamoStore {
    /// A store over `table`.
    pub fn new(client: aws_sdk_dynamodb::Client, table: impl Into<String>) -> DynamoStore {
        DynamoStore {
            client,
            table: table.into(),
        }
    }
}

/// Turns an item into an order. String attributes other than the key, owner and
/// status go to `details`; other types are skipped.
pub fn order_from_item(item: &HashMap<String, AttributeValue>) -> Result<Order, StoreError> {
    let text = |name: &'static str| match item.get(name) {
        Some(AttributeValue::S(s)) => Ok(s.clone()),
        _ => Err(StoreError::Corrupt(name)),
    };
    let details: BTreeMap<String, String> = item
        .iter()
        .filter(|(k, _)| !matches!(k.as_str(), "orderId" | "customerId" | "status"))
        .filter_map(|(k, v)| match v {
            AttributeValue::S(s) => Some((k.clone(), s.clone())),
            AttributeValue::N(n) => Some((k.clone(), n.clone())),
            _ => None,
        })
        .collect();
    Ok(Order {
        order_id: text("orderId")?,
        customer_id: text("customerId")?,
        status: text("status")?,
        details,
    })
}

impl OrderStore for DynamoStore {
    async fn get(&self, id: &OrderId) -> Result<Option<Order>, StoreError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("orderId", AttributeValue::S(id.as_str().to_owned()))
            .send()
            .await
            .map_err(|e| {
                StoreError::Backend(aws_sdk_dynamodb::error::DisplayErrorContext(e).to_string())
            })?;
        out.item.as_ref().map(order_from_item).transpose()
    }
}
