//! The action-group handler: identity from the session, typed parameters, ownership.
//!
//! Refusals are answers inside the agent envelope, not Lambda errors:
//!
//! | situation                          | function details      | OpenAPI |
//! |------------------------------------|-----------------------|---------|
//! | no `customerId` session attribute  | `FAILURE`             | 403     |
//! | unknown function / path / method   | `FAILURE`             | 404     |
//! | parameter fails its declared type, missing, or malformed order id | `REPROMPT` | 400 |
//! | order unknown, or another customer's | `REPROMPT`          | 404     |
//!
//! Another customer's order gets exactly the answer of an unknown one (404, not
//! 403): a 403 would confirm that the id exists, letting a caller enumerate other
//! customers' order ids. Only infrastructure failures (the store is down) and events
//! we cannot parse at all are Lambda errors.

use lambda_runtime::LambdaEvent;
use serde_json::Value;

use crate::error::OrderError;
use crate::event::{
    ActionResponse, AgentEvent, AgentResponse, ApiResponse, Body, FunctionResponse, FunctionResult,
    ResponseState,
};
use crate::params::{self, ParamValue};
use crate::store::{Order, OrderId, OrderStore};

/// The function name in function-details action groups.
pub const FUNCTION_NAME: &str = "getOrderStatus";
/// The path template in OpenAPI action groups.
pub const API_PATH: &str = "/orders/{orderId}";
/// The session attribute that carries the caller's identity, set by the application.
pub const IDENTITY_ATTRIBUTE: &str = "customerId";

/// Why a call was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No caller identity in the session attributes.
    MissingIdentity,
    /// The function, path or method is not ours.
    UnknownOperation,
    /// A parameter is missing, fails its declared type, or the order id is malformed.
    BadParameter(String),
    /// No such order for this caller (unknown, or someone else's: same answer).
    NotFound,
}

/// What the call comes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The caller's order.
    Found(Order),
    /// A refusal, answered in the envelope.
    Refused(Refusal),
}

/// Handles one action-group event of either kind.
pub async fn handle<S: OrderStore>(
    store: &S,
    event: LambdaEvent<Value>,
) -> Result<AgentResponse, OrderError> {
    let ev: AgentEvent = serde_json::from_value(event.payload)
        .map_err(|e| OrderError::MalformedEvent(e.to_string()))?;
    if ev.function.is_none() && ev.api_path.is_none() {
        return Err(OrderError::MalformedEvent(
            "neither `function` nor `apiPath` is set".into(),
        ));
    }
    let outcome = decide(store, &ev).await?;
    tracing::info!(
        action_group = %ev.action_group,
        function = ev.function.as_deref().unwrap_or(""),
        api_path = ev.api_path.as_deref().unwrap_or(""),
        outcome = outcome_name(&outcome),
        "action group call"
    );
    Ok(respond(&ev, &outcome))
}

/// The decision, before it is put in an envelope.
pub async fn decide<S: OrderStore>(store: &S, ev: &AgentEvent) -> Result<Outcome, OrderError> {
    let known = match (&ev.function, &ev.api_path) {
        (Some(f), _) => f == FUNCTION_NAME,
        (None, Some(path)) => {
            path == API_PATH
                && ev
                    .http_method
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case("GET"))
        }
        (None, None) => false,
    };
    if !known {
        return Ok(Outcome::Refused(Refusal::UnknownOperation));
    }
    // Identity only from the session attributes the application set; a `customerId`
    // parameter from the model is never read.
    let Some(customer) = ev
        .session_attributes
        .get(IDENTITY_ATTRIBUTE)
        .map(|c| c.trim())
        .filter(|c| !c.is_empty() && c.len() <= 128)
    else {
        return Ok(Outcome::Refused(Refusal::MissingIdentity));
    };
    let mut order_id = None;
    for p in &ev.parameters {
        let value = match params::parse(p) {
            Ok(v) => v,
            Err(e) => return Ok(Outcome::Refused(Refusal::BadParameter(e.to_string()))),
        };
        if p.name == "orderId" {
            order_id = Some(value);
        }
    }
    let id = match order_id {
        None => {
            return Ok(Outcome::Refused(Refusal::BadParameter(
                "parameter `orderId` is required".into(),
            )));
        }
        Some(ParamValue::String(s)) => match OrderId::parse(s.trim()) {
            Some(id) => id,
            None => {
                let reason = "parameter `orderId` must look like ord-1234".to_owned();
                return Ok(Outcome::Refused(Refusal::BadParameter(reason)));
            }
        },
        Some(_) => {
            let reason = "parameter `orderId` must be declared as a string".to_owned();
            return Ok(Outcome::Refused(Refusal::BadParameter(reason)));
        }
    };
    Ok(match store.get(&id).await? {
        Some(order) if order.customer_id == customer => Outcome::Found(order),
        _ => Outcome::Refused(Refusal::NotFound),
    })
}

fn outcome_name(o: &Outcome) -> &'static str {
    match o {
        Outcome::Found(_) => "found",
        Outcome::Refused(Refusal::MissingIdentity) => "missing_identity",
        Outcome::Refused(Refusal::UnknownOperation) => "unknown_operation",
        Outcome::Refused(Refusal::BadParameter(_)) => "bad_parameter",
        Outcome::Refused(Refusal::NotFound) => "not_found",
    }
}

/// Puts an outcome in the envelope of the event's kind.
pub fn respond(ev: &AgentEvent, outcome: &Outcome) -> AgentResponse {
    let (status, state, message) = match outcome {
        Outcome::Found(order) => (200, None, serde_json::to_string(order).unwrap_or_default()),
        Outcome::Refused(r) => {
            let (status, state, text) = match r {
                Refusal::MissingIdentity => (
                    403,
                    ResponseState::Failure,
                    "caller identity is missing".to_owned(),
                ),
                Refusal::UnknownOperation => {
                    (404, ResponseState::Failure, "unknown operation".to_owned())
                }
                Refusal::BadParameter(reason) => (400, ResponseState::Reprompt, reason.clone()),
                Refusal::NotFound => (
                    404,
                    ResponseState::Reprompt,
                    "no order with this id for this customer".to_owned(),
                ),
            };
            (status, Some(state), text)
        }
    };
    let response = match &ev.function {
        Some(function) => ActionResponse::Function(FunctionResponse {
            action_group: ev.action_group.clone(),
            function: function.clone(),
            function_response: FunctionResult {
                response_state: state,
                response_body: [("TEXT".to_owned(), Body { body: message })].into(),
            },
        }),
        None => {
            let body = match outcome {
                Outcome::Found(_) => message,
                Outcome::Refused(_) => serde_json::json!({ "error": message }).to_string(),
            };
            ActionResponse::Api(ApiResponse {
                action_group: ev.action_group.clone(),
                api_path: ev.api_path.clone().unwrap_or_default(),
                http_method: ev.http_method.clone().unwrap_or_default(),
                http_status_code: status,
                response_body: [("application/json".to_owned(), Body { body })].into(),
            })
        }
    };
    AgentResponse {
        message_version: "1.0".into(),
        response,
        session_attributes: ev.session_attributes.clone(),
        prompt_session_attributes: ev.prompt_session_attributes.clone(),
    }
}
