//! get-order-status over a real (moto) DynamoDB table on loopback.
//!
//! Needs moto (`scripts/bootstrap.sh`, or `GATEHOUSE_MOTO=/path/to/moto_server`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers: a failed unwrap is a failed test"
)]

use aws_sdk_dynamodb::types::AttributeValue;
use gatehouse_testkit::MotoServer;
use get_order_status::dynamo::DynamoStore;
use get_order_status::event::{ActionResponse, AgentResponse, ResponseState};
use get_order_status::handle;
use get_order_status::store::EmbeddedStore;
use lambda_runtime::{Context, LambdaEvent};

const TABLE: &str = "gatehouse-orders";

async fn seeded_table(client: &aws_sdk_dynamodb::Client) {
    gatehouse_testkit::dynamo::create_table(client, TABLE, "orderId")
        .await
        .unwrap();
    for order in EmbeddedStore::default().orders() {
        let mut put = client
            .put_item()
            .table_name(TABLE)
            .item("orderId", AttributeValue::S(order.order_id.clone()))
            .item("customerId", AttributeValue::S(order.customer_id.clone()))
            .item("status", AttributeValue::S(order.status.clone()));
        for (k, v) in &order.details {
            put = put.item(k, AttributeValue::S(v.clone()));
        }
        put.send().await.unwrap();
    }
    // An item missing its owner: a store fault, not a refusal.
    client
        .put_item()
        .table_name(TABLE)
        .item("orderId", AttributeValue::S("ord-666".into()))
        .item("status", AttributeValue::S("shipped".into()))
        .send()
        .await
        .unwrap();
}

fn event(json: &str) -> LambdaEvent<serde_json::Value> {
    LambdaEvent::new(serde_json::from_str(json).unwrap(), Context::default())
}

#[tokio::test]
async fn answers_from_dynamodb_match_the_embedded_store() {
    let moto = MotoServer::start().expect("moto");
    let client = gatehouse_testkit::dynamo::client(&moto.endpoint()).await;
    seeded_table(&client).await;
    let dynamo = DynamoStore::new(client, TABLE);
    let embedded = EmbeddedStore::default();
    let events = [
        include_str!("../../../events/get-order-status/function-own-order.json"),
        include_str!("../../../events/get-order-status/function-other-customer.json"),
        include_str!("../../../events/get-order-status/function-model-supplied-customer.json"),
        include_str!("../../../events/get-order-status/openapi-own-order.json"),
        include_str!("../../../events/get-order-status/openapi-other-customer.json"),
        include_str!("../../../events/get-order-status/openapi-bad-param-type.json"),
    ];
    for json in events {
        let from_table: AgentResponse = handle(&dynamo, event(json)).await.unwrap();
        let from_embedded: AgentResponse = handle(&embedded, event(json)).await.unwrap();
        assert_eq!(from_table, from_embedded, "{json}");
    }
    let own = handle(&dynamo, event(events[0])).await.unwrap();
    let ActionResponse::Function(f) = own.response else {
        panic!("function response expected")
    };
    assert_eq!(f.function_response.response_state, None);
    assert!(
        f.function_response.response_body["TEXT"]
            .body
            .contains("\"carrier\":\"UPS\"")
    );
}

#[tokio::test]
async fn a_corrupt_item_or_a_dead_table_is_a_lambda_error() {
    let moto = MotoServer::start().expect("moto");
    let client = gatehouse_testkit::dynamo::client(&moto.endpoint()).await;
    seeded_table(&client).await;
    let corrupt = include_str!("../../../events/get-order-status/function-own-order.json")
        .replace("ord-1001", "ord-666");
    let err = handle(&DynamoStore::new(client.clone(), TABLE), event(&corrupt))
        .await
        .unwrap_err();
    assert_eq!(
        lambda_runtime::Diagnostic::from(err).error_type,
        "OrderStoreFailure"
    );
    let json = include_str!("../../../events/get-order-status/function-own-order.json");
    let err = handle(&DynamoStore::new(client, "no-such-table"), event(json))
        .await
        .unwrap_err();
    assert_eq!(err.error_type(), "OrderStoreFailure");
    // A refusal never needs the table: no identity is refused before any lookup.
    let no_identity =
        include_str!("../../../events/get-order-status/function-missing-identity.json");
    let r = handle(
        &DynamoStore::new(
            gatehouse_testkit::dynamo::client(&moto.endpoint()).await,
            "no-such-table",
        ),
        event(no_identity),
    )
    .await
    .unwrap();
    let ActionResponse::Function(f) = r.response else {
        panic!("function response expected")
    };
    assert_eq!(
        f.function_response.response_state,
        Some(ResponseState::Failure)
    );
}
