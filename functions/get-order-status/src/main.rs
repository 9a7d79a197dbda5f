//! Lambda entry point: tracing, the order store once per cold start, then the runtime loop.

use get_order_status::{AnyStore, dynamo::DynamoStore, handle, store::EmbeddedStore};
use lambda_runtime::{Error, run, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    gatehouse_runtime::init_tracing();
    let store = match std::env::var("ORDERS_TABLE").ok().filter(|t| !t.is_empty()) {
        Some(table) => {
            let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
            AnyStore::Dynamo(DynamoStore::new(
                aws_sdk_dynamodb::Client::new(&config),
                table,
            ))
        }
        None => AnyStore::Embedded(EmbeddedStore::default()),
    };
    let store = &store;
    run(service_fn(move |event| handle(store, event))).await
}
