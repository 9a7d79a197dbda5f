//! Request-size guards and event parsing.
//!
//! Lambda caps a synchronous payload at 6 MB; the guards here are tighter, per field,
//! so an oversized prompt is refused before any work is spent on it.

use serde::de::DeserializeOwned;

use crate::FunctionError;

/// Default ceiling for a whole event, in bytes of JSON.
pub const MAX_EVENT_BYTES: usize = 1024 * 1024;

/// InvokeAgent accepts at most 25,000 characters of input text: the agent invoker
/// refuses a longer prompt, and the pre-processor denies one it would produce.
pub const MAX_AGENT_INPUT_CHARS: usize = 25_000;

/// Refuses `text` when it is longer than `max` bytes.
pub fn check_len(field: &str, text: &str, max: usize) -> Result<(), FunctionError> {
    if text.len() > max {
        return Err(FunctionError::TooLarge {
            field: field.to_owned(),
            len: text.len(),
            max,
        });
    }
    Ok(())
}

/// Refuses a list whose texts add up to more than `max` bytes, naming the list.
pub fn check_total<'a>(
    field: &str,
    texts: impl IntoIterator<Item = &'a str>,
    max: usize,
) -> Result<(), FunctionError> {
    let len = texts
        .into_iter()
        .map(str::len)
        .fold(0usize, usize::saturating_add);
    if len > max {
        return Err(FunctionError::TooLarge {
            field: field.to_owned(),
            len,
            max,
        });
    }
    Ok(())
}

/// Deserialises an event into `T`, reporting the path of the first bad field
/// (`untrusted[2]`, `tool_calls[0].tool`). The raw value is never echoed.
pub fn parse_event<T: DeserializeOwned>(event: serde_json::Value) -> Result<T, FunctionError> {
    serde_path_to_error::deserialize(event).map_err(|e| {
        let path = e.path().to_string();
        FunctionError::InvalidEvent {
            path,
            message: e.into_inner().to_string(),
        }
    })
}

/// Parses an event from JSON text, refusing text over [`MAX_EVENT_BYTES`].
pub fn parse_event_str<T: DeserializeOwned>(text: &str) -> Result<T, FunctionError> {
    check_len("event", text, MAX_EVENT_BYTES)?;
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        FunctionError::InvalidEvent {
            path,
            message: e.into_inner().to_string(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "fields exist to be parsed")]
    struct Ev {
        name: String,
        items: Vec<u32>,
    }

    #[test]
    fn bad_field_is_named() {
        let err = parse_event::<Ev>(serde_json::json!({"name": "a", "items": [1, "x"]}));
        let msg = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(msg.starts_with("invalid event at `items[1]`"), "{msg}");
        let err = parse_event::<Ev>(serde_json::json!({"name": "a", "items": [], "extra": 1}));
        assert!(err.is_err());
    }

    #[test]
    fn sizes() {
        assert!(check_len("prompt", "abc", 3).is_ok());
        assert!(check_len("prompt", "abcd", 3).is_err());
        assert!(check_total("untrusted", ["ab", "cd"], 3).is_err());
    }
}
