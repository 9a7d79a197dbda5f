//! # get-order-status
//!
//! The Bedrock agent's `getOrderStatus` tool as a Lambda function: both action-group
//! kinds (function details and OpenAPI `GET /orders/{orderId}`), caller identity only
//! from `sessionAttributes.customerId`, refusals inside the response envelope.
//! Orders come from DynamoDB (`ORDERS_TABLE`) or, when no table is configured, from
//! the [`store::EmbeddedStore`] sample data.

pub mod dynamo;
pub mod error;
pub mod event;
pub mod handler;
pub mod params;
pub mod store;

pub use error::OrderError;
pub use handler::handle;

/// Either store, chosen at cold start.
#[derive(Debug, Clone)]
pub enum AnyStore {
    /// DynamoDB.
    Dynamo(dynamo::DynamoStore),
    /// The embedded sample data.
    Embedded(store::EmbeddedStore),
}

impl store::OrderStore for AnyStore {
    async fn get(&self, id: &store::OrderId) -> Result<Option<store::Order>, store::StoreError> {
        match self {
            AnyStore::Dynamo(s) => s.get(id).await,
            AnyStore::Embedded(s) => s.get(id).await,
        }
    }
}
