//! `json_schema`: a structured answer must match its JSON Schema.
//!
//! The schema comes from the request ([`crate::ScanContext::schema`]: the name of a
//! schema of the rule, or an inline schema object compiled for this request) or,
//! when the request names none, from the rule's `default`. Named schemas are compiled
//! once, with the policy; a bad one is a policy error naming the schema.
//!
//! Models often wrap JSON in prose or in a ```` ```json ```` fence: with
//! `extract: first_json_block` the first fenced block (or else the first parseable
//! `{…}` / `[…]` value) is validated. An answer with no parseable JSON when a schema is
//! required is a finding too. Each finding names the failing instance path (a JSON
//! pointer such as `/risk_score`) and the schema keyword, never the value itself.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Check, CompileCtx, Hit, Input};
use crate::decision::{Category, Severity};
use crate::error::RuleError;

/// Configuration of a `json_schema` rule.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Named schemas a request can pick with `ScanContext::schema: "<name>"`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub schemas: BTreeMap<String, Value>,
    /// The schema used when the request names none. Without it, such requests pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Where the JSON is in the answer.
    #[serde(default)]
    pub extract: Extract,
    /// At most this many validation errors are reported (default 5).
    #[serde(default = "default_max_errors")]
    pub max_errors: usize,
}

fn default_max_errors() -> usize {
    5
}

/// Where the structured part of an answer is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Extract {
    /// The whole answer is one JSON document (surrounding whitespace allowed).
    #[default]
    Whole,
    /// The first ```` ``` ```` / ```` ```json ```` fenced block that parses, or else the
    /// first `{…}` or `[…]` value in the text.
    FirstJsonBlock,
}

/// Finds the JSON value of an answer: the value and its byte range in the text.
/// `Err` carries a reason (without answer text) when there is none.
pub(crate) fn extract_json(text: &str, how: Extract) -> Result<(Value, Range<usize>), String> {
    match how {
        Extract::Whole => {
            let start = text.len() - text.trim_start().len();
            let end = text.trim_end().len().max(start);
            serde_json::from_str::<Value>(text)
                .map(|v| (v, start..end))
                .map_err(|e| format!("answer is not valid JSON ({})", short_error(&e)))
        }
        Extract::FirstJsonBlock => {
            if let Some(found) = fenced_block(text) {
                return Ok(found);
            }
            first_value(text).ok_or_else(|| "answer contains no JSON object or array".to_owned())
        }
    }
}

/// The first fenced code block whose content parses as JSON.
fn fenced_block(text: &str) -> Option<(Value, Range<usize>)> {
    let mut from = 0;
    while let Some(open) = text.get(from..)?.find("```").map(|i| i + from) {
        let after = open + 3;
        let line_end = text
            .get(after..)?
            .find('\n')
            .map_or(text.len(), |i| i + after);
        let lang = text.get(after..line_end)?.trim().to_ascii_lowercase();
        let body_start = (line_end + 1).min(text.len());
        let close = text
            .get(body_start..)?
            .find("```")
            .map(|i| i + body_start)?;
        if lang.is_empty() || lang == "json" || lang == "jsonc" {
            let body = text.get(body_start..close)?;
            if let Ok(v) = serde_json::from_str::<Value>(body) {
                let lead = body.len() - body.trim_start().len();
                return Some((v, body_start + lead..body_start + body.trim_end().len()));
            }
        }
        from = close + 3;
    }
    None
}

/// The first `{` or `[` in the text where a JSON value starts (at most 64 tries).
fn first_value(text: &str) -> Option<(Value, Range<usize>)> {
    let starts = text
        .char_indices()
        .filter(|(_, c)| *c == '{' || *c == '[')
        .map(|(i, _)| i);
    for start in starts.take(64) {
        let rest = text.get(start..)?;
        let mut stream = serde_json::Deserializer::from_str(rest).into_iter::<Value>();
        if let Some(Ok(v)) = stream.next() {
            return Some((v, start..start + stream.byte_offset()));
        }
    }
    None
}

/// serde_json's error without the echoed input: just the category and position.
fn short_error(e: &serde_json::Error) -> String {
    let what = match e.classify() {
        serde_json::error::Category::Io => "read error",
        serde_json::error::Category::Syntax => "syntax error",
        serde_json::error::Category::Data => "data error",
        serde_json::error::Category::Eof => "unexpected end",
    };
    format!("{what} at line {} column {}", e.line(), e.column())
}

/// A compiled `json_schema` rule.
#[derive(Debug)]
pub(crate) struct JsonSchema {
    named: BTreeMap<String, jsonschema::Validator>,
    default: Option<String>,
    extract: Extract,
    max_errors: usize,
}

impl JsonSchema {
    pub(crate) fn compile(config: &Config, _cx: &mut CompileCtx<'_>) -> Result<JsonSchema, String> {
        let mut named = BTreeMap::new();
        for (name, schema) in &config.schemas {
            let v = jsonschema::validator_for(schema)
                .map_err(|e| format!("invalid schema at `schemas.{name}{}`: {e}", e.schema_path))?;
            named.insert(name.clone(), v);
        }
        if let Some(d) = &config.default
            && !named.contains_key(d)
        {
            return Err(format!("`default` names unknown schema `{d}`"));
        }
        Ok(JsonSchema {
            named,
            default: config.default.clone(),
            extract: config.extract,
            max_errors: config.max_errors.max(1),
        })
    }

    fn validate(
        &self,
        v: &jsonschema::Validator,
        name: &str,
        input: &Input<'_>,
        hits: &mut Vec<Hit>,
    ) {
        let (value, span) = match extract_json(input.text, self.extract) {
            Ok(found) => found,
            Err(reason) => {
                hits.push(Hit::new(
                    0,
                    input.text.len(),
                    format!("schema `{name}`: {reason}"),
                ));
                return;
            }
        };
        for e in v.iter_errors(&value).take(self.max_errors) {
            let path = e.instance_path.as_str();
            let path = if path.is_empty() { "/" } else { path };
            hits.push(Hit::new(
                span.start,
                span.end,
                format!(
                    "schema `{name}`: `{path}` fails `{}`",
                    e.schema_path.as_str()
                ),
            ));
        }
    }
}

impl Check for JsonSchema {
    fn category(&self) -> Category {
        Category::Schema
    }

    fn severity(&self) -> Severity {
        Severity::Medium
    }

    fn scan(&self, input: &Input<'_>, hits: &mut Vec<Hit>) -> Result<(), RuleError> {
        match &input.ctx.schema {
            Some(Value::String(name)) => {
                let v = self
                    .named
                    .get(name)
                    .ok_or_else(|| RuleError(format!("request names unknown schema `{name}`")))?;
                self.validate(v, name, input, hits);
            }
            Some(inline @ (Value::Object(_) | Value::Bool(_))) => {
                let v = jsonschema::validator_for(inline).map_err(|e| {
                    RuleError(format!("invalid inline schema at `{}`: {e}", e.schema_path))
                })?;
                self.validate(&v, "inline", input, hits);
            }
            Some(_) => {
                return Err(RuleError(
                    "request schema must be a schema name or a schema object".into(),
                ));
            }
            None => {
                if let Some((name, v)) = self
                    .default
                    .as_ref()
                    .and_then(|d| self.named.get_key_value(d))
                {
                    self.validate(v, name, input, hits);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extracts_fenced_then_bare_values() {
        let text = "Here you go:\n```json\n{\"a\": 1}\n```\nthanks";
        let (v, span) = extract_json(text, Extract::FirstJsonBlock).unwrap();
        assert_eq!(v["a"], 1);
        assert_eq!(&text[span], "{\"a\": 1}");

        let text = "Result: {\"a\": [1, 2]} and more {\"b\": 2}";
        let (v, span) = extract_json(text, Extract::FirstJsonBlock).unwrap();
        assert_eq!(v["a"][1], 2);
        assert_eq!(&text[span], "{\"a\": [1, 2]}");

        assert!(extract_json("no json {here", Extract::FirstJsonBlock).is_err());
        assert!(extract_json(" {\"a\":1} ", Extract::Whole).is_ok());
        let err = extract_json("secret text {", Extract::Whole).unwrap_err();
        assert!(!err.contains("secret"), "{err}");
    }
}
