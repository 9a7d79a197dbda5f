//! The Bedrock agent parser-Lambda contract (advanced prompts, `OUTPUT_PARSER`).
//!
//! Input: `{messageVersion, agent {name, id, alias, version}, invokeModelRawResponse,
//! promptType, overrideType}`. For `POST_PROCESSING` the answer is
//! `{messageVersion, promptType, postProcessingParsedResponse {responseText}}`. The
//! default post-processing template asks the model to wrap its answer in
//! `<final_response>` tags: the text inside is used when present, the whole raw output
//! otherwise.

use serde::{Deserialize, Serialize};

/// The agent that sent the event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AgentInfo {
    /// Agent name.
    #[serde(default)]
    pub name: String,
    /// Agent id.
    #[serde(default)]
    pub id: String,
    /// Alias.
    #[serde(default)]
    pub alias: String,
    /// Version.
    #[serde(default)]
    pub version: String,
}

/// A parser-Lambda event. Unknown fields are accepted: AWS may add some.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParserEvent {
    /// Always `1.0`.
    pub message_version: String,
    /// The agent.
    #[serde(default)]
    pub agent: AgentInfo,
    /// The model's raw output for the prompt being parsed.
    pub invoke_model_raw_response: String,
    /// Which prompt's output this is; only `POST_PROCESSING` is handled.
    pub prompt_type: String,
    /// Always `OUTPUT_PARSER`.
    pub override_type: String,
}

/// The parsed post-processing answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostProcessingParsedResponse {
    /// The text the agent returns to the user.
    pub response_text: String,
}

/// The parser-Lambda response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ParserResponse {
    /// `1.0`.
    pub message_version: String,
    /// `POST_PROCESSING`.
    pub prompt_type: String,
    /// The answer.
    pub post_processing_parsed_response: PostProcessingParsedResponse,
}

/// True when a raw event looks like a parser-Lambda event.
pub(crate) fn is_parser_event(event: &serde_json::Value) -> bool {
    event.get("overrideType").is_some() || event.get("invokeModelRawResponse").is_some()
}

/// The answer inside `<final_response>` tags, or the whole text.
pub(crate) fn final_response(raw: &str) -> &str {
    const OPEN: &str = "<final_response>";
    const CLOSE: &str = "</final_response>";
    raw.find(OPEN)
        .and_then(|i| raw.get(i + OPEN.len()..))
        .and_then(|rest| rest.find(CLOSE).and_then(|j| rest.get(..j)))
        .map_or(raw, str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_response_table() {
        for (raw, want) in [
            ("<final_response>\nHello\n</final_response>", "Hello"),
            (
                "thinking...<final_response>A</final_response> trailing",
                "A",
            ),
            ("no tags", "no tags"),
            (
                "<final_response>unterminated",
                "<final_response>unterminated",
            ),
        ] {
            assert_eq!(final_response(raw), want, "{raw}");
        }
    }
}
