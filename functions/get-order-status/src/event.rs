//! Our own serde types for the Bedrock agent action-group event and response, both
//! kinds: function details (`function`) and OpenAPI (`apiPath` + `httpMethod`).
//! Shapes: ARCHITECTURE.md "External formats", checked against the Bedrock user
//! guide ("Configure Lambda functions to send information that an Amazon Bedrock
//! agent elicits from the user"). Unknown fields are ignored: AWS may add some.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The event an agent sends when it calls an action group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentEvent {
    /// Always `"1.0"` so far.
    pub message_version: String,
    /// The calling agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentInfo>,
    /// The user's input for this turn (never used for decisions).
    #[serde(default)]
    pub input_text: String,
    /// The agent session.
    #[serde(default)]
    pub session_id: String,
    /// The action group called.
    pub action_group: String,
    /// Function-details action groups: the function called.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function: Option<String>,
    /// OpenAPI action groups: the path template called (`/orders/{orderId}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_path: Option<String>,
    /// OpenAPI action groups: the HTTP method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_method: Option<String>,
    /// Parameters the model filled in; every value is a string.
    #[serde(default)]
    pub parameters: Vec<Parameter>,
    /// OpenAPI request body, by content type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<RequestBody>,
    /// Attributes the application set for the session (our source of identity).
    #[serde(default)]
    pub session_attributes: BTreeMap<String, String>,
    /// Attributes for this prompt only.
    #[serde(default)]
    pub prompt_session_attributes: BTreeMap<String, String>,
}

/// The agent that calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentInfo {
    /// Agent name.
    #[serde(default)]
    pub name: String,
    /// Agent id.
    #[serde(default)]
    pub id: String,
    /// Agent alias.
    #[serde(default)]
    pub alias: String,
    /// Agent version.
    #[serde(default)]
    pub version: String,
}

/// One parameter: its declared type and its value, always a string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parameter {
    /// Parameter name.
    pub name: String,
    /// Declared type: `string`, `number`, `integer`, `boolean` or `array`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The value, as a string.
    pub value: String,
}

/// An OpenAPI request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestBody {
    /// Properties by content type (`application/json`).
    #[serde(default)]
    pub content: BTreeMap<String, BodyContent>,
}

/// The properties of one content type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BodyContent {
    /// The properties, typed like parameters.
    #[serde(default)]
    pub properties: Vec<Parameter>,
}

/// What the Lambda answers the agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentResponse {
    /// `"1.0"`.
    pub message_version: String,
    /// The answer, in the shape of the event's kind.
    pub response: ActionResponse,
    /// Session attributes, returned unchanged.
    #[serde(default)]
    pub session_attributes: BTreeMap<String, String>,
    /// Prompt session attributes, returned unchanged.
    #[serde(default)]
    pub prompt_session_attributes: BTreeMap<String, String>,
}

/// The answer of either kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ActionResponse {
    /// Function details.
    Function(FunctionResponse),
    /// OpenAPI.
    Api(ApiResponse),
}

/// Function-details answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FunctionResponse {
    /// The action group called.
    pub action_group: String,
    /// The function called.
    pub function: String,
    /// The result.
    pub function_response: FunctionResult,
}

/// The result of a function call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FunctionResult {
    /// `FAILURE` or `REPROMPT`; absent on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_state: Option<ResponseState>,
    /// The body by content type; we always answer `TEXT`.
    pub response_body: BTreeMap<String, Body>,
}

/// How the agent should treat a failed function call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ResponseState {
    /// The agent ends the turn with a dependency failure (our configuration is wrong).
    Failure,
    /// The agent hands the body to the model, which may ask the user and retry.
    Reprompt,
}

/// OpenAPI answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ApiResponse {
    /// The action group called.
    pub action_group: String,
    /// The path template called.
    pub api_path: String,
    /// The method called.
    pub http_method: String,
    /// The status: 200, 400, 403 or 404.
    pub http_status_code: u16,
    /// The body by content type; we always answer `application/json`.
    pub response_body: BTreeMap<String, Body>,
}

/// A body: text, or JSON encoded in a string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Body {
    /// The content.
    pub body: String,
}
