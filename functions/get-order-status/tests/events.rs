//! Every sample event in events/get-order-status/ through the real handler, with the
//! embedded store: the events `sam local invoke -e` uses are the ones proven here.

#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers: a failed unwrap is a failed test"
)]
use get_order_status::event::{ActionResponse, AgentResponse, ResponseState};
use get_order_status::handle;
use get_order_status::store::EmbeddedStore;
use lambda_runtime::{Context, LambdaEvent};

macro_rules! event {
    ($name:literal) => {
        (
            $name,
            include_str!(concat!("../../../events/get-order-status/", $name, ".json")),
        )
    };
}

/// (event, expected function state or HTTP status, text the body must contain)
enum Want {
    Function(Option<ResponseState>, &'static str),
    Api(u16, &'static str),
}

async fn run(json: &str) -> AgentResponse {
    let payload = serde_json::from_str(json).unwrap();
    handle(
        &EmbeddedStore::default(),
        LambdaEvent::new(payload, Context::default()),
    )
    .await
    .unwrap()
}

fn body(r: &AgentResponse) -> &str {
    match &r.response {
        ActionResponse::Function(f) => &f.function_response.response_body["TEXT"].body,
        ActionResponse::Api(a) => &a.response_body["application/json"].body,
    }
}

#[tokio::test]
async fn sample_events_get_the_expected_answers() {
    use ResponseState::{Failure, Reprompt};
    let cases = [
        (
            event!("function-own-order"),
            Want::Function(None, r#""status":"shipped""#),
        ),
        (
            event!("function-other-customer"),
            Want::Function(Some(Reprompt), "no order with this id"),
        ),
        (
            event!("function-unknown-order"),
            Want::Function(Some(Reprompt), "no order with this id"),
        ),
        (
            event!("function-missing-identity"),
            Want::Function(Some(Failure), "identity is missing"),
        ),
        (
            event!("function-unknown-function"),
            Want::Function(Some(Failure), "unknown operation"),
        ),
        (
            event!("function-bad-param-type"),
            Want::Function(Some(Reprompt), "`includeHistory` is not a valid boolean"),
        ),
        (
            event!("function-bad-order-id"),
            Want::Function(Some(Reprompt), "must look like ord-1234"),
        ),
        (
            event!("function-model-supplied-customer"),
            Want::Function(Some(Reprompt), "no order with this id"),
        ),
        (
            event!("openapi-own-order"),
            Want::Api(200, r#""orderId":"ord-2002""#),
        ),
        (
            event!("openapi-other-customer"),
            Want::Api(404, "no order with this id"),
        ),
        (
            event!("openapi-unknown-path"),
            Want::Api(404, "unknown operation"),
        ),
        (
            event!("openapi-missing-identity"),
            Want::Api(403, "identity is missing"),
        ),
        (
            event!("openapi-bad-param-type"),
            Want::Api(400, "must be declared as a string"),
        ),
    ];
    for ((name, json), want) in cases {
        let r = run(json).await;
        assert_eq!(r.message_version, "1.0", "{name}");
        match (&r.response, want) {
            (ActionResponse::Function(f), Want::Function(state, text)) => {
                assert_eq!(f.function_response.response_state, state, "{name}");
                assert!(body(&r).contains(text), "{name}: {}", body(&r));
            }
            (ActionResponse::Api(a), Want::Api(status, text)) => {
                assert_eq!(a.http_status_code, status, "{name}");
                assert!(body(&r).contains(text), "{name}: {}", body(&r));
            }
            (other, _) => panic!("{name}: wrong envelope kind {other:?}"),
        }
        // The owner's id never leaves the function.
        assert!(
            !serde_json::to_string(&r.response)
                .unwrap()
                .contains("\"customerId\""),
            "{name}"
        );
    }
}

#[tokio::test]
async fn another_customers_order_is_indistinguishable_from_an_unknown_one() {
    // Given cust-001 asking for cust-002's order and for an order that does not exist,
    // when both are answered, then the answers are identical but for nothing at all.
    let mut other = run(event!("function-other-customer").1).await;
    let unknown = run(event!("function-unknown-order").1).await;
    assert_eq!(body(&other), body(&unknown));
    if let (ActionResponse::Function(a), ActionResponse::Function(b)) =
        (&mut other.response, &unknown.response)
    {
        assert_eq!(a.function_response, b.function_response);
    }
}

#[tokio::test]
async fn response_envelopes_have_the_documented_shape() {
    let f: serde_json::Value =
        serde_json::to_value(run(event!("function-other-customer").1).await).unwrap();
    assert_eq!(
        f["response"]["functionResponse"]["responseState"],
        "REPROMPT"
    );
    assert_eq!(f["response"]["function"], "getOrderStatus");
    assert!(f["response"]["functionResponse"]["responseBody"]["TEXT"]["body"].is_string());
    let ok: serde_json::Value =
        serde_json::to_value(run(event!("function-own-order").1).await).unwrap();
    assert!(
        ok["response"]["functionResponse"]
            .get("responseState")
            .is_none()
    );
    let a: serde_json::Value =
        serde_json::to_value(run(event!("openapi-own-order").1).await).unwrap();
    assert_eq!(a["response"]["httpStatusCode"], 200);
    assert_eq!(a["response"]["apiPath"], "/orders/{orderId}");
    let inner: serde_json::Value = serde_json::from_str(
        a["response"]["responseBody"]["application/json"]["body"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(inner["status"], "processing");
    assert_eq!(a["sessionAttributes"]["customerId"], "cust-002");
}

#[tokio::test]
async fn malformed_events_are_typed_errors_not_panics() {
    let cases = [
        serde_json::json!("just a string"),
        serde_json::json!({"messageVersion": "1.0"}),
        serde_json::json!({"messageVersion": "1.0", "actionGroup": "orders"}),
        serde_json::json!({"messageVersion": "1.0", "actionGroup": "orders", "function": "getOrderStatus", "parameters": "x"}),
    ];
    for payload in cases {
        let err = handle(
            &EmbeddedStore::default(),
            LambdaEvent::new(payload.clone(), Context::default()),
        )
        .await
        .unwrap_err();
        let d = lambda_runtime::Diagnostic::from(err);
        assert_eq!(d.error_type, "MalformedEvent", "{payload}");
    }
}
