//! The SHA-256 hash chain over the records of one log stream.
//!
//! `hash = SHA-256(prev_hash || canonical JSON of the record without "hash")`, hex
//! encoded, where `prev_hash` is the previous record's hash (its 64 hex characters)
//! and the first record of a stream links to [`genesis_hash`] of the stream name.
//! Canonical JSON: object keys sorted by their UTF-16 code units (as in RFC 8785;
//! for the ASCII keys of a record this is plain byte order), no whitespace, numbers
//! and strings as `serde_json` writes them. Deleting, inserting, reordering or
//! editing a record, or moving records to another stream, breaks the chain.

use std::cmp::Ordering;

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
    let mut bytes = Vec::new();
    write_value(value, &mut bytes);
    out.push_str(&String::from_utf8_lossy(&bytes));
}

/// Canonical JSON of `value`, see [`write_canonical`].
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

/// The canonical key order: UTF-16 code units (RFC 8785); byte order when both keys
/// are ASCII, where the two agree.
fn key_order(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        a.cmp(b)
    } else {
        a.encode_utf16().cmp(b.encode_utf16())
    }
}

/// A JSON string or scalar exactly as `serde_json` writes it. Writing a `Value` or a
/// `str` into a `Vec` cannot fail; should it ever, `null` keeps the output JSON (and
/// the hash then cannot match, so nothing is silently accepted).
fn write_json<T: serde::Serialize + ?Sized>(v: &T, out: &mut Vec<u8>) {
    if serde_json::to_writer(&mut *out, v).is_err() {
        out.extend_from_slice(b"null");
    }
}

fn write_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            write_object(map, None, out);
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(v, out);
            }
            out.push(b']');
        }
        other => write_json(other, out),
    }
}

/// Writes `map` canonically, leaving out the key `skip`. Returns the byte offset
/// where an entry for `skip` would go in the sorted object, and whether entries come
/// before it (so an entry spliced in there needs a leading comma).
fn write_object(
    map: &serde_json::Map<String, Value>,
    skip: Option<&str>,
    out: &mut Vec<u8>,
) -> (usize, bool) {
    let mut entries: Vec<(&String, &Value)> = map
        .iter()
        .filter(|(k, _)| Some(k.as_str()) != skip)
        .collect();
    entries.sort_by(|a, b| key_order(a.0, b.0));
    out.push(b'{');
    let mut slot = (out.len(), false);
    for (i, (k, v)) in entries.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_json(k.as_str(), out);
        out.push(b':');
        write_value(v, out);
        if skip.is_some_and(|s| key_order(k, s) == Ordering::Less) {
            slot = (out.len(), true);
        }
    }
    out.push(b'}');
    slot
}

/// `SHA-256(prev_hash || canonical JSON of the object without "hash")`, hex.
fn hash_object(prev_hash: &str, object: &serde_json::Map<String, Value>) -> String {
    let mut body = Vec::with_capacity(1024);
    write_object(object, Some("hash"), &mut body);
    digest_hex(prev_hash, &body)
}

fn digest_hex(prev_hash: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(prev_hash.as_bytes());
    h.update(body);
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
        let Value::Object(map) = value else {
            return Err(ChainError::Serialise("record is not an object".into()));
        };
        // One canonical pass: the object without "hash" is hashed, then the hash
        // entry is spliced in at its sorted place (what `canonical_json` of the
        // object with the hash would write).
        let mut body = Vec::with_capacity(text.len() + 96);
        let (at, after_entry) = write_object(&map, Some("hash"), &mut body);
        let hash = digest_hex(&self.head, &body);
        let (before, after) = body.split_at(at.min(body.len()));
        let has_entries = map.keys().any(|k| k != "hash");
        let mut line = Vec::with_capacity(body.len() + 80);
        line.extend_from_slice(before);
        if after_entry {
            line.push(b',');
        }
        line.extend_from_slice(b"\"hash\":\"");
        line.extend_from_slice(hash.as_bytes());
        line.push(b'"');
        if !after_entry && has_entries {
            line.push(b',');
        }
        line.extend_from_slice(after);
        let line = String::from_utf8(line).map_err(|e| ChainError::Serialise(e.to_string()))?;
        record.hash.clone_from(&hash);
        self.head = hash;
        Ok(line)
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
