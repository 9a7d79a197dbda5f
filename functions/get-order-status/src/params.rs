//! Parameters arrive as strings; they are parsed by their declared type.

use crate::event::Parameter;

/// A parameter value parsed by its declared type.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// `string`.
    String(String),
    /// `number`: a finite float.
    Number(f64),
    /// `integer`.
    Integer(i64),
    /// `boolean`: `true` or `false`.
    Boolean(bool),
    /// `array`: a JSON array, or a bracketed comma list as agents sometimes send.
    Array(Vec<String>),
}

/// Why a parameter does not parse. Messages name the parameter, never its value
/// (the model may have put user text there).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParamError {
    /// The value is not of its declared type.
    #[error("parameter `{name}` is not a valid {kind}")]
    Invalid {
        /// Parameter name.
        name: String,
        /// Declared type.
        kind: String,
    },
    /// The declared type is not one the agents' schema allows.
    #[error("parameter `{name}` has unknown type `{kind}`")]
    UnknownType {
        /// Parameter name.
        name: String,
        /// Declared type.
        kind: String,
    },
}

/// Parses one parameter by its declared type.
pub fn parse(p: &Parameter) -> Result<ParamValue, ParamError> {
    let invalid = || ParamError::Invalid {
        name: p.name.clone(),
        kind: p.kind.clone(),
    };
    let v = p.value.trim();
    match p.kind.as_str() {
        "string" => Ok(ParamValue::String(p.value.clone())),
        "number" => v
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(ParamValue::Number)
            .ok_or_else(invalid),
        "integer" => v
            .parse::<i64>()
            .map(ParamValue::Integer)
            .map_err(|_| invalid()),
        "boolean" => match v {
            "true" => Ok(ParamValue::Boolean(true)),
            "false" => Ok(ParamValue::Boolean(false)),
            _ => Err(invalid()),
        },
        "array" => parse_array(v).map(ParamValue::Array).ok_or_else(invalid),
        _ => Err(ParamError::UnknownType {
            name: p.name.clone(),
            kind: p.kind.clone(),
        }),
    }
}

fn parse_array(v: &str) -> Option<Vec<String>> {
    if let Ok(items) = serde_json::from_str::<Vec<serde_json::Value>>(v) {
        return Some(
            items
                .into_iter()
                .map(|i| match i {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                })
                .collect(),
        );
    }
    let inner = v.strip_prefix('[')?.strip_suffix(']')?.trim();
    if inner.is_empty() {
        return Some(Vec::new());
    }
    Some(inner.split(',').map(|s| s.trim().to_owned()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(kind: &str, value: &str) -> Parameter {
        Parameter {
            name: "x".into(),
            kind: kind.into(),
            value: value.into(),
        }
    }

    #[test]
    fn parses_by_declared_type() {
        let ok = [
            ("string", "ord-1", ParamValue::String("ord-1".into())),
            ("number", "2.5", ParamValue::Number(2.5)),
            ("integer", " 42 ", ParamValue::Integer(42)),
            ("boolean", "false", ParamValue::Boolean(false)),
            (
                "array",
                r#"["a","b"]"#,
                ParamValue::Array(vec!["a".into(), "b".into()]),
            ),
            (
                "array",
                "[a, b]",
                ParamValue::Array(vec!["a".into(), "b".into()]),
            ),
            ("array", "[]", ParamValue::Array(vec![])),
        ];
        for (kind, value, want) in ok {
            assert_eq!(parse(&p(kind, value)), Ok(want), "{kind} {value}");
        }
    }

    #[test]
    fn rejects_values_that_fail_their_type() {
        let bad = [
            ("number", "NaN"),
            ("number", "inf"),
            ("number", "ten"),
            ("integer", "1.5"),
            ("integer", "99999999999999999999"),
            ("boolean", "yes"),
            ("array", "a, b"),
        ];
        for (kind, value) in bad {
            assert!(
                matches!(parse(&p(kind, value)), Err(ParamError::Invalid { .. })),
                "{kind} {value}"
            );
        }
        assert!(matches!(
            parse(&p("object", "{}")),
            Err(ParamError::UnknownType { .. })
        ));
    }
}
