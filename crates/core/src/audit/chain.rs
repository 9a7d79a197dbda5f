//! The SHA-256 hash chain over the records of one log stream.
//!
//! `hash = SHA-256(prev_hash || canonical JSON of the record without "hash")`, hex
//! encoded, where `prev_hash` is the previous record's hash (its 64 hex characters)
//! and the first record of a stream links to [`genesis_hash`] of the stream name.
//! Canonical JSON: object keys sorted by their UTF-16 code units (as in RFC 8785;
//! for the ASCII keys of a record this is plain byte order), no whitespace, numbers
//! and strings as `serde_json` writes them. Deleting, inserting, reordering or
//! editing a record, or moving records to another stream, breaks the chain.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::AuditRecord;

/// Why a chain does not verify, or a record cannot be sealed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    /// A line is not a JSON object.
    #[error("record {index}: not a JSON object: {message}")]
    NotAnObject {
        /// Position of the record in the stream (0-based).
        index: usize,
        /// The parser's message.
        message: String,
    },
    /// A record lacks `prev_hash` or `hash`.
    #[error("record {index}: missing `{field}`")]
    Missing {
        /// Position of the record in the stream (0-based).
        index: usize,
        /// The missing field.
        field: &'static str,
    },
    /// A record does not link to its predecessor (a record was deleted, inserted or
    /// reordered).
    #[error("record {index}: prev_hash `{found}` does not link to `{expected}`")]
    BrokenLink {
        /// Position of the record in the stream (0-based).
        index: usize,
        /// The hash the record should link to.
        expected: String,
        /// The prev_hash it carries.
        found: String,
    },
    /// A record's content does not match its hash (it was edited).
    #[error("record {index}: content does not match its hash `{hash}`")]
    Tampered {
        /// Position of the record in the stream (0-based).
        index: usize,
        /// The hash the record carries.
        hash: String,
    },
    /// A record could not be turned into JSON.
    #[error("cannot serialise record: {0}")]
    Serialise(String),
}

/// The hash the first record of `stream` links to: SHA-256 of
/// `"gatehouse.audit.v1\n" || stream`, so a chain cannot be moved to another stream
/// unnoticed.
pub fn genesis_hash(stream: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"gatehouse.audit.v1\n");
    h.update(stream.as_bytes());
    hex::encode(h.finalize())
}

/// Writes `value` as canonical JSON (sorted keys, no whitespace) into `out`.
pub fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Canonical JSON of `value`, see [`write_canonical`].
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

/// `SHA-256(prev_hash || canonical JSON of the object without "hash")`, hex.
fn hash_object(prev_hash: &str, object: &serde_json::Map<String, Value>) -> String {
    let mut without = object.clone();
    without.remove("hash");
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(canonical_json(&Value::Object(without)).as_bytes());
    hex::encode(h.finalize())
}

/// The running head of one stream's chain. Cheap to clone: clone it to seal a batch
/// tentatively and keep the clone only once the batch is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chain {
    stream: String,
    head: String,
}

impl Chain {
    /// A new chain for `stream`, starting at its genesis hash.
    pub fn genesis(stream: &str) -> Chain {
        Chain {
            stream: stream.to_owned(),
            head: genesis_hash(stream),
        }
    }

    /// A chain for `stream` continuing after a record whose hash is `head`.
    pub fn resume(stream: &str, head: &str) -> Chain {
        Chain {
            stream: stream.to_owned(),
            head: head.to_owned(),
        }
    }

    /// The stream this chain belongs to.
    pub fn stream(&self) -> &str {
        &self.stream
    }

    /// The hash of the last sealed record (the genesis hash when none).
    pub fn head(&self) -> &str {
        &self.head
    }

    /// Links `record` to the head, fills in `prev_hash` and `hash`, advances the head
    /// and returns the canonical JSON line to write.
    pub fn seal(&mut self, record: &mut AuditRecord) -> Result<String, ChainError> {
        record.prev_hash.clone_from(&self.head);
        record.hash.clear();
        // Through text and back so floats keep their shortest form (`0.8`, not the
        // f32→f64 widening `0.800000011920929`): what is hashed is what a reader parses.
        let text =
            serde_json::to_string(record).map_err(|e| ChainError::Serialise(e.to_string()))?;
        let value: Value =
            serde_json::from_str(&text).map_err(|e| ChainError::Serialise(e.to_string()))?;
        let Value::Object(mut map) = value else {
            return Err(ChainError::Serialise("record is not an object".into()));
        };
        let hash = hash_object(&self.head, &map);
        map.insert("hash".into(), Value::String(hash.clone()));
        record.hash.clone_from(&hash);
        self.head = hash;
        Ok(canonical_json(&Value::Object(map)))
    }
}

/// Verifies the lines of one stream, in order, from its genesis. Returns the head
/// (hash of the last record) when the chain is intact.
pub fn verify<S: AsRef<str>>(stream: &str, lines: &[S]) -> Result<String, ChainError> {
    verify_from(&genesis_hash(stream), lines)
}

/// Verifies lines that continue a chain whose head was `head`.
pub fn verify_from<S: AsRef<str>>(head: &str, lines: &[S]) -> Result<String, ChainError> {
    let mut expected = head.to_owned();
    for (index, line) in lines.iter().enumerate() {
        let value: Value =
            serde_json::from_str(line.as_ref()).map_err(|e| ChainError::NotAnObject {
                index,
                message: e.to_string(),
            })?;
        let Value::Object(map) = value else {
            return Err(ChainError::NotAnObject {
                index,
                message: "not an object".into(),
            });
        };
        let field = |name: &'static str| match map.get(name) {
            Some(Value::String(s)) => Ok(s.clone()),
            _ => Err(ChainError::Missing { index, field: name }),
        };
        let (prev, hash) = (field("prev_hash")?, field("hash")?);
        if prev != expected {
            return Err(ChainError::BrokenLink {
                index,
                expected,
                found: prev,
            });
        }
        if hash_object(&prev, &map) != hash {
            return Err(ChainError::Tampered { index, hash });
        }
        expected = hash;
    }
    Ok(expected)
}
