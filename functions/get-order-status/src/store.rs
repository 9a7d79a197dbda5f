//! Where orders come from: the [`OrderStore`] trait and the embedded sample store.

use std::collections::BTreeMap;
use std::future::Future;

use serde::{Deserialize, Serialize};

/// A validated order id: `ord-` followed by 1 to 12 digits. Checked before any
/// lookup, so nothing the model invents reaches the database as a key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OrderId(String);

impl OrderId {
    /// Parses an order id; `None` when it does not match `^ord-[0-9]{1,12}$`.
    pub fn parse(s: &str) -> Option<OrderId> {
        let digits = s.strip_prefix("ord-")?;
        let ok = (1..=12).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
        ok.then(|| OrderId(s.to_owned()))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An order as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// The order id.
    pub order_id: String,
    /// The customer who owns it. Never sent back to the agent.
    #[serde(skip_serializing)]
    pub customer_id: String,
    /// `processing`, `shipped`, `delivered`, …
    pub status: String,
    /// Other attributes (`updatedAt`, `carrier`, `eta`, …), as strings.
    #[serde(flatten)]
    pub details: BTreeMap<String, String>,
}

/// An infrastructure failure of a store (not a missing order).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The backing service failed.
    #[error("order store request failed: {0}")]
    Backend(String),
    /// An item exists but lacks a required attribute or has the wrong type.
    #[error("order item is corrupt: attribute `{0}` missing or not a string")]
    Corrupt(&'static str),
}

/// Looks orders up by id.
pub trait OrderStore: Send + Sync {
    /// The order with this id, or `None`.
    fn get(&self, id: &OrderId) -> impl Future<Output = Result<Option<Order>, StoreError>> + Send;
}

/// Sample orders compiled in, used when no table is configured (local runs, demo).
#[derive(Debug, Clone)]
pub struct EmbeddedStore {
    orders: BTreeMap<String, Order>,
}

const SAMPLE: &[(&str, &str, &str, &str, &str)] = &[
    // (order, customer, status, updatedAt, carrier)
    (
        "ord-1001",
        "cust-001",
        "shipped",
        "2026-11-20T09:12:00Z",
        "UPS",
    ),
    (
        "ord-1002",
        "cust-001",
        "processing",
        "2026-11-21T16:40:00Z",
        "",
    ),
    (
        "ord-1003",
        "cust-001",
        "delivered",
        "2026-11-02T11:05:00Z",
        "DHL",
    ),
    (
        "ord-2002",
        "cust-002",
        "processing",
        "2026-11-21T08:00:00Z",
        "",
    ),
    (
        "ord-2003",
        "cust-002",
        "cancelled",
        "2026-10-30T14:22:00Z",
        "",
    ),
    (
        "ord-3001",
        "cust-003",
        "shipped",
        "2026-11-19T18:30:00Z",
        "FedEx",
    ),
];

impl Default for EmbeddedStore {
    fn default() -> Self {
        let orders = SAMPLE
            .iter()
            .map(|&(id, customer, status, updated, carrier)| {
                let mut details = BTreeMap::from([("updatedAt".to_owned(), updated.to_owned())]);
                if !carrier.is_empty() {
                    details.insert("carrier".to_owned(), carrier.to_owned());
                }
                let order = Order {
                    order_id: id.to_owned(),
                    customer_id: customer.to_owned(),
                    status: status.to_owned(),
                    details,
                };
                (id.to_owned(), order)
            })
            .collect();
        EmbeddedStore { orders }
    }
}

impl EmbeddedStore {
    /// All sample orders (for seeding a table in tests and demos).
    pub fn orders(&self) -> impl Iterator<Item = &Order> {
        self.orders.values()
    }
}

impl OrderStore for EmbeddedStore {
    async fn get(&self, id: &OrderId) -> Result<Option<Order>, StoreError> {
        Ok(self.orders.get(id.as_str()).cloned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_id_format() {
        for ok in ["ord-1", "ord-1001", "ord-123456789012"] {
            assert!(OrderId::parse(ok).is_some(), "{ok}");
        }
        for bad in [
            "",
            "ord-",
            "ord-1234567890123",
            "ORD-1",
            "ord-12a",
            "ord-1 ",
            "x ord-1",
            "ord-１",
        ] {
            assert!(OrderId::parse(bad).is_none(), "{bad}");
        }
    }
}
